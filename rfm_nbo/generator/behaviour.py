"""The latent behaviour types and how each one really buys and responds.

These profiles are the planted truth the models should rediscover: the types
differ in when they stopped buying (recency), how often they buy (frequency)
and how much (monetary), and in how they respond to a campaign offer. They are
recorded in truth.json, never in the data.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class BehaviourProfile:
    """How one latent type buys, browses and responds to campaigns.

    Day ranges are uniform draws. Orders = min_orders + Poisson(extra_orders_mean),
    capped at max_orders; lines per order = 1 + Binomial(4, extra_lines_p);
    quantity = 1 + Poisson(extra_quantity_mean).
    """

    name: str
    segment_name: str
    recency_days: tuple[float, float]
    active_days: tuple[float, float]
    signup_days: tuple[float, float] | None
    min_orders: int
    extra_orders_mean: float
    max_orders: int
    extra_lines_p: float
    extra_quantity_mean: float
    browse_events_mean: float
    base_conversion_rate: float
    base_uplift: float
    offer_discounts_pct: tuple[int, ...]

    def to_json(self) -> dict[str, Any]:
        """The profile as JSON-ready values."""
        return asdict(self)


PROFILES: tuple[BehaviourProfile, ...] = (
    BehaviourProfile(
        name="champions",
        segment_name="Champions",
        recency_days=(0.2, 20.0),
        active_days=(550.0, 730.0),
        signup_days=None,
        min_orders=8,
        extra_orders_mean=5.0,
        max_orders=40,
        extra_lines_p=0.32,
        extra_quantity_mean=0.6,
        browse_events_mean=12.0,
        base_conversion_rate=0.22,
        base_uplift=0.01,
        offer_discounts_pct=(5, 10),
    ),
    BehaviourProfile(
        name="loyal",
        segment_name="Loyal Customers",
        recency_days=(2.0, 50.0),
        active_days=(300.0, 700.0),
        signup_days=None,
        min_orders=4,
        extra_orders_mean=2.5,
        max_orders=20,
        extra_lines_p=0.25,
        extra_quantity_mean=0.4,
        browse_events_mean=7.0,
        base_conversion_rate=0.12,
        base_uplift=0.04,
        offer_discounts_pct=(10, 15),
    ),
    BehaviourProfile(
        name="new",
        segment_name="New Customers",
        recency_days=(0.0, 60.0),
        active_days=(0.0, 60.0),
        signup_days=(3.0, 60.0),
        min_orders=1,
        extra_orders_mean=0.5,
        max_orders=2,
        extra_lines_p=0.22,
        extra_quantity_mean=0.3,
        browse_events_mean=5.0,
        base_conversion_rate=0.08,
        base_uplift=0.06,
        offer_discounts_pct=(10, 15),
    ),
    BehaviourProfile(
        name="at_risk",
        segment_name="At Risk",
        recency_days=(90.0, 200.0),
        active_days=(250.0, 550.0),
        signup_days=None,
        min_orders=4,
        extra_orders_mean=3.0,
        max_orders=20,
        extra_lines_p=0.22,
        extra_quantity_mean=0.35,
        browse_events_mean=4.0,
        base_conversion_rate=0.05,
        base_uplift=0.14,
        offer_discounts_pct=(15, 20, 25),
    ),
    BehaviourProfile(
        name="hibernating",
        segment_name="Hibernating",
        recency_days=(200.0, 400.0),
        active_days=(30.0, 300.0),
        signup_days=None,
        min_orders=2,
        extra_orders_mean=0.7,
        max_orders=4,
        extra_lines_p=0.18,
        extra_quantity_mean=0.25,
        browse_events_mean=2.0,
        base_conversion_rate=0.03,
        base_uplift=0.10,
        offer_discounts_pct=(20, 25, 30),
    ),
    BehaviourProfile(
        name="lost",
        segment_name="Lost",
        recency_days=(400.0, 700.0),
        active_days=(0.0, 60.0),
        signup_days=None,
        min_orders=1,
        extra_orders_mean=0.4,
        max_orders=2,
        extra_lines_p=0.15,
        extra_quantity_mean=0.25,
        browse_events_mean=1.0,
        base_conversion_rate=0.015,
        base_uplift=0.03,
        offer_discounts_pct=(25, 30),
    ),
)

BEHAVIOUR_TYPES: tuple[str, ...] = tuple(profile.name for profile in PROFILES)
SEGMENT_NAMES: dict[str, str] = {profile.name: profile.segment_name for profile in PROFILES}
DEFAULT_TYPE_SHARES: dict[str, float] = {
    "champions": 0.10,
    "loyal": 0.20,
    "new": 0.10,
    "at_risk": 0.15,
    "hibernating": 0.25,
    "lost": 0.20,
}
# A declining customer base, the shape of many real exports: most customers
# bought once or twice long ago and never came back, few are active. Quantile
# scores mislead here (README, "Scoring methods"); `--type-shares declining`.
DECLINING_TYPE_SHARES: dict[str, float] = {
    "champions": 0.03,
    "loyal": 0.06,
    "new": 0.04,
    "at_risk": 0.07,
    "hibernating": 0.20,
    "lost": 0.60,
}
TYPE_SHARE_PRESETS: dict[str, dict[str, float]] = {
    "default": DEFAULT_TYPE_SHARES,
    "declining": DECLINING_TYPE_SHARES,
}
NEW_TYPE = BEHAVIOUR_TYPES.index("new")


def profile_column(attribute: str) -> np.ndarray:
    """One profile attribute for every type, indexable by type code."""
    return np.array([getattr(profile, attribute) for profile in PROFILES])


def profile_range(attribute: str) -> tuple[np.ndarray, np.ndarray]:
    """Low and high ends of a (low, high) profile range, indexable by type code."""
    values = np.array([getattr(profile, attribute) or (0.0, 0.0) for profile in PROFILES])
    return values[:, 0], values[:, 1]
