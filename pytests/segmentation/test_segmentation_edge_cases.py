"""Edge cases with clear outcomes: identical customers, tiny inputs, one-order customers, NaN."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from seed_prototypes import seed_prototypes

from rfm_nbo.segmentation import (
    KMeansSettings,
    assign_clusters,
    diagnose_k,
    draw_sample,
    fit_named_clusters,
)
from rfm_nbo.segmentation.pipeline import chosen_k


def frame(rows: list[tuple[int, int, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [f"c{i:03d}" for i in range(len(rows))],
            "recency_days": [row[0] for row in rows],
            "frequency": [row[1] for row in rows],
            "monetary": [row[2] for row in rows],
        }
    )


def run(
    customers: pd.DataFrame, settings: KMeansSettings | None = None
) -> tuple[pd.DataFrame, ...]:
    settings = settings or KMeansSettings()
    sample = draw_sample(customers, settings)
    diagnostics = diagnose_k(sample, settings)
    _, centroids = fit_named_clusters(
        sample, chosen_k(diagnostics, settings), settings, seed_prototypes()
    )
    return diagnostics, centroids, assign_clusters(customers, centroids, settings.chunk_size)


def test_all_customers_identical_make_one_named_cluster() -> None:
    diagnostics, centroids, assignments = run(frame([(30, 2, 80.0)] * 25))
    assert diagnostics[["k", "is_chosen"]].to_dict("records") == [{"k": 1, "is_chosen": True}]
    assert pd.isna(diagnostics.loc[0, "silhouette"])
    assert diagnostics.loc[0, "choice_reason"] == "only k tried; reduced: only 1 distinct customer"
    assert centroids["cluster_name"].tolist() == ["All customers"]
    assert pd.isna(centroids.loc[0, "match_distance"])
    np.testing.assert_allclose(
        centroids.loc[0, ["recency_days", "frequency", "monetary"]].astype(float), [30, 2, 80]
    )
    assert (assignments["cluster_id"] == 1).all()
    assert (assignments["distance_to_centroid"] == 0).all()


@pytest.mark.parametrize("rows", [[(5, 1, 20.0)], [(5, 1, 20.0), (400, 3, 300.0)]])
def test_one_or_two_customers(rows: list[tuple[int, int, float]]) -> None:
    diagnostics, centroids, assignments = run(frame(rows))
    assert diagnostics["k"].tolist() == [len(rows)]
    assert diagnostics["silhouette"].isna().all()  # undefined with a cluster per customer
    assert len(centroids) == len(rows) == assignments["cluster_id"].nunique()
    assert centroids["cluster_name"].is_unique


def test_single_order_customers_only() -> None:
    rng = np.random.default_rng(0)
    rows = [
        (int(r), 1, float(m))
        for r, m in zip(rng.integers(1, 730, 300), rng.lognormal(4, 1, 300), strict=True)
    ]
    diagnostics, centroids, assignments = run(frame(rows))
    assert diagnostics["is_chosen"].sum() == 1
    np.testing.assert_allclose(centroids["frequency"], 1.0)
    assert centroids["cluster_name"].is_unique
    assert len(assignments) == 300


def test_fixed_k_above_distinct_customers_is_reduced() -> None:
    diagnostics, centroids, _ = run(frame([(1, 5, 500.0), (300, 1, 20.0)] * 5), KMeansSettings(k=5))
    assert diagnostics["k"].tolist() == [2]
    assert diagnostics.loc[0, "choice_reason"] == (
        "fixed by var kmeans_k; reduced: only 2 distinct customers"
    )
    assert len(centroids) == 2


def test_negative_and_zero_monetary_are_clipped_not_rejected() -> None:
    customers = frame([(10, 2, -40.0), (20, 1, 0.0), (300, 1, 15.0), (5, 8, 900.0)] * 3)
    _, _, assignments = run(customers, KMeansSettings(k=2))
    assert assignments["monetary"].tolist() == customers["monetary"].tolist()


def test_nan_feature_is_a_clear_error_naming_the_column() -> None:
    customers = frame([(10, 2, 40.0), (20, 1, 10.0), (300, 1, 15.0)])
    customers.loc[1, "monetary"] = np.nan
    with pytest.raises(ValueError, match=r"monetary \(1 null/NaN/infinite value"):
        run(customers)
    settings = KMeansSettings(extra_features=("tenure_days",))
    with pytest.raises(ValueError, match=r"missing column.*tenure_days"):
        run(frame([(10, 2, 40.0)]), settings)


def test_empty_input_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="no customers to cluster"):
        draw_sample(frame([]), KMeansSettings())


def test_extra_features_are_used_and_reported() -> None:
    rng = np.random.default_rng(1)
    customers = frame(
        [
            (int(r), 1 + int(f), 50.0)
            for r, f in zip(rng.integers(1, 700, 200), rng.poisson(2, 200), strict=True)
        ]
    )
    customers["tenure_days"] = rng.integers(30, 2_000, 200).astype(float)
    settings = KMeansSettings(k=3, extra_features=("tenure_days",))
    diagnostics, centroids, assignments = run(customers, settings)
    assert diagnostics.loc[0, "feature_names"] == "recency_days,frequency,monetary,tenure_days"
    assert "tenure_days" in centroids.columns
    assert assignments["tenure_days"].tolist() == customers["tenure_days"].tolist()
