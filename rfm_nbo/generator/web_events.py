"""Web events of one block: browsing that leans toward each customer's favourite
categories, and the views and add-to-carts just before online purchases.

Rows are unique on the contract's key (customer, product, event type, time),
so no clean event is ever a duplicate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rfm_nbo.generator.behaviour import profile_column
from rfm_nbo.generator.customers import DAY, Customers
from rfm_nbo.generator.lines import Lines
from rfm_nbo.generator.orders import OrderSpec
from rfm_nbo.generator.params import GeneratorParams
from rfm_nbo.generator.preferences import BROWSE_EXPLORE, ProductSampler, draw_categories
from rfm_nbo.generator.products import CATEGORY_POPULARITY
from rfm_nbo.generator.schema import ORDER_CHANNELS, WEB_EVENT_TYPES

VIEW, ADD_TO_CART = WEB_EVENT_TYPES.index("view"), WEB_EVENT_TYPES.index("add_to_cart")
BROWSE_TYPE_SHARES = (0.80, 0.14, 0.06)
BROWSE_BEFORE_FIRST_DAYS = 30
BROWSE_AFTER_LAST_DAYS = 45
PRE_PURCHASE_VIEW_RATE = 0.30
PRE_PURCHASE_CART_RATE = 0.15
ONLINE = np.array([channel != "store" for channel in ORDER_CHANNELS])


@dataclass(frozen=True)
class WebEvents:
    """Web events; `row` indexes the block's customers."""

    row: np.ndarray
    product: np.ndarray
    event_type: np.ndarray
    occurred_at: np.ndarray


def simulate_web_events(
    rng: np.random.Generator,
    customers: Customers,
    orders: OrderSpec,
    lines: Lines,
    sampler: ProductSampler,
    params: GeneratorParams,
) -> WebEvents:
    """Browsing plus pre-purchase events, deduplicated, sorted by customer and time."""
    counts = rng.poisson(profile_column("browse_events_mean")[customers.behaviour])
    row = np.repeat(np.arange(customers.size), counts)
    low = np.maximum.reduce(
        [
            customers.signed_up_at,
            customers.first_order_at - BROWSE_BEFORE_FIRST_DAYS * DAY,
            np.full(customers.size, params.start_epoch),
        ]
    )
    high = np.minimum(customers.last_order_at + BROWSE_AFTER_LAST_DAYS * DAY, params.end_epoch)
    high = np.maximum(high, low + 1)
    browse_at = low[row] + np.floor(rng.random(len(row)) * (high - low)[row]).astype(np.int64)
    browse_type = rng.choice(len(WEB_EVENT_TYPES), size=len(row), p=BROWSE_TYPE_SHARES)
    categories = draw_categories(
        rng, customers.favourites, row, BROWSE_EXPLORE, CATEGORY_POPULARITY
    )
    browse_product = sampler.draw(rng, categories)

    bought = (lines.quantity > 0) & (orders.row[lines.order] >= 0)
    bought &= ONLINE[orders.channel[lines.order]]
    viewed = bought & (rng.random(len(bought)) < PRE_PURCHASE_VIEW_RATE)
    carted = bought & (rng.random(len(bought)) < PRE_PURCHASE_CART_RATE)
    bought_at = orders.ordered_at[lines.order]
    view_at = bought_at - rng.integers(60, 1_800, len(bought))
    cart_at = bought_at - rng.integers(5, 60, len(bought))

    row = np.concatenate([row, orders.row[lines.order][viewed], orders.row[lines.order][carted]])
    product = np.concatenate([browse_product, lines.product[viewed], lines.product[carted]])
    event_type = np.concatenate(
        [browse_type, np.full(int(viewed.sum()), VIEW), np.full(int(carted.sum()), ADD_TO_CART)]
    )
    occurred_at = np.concatenate([browse_at, view_at[viewed], cart_at[carted]])

    sort = np.lexsort((event_type, product, occurred_at, row))
    row, product, event_type, occurred_at = (
        a[sort] for a in (row, product, event_type, occurred_at)
    )
    repeat = np.zeros(len(row), dtype=bool)
    repeat[1:] = (
        (row[1:] == row[:-1])
        & (occurred_at[1:] == occurred_at[:-1])
        & (product[1:] == product[:-1])
        & (event_type[1:] == event_type[:-1])
    )
    keep = ~repeat
    return WebEvents(row[keep], product[keep], event_type[keep], occurred_at[keep])
