"""Planted defects: a known number of bad rows per defect class per table.

Each planted row triggers exactly the one `dq_reason` it is meant to (see
docs/data_quality.md) and is otherwise valid. Defects are added rows, so they
do not disturb clean data: quarantined customers, products and campaigns are
new ids nobody references, and a duplicate_key row is an exact copy of a
clean row (staging keeps one copy). Two cascades are part of the design and
are counted: the lines of a defective order (unknown_order) and the
'delivered' event of a defective treatment member (unknown_member).

Rows to copy or attach to come from block 0, whatever the chunk size, and
draws come from the defects stream, so defects are deterministic too.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from rfm_nbo.generator.behaviour import SEGMENT_NAMES
from rfm_nbo.generator.schema import (
    CAMPAIGN_PREFIX,
    CAMPAIGN_WIDTH,
    CUSTOMER_PREFIX,
    ORDER_PREFIX,
    ORDER_WIDTH,
    PRODUCT_PREFIX,
)

Row = dict[str, str | None]
Source = dict[str, list[Row]]
Rng = np.random.Generator

FUTURE_TIMESTAMPS = ("2099-01-15 10:00:00", "2099-06-30 12:30:00", "2099-12-31 23:59:59")
UNPARSEABLE_TIMESTAMPS = ("not-a-date", "N/A", "2026-02-30 10:00:00", "31/12/2025 14:00", "soon")
UNPARSEABLE_NUMBERS = ("N/A", "twelve", "TBD", "n/a", "unknown")
# Products: a catalogue price must be above zero. Order lines: a price of 0
# is a valid free item, so only negative prices are defects.
NON_POSITIVE_PRICES = ("0.00", "-4.99")
NEGATIVE_PRICES = ("-4.99", "-0.01")
INVALID_VALUES = {
    "status": ("shipped", "pending", "on_hold"),
    "lifecycle_stage": ("discontinued", "retired", "beta"),
    "web_event_type": ("purchase", "share", "review"),
    "campaign_event_type": ("bounced", "forwarded", "spam_report"),
    "group": ("holdout", "test", "unassigned"),
}

RECOUNT_CLASSES: dict[str, tuple[str, ...]] = {
    "customers": (
        "missing_key",
        "unparseable_signed_up_at",
        "future_signed_up_at",
        "duplicate_key",
    ),
    "products": (
        "duplicate_key",
        "non_positive_unit_price",
        "unparseable_unit_cost",
        "invalid_lifecycle_stage",
    ),
    "orders": (
        "duplicate_key",
        "unknown_customer",
        "future_ordered_at",
        "unparseable_ordered_at",
        "invalid_status",
    ),
    "order_items": (
        "duplicate_key",
        "unknown_product",
        "negative_unit_price",
        "unparseable_quantity",
        "unknown_order",
    ),
    "web_events": (
        "duplicate_key",
        "unknown_customer",
        "unknown_product",
        "future_occurred_at",
        "invalid_event_type",
    ),
    "campaigns": ("duplicate_key", "unparseable_cost", "invalid_date_range"),
    "campaign_members": ("duplicate_key", "unknown_campaign", "unknown_customer", "invalid_group"),
    "campaign_events": (
        "duplicate_key",
        "unknown_member",
        "future_occurred_at",
        "invalid_event_type",
    ),
}


@dataclass(frozen=True)
class CleanCounts:
    """How many clean rows exist, so defective ids can start after them."""

    customers: int
    products: int
    orders: int
    campaigns: int
    customer_width: int
    product_width: int


@dataclass
class Defects:
    """Planted rows per table (appended after the clean rows) and their bookkeeping."""

    rows: dict[str, list[Row]] = field(default_factory=dict)
    planted: dict[str, Counter[str]] = field(default_factory=dict)
    cascaded: dict[str, Counter[str]] = field(default_factory=dict)

    def add(self, table: str, reason: str, rows: list[Row], cascade: bool = False) -> None:
        """Record rows planted (or cascaded) for `reason`."""
        self.rows.setdefault(table, []).extend(rows)
        book = self.cascaded if cascade else self.planted
        book.setdefault(table, Counter())[reason] += len(rows)


class _Ids:
    """Text ids for defective rows: quarantined ids right after the clean ones,
    then ids that never exist anywhere (for unknown_* references)."""

    def __init__(self, counts: CleanCounts, k: int) -> None:
        self.counts, self.k = counts, k

    def customer(self, number: int) -> str:
        return f"{CUSTOMER_PREFIX}{number:0{self.counts.customer_width}d}"

    def new_customer(self, j: int) -> str:
        return self.customer(self.counts.customers + 1 + j)

    def unknown_customer(self, j: int) -> str:
        return self.customer(self.counts.customers + 2 * self.k + 1 + j)

    def new_product(self, j: int) -> str:
        return f"{PRODUCT_PREFIX}{self.counts.products + 1 + j:0{self.counts.product_width}d}"

    def unknown_product(self, j: int) -> str:
        number = self.counts.products + 3 * self.k + 1 + j
        return f"{PRODUCT_PREFIX}{number:0{self.counts.product_width}d}"

    def new_order(self, j: int) -> str:
        return f"{ORDER_PREFIX}{self.counts.orders + 1 + j:0{ORDER_WIDTH}d}"

    def unknown_order(self, j: int) -> str:
        return f"{ORDER_PREFIX}{self.counts.orders + 4 * self.k + 1 + j:0{ORDER_WIDTH}d}"

    def new_campaign(self, j: int) -> str:
        return f"{CAMPAIGN_PREFIX}{self.counts.campaigns + 1 + j:0{CAMPAIGN_WIDTH}d}"

    def unknown_campaign(self, j: int) -> str:
        number = self.counts.campaigns + 2 * self.k + 1 + j
        return f"{CAMPAIGN_PREFIX}{number:0{CAMPAIGN_WIDTH}d}"


def _pick(rng: Rng, rows: list[Row], k: int) -> list[Row]:
    """k rows (copies), distinct when there are enough; none when there are none."""
    if not rows or k == 0:
        return []
    index = rng.choice(len(rows), size=k, replace=len(rows) < k)
    return [dict(rows[i]) for i in sorted(index)]


def _cycle(values: tuple[str, ...], j: int) -> str:
    return values[j % len(values)]


def plant_defects(
    rng: np.random.Generator,
    k: int,
    counts: CleanCounts,
    block0: dict[str, pa.Table],
    products: pa.Table,
    campaigns: pa.Table,
) -> Defects:
    """Every defect class of docs/data_quality.md that the brief lists, k rows each."""
    ids = _Ids(counts, k)
    source = {name: table.to_pylist() for name, table in block0.items()}
    defects = Defects()
    _customers(rng, k, ids, source, defects)
    _products(rng, k, ids, products.to_pylist(), defects)
    _orders(rng, k, ids, source, products.to_pylist(), defects)
    _order_items(rng, k, ids, source, products.to_pylist(), defects)
    _web_events(rng, k, ids, source, defects)
    _campaigns(rng, k, ids, campaigns.to_pylist(), defects)
    _campaign_members(rng, k, ids, source, defects)
    _campaign_events(rng, k, ids, source, defects)
    return defects


def _customers(rng: Rng, k: int, ids: _Ids, source: Source, defects: Defects) -> None:
    base = _pick(rng, source["customers"], 3 * k)
    for reason, offset in (("missing_key", 0), ("unparseable_signed_up_at", 1),
                           ("future_signed_up_at", 2)):  # fmt: skip
        rows = []
        for j, row in enumerate(base[offset * k : (offset + 1) * k]):
            missing = reason == "missing_key"
            row["customer_id"] = None if missing else ids.new_customer((offset - 1) * k + j)
            row["email"] = f"{reason.replace('_', '.')}.{j + 1}@example.com"
            if reason == "unparseable_signed_up_at":
                row["signed_up_at"] = _cycle(UNPARSEABLE_TIMESTAMPS, j)
            if reason == "future_signed_up_at":
                row["signed_up_at"] = _cycle(FUTURE_TIMESTAMPS, j)
            rows.append(row)
        defects.add("customers", reason, rows)
    defects.add("customers", "duplicate_key", _pick(rng, source["customers"], k))


def _products(rng: Rng, k: int, ids: _Ids, catalogue: list[Row], defects: Defects) -> None:
    defects.add("products", "duplicate_key", _pick(rng, catalogue, k))
    base = _pick(rng, catalogue, 3 * k)
    changes = (
        ("non_positive_unit_price", "unit_price", NON_POSITIVE_PRICES),
        ("unparseable_unit_cost", "unit_cost", UNPARSEABLE_NUMBERS),
        ("invalid_lifecycle_stage", "lifecycle_stage", INVALID_VALUES["lifecycle_stage"]),
    )
    for offset, (reason, column, values) in enumerate(changes):
        rows = []
        for j, row in enumerate(base[offset * k : (offset + 1) * k]):
            row["product_id"] = ids.new_product(offset * k + j)
            row[column] = _cycle(values, j)
            rows.append(row)
        defects.add("products", reason, rows)


def _orders(
    rng: Rng, k: int, ids: _Ids, source: Source, catalogue: list[Row], defects: Defects
) -> None:
    with_customer = [row for row in source["orders"] if row["customer_id"]]
    defects.add("orders", "duplicate_key", _pick(rng, with_customer, k))
    base = _pick(rng, with_customer, 4 * k)
    changes = (
        ("unknown_customer", "customer_id", None),
        ("future_ordered_at", "ordered_at", FUTURE_TIMESTAMPS),
        ("unparseable_ordered_at", "ordered_at", UNPARSEABLE_TIMESTAMPS),
        ("invalid_status", "status", INVALID_VALUES["status"]),
    )
    cascade: list[Row] = []
    for offset, (reason, column, values) in enumerate(changes):
        rows = []
        for j, row in enumerate(base[offset * k : (offset + 1) * k]):
            row["order_id"] = ids.new_order(offset * k + j)
            row["status"] = "completed"
            row[column] = ids.unknown_customer(j) if values is None else _cycle(values, j)
            rows.append(row)
            # A defective order still has lines; they cascade to unknown_order.
            for line in range(1 + int(rng.integers(0, 2))):
                product = catalogue[int(rng.integers(0, len(catalogue)))]
                cascade.append(
                    _line(row["order_id"], line + 1, product, 1 + int(rng.integers(0, 2)))
                )
        defects.add("orders", reason, rows)
    defects.add("order_items", "unknown_order", cascade, cascade=True)


def _line(order_id: str, line_number: int, product: Row, quantity: int) -> Row:
    return {
        "order_id": order_id,
        "line_number": str(line_number),
        "product_id": product["product_id"],
        "quantity": str(quantity),
        "unit_price": product["unit_price"],
        "discount_amount": "0.00",
    }


def _order_items(
    rng: Rng, k: int, ids: _Ids, source: Source, catalogue: list[Row], defects: Defects
) -> None:
    lines = source["order_items"]
    defects.add("order_items", "duplicate_key", _pick(rng, lines, k))
    next_line: dict[str, int] = {}
    for row in lines:
        next_line[row["order_id"]] = max(
            next_line.get(row["order_id"], 1), int(row["line_number"]) + 1
        )
    hosts = _pick(rng, [{"order_id": order_id} for order_id in sorted(next_line)], 3 * k)
    reasons = ("unknown_product", "negative_unit_price", "unparseable_quantity")
    for offset, reason in enumerate(reasons):
        rows = []
        for j, host in enumerate(hosts[offset * k : (offset + 1) * k]):
            order_id = host["order_id"]
            product = catalogue[int(rng.integers(0, len(catalogue)))]
            row = _line(order_id, next_line[order_id], product, 1)
            next_line[order_id] += 1
            if reason == "unknown_product":
                row["product_id"] = ids.unknown_product(j)
            elif reason == "negative_unit_price":
                row["unit_price"] = _cycle(NEGATIVE_PRICES, j)
            else:
                row["quantity"] = _cycle(UNPARSEABLE_NUMBERS, j)
            rows.append(row)
        defects.add("order_items", reason, rows)
    rows = []
    for j in range(k if catalogue else 0):
        product = catalogue[int(rng.integers(0, len(catalogue)))]
        rows.append(_line(ids.unknown_order(j), 1, product, 1))
    defects.add("order_items", "unknown_order", rows)


def _web_events(rng: Rng, k: int, ids: _Ids, source: Source, defects: Defects) -> None:
    events = source["web_events"]
    defects.add("web_events", "duplicate_key", _pick(rng, events, k))
    base = _pick(rng, events, 4 * k)
    changes = (
        ("unknown_customer", "customer_id"),
        ("unknown_product", "product_id"),
        ("future_occurred_at", "occurred_at"),
        ("invalid_event_type", "event_type"),
    )
    for offset, (reason, column) in enumerate(changes):
        rows = []
        for j, row in enumerate(base[offset * k : (offset + 1) * k]):
            row[column] = {
                "unknown_customer": ids.unknown_customer(j),
                "unknown_product": ids.unknown_product(j),
                "future_occurred_at": _cycle(FUTURE_TIMESTAMPS, j),
                "invalid_event_type": _cycle(INVALID_VALUES["web_event_type"], j),
            }[reason]
            rows.append(row)
        defects.add("web_events", reason, rows)


def _campaigns(rng: Rng, k: int, ids: _Ids, campaigns: list[Row], defects: Defects) -> None:
    defects.add("campaigns", "duplicate_key", _pick(rng, campaigns, k))
    base = _pick(rng, campaigns, 2 * k)
    rows = []
    for j, row in enumerate(base[:k]):
        row["campaign_id"] = ids.new_campaign(j)
        row["cost"] = _cycle(UNPARSEABLE_NUMBERS, j)
        rows.append(row)
    defects.add("campaigns", "unparseable_cost", rows)
    rows = []
    for j, row in enumerate(base[k:]):
        row["campaign_id"] = ids.new_campaign(k + j)
        row["started_at"], row["ended_at"] = row["ended_at"], row["started_at"]
        rows.append(row)
    defects.add("campaigns", "invalid_date_range", rows)


def _non_members(source: Source) -> list[Row]:
    """(campaign, customer) pairs of block 0 that are not campaign members, as rows."""
    members = {(row["campaign_id"], row["customer_id"]) for row in source["campaign_members"]}
    campaigns = sorted({row["campaign_id"] for row in source["campaign_members"]})
    customers = [row["customer_id"] for row in source["customers"]]
    return [
        {"campaign_id": campaign, "customer_id": customer}
        for campaign in campaigns
        for customer in customers
        if (campaign, customer) not in members
    ]


def _campaign_members(rng: Rng, k: int, ids: _Ids, source: Source, defects: Defects) -> None:
    members = source["campaign_members"]
    defects.add("campaign_members", "duplicate_key", _pick(rng, members, k))
    base = _pick(rng, members, 2 * k)
    delivered: list[Row] = []
    for offset, reason in enumerate(("unknown_campaign", "unknown_customer")):
        rows = []
        for j, row in enumerate(base[offset * k : (offset + 1) * k]):
            if reason == "unknown_campaign":
                row["campaign_id"] = ids.unknown_campaign(j)
            else:
                row["customer_id"] = ids.unknown_customer(j)
            row["group"] = "treatment"
            rows.append(row)
            delivered.append(
                {
                    "campaign_id": row["campaign_id"],
                    "customer_id": row["customer_id"],
                    "event_type": "delivered",
                    "occurred_at": row["sent_at"],
                }
            )
        defects.add("campaign_members", reason, rows)
    # Messages sent to members that staging rejects: their events have no member.
    defects.add("campaign_events", "unknown_member", delivered, cascade=True)

    templates = {row["campaign_id"]: row for row in members}
    segments = {
        row["customer_id"]: SEGMENT_NAMES[str(row["behaviour_type"])]
        for row in source["customer_types"]
    }
    rows = []
    for j, pair in enumerate(_pick(rng, _non_members(source), k)):
        row = dict(templates[pair["campaign_id"]])
        row["customer_id"] = pair["customer_id"]
        row["segment_at_send"] = segments[pair["customer_id"]]
        row["group"] = _cycle(INVALID_VALUES["group"], j)
        rows.append(row)
    defects.add("campaign_members", "invalid_group", rows)


def _campaign_events(rng: Rng, k: int, ids: _Ids, source: Source, defects: Defects) -> None:
    events = source["campaign_events"]
    defects.add("campaign_events", "duplicate_key", _pick(rng, events, k))
    sent = {row["campaign_id"]: row["sent_at"] for row in source["campaign_members"]}
    taken = {
        (row["campaign_id"], row["customer_id"]) for row in defects.rows.get("campaign_members", [])
    }
    pairs = [
        pair
        for pair in _non_members(source)
        if (pair["campaign_id"], pair["customer_id"]) not in taken
    ]
    rows = []
    for pair in _pick(rng, pairs, k):
        rows.append({**pair, "event_type": "delivered", "occurred_at": sent[pair["campaign_id"]]})
    defects.add("campaign_events", "unknown_member", rows)
    base = _pick(rng, events, 2 * k)
    rows = []
    for j, row in enumerate(base[:k]):
        row["occurred_at"] = _cycle(FUTURE_TIMESTAMPS, j)
        rows.append(row)
    defects.add("campaign_events", "future_occurred_at", rows)
    rows = []
    for j, row in enumerate(base[k:]):
        row["event_type"] = _cycle(INVALID_VALUES["campaign_event_type"], j)
        rows.append(row)
    defects.add("campaign_events", "invalid_event_type", rows)
