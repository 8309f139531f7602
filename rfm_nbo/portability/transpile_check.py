"""Transpile-equality check: the Athena SQL, run on DuckDB, gives the DuckDB target's tables.

    python -m rfm_nbo.portability.transpile_check              # compile + build + compare
    python -m rfm_nbo.portability.transpile_check --athena-target target_athena \\
        --reference-target /tmp/ref/target --reference-warehouse /tmp/ref/reference.duckdb
    python -m rfm_nbo.portability.transpile_check --list-exceptions

1. ``dbt compile --target athena`` offline (moto on 127.0.0.1, as ``athena_check``).
2. ``dbt build`` of the demo data on DuckDB (the reference), in a scratch folder.
3. Every compiled Athena SQL model is translated to DuckDB SQL with Trino's
   semantics (``transpile``) and run in dependency order over the demo seeds
   loaded as Athena would hold them (``emulate``); Python models are copied
   from the reference build.
4. Every SQL model (staging, intermediate, marts) is compared with the
   reference build's relation: same columns, same rows, floats within a
   tolerance (``compare``). Each allowed difference is listed with its reason
   and must still be needed (a stale exception fails the check).

Exit status: 0 equal, 1 differences or untranslatable SQL, 2 a build failed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from rfm_nbo.portability.compare import (
    FLOAT_TOLERANCE,
    KNOWN_DIFFERENCES,
    KnownDifference,
    TableComparison,
    compare_relations,
    known_for,
)
from rfm_nbo.portability.emulate import EmulationResult, emulate, iter_sql_models
from rfm_nbo.portability.transpile import TRANSLATIONS, TYPED_RULES


@dataclass
class TranspileReport:
    """Everything the check found."""

    emulation: EmulationResult
    comparisons: list[TableComparison] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def sql_models(self) -> list[str]:
        return [run.node.name for run in iter_sql_models(self.emulation)]

    @property
    def marts(self) -> list[str]:
        return [run.node.name for run in iter_sql_models(self.emulation) if run.node.is_mart]

    @property
    def python_models(self) -> list[str]:
        return [
            run.node.name
            for run in self.emulation.runs
            if run.node.resource_type == "model" and run.node.language == "python"
        ]

    @property
    def translations_used(self) -> dict[str, list[str]]:
        used: dict[str, list[str]] = {}
        for run in self.emulation.runs:
            for translation in sorted(run.translations):
                used.setdefault(translation, []).append(run.node.name)
        return used

    @property
    def findings(self) -> list[tuple[str, str, str]]:
        return [
            (run.node.name, finding.rule, finding.construct)
            for run in self.emulation.runs
            for finding in run.findings
        ]

    @property
    def needed_differences(self) -> list[KnownDifference]:
        needed = []
        for comparison in self.comparisons:
            for known in comparison.needed:
                if known not in needed:
                    needed.append(known)
        return needed

    @property
    def stale_differences(self) -> list[KnownDifference]:
        needed = self.needed_differences
        return [known for known in KNOWN_DIFFERENCES if known.always_needed and known not in needed]

    @property
    def failures(self) -> list[str]:
        problems = [f"{run.node.name}: {run.error}" for run in self.emulation.errors]
        problems += [
            f"{model}: [{rule}] {construct} -> {TYPED_RULES[rule].reason}"
            for model, rule, construct in self.findings
        ]
        problems += [c.summary() for c in self.comparisons if not c.ok]
        compared = {c.model for c in self.comparisons}
        problems += [f"{name}: not compared" for name in self.sql_models if name not in compared]
        problems += [
            f"stale exception (no longer needed): {k.model}.{k.column} ({k.kind})"
            for k in self.stale_differences
        ]
        return problems

    @property
    def ok(self) -> bool:
        return not self.failures


def compare_all(report: TranspileReport, con, reference_relation) -> None:
    """Compare every SQL model that ran with its reference relation."""
    for run in iter_sql_models(report.emulation):
        if run.error:
            continue
        report.comparisons.append(
            compare_relations(
                con,
                run.node.name,
                run.node.relation_name,
                reference_relation(run.node),
                known_for(run.node.name),
            )
        )


def run_check(
    athena_target: Path,
    reference_warehouse: Path,
    project_dir: Path,
    reference_relations: dict[str, tuple[str, str]] | None = None,
) -> TranspileReport:
    """Emulate the Athena build on DuckDB and compare it with the reference build."""
    started = time.monotonic()
    con, emulation, reference_relation = emulate(
        athena_target, reference_warehouse, project_dir, reference_relations
    )
    try:
        report = TranspileReport(emulation)
        compare_all(report, con, reference_relation)
    finally:
        con.close()
    report.seconds = time.monotonic() - started
    return report


def reference_relations_of(manifest: dict) -> dict[str, tuple[str, str]]:
    """unique_id -> (schema, identifier) of every model and seed of a DuckDB manifest."""
    return {
        unique_id: (node["schema"], node.get("alias") or node["name"])
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] in ("model", "seed")
    }


def format_exceptions() -> str:
    """The translations, the typed rules and the known differences, with reasons."""
    lines = ["Translations (Trino construct -> DuckDB, so the emulation keeps Trino's meaning):"]
    for t in TRANSLATIONS.values():
        lines.append(f"  [{t.id}] {t.trino}\n      -> {t.duckdb}\n      why: {t.reason}")
    lines.append("Typed rules (constructs the emulation cannot reproduce; any hit fails):")
    for r in TYPED_RULES.values():
        lines.append(f"  [{r.id}] {r.rejects}\n      why: {r.reason}")
    lines.append(
        f"Known differences (default float tolerance {FLOAT_TOLERANCE:g}; timestamps at ms):"
    )
    for k in KNOWN_DIFFERENCES:
        extra = f" {k.tolerance:g}" if k.kind == "tolerance" else ""
        lines.append(f"  {k.model}.{k.column} ({k.kind}{extra})\n      why: {k.reason}")
    return "\n".join(lines)


def format_report(report: TranspileReport) -> str:
    """The summary a person reads."""
    compared = len(report.comparisons)
    equal = sum(1 for c in report.comparisons if c.ok)
    lines = [
        f"SQL models: {len(report.sql_models)} translated and run, {compared} compared, "
        f"{equal} equal (marts: {', '.join(report.marts)})",
        f"Python models copied from the DuckDB build (not SQL): "
        f"{', '.join(report.python_models) or 'none'}",
        "translations used: "
        + "; ".join(
            f"{name} ({len(models)} model{'s' if len(models) != 1 else ''})"
            for name, models in sorted(report.translations_used.items())
        ),
        "known differences needed: "
        + (
            "; ".join(f"{k.model}.{k.column} ({k.kind})" for k in report.needed_differences)
            or "none"
        ),
    ]
    failures = report.failures
    lines.extend(f"  FAIL {failure}" for failure in failures)
    lines.append(
        f"{'OK' if not failures else 'FAILED'}: Athena SQL on DuckDB "
        f"{'equals' if not failures else 'differs from'} the DuckDB target "
        f"({report.seconds:.1f} s)"
    )
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m rfm_nbo.portability.transpile_check",
        description=(
            "Run the Athena-compiled SQL models on DuckDB (translated with sqlglot, keeping "
            "Trino's semantics) over the demo seeds, and check they equal the DuckDB target's "
            "tables. Offline: the Athena compile talks to a local moto server only."
        ),
        epilog="Exit status: 0 equal, 1 differences, 2 a compile or build failed.",
    )
    parser.add_argument("--project-dir", type=Path, default=Path.cwd())
    parser.add_argument(
        "--athena-target",
        type=Path,
        help="an existing `dbt compile --target athena` target folder (default: compile now)",
    )
    parser.add_argument(
        "--reference-target",
        type=Path,
        help="target folder of an existing DuckDB build of the demo data (with manifest.json)",
    )
    parser.add_argument(
        "--reference-warehouse",
        type=Path,
        help="its DuckDB file (default: build the demo data now, in a scratch folder)",
    )
    parser.add_argument(
        "--list-exceptions",
        action="store_true",
        help="print every translation, typed rule and known difference with its reason",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.list_exceptions:
        print(format_exceptions())
        return 0
    if (args.reference_target is None) != (args.reference_warehouse is None):
        print("error: give both --reference-target and --reference-warehouse, or neither")
        return 2
    import json

    from rfm_nbo.portability.builds import ReferenceBuildError, build_reference
    from rfm_nbo.portability.dbt_compile import CompileError

    project_dir = args.project_dir.resolve()
    with tempfile.TemporaryDirectory(prefix="transpile-check-") as scratch:
        scratch_dir = Path(scratch)
        try:
            athena_target = args.athena_target
            if athena_target is None:
                from rfm_nbo.portability.athena_check import _compile

                athena_target = scratch_dir / "target_athena"
                _compile(project_dir, athena_target)
            if args.reference_warehouse is None:
                print("dbt build (seeds, models) of the demo data on DuckDB...", flush=True)
                build = build_reference(project_dir, scratch_dir / "reference")
                warehouse, reference_target = build.warehouse, build.target_path
            else:
                warehouse, reference_target = args.reference_warehouse, args.reference_target
        except (CompileError, ReferenceBuildError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        manifest = json.loads((reference_target / "manifest.json").read_text())
        report = run_check(athena_target, warehouse, project_dir, reference_relations_of(manifest))
    print(format_report(report))
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
