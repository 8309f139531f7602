"""The output table's columns and types, on pandas, DuckDB and Spark alike.

Column types are declared, not inferred: ``fallback_reason`` is null on every
row of a template build, and an all-null pandas object column would become
DuckDB's "NULL" type and break Spark's schema inference. Strings use pandas'
``string`` dtype (DuckDB VARCHAR); on Spark the rows are handed over as plain
Python values with an explicit DDL schema.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

# fallback_reason of products past var llm_products_per_segment: template copy by design.
BEYOND_LLM_CAP = "beyond_llm_cap"

# (column, pandas dtype, Spark SQL type)
OUTPUT_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("segment_name", "string", "string"),
    ("product_id", "string", "string"),
    ("copy_priority", "int32", "int"),
    ("discount_rate", "float64", "double"),
    ("headline", "string", "string"),
    ("body", "string", "string"),
    ("sms", "string", "string"),
    ("rationale", "string", "string"),
    ("copy_source", "string", "string"),
    ("fallback_reason", "string", "string"),
    ("model_id", "string", "string"),
    ("prompt_version", "string", "string"),
    ("cache_key", "string", "string"),
    ("is_cache_hit", "bool", "boolean"),
)
OUTPUT_COLUMN_NAMES = tuple(name for name, _, _ in OUTPUT_COLUMNS)
SPARK_SCHEMA_DDL = ", ".join(f"{name} {spark}" for name, _, spark in OUTPUT_COLUMNS)


def offer_copy_frame(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Rows (dicts with every output column) as a DataFrame with the declared dtypes."""
    data = {name: [row[name] for row in rows] for name in OUTPUT_COLUMN_NAMES}
    return pd.DataFrame(
        {name: pd.Series(data[name], dtype=dtype, name=name) for name, dtype, _ in OUTPUT_COLUMNS},
        columns=list(OUTPUT_COLUMN_NAMES),
    )


def spark_rows(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
    """The frame's rows as tuples of plain Python values (None for missing), for
    ``spark.createDataFrame(rows, SPARK_SCHEMA_DDL)``."""
    rows = []
    for record in frame[list(OUTPUT_COLUMN_NAMES)].astype(object).to_dict("records"):
        rows.append(tuple(_plain(record[name]) for name in OUTPUT_COLUMN_NAMES))
    return rows


def fallback_summary(frame: pd.DataFrame) -> str | None:
    """One line naming every segment where an LLM answer was not used, and why; None if none.

    ``beyond_llm_cap`` is not a failure (the cap is configured) and is left out.
    """
    reasons = frame["fallback_reason"]
    failed = frame[reasons.notna() & (reasons != BEYOND_LLM_CAP)]
    if failed.empty:
        return None
    listed = []
    for segment, group in failed.groupby("segment_name", sort=True):
        counts = group["fallback_reason"].value_counts()
        parts = ", ".join(
            f"{reason} x{count}" for reason, count in sorted(counts.items(), key=_by_count)
        )
        listed.append(f"{segment}: {parts}")
    segments = frame["segment_name"].nunique()
    return (
        f"Offer copy: {len(failed)} product(s) in {len(listed)} of {segments} segment(s) fell "
        f"back to template copy ({'; '.join(listed)}). See column fallback_reason."
    )


def _by_count(item: tuple[str, int]) -> tuple[int, str]:
    """Most frequent reason first, ties by name."""
    return (-item[1], item[0])


def _plain(value: Any) -> Any:
    """numpy and pandas scalars as Python values; NA as None."""
    if value is None or value is pd.NA:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value.item() if hasattr(value, "item") else value
