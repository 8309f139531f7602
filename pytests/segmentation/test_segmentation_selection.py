"""k selection: the tolerance rule on subsample means, stability columns, warnings, fixed k.

Hand-made subsample silhouettes (``SCORES``) let every number of the rule be
worked out in the comments; the planted data checks the whole path.
"""

from __future__ import annotations

import logging
import math

import numpy as np
import pandas as pd
import pytest
from planted import planted_customers

from rfm_nbo.segmentation import KMeansSettings, diagnose_k, draw_sample, selection
from rfm_nbo.segmentation.selection import (
    DIAGNOSTICS_SCHEMA,
    NOISE_STANDARD_ERRORS,
    SUBSAMPLES,
    choice_warnings,
    choose_k,
    stability,
)

# Five subsamples, k = 3, 4, 5. Means: k=3 0.50 (the best), k=4 0.472, k=5 0.40.
# With tolerance 0.03 the edge is 0.47: k=4 is inside by 0.002, k=5 outside by 0.07.
SCORES = [
    {3: 0.50, 4: 0.48, 5: 0.40},
    {3: 0.50, 4: 0.46, 5: 0.40},
    {3: 0.50, 4: 0.48, 5: 0.40},
    {3: 0.50, 4: 0.46, 5: 0.40},
    {3: 0.50, 4: 0.48, 5: 0.40},
]


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


def test_stability_margins_standard_errors_and_noise() -> None:
    stable = stability(SCORES, [3, 4, 5], tolerance=0.03)
    assert stable.means == pytest.approx({3: 0.50, 4: 0.472, 5: 0.40})
    assert stable.margins == pytest.approx({3: 0.03, 4: 0.002, 5: -0.07})
    # k=4 minus k=3 per subsample: -0.02, -0.04, -0.02, -0.04, -0.02; mean
    # -0.028, squared deviations (3 * 0.008^2 + 2 * 0.012^2) = 480e-6,
    # sd sqrt(480e-6 / 4) = 0.010954, se = sd / sqrt(5) = sqrt(24e-6) = 0.004899.
    assert stable.margin_ses[4] == pytest.approx(math.sqrt(120e-6) / math.sqrt(5))
    # k=5 is 0.1 below k=3 in every subsample: no spread, se 0.
    assert stable.margin_ses[3] == stable.margin_ses[5] == 0.0
    # 0.002 < 2 * 0.004899: k=4's place inside the tolerance is noise.
    assert [stable.is_within_noise(k) for k in (3, 4, 5)] == [False, True, False]
    # k=4 is within 0.03 of 0.50 where it scores 0.48 (three subsamples), not at 0.46.
    assert stable.times_within == {3: 5, 4: 3, 5: 0}
    assert stable.sds[3] == 0.0 and stable.sds[4] == pytest.approx(math.sqrt(120e-6))


def test_select_k_on_hand_made_subsamples(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(selection, "subsample_silhouettes", lambda *args: SCORES)
    settings = KMeansSettings(k_min=3, k_max=5)
    scaled = np.random.default_rng(0).normal(size=(60, 3))
    subsamples = [np.arange(30)] * SUBSAMPLES
    with caplog.at_level(logging.WARNING, logger="rfm_nbo.segmentation.selection"):
        diagnostics = selection.select_k(scaled, settings, subsamples)
    by_k = diagnostics.set_index("k")
    # k=4: largest mean within 0.03 of 0.50. Runner-up: the rule without k=4
    # takes k=3 (k=5 is 0.1 below); the gap is 0.472 - 0.50.
    assert by_k["is_chosen"].tolist() == [False, True, False]
    assert by_k.loc[4, "choice_reason"] == (
        "largest k with mean silhouette over 5 subsamples within 0.03 of the best (0.5000 at k=3)"
    )
    assert (diagnostics["runner_up_k"] == 3).all()
    assert diagnostics["silhouette_gap"].to_numpy() == pytest.approx([-0.028] * 3)
    assert by_k["times_within_tolerance"].tolist() == [5, 3, 0]
    assert by_k["is_within_noise"].tolist() == [False, True, False]
    assert not diagnostics["is_at_range_edge"].any()  # 4 is inside 3..5
    warning = diagnostics["warning"].iloc[0]
    assert warning == (
        "k=4 is within noise of k=3: its mean silhouette is inside the tolerance by only "
        f"0.0020 (2 standard errors: {NOISE_STANDARD_ERRORS * math.sqrt(24e-6):.4f}), so a "
        "small change in the data could choose k=3; pin kmeans_k to keep the number of segments"
    )
    assert diagnostics["warning"].nunique() == 1
    assert warning in caplog.text
    assert (diagnostics["subsamples"] == 5).all() and (diagnostics["subsample_size"] == 30).all()


def test_a_larger_k_just_outside_the_tolerance_is_within_noise() -> None:
    # Now k=5 is the noisy one: 0.46 or 0.48 against 0.50 (mean 0.468, edge
    # 0.47, outside by 0.002, se 0.004899): the choice, k=4 (0.49), could
    # become 5. k=4 is 0.02 inside with no spread, so it is settled.
    scores = [{3: 0.50, 4: 0.49, 5: value} for value in (0.46, 0.48, 0.46, 0.48, 0.46)]
    stable = stability(scores, [3, 4, 5], tolerance=0.03)
    settings = KMeansSettings(k_min=3, k_max=5)
    chosen, _ = choose_k(stable.means, 0.03)
    assert chosen == 4
    [message] = choice_warnings(chosen, 3, [3, 4, 5], stable, settings, None)
    assert message.startswith(
        "k=4 is within noise of k=5: k=5's mean silhouette is outside the tolerance by only 0.0020"
    )


def test_range_edge_warnings() -> None:
    settings = KMeansSettings(k_min=4, k_max=8)
    [top] = choice_warnings(8, 7, [4, 5, 6, 7, 8], None, settings, None)
    assert top == (
        "k=8 is the largest k tried (kmeans_k_max = 8): a larger k might fit as well; "
        "raise kmeans_k_max or pin kmeans_k"
    )
    [bottom] = choice_warnings(4, 5, [4, 5, 6, 7, 8], None, settings, None)
    assert bottom.startswith("k=4 is the smallest k tried (kmeans_k_min = 4)")
    assert choice_warnings(6, 5, [4, 5, 6, 7, 8], None, settings, None) == []
    assert choice_warnings(6, None, [6], None, KMeansSettings(k=6), None) == []


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
    # Six well-separated types: k=6 has the best mean silhouette, so it is
    # chosen as the best, inside the tolerance by the whole tolerance, and the
    # runner-up (another k, worse by definition) leaves a positive gap.
    assert row["choice_reason"] == "highest mean silhouette over 5 subsamples"
    assert row["tolerance_margin"] == pytest.approx(0.03)
    assert row["silhouette_gap"] > 0 and row["runner_up_k"] != 6
    rest = diagnostics[~diagnostics["is_chosen"]].set_index("k")["subsample_silhouette_mean"]
    assert row["runner_up_k"] == choose_k(rest.to_dict(), 0.03)[0]
    assert row["silhouette_gap"] == pytest.approx(
        row["subsample_silhouette_mean"] - rest[row["runner_up_k"]]
    )
    assert pd.isna(row["warning"]) and not row["is_at_range_edge"]
    # Half of the 4,000 sampled customers per subsample, all of them scored.
    assert (row["sample_size"], row["silhouette_sample_size"], row["seed"]) == (4_000, 4_000, 42)
    assert (row["subsamples"], row["subsample_size"], row["subsample_silhouette_size"]) == (
        5,
        2_000,
        2_000,
    )
    assert diagnostics["choice_reason"].notna().all()


def test_the_planted_k_at_the_top_of_the_range_is_flagged(
    well_separated_sample: pd.DataFrame, caplog: pytest.LogCaptureFixture
) -> None:
    # Same data, range 3..6: k=6 is still the best, now the largest k tried.
    settings = KMeansSettings(k_min=3, k_max=6)
    with caplog.at_level(logging.WARNING, logger="rfm_nbo.segmentation.selection"):
        diagnostics = diagnose_k(well_separated_sample, settings)
    assert diagnostics.loc[diagnostics["is_chosen"], "k"].tolist() == [6]
    assert diagnostics["is_at_range_edge"].all()
    assert (
        diagnostics["warning"].iloc[0].startswith("k=6 is the largest k tried (kmeans_k_max = 6)")
    )
    assert "k=6 is the largest k tried" in caplog.text


def test_fixed_k_overrides_selection(well_separated_sample: pd.DataFrame) -> None:
    settings = KMeansSettings(k=4)
    diagnostics = diagnose_k(well_separated_sample, settings)
    assert diagnostics[["k", "is_chosen", "choice_reason"]].to_dict("records") == [
        {"k": 4, "is_chosen": True, "choice_reason": "fixed by var kmeans_k"}
    ]
    row = diagnostics.iloc[0]
    # No choice, so no stability check: nulls and zero subsamples.
    assert pd.isna(row["runner_up_k"]) and pd.isna(row["times_within_tolerance"])
    assert pd.isna(row["subsample_silhouette_mean"]) and pd.isna(row["warning"])
    assert (row["subsamples"], row["subsample_size"], row["is_at_range_edge"]) == (0, 0, False)


def test_silhouette_sample_is_bounded(well_separated_sample: pd.DataFrame) -> None:
    settings = KMeansSettings(k_min=5, k_max=6, sample_size=1_000, silhouette_sample_size=300)
    diagnostics = diagnose_k(draw_sample(well_separated_sample, settings), settings)
    assert diagnostics.loc[0, ["sample_size", "silhouette_sample_size"]].tolist() == [1_000, 300]
    # Subsamples of 500; each silhouette on at most 300 of them.
    assert diagnostics.loc[0, ["subsample_size", "subsample_silhouette_size"]].tolist() == [
        500,
        300,
    ]


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
    # Four kinds of identical customers: k=4 puts each kind in its own
    # cluster, silhouette 1 in every subsample that holds all four kinds.
    assert chosen["k"] == 4
    assert chosen["choice_reason"].endswith("reduced: only 4 distinct customers")
    assert chosen["warning"].startswith("k=4 is the largest k tried, cut by the sample")
    assert "only 4 distinct customers" in caplog.text
