"""Command line: read the marts from a DuckDB warehouse, write one HTML file.

    python -m rfm_nbo.dashboard --warehouse warehouse/rfm_nbo.duckdb \\
        --out target/dashboard/index.html

Exit codes: 0 written; 2 a problem the user can fix (no warehouse, locked
warehouse, marts not built, output not writable), with a message saying what
to do. The warehouse is opened read-only and closed before the file is written.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from rfm_nbo.dashboard.errors import DashboardError
from rfm_nbo.dashboard.page import build_page
from rfm_nbo.dashboard.queries import read_dashboard
from rfm_nbo.dashboard.warehouse import connect_read_only

DEFAULT_OUT = Path("target/dashboard/index.html")


def default_warehouse() -> Path:
    """The warehouse dbt writes: $RFM_DUCKDB_PATH, else warehouse/rfm_nbo.duckdb."""
    return Path(os.environ.get("RFM_DUCKDB_PATH") or "warehouse/rfm_nbo.duckdb")


def default_schema() -> str:
    """The marts schema dbt builds: <RFM_SCHEMA>_marts (rfm_marts by default)."""
    return f"{os.environ.get('RFM_SCHEMA') or 'rfm'}_marts"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m rfm_nbo.dashboard",
        description=(
            "Write a self-contained HTML dashboard (Segments, Churn and lifetime value, Next "
            "Best Offers, Campaign performance) from the dbt marts in a DuckDB warehouse. "
            "The file needs no network: open it in any browser. Build the warehouse first "
            "with `make demo` or `.venv/bin/dbt build`."
        ),
    )
    parser.add_argument(
        "--warehouse",
        type=Path,
        metavar="PATH",
        default=default_warehouse(),
        help="DuckDB file, opened read-only (default: $RFM_DUCKDB_PATH or "
        "warehouse/rfm_nbo.duckdb; now %(default)s)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        metavar="PATH",
        default=DEFAULT_OUT,
        help="HTML file to write; folders are created (default: %(default)s)",
    )
    parser.add_argument(
        "--marts-schema",
        metavar="NAME",
        default=default_schema(),
        help="schema holding the marts (default: <RFM_SCHEMA>_marts; now %(default)s)",
    )
    parser.add_argument(
        "--currency-symbol",
        metavar="TEXT",
        default="$",
        help="symbol put before money amounts; the marts hold plain currency units "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--sample-offers",
        type=int,
        default=20,
        metavar="N",
        help="at most N rows in the sample offers table (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    if args.sample_offers < 0:
        parser.error("--sample-offers must be 0 or more")
    return args


def run(args: argparse.Namespace) -> Path:
    """Read the marts, build the page, write it; return the file written."""
    print(f"Reading marts from {args.warehouse} (schema {args.marts_schema})", file=sys.stderr)
    con = connect_read_only(args.warehouse)
    try:
        data = read_dashboard(
            con, args.marts_schema, sample_size=args.sample_offers, source=args.warehouse.name
        )
    finally:
        con.close()
    page = build_page(data, currency=args.currency_symbol, schema=args.marts_schema)
    try:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(page, encoding="utf-8")
    except OSError as error:
        raise DashboardError(
            f"Cannot write {args.out}: {error.strerror or error}. Pass --out with a writable path."
        ) from error
    return args.out


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    args = parse_args(argv)
    try:
        out = run(args)
    except DashboardError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    size_kb = out.stat().st_size / 1024
    print(f"Wrote {out} ({size_kb:,.0f} KB). Open it in a browser: {out.resolve().as_uri()}")
    return 0
