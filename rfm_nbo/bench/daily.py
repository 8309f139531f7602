"""The benchmark's daily build: a warehouse of yesterday's loads gets today's.

The dataset's orders and order lines are cut into three loads (README,
"Incremental builds"), one Parquet file each, named to sort in load order:

- ``1_history``: every order before the day before the newest day (and every
  row whose time cannot be read, and every line whose order is unknown);
- ``2_previous_day``: the orders of the day before the newest day;
- ``3_newest_day``: the orders of the newest day, with their lines.

The newest day is the latest ``ordered_at`` date not after ``max_valid_at``
(the generator plants far-future timestamps, which stay in the history). A
full build reads loads 1 and 2; then load 3 arrives and ``dbt build`` runs on
the same warehouse: the incremental tables read loads 2 and 3 only, every
other model is rebuilt from them.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

LOADS = ("1_history", "2_previous_day", "3_newest_day")
EVENT_TABLES = ("orders", "order_items")


@dataclass(frozen=True)
class DailyLoads:
    """Where the loads are, and the glob the raw_files var gives for each table."""

    root: Path
    newest_day: str

    def load_path(self, table: str, load: str) -> Path:
        return self.root / "all" / f"{table}_{load}.parquet"

    def arrived(self, table: str) -> Path:
        """The folder dbt reads: the loads that have arrived so far."""
        return self.root / "arrived" / table

    def raw_files(self, base: dict[str, str]) -> dict[str, str]:
        return {
            **base,
            **{table: str(self.arrived(table) / "*.parquet") for table in EVENT_TABLES},
        }

    def arrive(self, loads: tuple[str, ...]) -> None:
        """Make exactly these loads visible to dbt (hard links: no copy)."""
        for table in EVENT_TABLES:
            folder = self.arrived(table)
            if folder.exists():
                shutil.rmtree(folder)
            folder.mkdir(parents=True)
            for load in loads:
                source = self.load_path(table, load)
                (folder / source.name).hardlink_to(source)


def split_into_loads(tables_dir: Path, root: Path, max_valid_at: str | None) -> DailyLoads:
    """Write the three loads of orders and order lines under ``root`` (reused when present)."""
    marker = root / "newest_day.txt"
    if marker.is_file() and all(
        (root / "all" / f"{table}_{load}.parquet").is_file()
        for table in EVENT_TABLES
        for load in LOADS
    ):
        return DailyLoads(root, marker.read_text().strip())
    if root.exists():
        shutil.rmtree(root)
    (root / "all").mkdir(parents=True)
    orders = (tables_dir / "orders.parquet").as_posix()
    items = (tables_dir / "order_items.parquet").as_posix()
    limit = f"timestamp '{max_valid_at}'" if max_valid_at else "now()::timestamp"
    # A database file, not memory: at 10M customers the loads are gigabytes.
    scratch = root / "split.duckdb"
    with duckdb.connect(str(scratch)) as con:
        newest = con.sql(
            "select max(try_cast(trim(cast(ordered_at as varchar)) as timestamp)::date) "
            f"from read_parquet('{orders}') "
            f"where try_cast(trim(cast(ordered_at as varchar)) as timestamp) <= {limit}"
        ).fetchall()[0][0]
        day = "try_cast(trim(cast(ordered_at as varchar)) as timestamp)::date"
        con.execute(
            f"create table orders_loaded as select *, case "
            f"when {day} = date '{newest}' then '{LOADS[2]}' "
            f"when {day} = date '{newest}' - 1 then '{LOADS[1]}' "
            f"else '{LOADS[0]}' end as load from read_parquet('{orders}')"
        )
        # A line goes with its order's newest load; a line of no order, to the history.
        con.execute(
            "create table items_loaded as select items.*, "
            f"coalesce(order_loads.load, '{LOADS[0]}') as load "
            f"from read_parquet('{items}') as items left join ("
            "select order_id, max(load) as load from orders_loaded group by order_id"
            ") as order_loads on items.order_id = order_loads.order_id"
        )
        for load in LOADS:
            for table, loaded in (("orders", "orders_loaded"), ("order_items", "items_loaded")):
                target = (root / "all" / f"{table}_{load}.parquet").as_posix()
                con.execute(
                    f"copy (select * exclude (load) from {loaded} where load = '{load}') "
                    f"to '{target}'"
                )
    scratch.unlink()
    marker.write_text(f"{newest}\n")
    return DailyLoads(root, str(newest))


def rows_in(path: Path) -> int:
    """Rows of one Parquet file."""
    with duckdb.connect() as con:
        return con.sql(f"select count(*) from read_parquet('{path.as_posix()}')").fetchall()[0][0]
