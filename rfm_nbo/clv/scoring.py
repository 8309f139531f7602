"""Every customer's churn risk and lifetime value from the fitted parameters, chunk by chunk.

Per customer: P(alive), expected repeat purchases within the horizon, the
expected value of a purchase, and expected CLV: the horizon is cut into
steps of about a month, the purchases expected in each step are discounted
to today at the step's end (``annual_discount_rate`` per 365 days), and the
sum is multiplied by the expected purchase value and the customer's margin
rate (1 on the revenue basis, see int_customer_clv_inputs).

clv_at_risk is what churn is expected to cost: the CLV the customer would
have if surely alive, times the probability they are not, (1 - P(alive)).
It orders win-back contacts (int_customer_contact_policy): a lapsing
customer worth much if kept comes before a lost one worth little.

Speed: the expectation if alive depends only on (x, T) and the step, and a
chunk of customers holds far fewer distinct (x, T) pairs than rows, so the
series runs once per pair.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator

import numpy as np
import pandas as pd

from rfm_nbo.clv import bgnbd, gamma_gamma
from rfm_nbo.clv.bgnbd import BgNbdParams
from rfm_nbo.clv.fitting import AGE_DAYS, LAST_REPEAT_DAY, REPEAT_MEAN, REPEATS
from rfm_nbo.clv.gamma_gamma import GammaGammaParams
from rfm_nbo.clv.settings import ClvSettings
from rfm_nbo.segmentation.schema import ColumnTypes

DAYS_PER_YEAR = 365.0
STEP_DAYS = 30.0
BANDS = ("very_high", "high", "medium", "low")
SINGLE_PURCHASE_BAND = "single_purchase"
UNKNOWN_BAND = "unknown"
SCORE_SCHEMA: ColumnTypes = [
    ("customer_id", "string"),
    ("probability_alive", "float64"),
    ("expected_purchases", "float64"),
    ("expected_average_order_value", "float64"),
    ("expected_clv", "float64"),
    ("clv_at_risk", "float64"),
    ("churn_risk_band", "string"),
]
INPUT_COLUMNS = ("customer_id", REPEATS, LAST_REPEAT_DAY, AGE_DAYS, REPEAT_MEAN, "clv_margin_rate")


def forecast_steps(horizon_days: int) -> np.ndarray:
    """Ends of the discounting steps in days: about monthly, the last one at the horizon."""
    count = max(1, math.ceil(horizon_days / STEP_DAYS))
    return horizon_days * np.arange(1, count + 1) / count


def cumulative_expected_purchases(
    params: BgNbdParams,
    x: np.ndarray,
    t_x: np.ndarray,
    age: np.ndarray,
    steps: np.ndarray,
    if_alive: bool = False,
) -> np.ndarray:
    """E[Y(t) | x, t_x, T] at each step end: one row per customer, one column per step.

    ``if_alive``: the expectation for a customer known to be alive (without
    the P(alive) factor).
    """
    pairs, inverse = np.unique(np.column_stack([x, age]), axis=0, return_inverse=True)
    inverse = inverse.ravel()
    pair_x, pair_age = pairs[:, 0], pairs[:, 1]
    expected = np.column_stack(
        [
            bgnbd.expected_purchases_if_alive(params, pair_x, pair_age, horizon)[inverse]
            for horizon in steps
        ]
    )
    if if_alive:
        return expected
    return expected * bgnbd.probability_alive(params, x, t_x, age)[:, None]


def churn_risk_band(
    probability_alive: np.ndarray, x: np.ndarray, thresholds: tuple[float, ...]
) -> np.ndarray:
    """The band of each P(alive); customers without a repeat purchase are 'single_purchase'.

    BG/NBD lets a customer drop out only after a repeat purchase, so P(alive)
    is 1 for every single-purchase customer and says nothing about them:
    their expected purchases and CLV (which fall with the time since their
    purchase) are what orders them.
    """
    bands = np.asarray(BANDS, dtype=object)[np.searchsorted(thresholds, probability_alive, "right")]
    bands = np.where(np.asarray(x) > 0, bands, SINGLE_PURCHASE_BAND)
    return np.where(np.isfinite(probability_alive), bands, UNKNOWN_BAND)


def score_chunk(
    chunk: pd.DataFrame,
    purchases: BgNbdParams | None,
    values: GammaGammaParams | None,
    fallback_value: float | None,
    settings: ClvSettings,
) -> pd.DataFrame:
    """Score one chunk of int_customer_clv_inputs rows (``SCORE_SCHEMA`` columns).

    ``purchases`` None (BG/NBD unusable): P(alive), expected purchases and CLV
    are null and the band 'unknown'. ``values`` None (Gamma-Gamma unusable):
    the customer's own mean repeat value, else ``fallback_value``.
    """
    missing = [column for column in INPUT_COLUMNS if column not in chunk]
    if missing:
        raise ValueError(f"CLV input is missing column(s) {', '.join(missing)}")
    x = chunk[REPEATS].to_numpy(dtype=np.float64)
    t_x = chunk[LAST_REPEAT_DAY].to_numpy(dtype=np.float64)
    age = chunk[AGE_DAYS].to_numpy(dtype=np.float64)
    mean_value = chunk[REPEAT_MEAN].to_numpy(dtype=np.float64, na_value=np.nan)
    margin_rate = chunk["clv_margin_rate"].to_numpy(dtype=np.float64, na_value=1.0)
    order_value = _expected_order_value(values, fallback_value, x, mean_value)
    if purchases is None:
        alive = expected = clv = at_risk = np.full(len(chunk), np.nan)
    else:
        steps = forecast_steps(settings.horizon_days)
        if_alive = cumulative_expected_purchases(purchases, x, t_x, age, steps, if_alive=True)
        discount = (1.0 + settings.annual_discount_rate) ** (-steps / DAYS_PER_YEAR)
        # Row by row, not a matrix product: BLAS blocks by the number of rows,
        # which would make the last bits depend on the chunk.
        per_step = np.diff(if_alive, axis=1, prepend=0.0)
        clv_if_alive = (per_step * discount).sum(axis=1) * order_value * margin_rate
        alive = bgnbd.probability_alive(purchases, x, t_x, age)
        expected = if_alive[:, -1] * alive
        clv = clv_if_alive * alive
        at_risk = clv_if_alive * (1.0 - alive)
    return pd.DataFrame(
        {
            "customer_id": chunk["customer_id"].astype(str).to_numpy(dtype=object),
            "probability_alive": alive,
            "expected_purchases": expected,
            "expected_average_order_value": order_value,
            "expected_clv": clv,
            "clv_at_risk": at_risk,
            "churn_risk_band": churn_risk_band(alive, x, settings.band_thresholds),
        }
    )


def iter_scores(
    chunks: Iterable[pd.DataFrame],
    purchases: BgNbdParams | None,
    values: GammaGammaParams | None,
    fallback_value: float | None,
    settings: ClvSettings,
) -> Iterator[pd.DataFrame]:
    """Score a stream of input frames, re-cut so no piece exceeds ``settings.chunk_size`` rows."""
    for chunk in chunks:
        for start in range(0, len(chunk), settings.chunk_size):
            part = chunk.iloc[start : start + settings.chunk_size]
            yield score_chunk(part, purchases, values, fallback_value, settings)


def _expected_order_value(
    values: GammaGammaParams | None,
    fallback_value: float | None,
    x: np.ndarray,
    mean_value: np.ndarray,
) -> np.ndarray:
    if values is not None:
        return gamma_gamma.expected_value(values, x, mean_value)
    # Without Gamma-Gamma: the customer's own mean repeat value (0 when it
    # nets to less), else the shop's mean purchase-day value.
    own = (x > 0) & np.isfinite(mean_value)
    fallback = np.nan if fallback_value is None else fallback_value
    return np.where(own, np.maximum(np.where(own, mean_value, 0.0), 0.0), fallback)
