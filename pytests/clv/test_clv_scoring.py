"""Per-customer scores: discounting, bands, fallbacks, chunking, and the parameter table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from clv_data import inputs_frame, simulated_bgnbd

from rfm_nbo.clv.bgnbd import BgNbdParams, expected_purchases, probability_alive
from rfm_nbo.clv.calibration import expected_holdout, week_ends
from rfm_nbo.clv.gamma_gamma import GammaGammaParams
from rfm_nbo.clv.parameters import fit_parameters, read_parameters
from rfm_nbo.clv.scoring import churn_risk_band, forecast_steps, iter_scores, score_chunk
from rfm_nbo.clv.settings import ClvSettings

PURCHASES = BgNbdParams(r=0.3, alpha=30.0, a=0.9, b=2.8)
VALUES = GammaGammaParams(p=6.0, q=4.0, gamma=15.0)
CUSTOMERS = inputs_frame(
    [0, 1, 4, 12, 3], [0, 40, 300, 500, 20], [10, 200, 400, 520, 700], [np.nan, 20, 35, 50, 8]
)


def test_without_discounting_clv_is_purchases_times_value_times_margin() -> None:
    settings = ClvSettings(annual_discount_rate=0.0)
    scores = score_chunk(CUSTOMERS.assign(clv_margin_rate=0.25), PURCHASES, VALUES, None, settings)
    assert scores["expected_clv"].to_numpy() == pytest.approx(
        (scores["expected_purchases"] * scores["expected_average_order_value"] * 0.25).to_numpy()
    )


def test_discounting_sums_each_month_at_its_end() -> None:
    # 365 days in 13 steps of 365/13 days; the purchases expected in step k
    # count at 1.1^(-k/13), from expected_purchases called step by step.
    settings = ClvSettings(annual_discount_rate=0.10)
    scores = score_chunk(CUSTOMERS, PURCHASES, VALUES, None, settings)
    x, t_x, age = (
        CUSTOMERS[c].to_numpy()
        for c in ("repeat_frequency", "repeat_recency_days", "customer_age_days")
    )
    total, before = np.zeros(len(x)), np.zeros(len(x))
    for step in range(1, 14):
        now = expected_purchases(PURCHASES, x, t_x, age, 365 * step / 13)
        total += (now - before) * 1.1 ** (-step / 13)
        before = now
    assert forecast_steps(365) == pytest.approx(365 * np.arange(1, 14) / 13)
    assert scores["expected_purchases"].to_numpy() == pytest.approx(before, rel=1e-12)
    assert scores["expected_clv"].to_numpy() == pytest.approx(
        total * scores["expected_average_order_value"].to_numpy(), rel=1e-12
    )


def test_clv_at_risk_is_the_alive_value_times_the_chance_of_having_churned() -> None:
    scores = score_chunk(CUSTOMERS, PURCHASES, VALUES, None, ClvSettings())
    alive = scores["probability_alive"].to_numpy()
    if_alive = scores["expected_clv"] / alive
    assert scores["clv_at_risk"].to_numpy() == pytest.approx((if_alive * (1 - alive)).to_numpy())
    # The single-purchase customer cannot have churned under BG/NBD.
    assert scores["clv_at_risk"].iloc[0] == 0.0


def test_bands_follow_the_thresholds_and_single_purchases_have_their_own() -> None:
    bands = churn_risk_band(
        np.array([0.1, 0.2, 0.49, 0.5, 0.8, 0.95, 1.0, np.nan]),
        np.array([1, 1, 1, 1, 1, 1, 0, 1]),
        (0.2, 0.5, 0.8),
    )
    assert list(bands) == [
        "very_high", "high", "high", "medium", "low", "low", "single_purchase", "unknown"
    ]  # fmt: skip


@pytest.mark.parametrize("chunk_size", [1, 7, 1000])
def test_scores_do_not_depend_on_the_chunk_to_the_last_bit(chunk_size: int) -> None:
    # Two builds must give identical marts: a customer's scores may not
    # depend on which rows share its chunk, or in which order they come.
    data = simulated_bgnbd(3_000, 0.3, 30.0, 0.9, 2.8, seed=2)
    values = GammaGammaParams(p=6.0, q=4.0, gamma=15.0)
    data = data.assign(repeat_mean_value=np.where(data["repeat_frequency"] > 0, 17.5, np.nan))
    whole = score_chunk(data, PURCHASES, values, None, ClvSettings()).set_index("customer_id")
    shuffled = data.sample(frac=1.0, random_state=chunk_size)
    pieces = pd.concat(
        iter_scores([shuffled], PURCHASES, values, None, ClvSettings(chunk_size=chunk_size))
    ).set_index("customer_id")
    pd.testing.assert_frame_equal(whole, pieces.loc[whole.index], check_exact=True)


def test_without_a_usable_purchase_model_scores_are_null_and_the_band_says_unknown() -> None:
    scores = score_chunk(CUSTOMERS, None, VALUES, None, ClvSettings())
    assert scores[["probability_alive", "expected_purchases", "expected_clv"]].isna().all().all()
    assert set(scores["churn_risk_band"]) == {"unknown"}


def test_without_a_usable_value_model_the_own_mean_or_the_shop_mean_is_used() -> None:
    data = inputs_frame([0, 2, 3], [0, 5, 9], [10, 20, 30], [np.nan, 12.0, -3.0])
    scores = score_chunk(data, PURCHASES, None, 42.0, ClvSettings())
    assert list(scores["expected_average_order_value"]) == [42.0, 12.0, 0.0]


def test_parameters_round_trip_through_the_table() -> None:
    data = simulated_bgnbd(20_000, 0.3, 30.0, 0.9, 2.8, seed=4)
    table = fit_parameters(data, population_customers=20_000, settings=ClvSettings())
    row = table.iloc[0]
    assert row["bgnbd_status"] == "converged" and row["time_unit"] == "day"
    # inputs_frame gives every repeater a mean of 10: Gamma-Gamma cannot identify 3 parameters.
    assert row["gamma_gamma_status"] == "not_identifiable"
    purchases, values, fallback = read_parameters(table)
    assert purchases == BgNbdParams(row["r"], row["alpha"], row["a"], row["b"])
    assert values is None
    assert fallback == pytest.approx(10.0)


def test_a_parameter_table_with_other_than_one_row_is_refused() -> None:
    table = fit_parameters(inputs_frame([], [], []), 0, ClvSettings())
    assert table.iloc[0]["bgnbd_status"] == "too_few_customers"
    with pytest.raises(ValueError, match="exactly one row, found 2"):
        read_parameters(pd.concat([table, table]))


def test_holdout_expectation_adds_up_across_both_breakdowns() -> None:
    data = simulated_bgnbd(2_000, 0.3, 30.0, 0.9, 2.8, seed=6)
    frame = expected_holdout([data.iloc[:700], data.iloc[700:]], PURCHASES, 30, "converged")
    by_frequency = frame[frame["breakdown"] == "calibration_frequency"]
    by_week = frame[frame["breakdown"] == "holdout_week"]
    assert list(week_ends(30)) == [7, 14, 21, 28, 30]
    assert list(by_week["bucket"]) == [1, 2, 3, 4, 5]
    assert by_frequency["customers"].sum() == 2_000
    total = expected_purchases(
        PURCHASES,
        data["repeat_frequency"].to_numpy(),
        data["repeat_recency_days"].to_numpy(),
        data["customer_age_days"].to_numpy(),
        30,
    ).sum()
    assert by_frequency["expected_repeat_purchases"].sum() == pytest.approx(total)
    assert by_week["expected_repeat_purchases"].sum() == pytest.approx(total)
    top = data["repeat_frequency"] >= 7
    assert by_frequency.iloc[-1]["customers"] == top.sum()


def test_holdout_sums_do_not_depend_on_chunks_or_row_order() -> None:
    data = simulated_bgnbd(5_000, 0.3, 30.0, 0.9, 2.8, seed=9)
    first = expected_holdout([data], PURCHASES, 30, "converged")
    shuffled = data.sample(frac=1.0, random_state=1)
    chunks = [shuffled.iloc[start : start + 333] for start in range(0, len(shuffled), 333)]
    second = expected_holdout(chunks, PURCHASES, 30, "converged")
    pd.testing.assert_frame_equal(first, second, check_exact=True)
    weeks = first[first["breakdown"] == "holdout_week"]["expected_repeat_purchases"].sum()
    frequencies = first[first["breakdown"] == "calibration_frequency"]
    assert weeks == frequencies["expected_repeat_purchases"].sum()


def test_holdout_without_a_usable_fit_keeps_counts_and_says_why() -> None:
    data = inputs_frame([0, 1, 9], [0, 3, 40], [5, 10, 50])
    frame = expected_holdout([data], None, 14, "not_converged")
    assert frame["expected_repeat_purchases"].isna().all()
    assert set(frame["bgnbd_status"]) == {"not_converged"}
    assert list(frame["customers"][:8]) == [1, 1, 0, 0, 0, 0, 0, 1]


@pytest.mark.parametrize(
    ("var", "value", "message"),
    [
        ("clv_horizon_days", 0, "must be at least 1 day"),
        ("clv_annual_discount_rate", 1.5, "must be in \\[0, 1\\)"),
        ("churn_risk_band_thresholds", [0.5, 0.2, 0.8], "three ascending probabilities"),
        ("churn_risk_band_thresholds", "0.2, 0.5", "three ascending probabilities"),
        ("clv_fit_sample_size", "many", "is not a valid value"),
        ("clv_min_customers", 1, "must be at least 2"),
    ],
)
def test_bad_vars_are_refused_by_name(var: str, value: object, message: str) -> None:
    with pytest.raises(ValueError, match=f"var {var} = .*{message}"):
        ClvSettings.from_vars({var: value})


def test_vars_from_the_command_line_are_parsed() -> None:
    settings = ClvSettings.from_vars(
        {
            "churn_risk_band_thresholds": "[0.1, 0.4, 0.9]",
            "clv_horizon_days": "180",
            "clv_seed": None,
        }
    )
    assert settings.band_thresholds == (0.1, 0.4, 0.9)
    assert settings.horizon_days == 180 and settings.seed == 42


def test_probability_alive_falls_with_time_since_the_last_purchase() -> None:
    alive = probability_alive(
        PURCHASES, np.full(3, 4.0), np.full(3, 100.0), np.array([110.0, 300.0, 700.0])
    )
    assert alive[0] > alive[1] > alive[2]
