"""Engine-neutral column types for the three output tables, and pandas conformance to them.

Every output table declares its columns as (name, kind) with kind one of
``string``, ``int32``, ``int64``, ``float64``, ``bool``. The DuckDB and Spark
writers map kinds to their own types, so the same model builds the same table
schema on both engines, and an all-null column (e.g. ``match_distance`` when
there is one cluster) still gets its real type instead of DuckDB's "NULL".
Integer columns are numpy integers, or pandas' nullable ``Int32``/``Int64``
when a value is missing.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

ColumnTypes = list[tuple[str, str]]

KINDS: frozenset[str] = frozenset({"string", "int32", "int64", "float64", "bool"})


def conform(frame: pd.DataFrame, columns: Sequence[tuple[str, str]]) -> pd.DataFrame:
    """Return the declared columns, in order, cast to their kinds (strings as pandas 'string').

    Raises a ValueError naming any declared column the frame lacks, or extra
    columns it has: a schema drift should fail loudly, not reach a table.
    """
    names = [name for name, _ in columns]
    missing = [name for name in names if name not in frame.columns]
    extra = [name for name in frame.columns if name not in names]
    if missing or extra:
        raise ValueError(f"output schema mismatch: missing {missing}, unexpected {extra}")
    result = pd.DataFrame(index=frame.index)
    for name, kind in columns:
        if kind not in KINDS:
            raise ValueError(f"unknown column kind {kind!r} for {name}")
        values = frame[name]
        if kind == "string":
            result[name] = values.astype(object).where(values.notna(), None).astype("string")
        elif kind == "bool":
            result[name] = values.astype(bool)
        elif kind.startswith("int") and values.isna().any():
            # A null integer (e.g. runner_up_k when k is fixed): pandas' nullable type.
            result[name] = values.astype(kind.capitalize())
        else:
            result[name] = values.astype(np.dtype(kind))
    return result.reset_index(drop=True)
