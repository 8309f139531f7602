"""Simulate one block of customers end to end, from its own random stream.

The result holds plain numeric columns per table (formatting to text happens
per chunk in `tables`) plus the block's tallies for the planted truth. Order
numbers are block-local here; customer, product and campaign numbers global.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from rfm_nbo.generator.behaviour import BEHAVIOUR_TYPES
from rfm_nbo.generator.bgnbd import simulate_bgnbd
from rfm_nbo.generator.campaigns import (
    UNSUBSCRIBED,
    CampaignPlan,
    assign_members,
    message_events,
)
from rfm_nbo.generator.consent import simulate_consent
from rfm_nbo.generator.customers import simulate_customers
from rfm_nbo.generator.lines import build_lines
from rfm_nbo.generator.orders import (
    OrderSpec,
    background_orders,
    cell_index,
    guest_orders,
    response_orders,
    timed_orders,
)
from rfm_nbo.generator.params import GeneratorParams
from rfm_nbo.generator.preferences import ProductSampler
from rfm_nbo.generator.products import Catalogue
from rfm_nbo.generator.rng import (
    BGNBD_STREAM,
    BLOCK_SIZE,
    BLOCKS_STREAM,
    CONSENT_STREAM,
    block_customers,
    stream,
)
from rfm_nbo.generator.web_events import simulate_web_events

Columns = dict[str, np.ndarray]


@dataclass(frozen=True)
class Samplers:
    """Product draws for purchases and browsing (by demand) and for offers (offerable only)."""

    purchases: ProductSampler
    offers: ProductSampler

    @staticmethod
    def for_catalogue(catalogue: Catalogue, categories: int) -> Samplers:
        """Both samplers of a catalogue."""
        return Samplers(
            purchases=ProductSampler(catalogue.category, catalogue.demand, categories),
            offers=ProductSampler(
                catalogue.category, catalogue.demand * catalogue.offerable, categories
            ),
        )


@dataclass(frozen=True)
class CellTally:
    """Per campaign x behaviour type x group (flat, see `orders.cell_index`)."""

    members: np.ndarray
    conversions: np.ndarray
    revenue_cents: np.ndarray


@dataclass(frozen=True)
class BlockResult:
    """One simulated block: numeric columns per table and its tallies.

    `bgnbd` holds the per-customer BG/NBD truth (`--purchase-process bgnbd`), else None.
    """

    index: int
    tables: dict[str, Columns]
    cells: CellTally
    newest_order_at: int
    reachable: dict[str, int]
    bgnbd: Columns | None = None

    def rows(self, table: str) -> int:
        """Rows the block contributes to `table`."""
        return len(next(iter(self.tables[table].values())))


def simulate_block(
    params: GeneratorParams,
    catalogue: Catalogue,
    plan: CampaignPlan,
    samplers: Samplers,
    index: int,
) -> BlockResult:
    """Customers, orders, lines, web events and campaign rows of block `index`."""
    rng = stream(params.seed, BLOCKS_STREAM, index)
    count = block_customers(params.customers, index)
    customers = simulate_customers(rng, params, count, first_number=index * BLOCK_SIZE + 1)
    number = customers.number

    bgnbd_truth = None
    if params.purchase_process == "bgnbd":
        # The purchase times come from the block's own BG/NBD stream, so the planted
        # lambda, p and purchases do not depend on how baskets are drawn.
        bgnbd = simulate_bgnbd(stream(params.seed, BGNBD_STREAM, index), params, count)
        customers = bgnbd.apply_to(customers)
        background = timed_orders(rng, customers, bgnbd.purchase_row, bgnbd.purchased_at, params)
        bgnbd_truth = bgnbd.truth_columns(number, params.end_epoch)
    else:
        background = background_orders(rng, customers, params)
    ordered_at = background.ordered_at.copy()
    unsubscribed = np.zeros(count, dtype=bool)
    responses, member_parts, event_parts = [], [], []
    for campaign in range(plan.size):
        membership = assign_members(
            rng, params, plan, campaign, customers, samplers.offers, unsubscribed
        )
        is_member = np.zeros(count, dtype=bool)
        is_member[membership.rows] = True
        low, high = plan.suppression_window(campaign, params.attribution_window_days)
        # A member's own orders in the window are already counted in base_rate:
        # move them just past the window, so the window holds only the response.
        in_window = is_member[background.row] & (ordered_at >= low) & (ordered_at <= high)
        ordered_at[in_window] += high - low + 1
        responses.append(
            response_orders(rng, membership, customers.behaviour, int(plan.channel[campaign]))
        )
        events = message_events(rng, plan, membership, params.attribution_window_days)
        unsubscribed[events.rows[events.event_type == UNSUBSCRIBED]] = True
        member_parts.append(
            {
                "campaign": np.full(len(membership.rows), campaign),
                "customer": number[membership.rows],
                "group": membership.group,
                "behaviour": customers.behaviour[membership.rows],
                "offer_product": membership.offer_product,
                "offer_pct": membership.offer_pct,
                "sent_at": membership.sent_at,
            }
        )
        event_parts.append(
            {
                "campaign": np.full(len(events.rows), campaign),
                "customer": number[events.rows],
                "event_type": events.event_type,
                "occurred_at": events.occurred_at,
            }
        )

    background = replace(background, ordered_at=np.minimum(ordered_at, params.end_epoch))
    consent = simulate_consent(
        stream(params.seed, CONSENT_STREAM, index),
        params,
        customers.opt_in,
        customers.signed_up_at,
    )
    customer_orders = OrderSpec.concat([background, *responses])
    orders = OrderSpec.concat([customer_orders, guest_orders(rng, customer_orders.size, params)])
    orders = orders.take(np.lexsort((np.arange(orders.size), orders.ordered_at)))
    lines = build_lines(rng, orders, customers.favourites, samplers.purchases, catalogue, params)
    web = simulate_web_events(rng, customers, orders, lines, samplers.purchases, params)

    cells = len(BEHAVIOUR_TYPES) * 2 * plan.size
    members = _concat(member_parts, ("campaign", "customer", "group", "behaviour",
                                     "offer_product", "offer_pct", "sent_at"))  # fmt: skip
    events = _concat(event_parts, ("campaign", "customer", "event_type", "occurred_at"))
    by_member = np.lexsort((events["occurred_at"], events["customer"], events["campaign"]))
    events = {column: values[by_member] for column, values in events.items()}
    response_line = orders.response_cell[lines.order]
    is_response_line = response_line >= 0
    tally = CellTally(
        members=np.bincount(
            cell_index(members["campaign"], members["behaviour"], members["group"]),
            minlength=cells,
        ),
        conversions=np.bincount(orders.response_cell[orders.response_cell >= 0], minlength=cells),
        revenue_cents=np.round(
            np.bincount(
                response_line[is_response_line],
                weights=lines.net_cents()[is_response_line],
                minlength=cells,
            )
        ).astype(np.int64),
    )
    order_customer = np.where(orders.row >= 0, number[np.maximum(orders.row, 0)], 0)
    tables = {
        "customers": {
            "number": number,
            "signed_up_at": customers.signed_up_at,
            "opt_in": customers.opt_in,
            "email_opt_in": consent.email,
            "sms_opt_in": consent.sms,
            "push_opt_in": consent.push,
            "unsubscribed_at": consent.unsubscribed_at,
            "country": customers.country,
            "first_name": customers.first_name,
            "last_name": customers.last_name,
            "domain": customers.domain,
            "behaviour": customers.behaviour,
            # Not a raw column: the planted per-customer response value needs them.
            "favourites": customers.favourites,
        },
        "orders": {
            "order": np.arange(orders.size),
            "customer": order_customer,
            "ordered_at": orders.ordered_at,
            "status": orders.status,
            "channel": orders.channel,
        },
        "order_items": {
            "order": lines.order,
            "line_number": lines.line_number,
            "product": lines.product,
            "quantity": lines.quantity,
            "price_cents": lines.price_cents,
            "discount_cents": lines.discount_cents,
        },
        "web_events": {
            "customer": number[web.row],
            "product": web.product,
            "event_type": web.event_type,
            "occurred_at": web.occurred_at,
        },
        "campaign_members": members,
        "campaign_events": events,
    }
    newest = int(orders.ordered_at.max()) if orders.size else 0
    return BlockResult(
        index=index,
        tables=tables,
        cells=tally,
        newest_order_at=newest,
        reachable=consent.reachable(customers.opt_in, unsubscribed),
        bgnbd=bgnbd_truth,
    )


def _concat(parts: list[Columns], names: tuple[str, ...]) -> Columns:
    """Concatenate column dicts (an empty list gives empty int64 columns)."""
    return {
        name: np.concatenate([part[name] for part in parts]) if parts else np.zeros(0, np.int64)
        for name in names
    }
