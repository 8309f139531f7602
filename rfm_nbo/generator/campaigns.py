"""Campaigns: the plan (dates, channels, true uplift) and, per block, who got what.

A member converts by placing a completed order within the attribution window
after `sent_at`, with probability base_rate[type] (control) or base_rate[type]
+ uplift[campaign, type] (treatment). The orders a member would have placed
anyway are already inside base_rate, so the block moves the member's
background orders out of a margin around the window (`suppression_window`):
what the models measure in the window is exactly the planted response.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from rfm_nbo.generator.behaviour import PROFILES, profile_column
from rfm_nbo.generator.customers import DAY, HOUR, Customers
from rfm_nbo.generator.params import GeneratorParams, send_days_before_end
from rfm_nbo.generator.preferences import ProductSampler, draw_categories
from rfm_nbo.generator.products import CATEGORY_POPULARITY
from rfm_nbo.generator.schema import CAMPAIGN_EVENT_TYPES

CAMPAIGN_CHANNELS = ("email", "sms", "push")
CHANNEL_UPLIFT_FACTOR = (1.0, 1.2, 0.75)
CHANNEL_OPEN_RATE = (0.45, 0.80, 0.35)
MESSAGE_COST_CENTS = (1.0, 6.0, 0.5)
THEMES = ("Favourites", "Preview Sale", "Win-Back", "Picks for You", "Comeback", "Essentials")
SEND_SPREAD_SECONDS = 6 * HOUR
SEND_HOUR = 9
MAX_CONVERSION_PROBABILITY = 0.95
RESPONSE_DELAY_MEAN_DAYS = 2.5
RESPONSE_MIN_DELAY_SECONDS = 30 * 60
OFFER_EXPLORE = 0.05
DELIVERY_RATE = 0.96
CLICK_RATE = 0.20
CONVERTER_CLICK_RATE = 0.60
UNSUBSCRIBE_RATE = 0.015
GROUP_TREATMENT, GROUP_CONTROL = 0, 1
UNSUBSCRIBED = CAMPAIGN_EVENT_TYPES.index("unsubscribed")


@dataclass(frozen=True)
class CampaignPlan:
    """Every campaign's dates, channel, cost basis and true conversion probabilities."""

    names: tuple[str, ...]
    channel: np.ndarray
    started_at: np.ndarray
    ended_at: np.ndarray
    fixed_cost_cents: np.ndarray
    uplift_factor: np.ndarray
    base_rate: np.ndarray
    uplift: np.ndarray

    @property
    def size(self) -> int:
        """Number of (clean) campaigns."""
        return len(self.names)

    def suppression_window(self, campaign: int, window_days: int) -> tuple[int, int]:
        """Times around the attribution window where members place no background orders."""
        started = int(self.started_at[campaign])
        return started - DAY, started + SEND_SPREAD_SECONDS + (window_days + 1) * DAY


def plan_campaigns(rng: np.random.Generator, params: GeneratorParams) -> CampaignPlan:
    """Campaigns spread over the last year, the newest about five weeks before the end."""
    count = params.campaigns
    days_before = send_days_before_end(count)
    end_day = params.end_epoch // DAY * DAY
    started_at = end_day - days_before * DAY + SEND_HOUR * HOUR
    channel = np.arange(count) % len(CAMPAIGN_CHANNELS)
    factor = np.array(CHANNEL_UPLIFT_FACTOR)[channel] * rng.uniform(0.85, 1.15, count)
    base_rate = profile_column("base_conversion_rate").astype(float)
    uplift = np.minimum(
        profile_column("base_uplift")[None, :] * factor[:, None],
        MAX_CONVERSION_PROBABILITY - base_rate[None, :],
    )
    names = tuple(
        datetime.fromtimestamp(int(started_at[c]), UTC).strftime("%B ") + THEMES[c % len(THEMES)]
        for c in range(count)
    )
    return CampaignPlan(
        names=names,
        channel=channel,
        started_at=started_at,
        ended_at=started_at + params.attribution_window_days * DAY,
        fixed_cost_cents=np.round(rng.uniform(800, 2_500, count) * 100).astype(np.int64),
        uplift_factor=factor,
        base_rate=base_rate,
        uplift=np.round(uplift, 6),
    )


def campaign_cost_cents(plan: CampaignPlan, campaign: int, treatment_members: int) -> int:
    """Fixed creative cost plus a per-message cost for every treatment member."""
    per_message = MESSAGE_COST_CENTS[int(plan.channel[campaign])]
    return int(plan.fixed_cost_cents[campaign]) + round(per_message * treatment_members)


@dataclass(frozen=True)
class Membership:
    """Members of one campaign in one block (rows index the block's customers)."""

    campaign: int
    rows: np.ndarray
    group: np.ndarray
    offer_product: np.ndarray
    offer_pct: np.ndarray
    sent_at: np.ndarray
    converted: np.ndarray
    response_at: np.ndarray


def assign_members(
    rng: np.random.Generator,
    params: GeneratorParams,
    plan: CampaignPlan,
    campaign: int,
    customers: Customers,
    offers: ProductSampler,
    unsubscribed: np.ndarray,
) -> Membership:
    """Pick members among opted-in customers who signed up before the send and have
    not unsubscribed from an earlier campaign; split them, choose offers, and draw
    who converts and when."""
    n = customers.size
    started = int(plan.started_at[campaign])
    eligible = customers.opt_in & ~unsubscribed & (customers.signed_up_at < started - DAY)
    is_member = eligible & (rng.random(n) < params.campaign_reach)
    group = np.where(rng.random(n) < params.treatment_share, GROUP_TREATMENT, GROUP_CONTROL)
    sent_at = started + rng.integers(0, SEND_SPREAD_SECONDS, n)
    categories = draw_categories(
        rng, customers.favourites, np.arange(n), OFFER_EXPLORE, CATEGORY_POPULARITY
    )
    offer_product = offers.draw(rng, categories)
    offer_pct = offer_discounts(rng, customers.behaviour)
    probability = plan.base_rate[customers.behaviour] + np.where(
        group == GROUP_TREATMENT, plan.uplift[campaign, customers.behaviour], 0.0
    )
    converted = rng.random(n) < probability
    response_at = sent_at + _response_delay(rng, n, params.attribution_window_days)
    rows = np.flatnonzero(is_member)
    return Membership(
        campaign=campaign,
        rows=rows,
        group=group[rows],
        offer_product=offer_product[rows],
        offer_pct=offer_pct[rows],
        sent_at=sent_at[rows],
        converted=converted[rows],
        response_at=response_at[rows],
    )


def offer_discounts(rng: np.random.Generator, behaviour: np.ndarray) -> np.ndarray:
    """A discount percent from the customer's type's offer list."""
    options = [profile.offer_discounts_pct for profile in PROFILES]
    width = max(len(option) for option in options)
    table = np.array([option + option[-1:] * (width - len(option)) for option in options])
    counts = np.array([len(option) for option in options])
    pick = np.floor(rng.random(len(behaviour)) * counts[behaviour]).astype(np.int64)
    return table[behaviour, pick]


def _response_delay(rng: np.random.Generator, n: int, window_days: int) -> np.ndarray:
    """Seconds from send to response order: truncated exponential, inside the window."""
    span = window_days * DAY - DAY // 2 - RESPONSE_MIN_DELAY_SECONDS
    scale = RESPONSE_DELAY_MEAN_DAYS * DAY
    top = 1.0 - np.exp(-span / scale)
    delay = -scale * np.log1p(-rng.random(n) * top)
    return RESPONSE_MIN_DELAY_SECONDS + np.floor(delay).astype(np.int64)


@dataclass(frozen=True)
class CampaignEvents:
    """Message events of one campaign's treatment members in one block."""

    rows: np.ndarray
    event_type: np.ndarray
    occurred_at: np.ndarray


def message_events(
    rng: np.random.Generator, plan: CampaignPlan, membership: Membership, window_days: int
) -> CampaignEvents:
    """delivered > opened > clicked funnel for treatment members, plus a few unsubscribes."""
    n = len(membership.rows)
    treated = membership.group == GROUP_TREATMENT
    converted = membership.converted
    open_rate = CHANNEL_OPEN_RATE[int(plan.channel[membership.campaign])]
    delivered = treated & (rng.random(n) < DELIVERY_RATE)
    opened = delivered & (
        rng.random(n) < np.where(converted, min(0.95, 1.8 * open_rate), open_rate)
    )
    clicked = opened & (rng.random(n) < np.where(converted, CONVERTER_CLICK_RATE, CLICK_RATE))
    unsubscribed = delivered & ~converted & (rng.random(n) < UNSUBSCRIBE_RATE)
    delivered_at = membership.sent_at + rng.integers(5, 600, n)
    open_delay = np.minimum(rng.exponential(3 * HOUR, n), (window_days - 1) * DAY)
    opened_at = delivered_at + 60 + open_delay.astype(np.int64)
    clicked_at = opened_at + rng.integers(5, 900, n)
    unsubscribed_at = np.where(opened, opened_at, delivered_at) + rng.integers(10, HOUR, n)

    masks = (delivered, opened, clicked, unsubscribed)
    times = (delivered_at, opened_at, clicked_at, unsubscribed_at)
    return CampaignEvents(
        rows=np.concatenate([membership.rows[mask] for mask in masks]),
        event_type=np.concatenate(
            [np.full(int(mask.sum()), code) for code, mask in enumerate(masks)]
        ),
        occurred_at=np.concatenate([at[mask] for at, mask in zip(times, masks, strict=True)]),
    )
