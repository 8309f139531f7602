"""The copy writer's input: one typed brief per segment, with the products offered to it.

The dbt models ``int_segment_offer_briefs`` (one row per segment) and
``int_segment_offered_products`` (one row per segment and product actually
offered to its customers) arrive as pandas frames; this module turns them into
small immutable objects so the rest of the package never touches a DataFrame,
checks what the SQL promises (columns present, objectives known, one row per
pair, each product's discount inside the segment's range) and says what is
wrong when it is not. Only the columns listed here are read: nothing about the
segment's customers can reach a prompt by accident.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

OBJECTIVES = ("retain", "upsell", "win_back", "onboard", "clear_stock")
CHANNELS = ("email", "sms", "push")

BRIEFS_MODEL = "int_segment_offer_briefs"
PRODUCTS_MODEL = "int_segment_offered_products"

BRIEF_COLUMNS = (
    "segment_name",
    "objective",
    "channel",
    "min_discount_rate",
    "max_discount_rate",
)
PRODUCT_COLUMNS = (
    "segment_name",
    "product_id",
    "product_name",
    "category",
    "discount_rate",
    "copy_priority",
)
# Read when present; missing means no description (e.g. a thin catalogue).
OPTIONAL_PRODUCT_COLUMNS = ("product_description",)

DISCOUNT_TOLERANCE = 1e-9


@dataclass(frozen=True)
class OfferedProduct:
    """One product offered to a segment's customers, with the discount it carries.

    Name, category and description are catalogue text: untrusted.
    """

    product_id: str
    product_name: str
    category: str
    product_description: str
    discount_rate: float
    copy_priority: int


@dataclass(frozen=True)
class SegmentBrief:
    """One segment's playbook facts and its offered products (best copy_priority first)."""

    segment_name: str
    objective: str
    channel: str
    min_discount_rate: float
    max_discount_rate: float
    products: tuple[OfferedProduct, ...]

    @property
    def product_ids(self) -> tuple[str, ...]:
        """The segment's offered product ids, best copy_priority first."""
        return tuple(product.product_id for product in self.products)


def read_briefs(briefs: pd.DataFrame, products: pd.DataFrame) -> list[SegmentBrief]:
    """Typed briefs, one per row of ``briefs``, sorted by segment name.

    A brief without offered products gets an empty tuple (and no copy rows);
    offered products of a segment without a brief are an error (their copy
    would silently be missing from every mart).
    """
    _require_columns(briefs, BRIEF_COLUMNS, BRIEFS_MODEL)
    _require_columns(products, PRODUCT_COLUMNS, PRODUCTS_MODEL)
    by_segment = _products_by_segment(products)
    result = []
    for row in briefs.to_dict("records"):
        name = str(row["segment_name"])
        if any(brief.segment_name == name for brief in result):
            raise ValueError(
                f"{BRIEFS_MODEL} has two rows for segment {name!r}; it must have one per segment"
            )
        result.append(_brief_from_row(row, by_segment.pop(name, ())))
    if by_segment:
        raise ValueError(
            f"{PRODUCTS_MODEL} offers products to segment(s) {', '.join(sorted(by_segment))} "
            f"that have no row in {BRIEFS_MODEL}; both come from the same offers"
        )
    return sorted(result, key=lambda brief: brief.segment_name)


def _brief_from_row(row: dict[str, Any], products: Sequence[OfferedProduct]) -> SegmentBrief:
    """One brief from one row, with its limits and its products' discounts checked."""
    name = str(row["segment_name"])
    objective = str(row["objective"])
    if objective not in OBJECTIVES:
        raise ValueError(
            f"segment {name!r} has objective {objective!r}; expected one of "
            f"{', '.join(OBJECTIVES)} (see seeds/reference/segment_offer_playbook.csv)"
        )
    low = _number(row["min_discount_rate"])
    high = _number(row["max_discount_rate"])
    if low is None or high is None or not 0 <= low <= high <= 1:
        raise ValueError(
            f"segment {name!r} has discount range [{low}, {high}]; "
            "expected fractions with 0 <= min_discount_rate <= max_discount_rate <= 1"
        )
    for product in products:
        if not low - DISCOUNT_TOLERANCE <= product.discount_rate <= high + DISCOUNT_TOLERANCE:
            raise ValueError(
                f"{PRODUCTS_MODEL} gives product {product.product_id!r} of segment {name!r} "
                f"discount {product.discount_rate}, outside the segment's range [{low}, {high}]"
            )
    return SegmentBrief(
        segment_name=name,
        objective=objective,
        channel=str(row["channel"]),
        min_discount_rate=low,
        max_discount_rate=high,
        products=tuple(products),
    )


def _products_by_segment(products: pd.DataFrame) -> dict[str, list[OfferedProduct]]:
    """Offered products grouped by segment, best copy_priority first (ties by product id)."""
    grouped: dict[str, list[OfferedProduct]] = {}
    for row in products.to_dict("records"):
        discount = _number(row["discount_rate"])
        if discount is None or not 0 <= discount <= 1:
            raise ValueError(
                f"{PRODUCTS_MODEL} gives product {row['product_id']!r} of segment "
                f"{row['segment_name']!r} discount {row['discount_rate']!r}; expected 0..1"
            )
        product = OfferedProduct(
            product_id=str(row["product_id"]),
            product_name=_text(row["product_name"]),
            category=_text(row["category"]),
            product_description=_text(row.get("product_description")),
            discount_rate=discount,
            copy_priority=_optional_int(row["copy_priority"]) or 0,
        )
        grouped.setdefault(str(row["segment_name"]), []).append(product)
    for segment, items in grouped.items():
        items.sort(key=lambda product: (product.copy_priority, product.product_id))
        ids = [product.product_id for product in items]
        if len(set(ids)) != len(ids):
            raise ValueError(
                f"{PRODUCTS_MODEL} lists a product twice for segment {segment!r}; "
                "expected one row per segment and product"
            )
    return grouped


def _require_columns(frame: pd.DataFrame, columns: Sequence[str], model_name: str) -> None:
    """Stop with the missing column names when an input lacks a column this package reads."""
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ValueError(
            f"{model_name} is missing column(s) {', '.join(missing)}; "
            f"found: {', '.join(map(str, frame.columns))}"
        )


def _is_missing(value: Any) -> bool:
    """True for None, NaN and pandas NA."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _number(value: Any) -> float | None:
    """A plain float, or None for missing and non-finite values."""
    if _is_missing(value):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _optional_int(value: Any) -> int | None:
    """A plain int, or None when missing."""
    return None if _is_missing(value) else int(value)


def _text(value: Any) -> str:
    """A plain string; missing values become the empty string."""
    return "" if _is_missing(value) else str(value)
