"""An incremental build after a new day of data equals a full rebuild.

The demo export is split into daily loads (one file per table and load,
named so a later load sorts later): the history up to 2026-06-28, the orders
of 06-29, and those of 06-30, which also bring planted late and corrected
rows. The warehouse is built from the first two loads, the third is added,
and `dbt build` runs incrementally; a fresh warehouse built from all three
at once is the reference. Every mart must be equal (EXCEPT ALL both
ways), and so must the checked tables, bar the build's own bookkeeping
(checked_at, row_ordinal).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from dbt_runner import PROJECT_DIR, DbtProject

DEMO = PROJECT_DIR / "seeds" / "demo"
HISTORY, PREVIOUS_DAY, NEWEST_DAY = "2026-06-28", "2026-06-29", "2026-06-30"
# Pinned so the clock cannot move a row in or out of future_ordered_at
# between the builds.
MAX_VALID_AT = "2026-12-01 00:00:00"
BOOKKEEPING = {"checked_at", "row_ordinal"}

# Planted rows (hand-picked from the demo seed): a completed order re-sent
# as returned, a line re-sent with another quantity, a late line, and a
# customer who is missing from the first customers export.
CORRECTED_ORDER = "O000000001"
CORRECTED_LINE = ("O000000002", "1")
LATE_LINE = ("O000000003", "99", "P00108", "1", "10.00", "0.00")
LATE_CUSTOMER = "C0000582"  # O000000001's customer: their orders wait for them


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="") as handle:
        header, *rows = list(csv.reader(handle))
    return header, rows


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def split_demo_export(raw: Path) -> dict[str, str]:
    """Writes the first two loads (and every other table) under `raw`;
    returns the raw_files var. add_newest_load writes the third."""
    raw.mkdir()
    paths = {}
    for table in ("products", "web_events", "campaigns", "campaign_members", "campaign_events"):
        write_csv(raw / f"{table}.csv", *read_csv(DEMO / f"{table}.csv"))
        paths[table] = str(raw / f"{table}.csv")
    header, customers = read_csv(DEMO / "customers.csv")
    write_csv(raw / "customers.csv", header, [row for row in customers if row[0] != LATE_CUSTOMER])
    paths["customers"] = str(raw / "customers.csv")

    for load in (HISTORY, PREVIOUS_DAY):
        orders, lines = load_of(load)
        write_csv(raw / f"orders_{load}.csv", *orders)
        write_csv(raw / f"order_items_{load}.csv", *lines)
    paths["orders"] = str(raw / "orders_*.csv")
    paths["order_items"] = str(raw / "order_items_*.csv")
    return paths


def load_of(load: str) -> tuple[tuple[list[str], list[list[str]]], ...]:
    """The demo orders of one load and their lines: those ordered on that
    day; the history load has every other row, unreadable times included."""
    header, orders = read_csv(DEMO / "orders.csv")
    line_header, lines = read_csv(DEMO / "order_items.csv")

    def in_load(order: list[str]) -> bool:
        day = order[2][:10]
        return day == load if load != HISTORY else day not in (PREVIOUS_DAY, NEWEST_DAY)

    chosen = [order for order in orders if in_load(order)]
    chosen_ids = {order[0] for order in chosen}
    return (header, chosen), (line_header, [line for line in lines if line[0] in chosen_ids])


def add_newest_load(raw: Path) -> None:
    write_csv(raw / "customers.csv", *read_csv(DEMO / "customers.csv"))
    (header, day), (line_header, day_lines) = load_of(NEWEST_DAY)
    _, orders = read_csv(DEMO / "orders.csv")
    _, lines = read_csv(DEMO / "order_items.csv")

    corrected = next(order for order in orders if order[0] == CORRECTED_ORDER)
    assert corrected[3] == "completed"
    day.append([*corrected[:3], "returned", *corrected[4:]])
    day.append(day[0])  # the same row twice in one load: duplicate_key
    day.append(["", *corrected[1:]])  # no order id: missing_key
    write_csv(raw / f"orders_{NEWEST_DAY}.csv", header, day)

    old_line = next(line for line in lines if (line[0], line[1]) == CORRECTED_LINE)
    day_lines.append([*old_line[:3], str(int(old_line[3]) + 1), *old_line[4:]])
    day_lines.append(list(LATE_LINE))
    day_lines.append(["", "1", "P00108", "1", "10.00", "0.00"])  # no order id: missing_key
    write_csv(raw / f"order_items_{NEWEST_DAY}.csv", line_header, day_lines)


def build_vars(paths: dict[str, str]) -> str:
    return json.dumps({"raw_files": paths, "max_valid_at": MAX_VALID_AT})


def compared_tables(project: DbtProject) -> dict[str, list[str]]:
    """Every mart and the two checked tables, with their columns."""
    columns: dict[str, list[str]] = {}
    for schema, table, column in project.query(
        "select table_schema, table_name, column_name from information_schema.columns "
        "where table_schema = 'rfm_marts' or table_name in "
        "('int_orders_checked', 'int_order_items_checked') order by ordinal_position"
    ):
        if column not in BOOKKEEPING:
            columns.setdefault(f"{schema}.{table}", []).append(f'"{column}"')
    return columns


def differences(incremental: DbtProject, full: DbtProject) -> dict[str, tuple[int, int]]:
    """Rows in one build and not the other (EXCEPT ALL), per table."""
    tables = compared_tables(full)
    assert set(tables) == set(compared_tables(incremental))
    found = {}
    with duckdb.connect() as con:
        con.execute(f"attach '{incremental.warehouse}' as incremental (read_only)")
        con.execute(f"attach '{full.warehouse}' as full_build (read_only)")
        for table, columns in tables.items():
            select = f"select {', '.join(columns)} from"
            only_incremental, only_full = con.sql(
                f"select (select count(*) from ({select} incremental.{table} "
                f"except all {select} full_build.{table})), "
                f"(select count(*) from ({select} full_build.{table} "
                f"except all {select} incremental.{table}))"
            ).fetchall()[0]
            if only_incremental or only_full:
                found[table] = (only_incremental, only_full)
    return found


@dataclass
class Builds:
    incremental: DbtProject
    full: DbtProject
    raw_files: dict[str, str]


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> Builds:
    root = tmp_path_factory.mktemp("incremental")
    raw = root / "raw"
    paths = split_demo_export(raw)
    incremental = DbtProject(root / "incremental")
    incremental.workdir.mkdir()
    first = incremental.run("build", "--vars", build_vars(paths))
    assert first.returncode == 0, first.output[-5000:]

    add_newest_load(raw)
    second = incremental.run("build", "--vars", build_vars(paths))
    assert second.returncode == 0, second.output[-5000:]

    full = DbtProject(root / "full")
    full.workdir.mkdir()
    rebuild = full.run(
        "build",
        "--exclude",
        "resource_type:test",
        "resource_type:unit_test",
        "--vars",
        build_vars(paths),
    )
    assert rebuild.returncode == 0, rebuild.output[-5000:]
    return Builds(incremental, full, paths)


def test_incremental_build_equals_a_full_rebuild(builds: Builds) -> None:
    assert differences(builds.incremental, builds.full) == {}


def test_incremental_build_rewrites_only_the_touched_orders(builds: Builds) -> None:
    incremental = builds.incremental
    stamps = incremental.query(
        "select checked_at, count(*) from rfm_intermediate.int_orders_checked "
        "group by checked_at order by checked_at"
    )
    # The second build read the loads of 06-29 (the newest it had) and
    # 06-30, and wrote again the older rows of the order ids they hold (the
    # corrected order) and the orders quarantined as unknown_customer (the
    # late customer's, now clean, and the demo's three of customers that
    # never come). Nothing else of the history was written again.
    expected = incremental.query(
        "select count(*) from rfm_intermediate.int_orders_checked "
        f"where load_order >= '{builds.raw_files['orders'].replace('*', PREVIOUS_DAY)}' "
        f"or order_id = '{CORRECTED_ORDER}' or customer_id = '{LATE_CUSTOMER}' "
        "or dq_reason = 'unknown_customer'"
    )[0][0]
    history = incremental.query("select count(*) from rfm_intermediate.int_orders_checked")[0][0]
    assert len(stamps) == 2
    assert stamps[1][1] == expected
    assert expected < history / 50


def test_planted_rows_get_the_verdicts_a_full_build_gives(builds: Builds) -> None:
    incremental = builds.incremental
    orders = incremental.query(
        "select order_status, dq_reason, raw_record is null from "
        f"rfm_intermediate.int_orders_checked where order_id = '{CORRECTED_ORDER}' "
        "order by load_order"
    )
    # The first load's completed row is superseded (its text not kept); the
    # correction stays clean.
    assert orders == [("completed", "superseded", True), ("returned", None, True)]

    lines = incremental.query(
        "select line_number, line_type, dq_reason from rfm_intermediate.int_order_items_checked "
        f"where order_id = '{CORRECTED_ORDER}' order by line_number"
    )
    # The order came back whole: its lines, built as sales, are returns now.
    assert lines and all(line_type == "return" and reason is None for _, line_type, reason in lines)

    corrected = incremental.query(
        "select quantity, dq_reason from rfm_intermediate.int_order_items_checked "
        f"where order_id = '{CORRECTED_LINE[0]}' and line_number = {CORRECTED_LINE[1]} "
        "order by load_order"
    )
    assert [reason for _, reason in corrected] == ["superseded", None]
    assert corrected[1][0] == corrected[0][0] + 1

    late = incremental.query(
        "select dq_reason, customer_id is not null from rfm_intermediate.int_order_items_checked "
        f"where order_id = '{LATE_LINE[0]}' and line_number = {LATE_LINE[1]}"
    )
    assert late == [(None, True)]

    unknown = incremental.query(
        "select count(*) from rfm_intermediate.int_orders_checked "
        "where dq_reason = 'unknown_customer' and customer_id = "
        f"'{LATE_CUSTOMER}'"
    )
    assert unknown == [(0,)]
    for table in ("int_orders_checked", "int_order_items_checked"):
        keyless = incremental.query(
            f"select count(*) from rfm_intermediate.{table} where dq_reason = 'missing_key'"
        )
        assert keyless == [(1,)], table


def test_a_build_without_new_loads_changes_nothing(builds: Builds) -> None:
    again = builds.incremental.run(
        "run",
        "--select",
        "int_orders_checked",
        "int_order_items_checked",
        "--vars",
        build_vars(builds.raw_files),
    )
    assert again.returncode == 0, again.output[-3000:]
    assert differences(builds.incremental, builds.full) == {}


def test_other_settings_make_the_next_build_read_every_load(builds: Builds) -> None:
    """Last: it leaves the warehouse checked under another time zone."""
    paths = builds.raw_files
    moved = json.dumps(
        {"raw_files": paths, "max_valid_at": MAX_VALID_AT, "reporting_timezone": "Asia/Tokyo"}
    )
    run = builds.incremental.run(
        "run", "--select", "stg_shop__orders", "int_orders_checked", "--vars", moved
    )
    assert run.returncode == 0, run.output[-3000:]
    assert "rows were checked under other settings" in run.output
    # Every row was written again, and its day is Tokyo's (UTC+9, no DST).
    stamps = builds.incremental.query(
        "select count(distinct checked_at), count(*) filter (where ordered_date "
        "!= cast(ordered_at + interval 9 hour as date)) "
        "from rfm_intermediate.int_orders_checked where ordered_at is not null"
    )
    assert stamps == [(1, 0)]
    # Every row now carries the new settings, the keyless one too: the next build
    # reads the newest loads only.
    again = builds.incremental.run("run", "--select", "int_orders_checked", "--vars", moved)
    assert again.returncode == 0, again.output[-3000:]
    assert "every load is read again" not in again.output
