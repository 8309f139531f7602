"""Naming: right names on planted types, invariance to label order, honest fallback, uniqueness."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from planted import planted_customers

from rfm_nbo.segmentation import KMeansSettings, draw_sample, fit_named_clusters, pipeline
from rfm_nbo.segmentation.fitting import KMeansFit, fit_kmeans
from rfm_nbo.segmentation.naming import (
    MAX_MATCH_DISTANCE,
    PROTOTYPES,
    descriptive_name,
    name_clusters,
)


@pytest.fixture(scope="module")
def planted_sample() -> pd.DataFrame:
    return draw_sample(planted_customers(4_000), KMeansSettings())


def test_champions_centroid_is_best_on_every_dimension(planted_sample: pd.DataFrame) -> None:
    _, table = fit_named_clusters(planted_sample, 6, KMeansSettings())
    champions = table[table["cluster_name"] == "Champions"]
    assert len(champions) == 1
    assert champions["recency_days"].iloc[0] == table["recency_days"].min()
    assert champions["frequency"].iloc[0] == table["frequency"].max()
    assert champions["monetary"].iloc[0] == table["monetary"].max()
    # Canonical order puts the best profile first.
    assert champions["cluster_id"].iloc[0] == 1


def test_planted_types_get_their_business_names(planted_sample: pd.DataFrame) -> None:
    _, table = fit_named_clusters(planted_sample, 6, KMeansSettings())
    by_name = table.set_index("cluster_name")
    assert {"Champions", "Loyal Customers", "At Risk", "New Customers", "Lost"} <= set(
        by_name.index
    )
    assert by_name.loc["Lost", "recency_days"] == table["recency_days"].max()
    assert by_name.loc["New Customers", "frequency"] < 1.1
    assert by_name.loc["At Risk", "recency_days"] > by_name.loc["Loyal Customers", "recency_days"]
    assert not table["is_descriptive_name"].any()
    assert (table["match_distance"] <= MAX_MATCH_DISTANCE).all()


@pytest.mark.parametrize("k", [3, 4, 5, 6, 7, 8])
def test_names_are_unique_for_every_k(planted_sample: pd.DataFrame, k: int) -> None:
    _, table = fit_named_clusters(planted_sample, k, KMeansSettings())
    assert table["cluster_name"].is_unique
    assert table["cluster_id"].tolist() == list(range(1, k + 1))


def test_names_and_ids_do_not_depend_on_kmeans_label_order(
    planted_sample: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = KMeansSettings()
    _, expected = fit_named_clusters(planted_sample, 6, settings)
    permutation = np.array([3, 0, 5, 1, 4, 2])

    def permuted_fit(scaled: np.ndarray, k: int, seed: int, n_init: int) -> KMeansFit:
        fit = fit_kmeans(scaled, k, seed, n_init)
        inverse = np.argsort(permutation)
        return KMeansFit(fit.centroids[permutation], inverse[fit.labels], fit.inertia)

    monkeypatch.setattr(pipeline, "fit_kmeans", permuted_fit)
    _, relabelled = fit_named_clusters(planted_sample, 6, settings)
    pd.testing.assert_frame_equal(relabelled, expected)


def test_names_do_not_depend_on_input_row_order() -> None:
    population = planted_customers(2_000)
    settings = KMeansSettings()
    _, first = fit_named_clusters(draw_sample(population, settings), 6, settings)
    shuffled = population.sample(frac=1.0, random_state=5)
    _, second = fit_named_clusters(draw_sample(shuffled, settings), 6, settings)
    pd.testing.assert_frame_equal(first, second)


def test_a_poor_match_gets_an_honest_descriptive_name() -> None:
    # A mid-recency, one-order, top-spend cluster: nearest prototype (Big
    # Spenders) is 0.41 away, beyond MAX_MATCH_DISTANCE.
    profiles = np.array([[0.85, 0.85, 0.85], [0.5, 0.05, 0.95], [0.1, 0.25, 0.2]])
    namings = name_clusters(profiles)
    assert [n.cluster_name for n in namings] == [
        "Champions",
        "Mid recency, low frequency, high spend",
        "Lost",
    ]
    poor = namings[1]
    assert poor.is_descriptive_name and poor.matched_prototype is None
    assert poor.closest_prototype == "Big Spenders"
    assert poor.closest_prototype_distance > MAX_MATCH_DISTANCE


def test_matching_is_one_to_one_and_descriptive_names_stay_unique() -> None:
    # Two profiles next to Champions: only one can have the name; the other
    # takes the next best prototype within reach, or a descriptive name.
    twins = np.array([[0.86, 0.86, 0.86], [0.84, 0.84, 0.84], [0.5, 0.05, 0.95], [0.5, 0.05, 0.95]])
    names = [n.cluster_name for n in name_clusters(twins)]
    assert names.count("Champions") == 1
    assert len(set(names)) == 4
    assert names[2:] == [
        "Mid recency, low frequency, high spend (cluster 3)",
        "Mid recency, low frequency, high spend (cluster 4)",
    ]


def test_single_cluster_and_descriptive_levels() -> None:
    assert [n.cluster_name for n in name_clusters(np.array([[0.5, 0.5, 0.5]]))] == ["All customers"]
    assert descriptive_name([0.9, 0.5, 0.1]) == "Recent, mid frequency, low spend"
    assert descriptive_name([0.2, 0.7, 0.5]) == "Lapsed, high frequency, mid spend"


def test_prototype_names_are_unique() -> None:
    names = [prototype.name for prototype in PROTOTYPES]
    assert len(names) == len(set(names))
