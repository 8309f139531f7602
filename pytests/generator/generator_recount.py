"""An independent recount of data-quality reasons in generated raw CSV files.

Written from docs/data_quality.md and the staging models, not from the
generator's bookkeeping: values are parsed with Python's own parsers, future
timestamps found by comparison, duplicates by counting keys, and unknown
references by joining to the rows found clean. A row gets the first reason
that applies, in the order of the document.
"""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

Row = dict[str, str | None]

ORDER_STATUSES = {"completed", "cancelled", "returned"}
LIFECYCLE_STAGES = {"introduction", "growth", "maturity", "decline"}
WEB_EVENT_TYPES = {"view", "add_to_cart", "wishlist"}
CAMPAIGN_EVENT_TYPES = {"delivered", "opened", "clicked", "unsubscribed"}
GROUPS = {"treatment", "control"}


def read_rows(path: Path) -> list[Row]:
    """CSV rows as dicts of trimmed text, empty fields as None (like staging's raw_text)."""
    with path.open(newline="", encoding="utf-8") as file:
        return [
            {key: (value.strip() or None) for key, value in row.items()}
            for row in csv.DictReader(file)
        ]


def timestamp(value: str | None) -> datetime | None:
    """An ISO timestamp, or None when it cannot be read."""
    try:
        return datetime.fromisoformat(value) if value is not None else None
    except ValueError:
        return None


def number(value: str | None) -> Decimal | None:
    """A finite decimal, or None."""
    try:
        parsed = Decimal(value) if value is not None else None
    except InvalidOperation:
        return None
    return parsed if parsed is not None and parsed.is_finite() else None


def integer(value: str | None) -> int | None:
    """An integer written with digits only (and a sign), or None."""
    if value is None or not value.lstrip("+-").isdigit():
        return None
    return int(value)


def unparseable(value: str | None, parse: Callable[[str | None], object]) -> bool:
    """Given but unreadable (an empty value is not 'unparseable')."""
    return value is not None and parse(value) is None


@dataclass
class Recount:
    """Reasons counted per table, and the rows that stayed clean."""

    reasons: dict[str, Counter[str]]
    clean: dict[str, list[Row]]


def _first_reason(row: Row, checks: Iterable[tuple[str, Callable[[Row], bool]]]) -> str | None:
    for reason, failed in checks:
        if failed(row):
            return reason
    return None


def _every_value(row: Row) -> tuple[str, ...]:
    """Default order of duplicates: by every raw value, in column order."""
    return tuple(value or "" for value in row.values())


def latest_signup_then_hash(row: Row) -> tuple[float, str]:
    """Customers' order of duplicates (docs/data_quality.md): the latest
    signed_up_at first (an empty one last), then the smallest SHA-256 hex of
    the raw values joined with ' | '."""
    signed_up = timestamp(row["signed_up_at"])
    whole_row = " | ".join(value or "" for value in row.values())
    return (
        -signed_up.timestamp() if signed_up is not None else float("inf"),
        hashlib.sha256(whole_row.encode("utf-8")).hexdigest(),
    )


def _classify(
    rows: list[Row],
    key: tuple[str, ...],
    row_checks: list[tuple[str, Callable[[Row], bool]]],
    reference_checks: list[tuple[str, Callable[[Row], bool]]],
    keep_first: Callable[[Row], tuple] = _every_value,
) -> tuple[Counter[str], list[Row]]:
    """Row checks, then duplicate keys among rows that passed (the first row
    by `keep_first` stays), then references."""
    reasons: Counter[str] = Counter()
    passed: dict[tuple, list[Row]] = {}
    for row in rows:
        reason = _first_reason(row, row_checks)
        if reason:
            reasons[reason] += 1
        else:
            passed.setdefault(tuple(row[column] for column in key), []).append(row)
    clean: list[Row] = []
    for group in passed.values():
        group.sort(key=keep_first)
        reasons["duplicate_key"] += len(group) - 1
        row = group[0]
        reason = _first_reason(row, reference_checks)
        if reason:
            reasons[reason] += 1
        else:
            clean.append(row)
    return +reasons, clean


def recount(folder: Path, max_valid_at: datetime) -> Recount:
    """Every table's reasons, clean tables first so references can be checked."""
    raw = {path.stem: read_rows(path) for path in folder.glob("*.csv")}
    reasons: dict[str, Counter[str]] = {}
    clean: dict[str, list[Row]] = {}

    def future(column: str) -> Callable[[Row], bool]:
        return lambda row: timestamp(row[column]) > max_valid_at  # type: ignore[operator]

    reasons["customers"], clean["customers"] = _classify(
        raw["customers"],
        ("customer_id",),
        [
            ("missing_key", lambda r: r["customer_id"] is None),
            ("unparseable_signed_up_at", lambda r: unparseable(r["signed_up_at"], timestamp)),
            ("future_signed_up_at", lambda r: r["signed_up_at"] is not None
                and timestamp(r["signed_up_at"]) > max_valid_at),  # type: ignore[operator]
        ],
        [],
        keep_first=latest_signup_then_hash,
    )  # fmt: skip
    customers = {row["customer_id"] for row in clean["customers"]}

    reasons["products"], clean["products"] = _classify(
        raw["products"],
        ("product_id",),
        [
            ("missing_key", lambda r: r["product_id"] is None),
            ("unparseable_unit_price", lambda r: unparseable(r["unit_price"], number)),
            ("unparseable_unit_cost", lambda r: unparseable(r["unit_cost"], number)),
            ("unparseable_inventory_qty", lambda r: unparseable(r["inventory_qty"], integer)),
            ("invalid_lifecycle_stage", lambda r: r["lifecycle_stage"] is not None
                and r["lifecycle_stage"].lower() not in LIFECYCLE_STAGES),
            ("non_positive_unit_price", lambda r: r["unit_price"] is not None
                and number(r["unit_price"]) <= 0),  # type: ignore[operator]
        ],
        [],
    )  # fmt: skip
    products = {row["product_id"] for row in clean["products"]}

    reasons["orders"], clean["orders"] = _classify(
        raw["orders"],
        ("order_id",),
        [
            ("missing_key", lambda r: r["order_id"] is None),
            ("unparseable_ordered_at", lambda r: timestamp(r["ordered_at"]) is None),
            ("invalid_status", lambda r: (r["status"] or "").lower() not in ORDER_STATUSES),
            ("future_ordered_at", future("ordered_at")),
        ],
        [("unknown_customer", lambda r: r["customer_id"] is not None
            and r["customer_id"] not in customers)],
    )  # fmt: skip
    orders = {row["order_id"] for row in clean["orders"]}

    reasons["order_items"], clean["order_items"] = _classify(
        raw["order_items"],
        ("order_id", "line_number"),
        [
            ("missing_key", lambda r: r["order_id"] is None or r["line_number"] is None),
            ("unparseable_line_number", lambda r: integer(r["line_number"]) is None),
            ("unparseable_quantity", lambda r: integer(r["quantity"]) is None),
            ("unparseable_unit_price", lambda r: number(r["unit_price"]) is None),
            ("unparseable_discount_amount", lambda r: unparseable(r["discount_amount"], number)),
            ("negative_unit_price", lambda r: number(r["unit_price"]) < 0),  # type: ignore[operator]
        ],
        [
            ("unknown_order", lambda r: r["order_id"] not in orders),
            ("unknown_product", lambda r: r["product_id"] is not None
                and r["product_id"] not in products),
        ],
    )  # fmt: skip

    reasons["web_events"], clean["web_events"] = _classify(
        raw["web_events"],
        ("customer_id", "product_id", "event_type", "occurred_at"),
        [
            ("missing_key", lambda r: r["customer_id"] is None or r["product_id"] is None),
            ("unparseable_occurred_at", lambda r: timestamp(r["occurred_at"]) is None),
            ("invalid_event_type", lambda r: (r["event_type"] or "").lower()
                not in WEB_EVENT_TYPES),
            ("future_occurred_at", future("occurred_at")),
        ],
        [
            ("unknown_customer", lambda r: r["customer_id"] not in customers),
            ("unknown_product", lambda r: r["product_id"] not in products),
        ],
    )  # fmt: skip

    reasons["campaigns"], clean["campaigns"] = _classify(
        raw["campaigns"],
        ("campaign_id",),
        [
            ("missing_key", lambda r: r["campaign_id"] is None),
            ("unparseable_started_at", lambda r: timestamp(r["started_at"]) is None),
            ("unparseable_ended_at", lambda r: unparseable(r["ended_at"], timestamp)),
            ("unparseable_cost", lambda r: unparseable(r["cost"], number)),
            ("invalid_date_range", lambda r: r["ended_at"] is not None
                and timestamp(r["ended_at"]) < timestamp(r["started_at"])),  # type: ignore[operator]
        ],
        [],
    )  # fmt: skip
    campaigns = {row["campaign_id"] for row in clean["campaigns"]}

    reasons["campaign_members"], clean["campaign_members"] = _classify(
        raw["campaign_members"],
        ("campaign_id", "customer_id"),
        [
            ("missing_key", lambda r: r["campaign_id"] is None or r["customer_id"] is None),
            ("unparseable_sent_at", lambda r: timestamp(r["sent_at"]) is None),
            ("unparseable_offer_discount_pct", lambda r: unparseable(r["offer_discount_pct"],
                number)),
            ("invalid_group", lambda r: (r["group"] or "").lower() not in GROUPS),
        ],
        [
            ("unknown_campaign", lambda r: r["campaign_id"] not in campaigns),
            ("unknown_customer", lambda r: r["customer_id"] not in customers),
        ],
    )  # fmt: skip
    members = {(row["campaign_id"], row["customer_id"]) for row in clean["campaign_members"]}

    reasons["campaign_events"], clean["campaign_events"] = _classify(
        raw["campaign_events"],
        ("campaign_id", "customer_id", "event_type", "occurred_at"),
        [
            ("missing_key", lambda r: r["campaign_id"] is None or r["customer_id"] is None),
            ("unparseable_occurred_at", lambda r: timestamp(r["occurred_at"]) is None),
            ("invalid_event_type", lambda r: (r["event_type"] or "").lower()
                not in CAMPAIGN_EVENT_TYPES),
            ("future_occurred_at", future("occurred_at")),
        ],
        [("unknown_member", lambda r: (r["campaign_id"], r["customer_id"]) not in members)],
    )  # fmt: skip
    return Recount(reasons=reasons, clean=clean)
