"""DuckDB query profiles: run a statement with JSON profiling and list the costliest operators.

Used by the benchmark's ``--profile`` step to say which operator of a slow
model (or of the floor) takes the time, without reading EXPLAIN ANALYZE's
box drawings by hand.
"""

from __future__ import annotations

import json
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class OperatorCost:
    """One operator of a profiled plan."""

    seconds: float
    operator: str
    rows: int
    detail: str


@dataclass(frozen=True)
class QueryProfile:
    """Wall time, DuckDB's own totals and the operators, costliest first."""

    wall_seconds: float
    cpu_seconds: float | None
    peak_buffer_bytes: int | None
    operators: list[OperatorCost]

    def top(self, n: int = 8) -> list[OperatorCost]:
        return self.operators[:n]

    def to_json(self, n: int = 12) -> dict[str, Any]:
        return {
            "wall_seconds": round(self.wall_seconds, 3),
            "cpu_seconds": None if self.cpu_seconds is None else round(self.cpu_seconds, 3),
            "peak_buffer_bytes": self.peak_buffer_bytes,
            "operators": [
                {
                    "seconds": round(op.seconds, 3),
                    "operator": op.operator,
                    "rows": op.rows,
                    "detail": op.detail,
                }
                for op in self.top(n)
            ],
        }


def _describe(extra: dict[str, Any]) -> str:
    """A short, readable summary of an operator's extra_info."""
    keys = (
        "Table",
        "Function",
        "Groups",
        "Aggregates",
        "Join Type",
        "Conditions",
        "Projections",
        "Expression",
        "Filters",
        "Order By",
        "CTE Name",
    )
    parts = []
    for key in keys:
        if key in extra:
            value = extra[key]
            text = ", ".join(value) if isinstance(value, list) else str(value)
            parts.append(f"{key}: {text}")
    summary = "; ".join(parts)
    return summary if len(summary) <= 200 else summary[:197] + "..."


def _walk(node: dict[str, Any], out: list[OperatorCost]) -> None:
    kind = node.get("type") or node.get("operator_type") or node.get("operator_name") or "?"
    seconds = node.get("timing", node.get("operator_timing", 0.0)) or 0.0
    rows = node.get("intermediate_rows", node.get("operator_cardinality", 0)) or 0
    out.append(
        OperatorCost(float(seconds), str(kind), int(rows), _describe(node.get("extra_info") or {}))
    )
    for child in node.get("children", []):
        _walk(child, out)


def parse_profile(profile: dict[str, Any]) -> tuple[list[OperatorCost], float | None, int | None]:
    """Operators (costliest first), CPU seconds and peak buffer memory from a JSON profile."""
    operators: list[OperatorCost] = []
    roots = profile.get("operator") or profile.get("children") or []
    for root in roots if isinstance(roots, list) else [roots]:
        _walk(root, operators)
    operators.sort(key=lambda op: op.seconds, reverse=True)
    query = profile.get("query") or {}
    system = profile.get("system") or {}
    cpu = query.get("cpu_time", profile.get("cpu_time"))
    peak = system.get("peak_buffer_memory")
    return operators, (float(cpu) if cpu is not None else None), (int(peak) if peak else None)


def profile_statement(con: Any, statement: str) -> QueryProfile:
    """Run ``statement`` on DuckDB connection ``con`` with JSON profiling on."""
    with tempfile.TemporaryDirectory() as tmp:
        output = Path(tmp) / "profile.json"
        con.execute("set enable_profiling = 'json'")
        con.execute(f"set profiling_output = '{output}'")
        began = time.perf_counter()
        try:
            con.execute(statement)
        finally:
            wall = time.perf_counter() - began
            con.execute("set enable_profiling = 'no_output'")
        operators, cpu, peak = parse_profile(json.loads(output.read_text()))
    return QueryProfile(wall, cpu, peak, operators)
