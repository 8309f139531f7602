"""Check every compiled node of the project and summarise the result."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from rfm_nbo.portability.catalogue import RULES, Violation, is_error
from rfm_nbo.portability.dbt_compile import CompiledNode, python_syntax_error
from rfm_nbo.portability.sql_check import check_sql

# Materializations a Python model on Athena Spark can read (not views, not CTEs).
_READABLE_BY_PYTHON = {"table", "incremental", "seed", "snapshot"}


@dataclass(frozen=True)
class NodeViolation:
    """A violation in one compiled node."""

    node: CompiledNode
    violation: Violation

    def render(self) -> str:
        v = self.violation
        label = "" if is_error(v) else "warning: "
        return (
            f"{_relative(self.node.compiled_path)}:{v.line}: [{v.rule}] {label}{v.construct}"
            f" -> {v.advice}  (source: {self.node.source_path})"
        )


def _relative(path: str) -> str:
    """The path relative to the current directory when it lies below it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return path


@dataclass
class ProjectReport:
    """What was checked and what was found."""

    compiled: Counter[str] = field(default_factory=Counter)
    parsed: int = 0
    sql_nodes: int = 0
    violations: list[NodeViolation] = field(default_factory=list)

    @property
    def errors(self) -> list[NodeViolation]:
        return [v for v in self.violations if is_error(v.violation)]

    @property
    def warnings(self) -> list[NodeViolation]:
        return [v for v in self.violations if not is_error(v.violation)]

    @property
    def ok(self) -> bool:
        return not self.errors


def _python_violations(node: CompiledNode, materialized: dict[str, str]) -> list[Violation]:
    found = []
    problem = python_syntax_error(node.code)
    if problem:
        found.append(Violation(0, "python-syntax", problem, "fix the model's Python"))
    for parent in node.depends_on:
        kind = materialized.get(parent)
        if parent.startswith("model.") and kind not in _READABLE_BY_PYTHON:
            found.append(
                Violation(
                    0,
                    "python-reads-view",
                    f"refs {parent.split('.')[-1]} (materialized: {kind})",
                    "materialize it as a table (config materialized='table')",
                )
            )
    return found


def check_nodes(nodes: list[CompiledNode]) -> ProjectReport:
    """Apply every rule to every compiled node."""
    report = ProjectReport()
    materialized = {node.unique_id: node.materialized for node in nodes}
    for node in nodes:
        if node.language == "python":
            report.compiled["python model"] += 1
            found = _python_violations(node, materialized)
        else:
            label = "hook" if node.resource_type == "operation" else node.resource_type
            report.compiled[label] += 1
            if not node.code.strip():
                continue  # e.g. the register_raw_files hook, a no-op on Athena
            report.sql_nodes += 1
            found = check_sql(node.code, expect_query=node.resource_type != "operation")
            if not any(v.rule == "parse-error" for v in found):
                report.parsed += 1
        report.violations.extend(NodeViolation(node, v) for v in found)
    return report


def format_report(report: ProjectReport) -> str:
    """The summary a person reads: counts, then one line per violation."""
    order = ["model", "python model", "test", "analysis", "snapshot", "hook"]
    compiled = ", ".join(
        f"{report.compiled[kind]} {kind}{'s' if report.compiled[kind] != 1 else ''}"
        for kind in order
        if report.compiled[kind]
    )
    lines = [
        f"compiled:   {compiled or 'nothing'}",
        f"parsed:     {report.parsed}/{report.sql_nodes} SQL nodes (sqlglot, read='trino')",
        f"violations: {len(report.errors)} error(s), {len(report.warnings)} warning(s)",
    ]
    for item in sorted(report.violations, key=lambda v: (v.node.compiled_path, v.violation)):
        lines.append("  " + item.render())
    if report.violations:
        rules = sorted({v.violation.rule for v in report.violations})
        lines.append("why:")
        lines.extend(f"  [{rule}] {RULES[rule].reason}" for rule in rules)
    lines.append("OK: Athena-portable" if report.ok else "FAILED: not portable to Athena")
    return "\n".join(lines)
