"""Render a chunk of simulated blocks as the contract's all-text Arrow tables.

Blocks are concatenated first so every format call runs once per chunk on
large arrays. Block-local order numbers become global here, from the running
count of orders written before the chunk.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from rfm_nbo.generator import formatting as fmt
from rfm_nbo.generator.behaviour import BEHAVIOUR_TYPES, SEGMENT_NAMES
from rfm_nbo.generator.block import BlockResult, Columns
from rfm_nbo.generator.campaigns import CAMPAIGN_CHANNELS, CampaignPlan, campaign_cost_cents
from rfm_nbo.generator.customers import COUNTRIES, EMAIL_DOMAINS, FIRST_NAMES, LAST_NAMES
from rfm_nbo.generator.response_value import CustomerResponseModel
from rfm_nbo.generator.schema import (
    CAMPAIGN_EVENT_TYPES,
    CAMPAIGN_GROUPS,
    CAMPAIGN_PREFIX,
    CAMPAIGN_WIDTH,
    CUSTOMER_PREFIX,
    ORDER_CHANNELS,
    ORDER_PREFIX,
    ORDER_STATUSES,
    ORDER_WIDTH,
    PRODUCT_PREFIX,
    WEB_EVENT_TYPES,
    table_schema,
)

SEGMENT_LABELS = tuple(SEGMENT_NAMES[name] for name in BEHAVIOUR_TYPES)
RESPONSE_VALUE_COLUMNS = (
    "response_margin_treatment",
    "response_margin_control",
    "response_revenue_treatment",
    "response_revenue_control",
)
CUSTOMER_TYPES_SCHEMA = pa.schema(
    [
        ("customer_id", pa.string()),
        ("behaviour_type", pa.string()),
        *((name, pa.float64()) for name in RESPONSE_VALUE_COLUMNS),
    ]
)
# The per-customer BG/NBD truth (truth folder, `--purchase-process bgnbd` only).
BGNBD_CUSTOMERS_FILE = "bgnbd_customers"
BGNBD_CUSTOMERS_SCHEMA = pa.schema(
    [
        ("customer_id", pa.string()),
        ("lambda_per_day", pa.float64()),
        ("dropout_p", pa.float64()),
        ("born_at", pa.string()),
        ("age_days", pa.float64()),
        ("repeat_purchases", pa.int64()),
        ("repeat_purchase_days", pa.int64()),
        ("last_purchase_at", pa.string()),
        ("is_alive_at_end", pa.string()),
    ]
)


@dataclass(frozen=True)
class IdFormat:
    """Zero-padding widths of the run's ids (fixed up front so every chunk agrees)."""

    customer_width: int
    product_width: int

    def customers(self, numbers: np.ndarray) -> pa.Array:
        """Customer ids; number 0 (guest) becomes null."""
        return fmt.ids(CUSTOMER_PREFIX, numbers, self.customer_width)

    def products(self, codes: np.ndarray) -> pa.Array:
        """Product ids from 0-based product codes."""
        return fmt.ids(PRODUCT_PREFIX, np.asarray(codes) + 1, self.product_width)

    @staticmethod
    def orders(numbers: np.ndarray) -> pa.Array:
        """Order ids from 1-based order numbers."""
        return fmt.ids(ORDER_PREFIX, numbers, ORDER_WIDTH)

    @staticmethod
    def campaigns(codes: np.ndarray) -> pa.Array:
        """Campaign ids from 0-based campaign codes."""
        return fmt.ids(CAMPAIGN_PREFIX, np.asarray(codes) + 1, CAMPAIGN_WIDTH)


@dataclass(frozen=True)
class Chunk:
    """A chunk's text tables, its customer types, and how many orders it holds
    (and, with the BG/NBD purchase process, its customers' BG/NBD truth)."""

    tables: dict[str, pa.Table]
    customer_types: pa.Table
    orders: int
    bgnbd_customers: pa.Table | None = None


def format_chunk(
    blocks: list[BlockResult],
    order_offset: int,
    ids: IdFormat,
    response_model: CustomerResponseModel,
) -> Chunk:
    """Text tables for `blocks`, whose orders are numbered from `order_offset + 1`, and the
    customers' planted types and expected response values (`response_model`)."""
    joined: dict[str, Columns] = {}
    for table in blocks[0].tables:
        joined[table] = {
            column: np.concatenate([block.tables[table][column] for block in blocks])
            for column in blocks[0].tables[table]
        }
    offsets = order_offset + np.cumsum([0] + [block.rows("orders") for block in blocks[:-1]])
    order_number = np.concatenate(
        [
            offset + 1 + block.tables["orders"]["order"]
            for offset, block in zip(offsets, blocks, strict=True)
        ]
    )
    line_order = np.concatenate(
        [
            offset + 1 + block.tables["order_items"]["order"]
            for offset, block in zip(offsets, blocks, strict=True)
        ]
    )
    customers = joined["customers"]
    tables = {
        "customers": _table(
            "customers",
            ids.customers(customers["number"]),
            _emails(customers),
            fmt.labels(COUNTRIES, customers["country"]),
            fmt.timestamps(customers["signed_up_at"]),
            fmt.booleans(customers["opt_in"]),
            fmt.flags(customers["email_opt_in"]),
            fmt.flags(customers["sms_opt_in"]),
            fmt.flags(customers["push_opt_in"]),
            fmt.optional_timestamps(customers["unsubscribed_at"]),
        ),
        "orders": _table(
            "orders",
            ids.orders(order_number),
            ids.customers(joined["orders"]["customer"]),
            fmt.timestamps(joined["orders"]["ordered_at"]),
            fmt.labels(ORDER_STATUSES, joined["orders"]["status"]),
            fmt.labels(ORDER_CHANNELS, joined["orders"]["channel"]),
        ),
        "order_items": _order_items(joined["order_items"], line_order, ids),
        "web_events": _table(
            "web_events",
            ids.customers(joined["web_events"]["customer"]),
            ids.products(joined["web_events"]["product"]),
            fmt.labels(WEB_EVENT_TYPES, joined["web_events"]["event_type"]),
            fmt.timestamps(joined["web_events"]["occurred_at"]),
        ),
        "campaign_members": _members(joined["campaign_members"], ids),
        "campaign_events": _table(
            "campaign_events",
            ids.campaigns(joined["campaign_events"]["campaign"]),
            ids.customers(joined["campaign_events"]["customer"]),
            fmt.labels(CAMPAIGN_EVENT_TYPES, joined["campaign_events"]["event_type"]),
            fmt.timestamps(joined["campaign_events"]["occurred_at"]),
        ),
    }
    values = response_model.values(customers["favourites"], customers["behaviour"])
    customer_types = pa.Table.from_arrays(
        [
            ids.customers(customers["number"]),
            fmt.labels(BEHAVIOUR_TYPES, customers["behaviour"]),
            *(
                pa.array(np.round(values[name.removeprefix("response_")], 4))
                for name in RESPONSE_VALUE_COLUMNS
            ),
        ],
        schema=CUSTOMER_TYPES_SCHEMA,
    )
    bgnbd = [block.bgnbd for block in blocks if block.bgnbd is not None]
    return Chunk(
        tables=tables,
        customer_types=customer_types,
        orders=len(order_number),
        bgnbd_customers=bgnbd_customers_table(bgnbd, ids) if bgnbd else None,
    )


def bgnbd_customers_table(parts: list[Columns], ids: IdFormat) -> pa.Table:
    """bgnbd_customers.csv rows: the planted lambda and p, birth, age T in days,
    repeats x (and on how many distinct new UTC days), the last purchase
    (t_x = last_purchase_at - born_at) and whether the customer is still alive."""
    columns = {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}
    return pa.Table.from_arrays(
        [
            ids.customers(columns["number"]),
            pa.array(columns["purchase_rate"], pa.float64()),
            pa.array(columns["dropout_p"], pa.float64()),
            fmt.timestamps(columns["born_at"]),
            pa.array(columns["age_days"], pa.float64()),
            pa.array(columns["repeats"], pa.int64()),
            pa.array(columns["repeats"] - columns["same_day_repeats"], pa.int64()),
            fmt.timestamps(columns["last_purchase_at"]),
            fmt.booleans(columns["is_alive_at_end"]),
        ],
        schema=BGNBD_CUSTOMERS_SCHEMA,
    )


def _table(name: str, *columns: pa.Array) -> pa.Table:
    return pa.Table.from_arrays(list(columns), schema=table_schema(name))


def _emails(customers: Columns) -> pa.Array:
    """first.last.number@example.* (reserved domains: nobody real gets mail)."""
    local = pc.binary_join_element_wise(
        fmt.labels(FIRST_NAMES, customers["first_name"]),
        fmt.labels(LAST_NAMES, customers["last_name"]),
        fmt.integers(customers["number"]),
        ".",
    )
    return pc.binary_join_element_wise(local, fmt.labels(EMAIL_DOMAINS, customers["domain"]), "@")


def _order_items(lines: Columns, order_number: np.ndarray, ids: IdFormat) -> pa.Table:
    return _table(
        "order_items",
        ids.orders(order_number),
        fmt.integers(lines["line_number"]),
        ids.products(lines["product"]),
        fmt.integers(lines["quantity"]),
        fmt.money(lines["price_cents"]),
        fmt.money(lines["discount_cents"]),
    )


def _members(members: Columns, ids: IdFormat) -> pa.Table:
    return _table(
        "campaign_members",
        ids.campaigns(members["campaign"]),
        ids.customers(members["customer"]),
        fmt.labels(CAMPAIGN_GROUPS, members["group"]),
        fmt.labels(SEGMENT_LABELS, members["behaviour"]),
        ids.products(members["offer_product"]),
        fmt.pct(members["offer_pct"]),
        fmt.timestamps(members["sent_at"]),
    )


def campaigns_table(plan: CampaignPlan, treatment_members: np.ndarray) -> pa.Table:
    """The campaigns table; cost depends on how many treatment messages went out."""
    codes = np.arange(plan.size)
    cost = np.array(
        [campaign_cost_cents(plan, c, int(treatment_members[c])) for c in codes], dtype=np.int64
    )
    return _table(
        "campaigns",
        IdFormat.campaigns(codes),
        pa.array(plan.names, pa.string()),
        fmt.labels(CAMPAIGN_CHANNELS, plan.channel),
        fmt.timestamps(plan.started_at),
        fmt.timestamps(plan.ended_at),
        fmt.money(cost),
    )
