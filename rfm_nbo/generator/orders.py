"""Orders of one block: background purchases, campaign responses and guest checkouts.

Orders are first described without their lines (`OrderSpec`: who, when,
status, channel and how they fill their basket), so the three kinds can be
merged and sorted by time before `lines.build_lines` fills the baskets.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from rfm_nbo.generator.behaviour import BEHAVIOUR_TYPES, profile_column
from rfm_nbo.generator.campaigns import GROUP_TREATMENT, Membership
from rfm_nbo.generator.customers import Customers
from rfm_nbo.generator.params import GeneratorParams
from rfm_nbo.generator.schema import ORDER_CHANNELS, ORDER_STATUSES

COMPLETED = ORDER_STATUSES.index("completed")
PREFERRED_CHANNEL_SHARE = 0.75
GUEST_CHANNEL_SHARES = (0.55, 0.25, 0.20)
GUEST_EXTRA_LINES_P = 0.2
GUEST_EXTRA_QUANTITY_MEAN = 0.3
TREATMENT_OFFER_IN_BASKET = 0.70
CONTROL_OFFER_IN_BASKET = 0.15
# Shares of web / app / store for responses, by campaign channel (email, sms, push).
RESPONSE_CHANNEL_SHARES = ((0.6, 0.4, 0.0), (0.3, 0.7, 0.0), (0.1, 0.9, 0.0))


@dataclass(frozen=True)
class OrderSpec:
    """Orders before their lines. `row` = customer row in the block, -1 for guests.

    `first_product` (or -1) forces the first line's product and `first_pct`
    its discount percent; `response_cell` (or -1) is the campaign x type x
    group cell a response order counts in (see `cell_index`).
    """

    row: np.ndarray
    ordered_at: np.ndarray
    status: np.ndarray
    channel: np.ndarray
    extra_lines_p: np.ndarray
    extra_quantity_mean: np.ndarray
    first_product: np.ndarray
    first_pct: np.ndarray
    returnable: np.ndarray
    response_cell: np.ndarray

    @property
    def size(self) -> int:
        """Number of orders."""
        return len(self.row)

    def take(self, index: np.ndarray) -> OrderSpec:
        """The orders at `index` (a mask or positions), in that order."""
        return OrderSpec(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    @staticmethod
    def concat(parts: list[OrderSpec]) -> OrderSpec:
        """All parts one after the other."""
        return OrderSpec(
            **{
                f.name: np.concatenate([getattr(p, f.name) for p in parts])
                for f in fields(OrderSpec)
            }
        )


def cell_index(campaign: np.ndarray | int, behaviour: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Flat index of a campaign x behaviour type x group cell."""
    return (np.asarray(campaign) * len(BEHAVIOUR_TYPES) + behaviour) * 2 + group


def _statuses(rng: np.random.Generator, n: int, params: GeneratorParams) -> np.ndarray:
    shares = (1 - params.cancel_rate - params.return_rate, params.cancel_rate, params.return_rate)
    return rng.choice(len(ORDER_STATUSES), size=n, p=shares)


def background_orders(
    rng: np.random.Generator, customers: Customers, params: GeneratorParams
) -> OrderSpec:
    """Each customer's orders: the first and last at the ends of their buying window,
    the rest uniform in between."""
    counts = customers.orders
    row = np.repeat(np.arange(customers.size), counts)
    position = np.arange(len(row)) - np.repeat(np.cumsum(counts) - counts, counts)
    first, last = customers.first_order_at[row], customers.last_order_at[row]
    ordered_at = first + np.floor(rng.random(len(row)) * (last - first)).astype(np.int64)
    ordered_at = np.where(position == 0, first, ordered_at)
    ordered_at = np.where(position == counts[row] - 1, last, ordered_at)
    return timed_orders(rng, customers, row, ordered_at, params)


def timed_orders(
    rng: np.random.Generator,
    customers: Customers,
    row: np.ndarray,
    ordered_at: np.ndarray,
    params: GeneratorParams,
) -> OrderSpec:
    """Background orders of customer `row` at `ordered_at`: channel (mostly the
    customer's own), status and basket shape."""
    preferred = rng.random(len(row)) < PREFERRED_CHANNEL_SHARE
    channel = np.where(
        preferred, customers.channel[row], rng.integers(0, len(ORDER_CHANNELS), len(row))
    )
    behaviour = customers.behaviour[row]
    return OrderSpec(
        row=row,
        ordered_at=ordered_at,
        status=_statuses(rng, len(row), params),
        channel=channel,
        extra_lines_p=profile_column("extra_lines_p")[behaviour],
        extra_quantity_mean=profile_column("extra_quantity_mean")[behaviour],
        first_product=np.full(len(row), -1),
        first_pct=np.zeros(len(row), dtype=np.int64),
        returnable=np.ones(len(row), dtype=bool),
        response_cell=np.full(len(row), -1),
    )


def response_orders(
    rng: np.random.Generator,
    membership: Membership,
    behaviour_by_row: np.ndarray,
    campaign_channel: int,
) -> OrderSpec:
    """One completed order per converting member, inside the attribution window.

    Treatment members often buy the offered product at the offered discount;
    control members sometimes buy it anyway, at full price. `behaviour_by_row`
    is the behaviour type of each row membership.rows indexes (the block's
    customers; `response_value.expected_response_values` passes synthetic ones).
    """
    convert = membership.converted
    rows = membership.rows[convert]
    group = membership.group[convert]
    n = len(rows)
    behaviour = behaviour_by_row[rows]
    offer_in_basket = rng.random(n) < np.where(
        group == GROUP_TREATMENT, TREATMENT_OFFER_IN_BASKET, CONTROL_OFFER_IN_BASKET
    )
    first_pct = np.where(
        offer_in_basket & (group == GROUP_TREATMENT), membership.offer_pct[convert], 0
    )
    return OrderSpec(
        row=rows,
        ordered_at=membership.response_at[convert],
        status=np.full(n, COMPLETED),
        channel=rng.choice(
            len(ORDER_CHANNELS), size=n, p=RESPONSE_CHANNEL_SHARES[campaign_channel]
        ),
        extra_lines_p=profile_column("extra_lines_p")[behaviour] / 2,
        extra_quantity_mean=profile_column("extra_quantity_mean")[behaviour],
        first_product=np.where(offer_in_basket, membership.offer_product[convert], -1),
        first_pct=first_pct.astype(np.int64),
        returnable=np.zeros(n, dtype=bool),
        response_cell=cell_index(membership.campaign, behaviour, group),
    )


def guest_orders(
    rng: np.random.Generator, customer_orders: int, params: GeneratorParams
) -> OrderSpec:
    """Guest checkouts: about `guest_rate` of all orders, any time, no customer."""
    n = int(rng.binomial(customer_orders, params.guest_rate / (1 - params.guest_rate)))
    return OrderSpec(
        row=np.full(n, -1),
        ordered_at=rng.integers(params.start_epoch, params.end_epoch, n),
        status=_statuses(rng, n, params),
        channel=rng.choice(len(ORDER_CHANNELS), size=n, p=GUEST_CHANNEL_SHARES),
        extra_lines_p=np.full(n, GUEST_EXTRA_LINES_P),
        extra_quantity_mean=np.full(n, GUEST_EXTRA_QUANTITY_MEAN),
        first_product=np.full(n, -1),
        first_pct=np.zeros(n, dtype=np.int64),
        returnable=np.ones(n, dtype=bool),
        response_cell=np.full(n, -1),
    )
