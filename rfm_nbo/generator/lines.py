"""Order lines: 1-5 products per order from the buyer's favourite categories,
some discounts, and a few partial returns (a negative line for a product of
the same completed order)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rfm_nbo.generator.orders import COMPLETED, OrderSpec
from rfm_nbo.generator.params import GeneratorParams
from rfm_nbo.generator.preferences import PURCHASE_EXPLORE, ProductSampler, draw_categories
from rfm_nbo.generator.products import CATEGORY_POPULARITY, Catalogue

MAX_EXTRA_LINES = 4
PROMO_PCTS = (5, 10, 15, 20)


@dataclass(frozen=True)
class Lines:
    """Order lines; `order` indexes the block's (time-sorted) orders. Money in cents."""

    order: np.ndarray
    line_number: np.ndarray
    product: np.ndarray
    quantity: np.ndarray
    price_cents: np.ndarray
    discount_cents: np.ndarray

    def net_cents(self) -> np.ndarray:
        """What each line is worth after its discount (positive for return lines too)."""
        return np.abs(self.quantity) * self.price_cents - self.discount_cents


def build_lines(
    rng: np.random.Generator,
    orders: OrderSpec,
    favourites: np.ndarray,
    sampler: ProductSampler,
    catalogue: Catalogue,
    params: GeneratorParams,
) -> Lines:
    """Fill every order's basket, then add the partial returns; sorted by order, line."""
    counts = 1 + rng.binomial(MAX_EXTRA_LINES, orders.extra_lines_p)
    order = np.repeat(np.arange(orders.size), counts)
    starts = np.cumsum(counts) - counts
    line_number = np.arange(len(order)) - np.repeat(starts, counts) + 1
    categories = draw_categories(
        rng, favourites, orders.row[order], PURCHASE_EXPLORE, CATEGORY_POPULARITY
    )
    product = sampler.draw(rng, categories)
    forced = (line_number == 1) & (orders.first_product[order] >= 0)
    product = np.where(forced, orders.first_product[order], product)
    quantity = 1 + rng.poisson(orders.extra_quantity_mean[order])
    price = catalogue.price_cents[product]
    promo = rng.random(len(order)) < params.discount_rate
    pct = np.where(promo, rng.choice(PROMO_PCTS, len(order)), 0)
    pct = np.where(forced & (orders.first_pct[order] > 0), orders.first_pct[order], pct)
    discount = np.round(quantity * price * pct / 100).astype(np.int64)

    # Partial returns: one line of a few completed orders partly comes back.
    returning = (
        orders.returnable
        & (orders.status == COMPLETED)
        & (rng.random(orders.size) < params.partial_return_rate)
    )
    picked_line = starts + np.floor(rng.random(orders.size) * counts).astype(np.int64)
    source = picked_line[returning]
    returned = 1 + np.floor(rng.random(len(source)) * quantity[source]).astype(np.int64)
    return_order = order[source]

    all_order = np.concatenate([order, return_order])
    all_line = np.concatenate([line_number, counts[return_order] + 1])
    sort = np.lexsort((all_line, all_order))
    return Lines(
        order=all_order[sort],
        line_number=all_line[sort],
        product=np.concatenate([product, product[source]])[sort],
        quantity=np.concatenate([quantity, -returned])[sort],
        price_cents=np.concatenate([price, price[source]])[sort],
        discount_cents=np.concatenate(
            [discount, np.round(discount[source] * returned / quantity[source]).astype(np.int64)]
        )[sort],
    )
