"""Offline Athena portability check: compile for Athena against a local moto
server, then reject what Athena (Trino) cannot run or runs differently.

    python -m rfm_nbo.portability.athena_check            # compile + check
    python -m rfm_nbo.portability.athena_check --skip-compile
    python -m rfm_nbo.portability.athena_check --sql some.sql other.sql
    python -m rfm_nbo.portability.athena_check --list-rules

Besides the SQL, the compiled manifest's table configuration is checked
(``athena_tables``): marts Iceberg, Parquet everywhere, unique S3 locations,
Iceberg-storable contract types, partition columns, Python models' inputs.

Exit status: 0 portable, 1 violations, 2 the compile itself failed.
No AWS account, credentials or network are needed: every AWS call goes to a
moto server on 127.0.0.1 with dummy credentials.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from rfm_nbo.portability.catalogue import RULES, is_error

DEFAULT_TARGET_PATH = "target_athena"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m rfm_nbo.portability.athena_check",
        description=(
            "Compile the dbt project for the athena target offline (local moto server, "
            "dummy credentials) and check every compiled model, test, analysis and hook "
            "for SQL that Athena (Trino) cannot run or runs differently from DuckDB."
        ),
        epilog="Exit status: 0 portable, 1 violations found, 2 compile failed.",
    )
    parser.add_argument(
        "--project-dir",
        type=Path,
        default=Path.cwd(),
        help="the dbt project (default: the current directory)",
    )
    parser.add_argument(
        "--target-path",
        type=Path,
        default=None,
        help=f"where dbt writes the Athena compile (default: <project>/{DEFAULT_TARGET_PATH}; "
        "never the DuckDB target/)",
    )
    parser.add_argument(
        "--vars",
        default=None,
        help="dbt --vars for the compile (YAML), e.g. '{rfm_scoring_method: fixed}'",
    )
    parser.add_argument(
        "--skip-compile",
        action="store_true",
        help="check the manifest already in --target-path instead of compiling",
    )
    parser.add_argument(
        "--sql",
        nargs="+",
        type=Path,
        metavar="FILE",
        help="check these SQL files (already compiled) instead of the project",
    )
    parser.add_argument(
        "--list-rules", action="store_true", help="print every rule and its reason, then exit"
    )
    return parser


def _list_rules() -> int:
    from rfm_nbo.portability.athena_tables import TABLE_RULES

    for rule in RULES.values():
        print(f"{rule.id} ({rule.severity})\n  rejects: {rule.rejects}\n  why:     {rule.reason}")
    for table_rule in TABLE_RULES.values():
        print(
            f"{table_rule.id} (table configuration)\n  rejects: {table_rule.rejects}\n"
            f"  why:     {table_rule.reason}"
        )
    return 0


def _check_files(paths: list[Path]) -> int:
    from rfm_nbo.portability.sql_check import check_sql

    failed = False
    for path in paths:
        for violation in check_sql(path.read_text()):
            failed = failed or is_error(violation)
            print(
                f"{path}:{violation.line}: [{violation.rule}] {violation.construct}"
                f" -> {violation.advice}"
            )
    print("FAILED: not portable to Athena" if failed else "OK: Athena-portable")
    return 1 if failed else 0


def _compile(project_dir: Path, target_path: Path, run_vars: str | None) -> None:
    from rfm_nbo.portability.dbt_compile import compile_for_athena
    from rfm_nbo.portability.moto_env import local_aws

    print("starting a local moto server (127.0.0.1) for the athena target...", flush=True)
    with (
        tempfile.TemporaryDirectory(prefix="athena-check-") as scratch,
        local_aws(Path(scratch)) as aws,
    ):
        print(f"dbt compile --target athena (AWS endpoint {aws.endpoint_url})...", flush=True)
        compile_for_athena(project_dir, target_path, aws.env, run_vars=run_vars)


def run(
    project_dir: Path, target_path: Path, skip_compile: bool = False, run_vars: str | None = None
) -> int:
    """Compile (unless skipped), check, print the report; return the exit status."""
    from rfm_nbo.portability.dbt_compile import CompileError, read_compiled_nodes
    from rfm_nbo.portability.project_check import check_nodes, format_report

    started = time.monotonic()
    try:
        if not skip_compile:
            _compile(project_dir, target_path, run_vars)
        nodes = read_compiled_nodes(target_path)
    except CompileError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    compiled_at = time.monotonic()
    table_problems = _check_tables(project_dir, target_path)
    report = check_nodes(nodes)
    print(format_report(report))
    if table_problems:
        print("FAILED: Athena table configuration (see above)")
    print(
        f"time: compile {compiled_at - started:.1f} s, "
        f"check {time.monotonic() - compiled_at:.1f} s ({target_path})"
    )
    return 0 if report.ok and not table_problems else 1


def _check_tables(project_dir: Path, target_path: Path) -> list:
    """Print the Athena table layout and the table-configuration problems; return them."""
    import json

    from rfm_nbo.portability.athena_tables import TABLE_RULES, check_target, table_summary

    problems = check_target(target_path, project_dir)
    manifest = json.loads((target_path / "manifest.json").read_text())
    for kind, names in table_summary(manifest).items():
        print(f"tables {kind}: {len(names)}")
    print(f"table configuration: {len(problems)} problem(s)")
    for problem in problems:
        print(f"  {problem.render()} -> {TABLE_RULES[problem.rule].reason}")
    return problems


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.list_rules:
        return _list_rules()
    if args.sql:
        return _check_files(args.sql)
    project_dir = args.project_dir.resolve()
    target_path = args.target_path or project_dir / DEFAULT_TARGET_PATH
    return run(project_dir, target_path, skip_compile=args.skip_compile, run_vars=args.vars)


if __name__ == "__main__":
    raise SystemExit(main())
