"""Compare a relation built from the Athena SQL with the DuckDB target's: same rows.

Rows are compared as multisets: both sides are sorted on every column
(non-float columns first) and compared position by position. Floats match
within ``FLOAT_TOLERANCE`` (absolute, plus a relative part for large values)
unless ``KNOWN_DIFFERENCES`` names a wider tolerance for that column, with
its reason. Timestamps are compared at millisecond precision: Athena's
``timestamp`` is ``timestamp(3)`` (its values are milliseconds), DuckDB's is
microseconds. Column names and order must be identical; the kind of each
column (integer, decimal, float, text, ...) must match unless a known
difference says why not; a known "build" column (when the build ran, say) is
not compared.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd

FLOAT_TOLERANCE = 1e-9
RELATIVE_TOLERANCE = 1e-12


@dataclass(frozen=True)
class KnownDifference:
    """Where the Athena SQL and the DuckDB target legitimately differ, and why."""

    model: str
    column: str
    # "tolerance" (values within `tolerance`), "type" (column kinds differ) or
    # "build" (the values describe the build, not the data: not compared)
    kind: str
    reason: str
    tolerance: float = 0.0
    # False when only some data reach the difference (the reason says which):
    # such an exception is not reported stale when a build does not need it.
    always_needed: bool = True


KNOWN_DIFFERENCES: tuple[KnownDifference, ...] = (
    KnownDifference(
        "fct_campaign_performance",
        "uplift_p_value",
        "tolerance",
        "Athena computes normal_cdf exactly; DuckDB uses the Abramowitz & Stegun erf "
        "approximation (macros/statistics.sql, absolute error < 1.5e-7). Only z-test cells "
        "(every expected count >= 5) differ: when every cell of a build is small, all "
        "p-values are Fisher's, the same on both engines.",
        1e-6,
        always_needed=False,
    ),
    KnownDifference(
        "fct_campaign_performance",
        "sample_ratio_p_value",
        "tolerance",
        "normal_cdf on Athena vs the erf approximation on DuckDB, as uplift_p_value.",
        1e-6,
    ),
    *(
        KnownDifference(
            model,
            column,
            "build",
            reason,
        )
        for model in ("int_orders_checked", "int_order_items_checked")
        for column, reason in (
            ("checked_at", "when the build that wrote the row started: two builds differ"),
            (
                "row_ordinal",
                "numbered on Athena only, where MERGE matches on it; null on DuckDB, "
                "which replaces whole order ids (macros/incremental_loads.sql)",
            ),
        )
    ),
)


def known_for(model: str) -> list[KnownDifference]:
    """The known differences of one model."""
    return [known for known in KNOWN_DIFFERENCES if known.model == model]


@dataclass
class ColumnProblem:
    column: str
    problem: str


@dataclass
class TableComparison:
    """The outcome of comparing one relation."""

    model: str
    rows_emulated: int = 0
    rows_reference: int = 0
    problems: list[ColumnProblem] = field(default_factory=list)
    max_float_difference: dict[str, float] = field(default_factory=dict)
    # Known differences this comparison could not have passed without.
    needed: list[KnownDifference] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if self.ok:
            return f"{self.model}: {self.rows_emulated} rows equal"
        details = "; ".join(f"{p.column}: {p.problem}" for p in self.problems[:6])
        return (
            f"{self.model}: DIFFERENT ({self.rows_emulated} vs {self.rows_reference} rows) "
            f"{details}"
        )


def column_kind(duckdb_type: str) -> str:
    """A DuckDB type as a kind that both engines share."""
    upper = duckdb_type.upper()
    if upper.startswith("DECIMAL"):
        return "decimal"
    if upper in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UBIGINT", "UINTEGER"):
        return "integer"
    if upper in ("FLOAT", "REAL", "DOUBLE"):
        return f"float:{'4' if upper in ('FLOAT', 'REAL') else '8'}"
    if upper.startswith("TIMESTAMP"):
        return "timestamp"
    if upper in ("VARCHAR", "TEXT", "STRING") or upper.startswith("VARCHAR"):
        return "text"
    return upper.lower()


def _relation_types(con: duckdb.DuckDBPyConnection, relation: str) -> list[tuple[str, str]]:
    described = con.execute(f"describe select * from {relation}").fetchall()
    return [(row[0], str(row[1])) for row in described]


def _is_float_kind(kind: str) -> bool:
    return kind.startswith("float") or kind == "decimal"


def _frame(con: duckdb.DuckDBPyConnection, relation: str, kinds: dict[str, str]) -> pd.DataFrame:
    """The relation with floats as float64, decimals as float64 and timestamps cut to ms."""
    selects = []
    for name, kind in kinds.items():
        quoted = '"' + name.replace('"', '""') + '"'
        if _is_float_kind(kind):
            selects.append(f"cast({quoted} as double) as {quoted}")
        elif kind == "timestamp":
            selects.append(f"date_trunc('millisecond', {quoted}) as {quoted}")
        else:
            selects.append(quoted)
    return con.execute(f"select {', '.join(selects)} from {relation}").df()


def _canonical(value: object) -> str:
    """One spelling per value, whatever pandas dtype carried it (1 == 1.0, NaT == None)."""
    if value is None or value is pd.NaT or value is pd.NA:
        return "\x00null"
    if isinstance(value, float | np.floating):
        if np.isnan(value):
            return "\x00null"
        if float(value).is_integer():
            return str(int(value))
    if isinstance(value, np.integer):
        return str(int(value))
    if isinstance(value, np.bool_):
        return str(bool(value))
    return str(value)


def _canonical_sorted(frame: pd.DataFrame, floats: list[str]) -> pd.DataFrame:
    """Non-float columns as canonical strings, rows sorted on them, then on the floats."""
    canonical = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        if column in floats:
            canonical[column] = frame[column].to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            canonical[column] = frame[column].map(_canonical).astype(object)
    keys = [c for c in frame.columns if c not in floats] + floats
    if keys:
        canonical = canonical.sort_values(keys, kind="mergesort", na_position="last")
    return canonical.reset_index(drop=True)


def compare_relations(
    con: duckdb.DuckDBPyConnection,
    model: str,
    emulated: str,
    reference: str,
    known: list[KnownDifference] | None = None,
) -> TableComparison:
    """Compare two relations of one DuckDB connection (see the module doc)."""
    known = known_for(model) if known is None else known
    result = TableComparison(model)
    emulated_types = _relation_types(con, emulated)
    reference_types = _relation_types(con, reference)
    emulated_names = [name for name, _ in emulated_types]
    reference_names = [name for name, _ in reference_types]
    if emulated_names != reference_names:
        result.problems.append(
            ColumnProblem("*", f"columns differ: {emulated_names} vs {reference_names}")
        )
        return result
    type_exceptions = {k.column: k for k in known if k.kind == "type"}
    tolerances = {k.column: k for k in known if k.kind == "tolerance"}
    build_columns = {k.column: k for k in known if k.kind == "build"}
    kinds: dict[str, str] = {}
    for (name, emulated_type), (_, reference_type) in zip(
        emulated_types, reference_types, strict=True
    ):
        if name in build_columns:
            result.needed.append(build_columns[name])
            continue
        emulated_kind, reference_kind = column_kind(emulated_type), column_kind(reference_type)
        if emulated_kind != reference_kind:
            if name not in type_exceptions:
                result.problems.append(
                    ColumnProblem(name, f"type {emulated_type} (Athena SQL) vs {reference_type}")
                )
                continue
            result.needed.append(type_exceptions[name])
        both_float = _is_float_kind(emulated_kind) and _is_float_kind(reference_kind)
        kinds[name] = "float:8" if both_float else reference_kind
    left = _frame(con, emulated, kinds)
    right = _frame(con, reference, kinds)
    result.rows_emulated, result.rows_reference = len(left), len(right)
    if len(left) != len(right):
        result.problems.append(ColumnProblem("*", f"{len(left)} rows vs {len(right)}"))
        return result
    floats = [name for name, kind in kinds.items() if _is_float_kind(kind)]
    left, right = _canonical_sorted(left, floats), _canonical_sorted(right, floats)
    for name in kinds:
        a, b = left[name], right[name]
        if name in floats:
            x, y = a.to_numpy(dtype=np.float64), b.to_numpy(dtype=np.float64)
            null_mismatch = int(np.count_nonzero(np.isnan(x) != np.isnan(y)))
            both = ~(np.isnan(x) | np.isnan(y))
            difference = float(np.max(np.abs(x[both] - y[both]), initial=0.0))
            scale = float(np.max(np.abs(y[both]), initial=0.0))
            result.max_float_difference[name] = difference
            allowed = FLOAT_TOLERANCE + RELATIVE_TOLERANCE * scale
            if name in tolerances and difference > allowed:
                result.needed.append(tolerances[name])
                allowed = max(allowed, tolerances[name].tolerance)
            if null_mismatch:
                result.problems.append(ColumnProblem(name, f"{null_mismatch} null mismatches"))
            if difference > allowed:
                result.problems.append(
                    ColumnProblem(name, f"max difference {difference:.3g} > {allowed:.3g}")
                )
        else:
            unequal = np.flatnonzero(a.to_numpy() != b.to_numpy())
            if len(unequal):
                first = int(unequal[0])
                result.problems.append(
                    ColumnProblem(
                        name,
                        f"{len(unequal)} values differ, "
                        f"e.g. {a.iloc[first]!r} vs {b.iloc[first]!r}",
                    )
                )
    return result
