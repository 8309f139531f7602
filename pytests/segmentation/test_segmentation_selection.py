"""k selection: the tolerance rule, planted k recovery, fixed k, diagnostics shape."""

from __future__ import annotations

import logging

import pandas as pd
import pytest
from planted import planted_customers

from rfm_nbo.segmentation import KMeansSettings, diagnose_k, draw_sample
from rfm_nbo.segmentation.selection import DIAGNOSTICS_SCHEMA, choose_k


def test_rule_prefers_the_largest_k_within_tolerance() -> None:
    chosen, reasons = choose_k({3: 0.40, 4: 0.35, 5: 0.38, 6: 0.30}, tolerance=0.03)
    assert chosen == 5
    assert reasons[5].startswith("largest k with silhouette within 0.03 of the best")
    assert reasons[3] == "not chosen: larger k=5 is within 0.03 of the best"
    assert reasons[6] == "not chosen: silhouette more than 0.03 below the best"


def test_rule_with_zero_tolerance_is_plain_maximum_and_skips_undefined() -> None:
    assert choose_k({3: 0.40, 4: 0.35, 5: None}, tolerance=0.0) == (
        3,
        {
            3: "highest silhouette",
            4: "not chosen: silhouette more than 0 below the best",
            5: "not chosen: silhouette undefined",
        },
    )
    assert choose_k({2: None, 3: None}, 0.03)[0] == 2


@pytest.fixture(scope="module")
def well_separated_sample() -> pd.DataFrame:
    # spread=0.7: the six planted types are tighter than the default, so
    # "the planted k" is unambiguous (k=7 costs 0.04+ of silhouette).
    return draw_sample(planted_customers(4_000, seed=11, spread=0.7), KMeansSettings())


def test_selection_finds_the_planted_k(well_separated_sample: pd.DataFrame) -> None:
    diagnostics = diagnose_k(well_separated_sample, KMeansSettings())
    assert diagnostics["k"].tolist() == [3, 4, 5, 6, 7, 8]
    assert diagnostics.loc[diagnostics["is_chosen"], "k"].tolist() == [6]
    assert diagnostics["inertia"].is_monotonic_decreasing
    assert list(diagnostics.columns) == [name for name, _ in DIAGNOSTICS_SCHEMA]
    row = diagnostics[diagnostics["is_chosen"]].iloc[0]
    assert row["choice_reason"] == "highest silhouette"
    assert (row["sample_size"], row["silhouette_sample_size"], row["seed"]) == (4_000, 4_000, 42)
    assert diagnostics["choice_reason"].notna().all()


def test_fixed_k_overrides_selection(well_separated_sample: pd.DataFrame) -> None:
    settings = KMeansSettings(k=4)
    diagnostics = diagnose_k(well_separated_sample, settings)
    assert diagnostics[["k", "is_chosen", "choice_reason"]].to_dict("records") == [
        {"k": 4, "is_chosen": True, "choice_reason": "fixed by var kmeans_k"}
    ]


def test_silhouette_sample_is_bounded(well_separated_sample: pd.DataFrame) -> None:
    settings = KMeansSettings(k=6, sample_size=1_000, silhouette_sample_size=300)
    diagnostics = diagnose_k(draw_sample(well_separated_sample, settings), settings)
    assert diagnostics.loc[0, ["sample_size", "silhouette_sample_size"]].tolist() == [1_000, 300]


def test_fewer_distinct_customers_than_k_reduces_k_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    four_kinds = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(40)],
            "recency_days": [1, 30, 200, 700] * 10,
            "frequency": [9, 3, 1, 1] * 10,
            "monetary": [900.0, 120.0, 30.0, 5.0] * 10,
        }
    )
    settings = KMeansSettings()
    with caplog.at_level(logging.WARNING, logger="rfm_nbo.segmentation.selection"):
        diagnostics = diagnose_k(draw_sample(four_kinds, settings), settings)
    assert diagnostics["k"].tolist() == [3, 4]
    chosen = diagnostics[diagnostics["is_chosen"]].iloc[0]
    assert chosen["k"] == 4
    assert chosen["choice_reason"].endswith("reduced: only 4 distinct customers")
    assert "only 4 distinct customers" in caplog.text
