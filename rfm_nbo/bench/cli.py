"""Command line: ``python -m rfm_nbo.bench`` (what ``make bench`` runs)."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from rfm_nbo.bench.dbt_build import PROJECT_DIR
from rfm_nbo.bench.machine import machine_info
from rfm_nbo.bench.measure import sampler_name
from rfm_nbo.bench.report import write_report
from rfm_nbo.bench.runner import BenchOptions, run_all

DEFAULT_SCALES = (100_000, 1_000_000)

EXAMPLES = """\
examples:
  the default scales (100k and 1M customers), about 6 minutes on 2 cores:
    python -m rfm_nbo.bench --out target/bench
  one scale, and the DuckDB profile of the slowest models:
    python -m rfm_nbo.bench --customers 1000000 --profile 8
  try DuckDB settings (they go into the runs' own profiles.yml; the floor keeps defaults):
    python -m rfm_nbo.bench --customers 1000000 --setting memory_limit=3GB \\
        --setting preserve_insertion_order=false

Datasets are generated once into data/bench_<n>/ and reused while the
generator and its parameters are unchanged. Reports: <out>/bench_report.md
and <out>/bench_report.json; each run's dbt logs and artifacts are beside them.
"""


def _setting(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name.strip(), value.strip()


def _var(text: str) -> tuple[str, object]:
    import yaml

    name, sep, value = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name.strip(), yaml.safe_load(value)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m rfm_nbo.bench",
        description=(
            "Benchmark the full dbt build on generated data against a hand-written DuckDB\n"
            "floor and the pandas/scikit-learn notebook approach: time, peak memory,\n"
            "agreement of the answers, LLM calls."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--customers",
        type=int,
        action="append",
        metavar="N",
        help="a scale to run (repeatable; default: 100000 and 1000000)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=PROJECT_DIR / "target" / "bench",
        help="report and run folder (default: target/bench)",
    )
    parser.add_argument(
        "--data-root",
        type=Path,
        default=PROJECT_DIR / "data",
        help="where datasets are cached (default: data/)",
    )
    parser.add_argument("--seed", type=int, default=42, help="generator seed (42)")
    parser.add_argument("--regenerate", action="store_true", help="ignore cached datasets")
    parser.add_argument("--no-notebook", action="store_true", help="skip the pandas baseline")
    parser.add_argument(
        "--no-isolated",
        action="store_true",
        help="skip the separate RFM + clustering run (ratios then use the full build)",
    )
    parser.add_argument(
        "--no-daily",
        action="store_true",
        help="skip the daily build (yesterday's loads, then today's, incremental)",
    )
    parser.add_argument(
        "--setting",
        type=_setting,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="DuckDB setting for the dbt runs (repeatable; e.g. memory_limit=3GB)",
    )
    parser.add_argument(
        "--floor-settings",
        action="store_true",
        help="give the floor the --setting values too (default: DuckDB's defaults)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="dbt threads for the full build (default: profiles.yml)",
    )
    parser.add_argument(
        "--var",
        type=_var,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra dbt var, e.g. rfm_lookback_days=365 (repeatable)",
    )
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="profile the N slowest SQL models and the RFM path with DuckDB",
    )
    parser.add_argument(
        "--keep-warehouses",
        action="store_true",
        help="keep the DuckDB files (about 2 GB per million customers)",
    )
    parser.add_argument(
        "--retry-busy",
        type=float,
        default=None,
        metavar="SHARE",
        help="on a shared machine: rerun a scale (after waiting for a low load) when other "
        "processes took more than SHARE (e.g. 0.1) of the CPU during a step",
    )
    parser.add_argument(
        "--attempts", type=int, default=3, help="most runs per scale with --retry-busy (3)"
    )
    parser.add_argument("--no-progress", action="store_true", help="step lines only, no bars")
    parser.add_argument(
        "--project-dir",
        type=Path,
        default=PROJECT_DIR,
        help="the dbt project to run (default: this one; a patched copy to measure a change)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    scales = sorted(set(args.customers or DEFAULT_SCALES))
    if any(n < 1 for n in scales):
        print("error: --customers must be at least 1", file=sys.stderr)
        return 2
    options = BenchOptions(
        out_dir=args.out.resolve(),
        data_root=args.data_root.resolve(),
        seed=args.seed,
        notebook=not args.no_notebook,
        isolated=not args.no_isolated,
        daily=not args.no_daily,
        settings=dict(args.setting),
        threads=args.threads,
        profile_models=args.profile,
        progress=not args.no_progress,
        regenerate=args.regenerate,
        keep_warehouses=args.keep_warehouses,
        extra_vars=dict(args.var),
        project_dir=args.project_dir.resolve(),
        floor_settings=args.floor_settings,
        retry_busy=args.retry_busy,
        attempts=max(1, args.attempts),
    )
    started_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    began = time.perf_counter()

    def step(line: str) -> None:
        print(line, flush=True)

    step(f"Benchmark: {', '.join(f'{n:,}' for n in scales)} customers -> {options.out_dir}")
    try:
        results = run_all(scales, options, step)
    except RuntimeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    report = {
        "started_at": started_at,
        "seconds": time.perf_counter() - began,
        "machine": machine_info(),
        "sampler": sampler_name(),
        "options": {
            "scales": scales,
            "settings": options.settings,
            "floor_settings": options.floor_settings,
            "threads": options.threads,
            "seed": options.seed,
            "vars": options.extra_vars,
            "notebook": options.notebook,
            "isolated": options.isolated,
            "project_dir": str(options.project_dir),
        },
        "results": results,
    }
    json_path, md_path = write_report(report, options.out_dir)
    print()
    print(md_path.read_text())
    print(f"Written: {md_path} and {json_path}")
    return 0
