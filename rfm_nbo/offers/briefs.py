"""The copy writer's input: one typed brief per segment, with its candidate products.

The two dbt models ``int_segment_offer_briefs`` (one row per segment) and
``int_segment_offer_candidates`` (one row per segment and allowed product)
arrive as pandas frames; this module turns them into small immutable objects so
the rest of the package never touches a DataFrame, checks what the SQL promises
(columns present, objectives known, discount range sane) and says what is wrong
when it is not. Only the columns listed here are read: nothing else about the
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

BRIEF_COLUMNS = (
    "segment_name",
    "customers",
    "avg_recency_days",
    "avg_frequency",
    "avg_monetary",
    "objective",
    "channel",
    "min_discount_rate",
    "max_discount_rate",
    "offers_per_customer",
)
# Read when present: how many offers to write per segment (customers are then
# ranked among them). Without it, offers_per_customer is used.
OPTIONAL_BRIEF_COLUMNS = ("offers_to_write",)

CANDIDATE_COLUMNS = (
    "segment_name",
    "candidate_rank",
    "product_id",
    "product_name",
    "category",
    "unit_price",
)
# Read when present; missing means no description (e.g. a thin catalogue).
OPTIONAL_CANDIDATE_COLUMNS = ("product_description",)

# The prompt lists at most this many candidates, which bounds its size.
MAX_CANDIDATES = 20


@dataclass(frozen=True)
class Candidate:
    """One product the SQL allowed for a segment. Name and description are catalogue text."""

    candidate_rank: int
    product_id: str
    product_name: str
    category: str
    unit_price: float | None
    product_description: str


@dataclass(frozen=True)
class SegmentBrief:
    """One segment's aggregate profile, playbook limits and candidates (best rank first)."""

    segment_name: str
    customers: int
    avg_recency_days: float | None
    avg_frequency: float | None
    avg_monetary: float | None
    objective: str
    channel: str
    min_discount_rate: float
    max_discount_rate: float
    offers_per_customer: int
    offers_to_write: int | None
    candidates: tuple[Candidate, ...]

    @property
    def offer_count(self) -> int:
        """How many offers (slots) to write: offers_to_write, else offers_per_customer,
        never more than there are candidates (each slot needs its own product)."""
        wanted = self.offers_to_write if self.offers_to_write else self.offers_per_customer
        return max(0, min(wanted, len(self.candidates)))

    @property
    def candidate_ids(self) -> tuple[str, ...]:
        """The product ids the answer may use, best rank first."""
        return tuple(candidate.product_id for candidate in self.candidates)


def read_briefs(briefs: pd.DataFrame, candidates: pd.DataFrame) -> list[SegmentBrief]:
    """Typed briefs, one per row of ``briefs``, sorted by segment name.

    Candidates of segments without a brief are ignored; a brief without
    candidates gets an empty tuple (and therefore no offers).
    """
    _require_columns(briefs, BRIEF_COLUMNS, "int_segment_offer_briefs")
    _require_columns(candidates, CANDIDATE_COLUMNS, "int_segment_offer_candidates")
    by_segment = _candidates_by_segment(candidates)
    result = []
    seen: set[str] = set()
    for row in briefs.to_dict("records"):
        brief = _brief_from_row(row, by_segment.get(str(row["segment_name"]), ()))
        if brief.segment_name in seen:
            raise ValueError(
                f"int_segment_offer_briefs has two rows for segment {brief.segment_name!r}; "
                "it must have one row per segment"
            )
        seen.add(brief.segment_name)
        result.append(brief)
    return sorted(result, key=lambda brief: brief.segment_name)


def _brief_from_row(row: dict[str, Any], candidates: Sequence[Candidate]) -> SegmentBrief:
    """One brief from one row, with its limits checked."""
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
    offers_to_write = _optional_int(row.get("offers_to_write"))
    return SegmentBrief(
        segment_name=name,
        customers=_optional_int(row["customers"]) or 0,
        avg_recency_days=_number(row["avg_recency_days"]),
        avg_frequency=_number(row["avg_frequency"]),
        avg_monetary=_number(row["avg_monetary"]),
        objective=objective,
        channel=str(row["channel"]),
        min_discount_rate=low,
        max_discount_rate=high,
        offers_per_customer=_optional_int(row["offers_per_customer"]) or 0,
        offers_to_write=offers_to_write,
        candidates=tuple(candidates[:MAX_CANDIDATES]),
    )


def _candidates_by_segment(candidates: pd.DataFrame) -> dict[str, list[Candidate]]:
    """Candidates grouped by segment, best rank first (ties by product id)."""
    grouped: dict[str, list[Candidate]] = {}
    for row in candidates.to_dict("records"):
        candidate = Candidate(
            candidate_rank=_optional_int(row["candidate_rank"]) or 0,
            product_id=str(row["product_id"]),
            product_name=_text(row["product_name"]),
            category=_text(row["category"]),
            unit_price=_number(row["unit_price"]),
            product_description=_text(row.get("product_description")),
        )
        grouped.setdefault(str(row["segment_name"]), []).append(candidate)
    for segment, items in grouped.items():
        items.sort(key=lambda candidate: (candidate.candidate_rank, candidate.product_id))
        ids = [candidate.product_id for candidate in items]
        if len(set(ids)) != len(ids):
            raise ValueError(
                f"int_segment_offer_candidates lists a product twice for segment {segment!r}; "
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
