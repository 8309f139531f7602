"""The floor: one hand-written DuckDB query (floor.sql) for the RFM features and scores.

Run in its own process by the benchmark, so its time and peak memory are its
own: ``python -m rfm_nbo.bench.floor --tables DIR --database FILE --result FILE``.
It writes its answer as table ``floor_rfm`` in a fresh DuckDB file (our models
materialize tables too), which the benchmark then compares with
int_customers_rfm_scored.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from string import Template

FLOOR_TABLE = "floor_rfm"


def floor_sql(
    tables: Path,
    *,
    lookback_days: int = 730,
    buckets: int = 5,
    as_of_date: str | None = None,
    max_valid_at: str | None = None,
) -> str:
    """The floor query with the file paths and run parameters filled in (same meaning as the
    dbt vars rfm_lookback_days, rfm_score_buckets, as_of_date and max_valid_at)."""
    template = Template(resources.files("rfm_nbo.bench").joinpath("floor.sql").read_text())
    as_of = (
        f"cast('{as_of_date}' as date)"
        if as_of_date
        else "cast(newest_order_date + interval 1 day as date)"
    )
    paths = {
        table: str((tables / f"{table}.parquet").resolve()).replace("'", "''")
        for table in ("customers", "products", "orders", "order_items")
    }
    return template.substitute(
        **paths,
        lookback_days=int(lookback_days),
        buckets=int(buckets),
        as_of_date_expression=as_of,
        max_valid_at=f"cast('{max_valid_at}' as timestamp)" if max_valid_at else "now()",
    )


def run_floor(
    tables: Path,
    database: Path,
    *,
    settings: Mapping[str, str] | None = None,
    profile: bool = False,
    **params: object,
) -> dict[str, object]:
    """Create ``floor_rfm`` in a fresh ``database``; return timing (and a profile if asked)."""
    import duckdb

    from rfm_nbo.bench.profiling import profile_statement

    database.unlink(missing_ok=True)
    sql = floor_sql(tables, **params)  # type: ignore[arg-type]
    began = time.perf_counter()
    con = duckdb.connect(str(database))
    for name, value in (settings or {}).items():
        con.execute(f"set {name} = '{value}'")
    statement = f"create table {FLOOR_TABLE} as {sql}"
    result: dict[str, object] = {}
    if profile:
        result["profile"] = profile_statement(con, statement).to_json()
    else:
        con.execute(statement)
    con.close()
    result["seconds"] = time.perf_counter() - began
    with duckdb.connect(str(database), read_only=True) as check:
        (rows,) = check.execute(f"select count(*) from {FLOOR_TABLE}").fetchone()
    result["customers"] = rows
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """Command line for one floor run (the benchmark calls it in a subprocess)."""
    parser = argparse.ArgumentParser(
        prog="python -m rfm_nbo.bench.floor",
        description="Compute RFM features and scores with one hand-written DuckDB query.",
    )
    parser.add_argument("--tables", type=Path, required=True, help="folder with the Parquet tables")
    parser.add_argument("--database", type=Path, required=True, help="DuckDB file to (re)create")
    parser.add_argument("--result", type=Path, required=True, help="JSON file for the timing")
    parser.add_argument("--lookback-days", type=int, default=730)
    parser.add_argument("--buckets", type=int, default=5)
    parser.add_argument("--as-of-date", default=None)
    parser.add_argument("--max-valid-at", default=None)
    parser.add_argument(
        "--setting",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="DuckDB setting, e.g. threads=2 (repeatable)",
    )
    parser.add_argument("--profile", action="store_true", help="also record operator timings")
    parser.add_argument("--print-sql", action="store_true", help="print the query and exit")
    args = parser.parse_args(argv)
    params = {
        "lookback_days": args.lookback_days,
        "buckets": args.buckets,
        "as_of_date": args.as_of_date,
        "max_valid_at": args.max_valid_at,
    }
    if args.print_sql:
        print(floor_sql(args.tables, **params))  # type: ignore[arg-type]
        return 0
    settings = dict(item.split("=", 1) for item in args.setting)
    result = run_floor(
        args.tables, args.database, settings=settings, profile=args.profile, **params
    )
    args.result.parent.mkdir(parents=True, exist_ok=True)
    args.result.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
