"""Planted-cluster test data: customers of six known behaviour types.

Each type has its own recency, frequency and basket-size distribution, chosen
so that on the log scale K-Means works on, every pair of types is several
standard deviations apart in at least one dimension (e.g. New vs Lost:
recency ~10 vs ~550 days; Loyal vs At Risk: ~30 vs ~280 days). The true type
is returned with each customer so tests can measure recovery.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class BehaviourType:
    """Distribution of one planted type: lognormal recency, order count and basket size."""

    name: str
    share: float
    recency_median_days: float
    recency_log_sd: float
    orders_median: float
    orders_log_sd: float
    basket_median: float
    basket_log_sd: float = 0.3


PLANTED_TYPES: tuple[BehaviourType, ...] = (
    BehaviourType("Champions", 0.10, 7, 0.5, 15, 0.25, 120.0),
    BehaviourType("Loyal", 0.15, 30, 0.3, 6, 0.2, 70.0),
    BehaviourType("New", 0.20, 10, 0.5, 1, 0.0, 50.0),
    BehaviourType("At Risk", 0.15, 300, 0.2, 6, 0.2, 80.0),
    BehaviourType("Hibernating", 0.20, 120, 0.2, 2, 0.1, 35.0),
    BehaviourType("Lost", 0.20, 550, 0.12, 1, 0.0, 25.0),
)


def planted_customers(n: int, seed: int = 7, spread: float = 1.0) -> pd.DataFrame:
    """``n`` customers with the int_customers_rfm_scored columns the segmentation reads.

    Columns: customer_id, recency_days (1..730), frequency (>= 1), monetary,
    and planted_type (the truth; not an input of the segmentation). ``spread``
    scales every log standard deviation (below 1: tighter, better separated).
    """
    rng = np.random.default_rng(seed)
    shares = np.array([kind.share for kind in PLANTED_TYPES])
    types = rng.choice(len(PLANTED_TYPES), size=n, p=shares / shares.sum())
    recency = np.empty(n)
    frequency = np.empty(n, dtype=np.int64)
    basket = np.empty(n)
    for index, kind in enumerate(PLANTED_TYPES):
        members = types == index
        count = int(members.sum())
        recency[members] = kind.recency_median_days * np.exp(
            rng.normal(0.0, kind.recency_log_sd * spread, count)
        )
        orders = kind.orders_median * np.exp(rng.normal(0.0, kind.orders_log_sd * spread, count))
        frequency[members] = np.maximum(1, np.rint(orders)).astype(np.int64)
        basket[members] = kind.basket_median * np.exp(
            rng.normal(0.0, kind.basket_log_sd * spread, count)
        )
    return pd.DataFrame(
        {
            "customer_id": [f"C{number:07d}" for number in range(n)],
            "recency_days": np.clip(np.rint(recency), 1, 730).astype(np.int64),
            "frequency": frequency,
            "monetary": np.round(frequency * basket, 2),
            "planted_type": [PLANTED_TYPES[index].name for index in types],
        }
    )
