"""Naming: the seed, names that never flatter, true and unique descriptive names, invariances.

Expected names are worked out by hand from the rule in rfm_nbo/segmentation/naming.py
(distances in rank space; 0.25 is the match limit), in the comments beside them.
"""

from __future__ import annotations

import csv
import re

import numpy as np
import pandas as pd
import pytest
from planted import planted_customers
from seed_prototypes import SEED_PATH, seed_frame, seed_prototypes

from rfm_nbo.segmentation import KMeansSettings, draw_sample, fit_named_clusters, pipeline
from rfm_nbo.segmentation.fitting import KMeansFit, fit_kmeans
from rfm_nbo.segmentation.naming import MAX_MATCH_DISTANCE, descriptive_names, name_clusters
from rfm_nbo.segmentation.prototypes import prototypes_from_frame

SEGMENTS_PATH = SEED_PATH.parent / "segments.csv"


def names_of(profiles: list[list[float]]) -> list[str]:
    return [naming.cluster_name for naming in name_clusters(np.array(profiles), seed_prototypes())]


# ---------------------------------------------------------------------------
# The seed
# ---------------------------------------------------------------------------


def test_seed_parses_and_every_name_is_in_the_segment_vocabulary() -> None:
    prototypes = seed_prototypes()
    names = [prototype.name for prototype in prototypes]
    assert len(names) == len(set(names)) == 9
    with SEGMENTS_PATH.open() as handle:
        schemes = {row["segment_name"]: row["scheme"] for row in csv.DictReader(handle)}
    for name in names:
        assert schemes.get(name) in ("kmeans_prototype", "both"), name
    by_name = {prototype.name: prototype for prototype in prototypes}
    assert by_name["Champions"].is_best_cluster_only
    assert by_name["Champions"].directions == ("high", "high", "high")
    assert by_name["Need Attention"].directions == (None, None, None)
    assert [p.name for p in prototypes if p.is_best_cluster_only] == ["Champions"]


def test_seed_rows_in_any_order_and_any_blank_spelling_give_the_same_prototypes() -> None:
    frame = seed_frame()
    reordered = frame.iloc[::-1].reset_index(drop=True)
    # Engines hand a blank seed cell back as NaN, None or (CSV) an empty string.
    as_strings = reordered.astype(object).where(reordered.notna(), "")
    as_strings["is_best_cluster_only"] = as_strings["is_best_cluster_only"].map(
        {True: "true", False: "false"}
    )
    assert prototypes_from_frame(reordered) == seed_prototypes()
    assert prototypes_from_frame(as_strings) == seed_prototypes()


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("recency_direction", "up", "must be high, low or blank"),
        ("frequency_percentile", 1.5, r"must be a number in \[0, 1\]"),
        ("segment_name", "Lost", "repeats segment_name"),
        ("is_best_cluster_only", "maybe", "must be true or false"),
    ],
)
def test_a_bad_seed_edit_is_a_clear_error(column: str, value: object, message: str) -> None:
    frame = seed_frame().astype(object)
    frame.loc[0, column] = value
    with pytest.raises(ValueError, match=message):
        prototypes_from_frame(frame)


def test_best_cluster_only_needs_a_direction() -> None:
    frame = seed_frame().astype(object)
    need_attention = frame["segment_name"] == "Need Attention"
    frame.loc[need_attention, "is_best_cluster_only"] = True
    with pytest.raises(ValueError, match="best on what"):
        prototypes_from_frame(frame)


# ---------------------------------------------------------------------------
# Planted types: the names a fit gets
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def planted_sample() -> pd.DataFrame:
    return draw_sample(planted_customers(4_000), KMeansSettings())


def test_champions_centroid_is_best_on_every_dimension(planted_sample: pd.DataFrame) -> None:
    _, table = fit_named_clusters(planted_sample, 6, KMeansSettings(), seed_prototypes())
    champions = table[table["cluster_name"] == "Champions"]
    assert len(champions) == 1
    assert champions["recency_days"].iloc[0] == table["recency_days"].min()
    assert champions["frequency"].iloc[0] == table["frequency"].max()
    assert champions["monetary"].iloc[0] == table["monetary"].max()
    # Canonical order puts the best profile first.
    assert champions["cluster_id"].iloc[0] == 1


def test_planted_types_get_their_business_names(planted_sample: pd.DataFrame) -> None:
    _, table = fit_named_clusters(planted_sample, 6, KMeansSettings(), seed_prototypes())
    by_name = table.set_index("cluster_name")
    assert {"Champions", "Loyal Customers", "At Risk", "New Customers", "Lost"} <= set(
        by_name.index
    )
    assert by_name.loc["Lost", "recency_days"] == table["recency_days"].max()
    assert by_name.loc["New Customers", "frequency"] < 1.1
    assert by_name.loc["At Risk", "recency_days"] > by_name.loc["Loyal Customers", "recency_days"]
    assert not table["is_descriptive_name"].any()
    assert (table["match_distance"] <= MAX_MATCH_DISTANCE).all()
    assert table["naming_reason"].str.startswith(tuple(table["cluster_name"])).all()


@pytest.mark.parametrize("k", [3, 4, 5, 6, 7, 8])
def test_names_are_unique_for_every_k(planted_sample: pd.DataFrame, k: int) -> None:
    _, table = fit_named_clusters(planted_sample, k, KMeansSettings(), seed_prototypes())
    assert table["cluster_name"].is_unique
    assert not table["cluster_name"].str.contains(r"\(cluster \d+\)").any()
    assert table["cluster_id"].tolist() == list(range(1, k + 1))


def test_names_and_ids_do_not_depend_on_kmeans_label_order(
    planted_sample: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = KMeansSettings()
    _, expected = fit_named_clusters(planted_sample, 6, settings, seed_prototypes())
    permutation = np.array([3, 0, 5, 1, 4, 2])

    def permuted_fit(scaled: np.ndarray, k: int, seed: int, n_init: int) -> KMeansFit:
        fit = fit_kmeans(scaled, k, seed, n_init)
        inverse = np.argsort(permutation)
        return KMeansFit(fit.centroids[permutation], inverse[fit.labels], fit.inertia)

    monkeypatch.setattr(pipeline, "fit_kmeans", permuted_fit)
    _, relabelled = fit_named_clusters(planted_sample, 6, settings, seed_prototypes())
    pd.testing.assert_frame_equal(relabelled, expected)


def test_names_do_not_depend_on_input_row_order() -> None:
    population = planted_customers(2_000)
    settings = KMeansSettings()
    _, first = fit_named_clusters(draw_sample(population, settings), 6, settings, seed_prototypes())
    shuffled = population.sample(frac=1.0, random_state=5)
    _, second = fit_named_clusters(draw_sample(shuffled, settings), 6, settings, seed_prototypes())
    pd.testing.assert_frame_equal(first, second)


# ---------------------------------------------------------------------------
# Adversarial profiles
# ---------------------------------------------------------------------------


def test_a_dominated_cluster_closest_to_champions_is_not_called_champions() -> None:
    # Cluster 2 sits exactly on the Champions prototype (distance 0); cluster 1
    # beats it on r, f and m and is 0.15 away (sqrt(0.1^2 + 0.1^2 + 0.05^2)).
    # Minimising distance alone would call cluster 2 Champions and leave
    # cluster 1, the better customers, without a prototype (Loyal Customers
    # is 0.41 from it). Champions goes only to the highest mean percentile:
    # cluster 1. Cluster 2 is 0.269 from Loyal Customers (sqrt(0.2^2 + 0.1^2
    # + 0.15^2)), beyond 0.25, so it is described: against the medians
    # (0.85, 0.85, 0.85) of the three clusters it is the median on every
    # measure. Cluster 3 is Lost (0.1 away, and nothing is more lapsed or
    # buys less often).
    profiles = np.array([[0.95, 0.95, 0.90], [0.85, 0.85, 0.85], [0.2, 0.2, 0.2]])
    namings = name_clusters(profiles, seed_prototypes())
    assert [n.cluster_name for n in namings] == [
        "Champions",
        "Mid recency, mid frequency, mid spend",
        "Lost",
    ]
    assert namings[1].closest_prototype == "Champions"
    assert namings[1].closest_prototype_distance == 0.0
    assert "goes only to the cluster with the highest mean" in namings[1].naming_reason
    assert namings[0].match_distance == pytest.approx(0.15)


def test_no_cluster_is_champions_when_the_best_one_is_too_far() -> None:
    # The best cluster is 0.258 from Champions (sqrt(3) * 0.149), beyond 0.25;
    # the next one sits on the prototype but is not the best, so no cluster is
    # called Champions. Cluster 1 gets no other prototype (Loyal Customers
    # is 0.52 away) and is described: above the medians (0.85, 0.85, 0.85).
    profiles = np.array([[0.999, 0.999, 0.999], [0.85, 0.85, 0.85], [0.2, 0.2, 0.2]])
    names = names_of(profiles.tolist())
    assert "Champions" not in names
    assert names == [
        "Recent, high frequency, high spend",
        "Mid recency, mid frequency, mid spend",
        "Lost",
    ]


def test_loyal_customers_is_not_given_to_a_cluster_a_described_cluster_beats() -> None:
    # Cluster 2 sits exactly on the Loyal Customers prototype (0.65, 0.75,
    # 0.7), a name about high recency and frequency. Cluster 3 is more recent
    # (0.72) and more frequent (0.80) but spends little: 0.41 from Loyal
    # Customers, 0.37 from Potential Loyalists, so it gets a descriptive name.
    # Calling cluster 2 "Loyal" would flatter it against cluster 3, so it is
    # described too. Medians of the four clusters: r 0.685, f 0.775, m 0.5.
    profiles = [[0.9, 0.9, 0.9], [0.65, 0.75, 0.7], [0.72, 0.80, 0.3], [0.1, 0.2, 0.2]]
    namings = name_clusters(np.array(profiles), seed_prototypes())
    assert [n.cluster_name for n in namings] == [
        "Champions",
        "Lapsed, low frequency, high spend",
        "Recent, high frequency, low spend",
        "Lost",
    ]
    assert namings[1].closest_prototype == "Loyal Customers"
    assert "cluster 3 dominates it (more recent and more frequent)" in namings[1].naming_reason
    # Without cluster 3 nothing beats it and the name is earned.
    assert names_of([profiles[0], profiles[1], profiles[3]])[1] == "Loyal Customers"


def test_a_dominating_cluster_with_a_stronger_name_does_not_block() -> None:
    # Champions (cluster 1) beats cluster 2 on recency and frequency, but
    # Champions claims at least as much as Loyal Customers, so cluster 2 keeps
    # its name. Likewise Lost (cluster 4) is more lapsed and buys less often
    # than cluster 3, and Lost outranks Hibernating.
    profiles = [[0.9, 0.9, 0.9], [0.66, 0.74, 0.7], [0.3, 0.35, 0.35], [0.1, 0.2, 0.2]]
    assert names_of(profiles) == ["Champions", "Loyal Customers", "Hibernating", "Lost"]


def test_near_duplicate_clusters_get_unique_true_names() -> None:
    # Cluster 1 (mean 0.86) takes Champions; cluster 2, nearly the same, is
    # not the best and is 0.2526 from Loyal Customers (sqrt(0.19^2 + 0.09^2
    # + 0.14^2)), so it is described. Clusters 3 and 4 are 0.364 and 0.353
    # from Big Spenders, the nearest prototype. Medians of the four clusters:
    # r (0.5 + 0.84) / 2 = 0.67, f (0.06 + 0.84) / 2 = 0.45,
    # m (0.86 + 0.93) / 2 = 0.895. Clusters 3 and 4 share the words "Lapsed,
    # low frequency, high spend"; they are farthest apart on recency (gaps:
    # r 0.05, f 0.01, m 0.02), where cluster 3 is the more recent.
    profiles = [[0.86, 0.86, 0.86], [0.84, 0.84, 0.84], [0.5, 0.05, 0.95], [0.45, 0.06, 0.93]]
    assert names_of(profiles) == [
        "Champions",
        "Recent, high frequency, low spend",
        "Lapsed, low frequency, high spend, the more recent",
        "Lapsed, low frequency, high spend, the less recent",
    ]


def test_three_clusters_sharing_words_are_ranked_and_twins_numbered() -> None:
    # Cluster 1 is Champions and cluster 6 sits on New Customers; clusters 2
    # to 5 are 0.38 or more from every prototype. Medians of the six:
    # r (0.40 + 0.45) / 2 = 0.425, f (0.07 + 0.2) / 2 = 0.135,
    # m (0.86 + 0.97) / 2 = 0.915. Clusters 3, 4 and 5 all read "Lapsed, low
    # frequency, high spend"; their smallest gaps are 0.1 on recency, 0.01 on
    # frequency and on spend, so recency ranks them.
    profiles = [
        [0.86, 0.86, 0.86],
        [0.45, 0.9, 0.3],
        [0.40, 0.05, 0.97],
        [0.30, 0.06, 0.98],
        [0.20, 0.07, 0.99],
        [0.85, 0.2, 0.3],
    ]
    assert names_of(profiles) == [
        "Champions",
        "Recent, high frequency, low spend",
        "Lapsed, low frequency, high spend, the most recent",
        "Lapsed, low frequency, high spend, the 2nd most recent",
        "Lapsed, low frequency, high spend, the least recent",
        "New Customers",
    ]
    # Identical profiles (an empty cluster, duplicated customers) are numbered.
    # Medians r 0.58, f 0.275, m 0.925: the twins are below, below, above.
    twins = [[0.86, 0.86, 0.86], [0.95, 0.5, 0.1], [0.3, 0.05, 0.99], [0.3, 0.05, 0.99]]
    assert names_of(twins)[2:] == [
        "Lapsed, low frequency, high spend, twin 1 of 2",
        "Lapsed, low frequency, high spend, twin 2 of 2",
    ]


def test_a_poor_match_gets_an_honest_descriptive_name() -> None:
    # A mid-recency, one-order, top-spend cluster: the nearest prototype, Big
    # Spenders, is 0.364 away (sqrt(0.35^2 + 0.1^2)). Medians r 0.5, f 0.25,
    # m 0.85: its recency is the median, frequency below, spend above.
    profiles = np.array([[0.85, 0.85, 0.85], [0.5, 0.05, 0.95], [0.1, 0.25, 0.2]])
    namings = name_clusters(profiles, seed_prototypes())
    assert [n.cluster_name for n in namings] == [
        "Champions",
        "Mid recency, low frequency, high spend",
        "Lost",
    ]
    poor = namings[1]
    assert poor.is_descriptive_name and poor.matched_prototype is None
    assert poor.closest_prototype == "Big Spenders"
    assert poor.closest_prototype_distance == pytest.approx(0.364, abs=1e-3)
    assert poor.naming_reason == (
        "descriptive: closest prototype Big Spenders: 0.364 from Big Spenders, beyond 0.25"
    )


def test_descriptive_words_are_relative_to_the_clusters_median() -> None:
    # Median of (0.9, 0.6, 0.55, 0.2) is 0.575 on every measure: 0.6 is above
    # it, so "high" even though 0.6 is far from the top; 0.55 is below.
    profiles = np.array([[0.9] * 3, [0.6] * 3, [0.55] * 3, [0.2] * 3])
    assert descriptive_names(profiles) == [
        "Recent, high frequency, high spend",
        "Recent, high frequency, high spend",
        "Lapsed, low frequency, low spend",
        "Lapsed, low frequency, low spend",
    ]
    # Odd k: the middle cluster is the median itself, hence "mid".
    assert descriptive_names(np.array([[0.9, 0.1, 0.5], [0.5, 0.5, 0.1], [0.1, 0.9, 0.9]])) == [
        "Recent, low frequency, mid spend",
        "Mid recency, mid frequency, low spend",
        "Lapsed, high frequency, high spend",
    ]


def test_single_cluster() -> None:
    assert names_of([[0.5, 0.5, 0.5]]) == ["All customers"]


# ---------------------------------------------------------------------------
# Property test: many random profile sets
# ---------------------------------------------------------------------------


def _dominates(better: np.ndarray, worse: np.ndarray, signs: np.ndarray) -> bool:
    """Independent of the package: at least as good everywhere signed, strictly once."""
    about = signs != 0
    if not about.any():
        return False
    gains = (better - worse)[about] * signs[about]
    return bool((gains >= 0).all() and (gains > 0).any())


_WORDS = {
    0: {"Recent": 1, "Lapsed": -1, "Mid recency": 0},
    1: {"high frequency": 1, "low frequency": -1, "mid frequency": 0},
    2: {"high spend": 1, "low spend": -1, "mid spend": 0},
}


def _random_profiles(rng: np.random.Generator) -> np.ndarray:
    """2..10 clusters: uniform points, prototype points with noise, and near-duplicates."""
    k = int(rng.integers(2, 11))
    points = [row.point() for row in seed_prototypes()]
    profiles = []
    for _ in range(k):
        draw = rng.random()
        if draw < 0.4 or not profiles:
            base = points[int(rng.integers(len(points)))]
            profiles.append(base + rng.normal(0, 0.08, 3))
        elif draw < 0.7:
            profiles.append(profiles[int(rng.integers(len(profiles)))] + rng.normal(0, 0.01, 3))
        else:
            profiles.append(rng.random(3))
    return np.clip(np.array(profiles), 0.01, 0.99)


def test_random_profile_sets_never_flatter_and_names_are_unique() -> None:
    rng = np.random.default_rng(20240611)
    prototypes = {prototype.name: prototype for prototype in seed_prototypes()}
    champions_given = descriptive_given = 0
    for _ in range(400):
        profiles = _random_profiles(rng)
        namings = name_clusters(profiles, seed_prototypes())
        names = [naming.cluster_name for naming in namings]
        assert len(set(names)) == len(names), names
        assert not any(re.search(r"\(cluster \d+\)", name) for name in names)
        medians = np.median(profiles, axis=0)
        for cluster, naming in enumerate(namings):
            if naming.cluster_name == "Champions":
                champions_given += 1
                # Done-criterion: nothing dominates the Champions cluster on r, f, m.
                for other in range(len(profiles)):
                    assert not _dominates(profiles[other], profiles[cluster], np.ones(3))
                assert cluster == int(np.argmax(profiles.mean(axis=1)))
            if naming.matched_prototype is not None:
                assert naming.match_distance <= MAX_MATCH_DISTANCE
                prototype = prototypes[naming.matched_prototype]
                signs = prototype.signs()
                for other in range(len(profiles)):
                    if not _dominates(profiles[other], profiles[cluster], signs):
                        continue
                    # A dominating cluster must carry a name claiming at least as much.
                    stronger = namings[other].matched_prototype
                    assert stronger is not None, (profiles, names)
                    gains = (prototypes[stronger].point() - prototype.point()) * signs
                    assert (gains[signs != 0] >= 0).all(), (profiles, names)
            else:
                descriptive_given += 1
                words = naming.cluster_name.split(", ")
                for position in range(3):
                    level = _WORDS[position][words[position]]
                    value, median = profiles[cluster, position], medians[position]
                    assert level == int(np.sign(value - median)), (naming.cluster_name, value)
    # Coverage guard, not an expected value: the draws must keep exercising
    # both kinds of names (a few hundred Champions and descriptive names).
    assert champions_given > 50 and descriptive_given > 300
