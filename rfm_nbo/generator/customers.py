"""Customers of one block: latent type, sign-up, consent, tastes and buying window.

The buying window (first and last order time, number of orders) is drawn
here from the type's profile, because it is what makes the types differ in
recency and frequency; the orders themselves are laid out in `orders`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rfm_nbo.generator.behaviour import NEW_TYPE, profile_column, profile_range
from rfm_nbo.generator.params import GeneratorParams
from rfm_nbo.generator.preferences import favourite_categories
from rfm_nbo.generator.products import CATEGORY_POPULARITY
from rfm_nbo.generator.schema import ORDER_CHANNELS

DAY = 86_400
HOUR = 3_600
SIGNUP_LEAD_DAYS = 60.0
HISTORY_START_SPREAD_DAYS = 30
CHANNEL_SHARES = (0.5, 0.3, 0.2)

COUNTRIES = ("US", "GB", "DE", "FR", "NL", "ES", "IT", "SE", "IE", "PL")
COUNTRY_SHARES = (0.30, 0.18, 0.14, 0.10, 0.06, 0.06, 0.06, 0.04, 0.03, 0.03)
FIRST_NAMES = (
    "anna", "ben", "chloe", "david", "emma", "felix", "grace", "hugo", "ines", "jack",
    "karin", "liam", "maria", "noah", "olivia", "paul", "quinn", "rosa", "sam", "tara",
    "umar", "vera", "will", "xena", "yusuf", "zoe",
)  # fmt: skip
LAST_NAMES = (
    "smith", "jones", "garcia", "muller", "martin", "rossi", "jansen", "novak", "kelly",
    "silva", "berg", "dubois", "fischer", "lopez", "walsh", "moreau", "nilsson", "kowalski",
)  # fmt: skip
EMAIL_DOMAINS = ("example.com", "example.org", "example.net")


@dataclass(frozen=True)
class Customers:
    """One block of customers as arrays; `number` is the global id number (1-based)."""

    number: np.ndarray
    behaviour: np.ndarray
    signed_up_at: np.ndarray
    opt_in: np.ndarray
    country: np.ndarray
    first_name: np.ndarray
    last_name: np.ndarray
    domain: np.ndarray
    favourites: np.ndarray
    channel: np.ndarray
    first_order_at: np.ndarray
    last_order_at: np.ndarray
    orders: np.ndarray

    @property
    def size(self) -> int:
        """Customers in the block."""
        return len(self.number)


def simulate_customers(
    rng: np.random.Generator, params: GeneratorParams, count: int, first_number: int
) -> Customers:
    """Draw `count` customers numbered from `first_number`."""
    end, start = params.end_epoch, params.start_epoch
    behaviour = rng.choice(len(params.type_shares), size=count, p=params.shares_array())

    recency_low, recency_high = profile_range("recency_days")
    active_low, active_high = profile_range("active_days")
    signup_low, signup_high = profile_range("signup_days")
    last = end - DAY * rng.uniform(recency_low[behaviour], recency_high[behaviour])
    first = last - DAY * rng.uniform(active_low[behaviour], active_high[behaviour])
    # Windows reaching back before the history start begin somewhere in its first month.
    spread = np.minimum(HISTORY_START_SPREAD_DAYS * DAY, last - start)
    first = np.where(first < start, start + rng.random(count) * spread, first)
    signup = first - HOUR - DAY * rng.exponential(SIGNUP_LEAD_DAYS, count)

    # New customers: signed up lately, every order between sign-up and the end.
    new_signup = end - DAY * rng.uniform(signup_low[behaviour], signup_high[behaviour])
    earliest = new_signup + HOUR
    new_last = earliest + rng.random(count) * (end - earliest)
    new_first = earliest + rng.random(count) * (new_last - earliest)
    is_new = behaviour == NEW_TYPE
    signup = np.where(is_new, new_signup, signup)
    first = np.where(is_new, new_first, first)
    last = np.where(is_new, new_last, last)

    orders = np.minimum(
        profile_column("max_orders")[behaviour],
        profile_column("min_orders")[behaviour]
        + rng.poisson(profile_column("extra_orders_mean")[behaviour]),
    )
    return Customers(
        number=first_number + np.arange(count, dtype=np.int64),
        behaviour=behaviour,
        signed_up_at=signup.astype(np.int64),
        opt_in=rng.random(count) < params.marketing_opt_in_rate,
        country=rng.choice(len(COUNTRIES), size=count, p=COUNTRY_SHARES),
        first_name=rng.integers(0, len(FIRST_NAMES), count),
        last_name=rng.integers(0, len(LAST_NAMES), count),
        domain=rng.integers(0, len(EMAIL_DOMAINS), count),
        favourites=favourite_categories(rng, count, CATEGORY_POPULARITY),
        channel=rng.choice(len(ORDER_CHANNELS), size=count, p=CHANNEL_SHARES),
        first_order_at=first.astype(np.int64),
        last_order_at=last.astype(np.int64),
        orders=orders.astype(np.int64),
    )
