"""Bring-your-own-data files that cannot be read as they are: each stops the run
before any model with one message naming the table, the file and what to do.
Encodings DuckDB reads are given per table; quotes in paths are escaped."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dbt_runner import DbtProject, DbtRun

ORDERS_HEADER = "order_id,customer_id,ordered_at,status,order_amount\n"
ORDERS_ROWS = (
    "1,josé,2026-01-01 10:00:00,completed,10.00\n2,zoë,2026-01-02 11:00:00,completed,20.00\n"
)
# One view of the orders file; the other raw tables are views too (hook).
CHEAP_RUN = ("run", "--select", "stg_shop__orders")


def run_raw_files(dbt_project: DbtProject, **raw_files: Any) -> DbtRun:
    """`dbt run` of the orders staging view with these raw_files entries."""
    entries = {
        table: str(entry) if isinstance(entry, Path) else entry
        for table, entry in raw_files.items()
    }
    return dbt_project.run(*CHEAP_RUN, "--vars", json.dumps({"raw_files": entries}))


def assert_stopped_cleanly(run: DbtRun, *phrases: str) -> None:
    """The run failed before any model, with every phrase in one message."""
    assert run.returncode != 0
    assert "Traceback" not in run.output
    assert "START sql" not in run.output, run.output
    message = " ".join(run.output.split())
    for phrase in phrases:
        assert phrase in message, (phrase, run.output[-3000:])


def orders_file(directory: Path, text: str, encoding: str = "utf-8") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "orders.csv"
    path.write_bytes(text.encode(encoding))
    return path


def test_zero_byte_file(dbt_project: DbtProject, tmp_path: Path) -> None:
    orders = orders_file(tmp_path / "in", "")

    run = run_raw_files(dbt_project, orders=orders)

    assert_stopped_cleanly(
        run,
        f'raw_files: orders ("{orders}") is empty (0 bytes).',
        "Export it again with its header line",
    )


def test_header_only_orders_is_refused(dbt_project: DbtProject, tmp_path: Path) -> None:
    orders = orders_file(tmp_path / "in", ORDERS_HEADER)

    run = run_raw_files(dbt_project, orders=orders)

    assert_stopped_cleanly(
        run,
        f'raw_files: orders ("{orders}") has a header but no rows: RFM needs at least one order.',
    )


def test_header_only_customers_is_refused(dbt_project: DbtProject, tmp_path: Path) -> None:
    orders = orders_file(tmp_path / "in", ORDERS_HEADER + ORDERS_ROWS)
    customers = tmp_path / "in" / "customers.csv"
    customers.write_text("customer_id,email,country,signed_up_at,marketing_opt_in\n")

    run = run_raw_files(dbt_project, orders=orders, customers=customers)

    assert_stopped_cleanly(
        run,
        f'raw_files: customers ("{customers}") has a header but no rows',
        "every order would be quarantined as unknown_customer; leave customers out of raw_files",
    )


def test_header_only_campaigns_build_with_no_rows(dbt_project: DbtProject, tmp_path: Path) -> None:
    orders = orders_file(tmp_path / "in", ORDERS_HEADER + ORDERS_ROWS)
    campaigns = tmp_path / "in" / "campaigns.csv"
    campaigns.write_text("campaign_id,campaign_name,channel,started_at,ended_at,cost\n")

    run = run_raw_files(dbt_project, orders=orders, campaigns=campaigns)

    assert run.returncode == 0, run.output[-3000:]
    assert f"<- {campaigns}, 0 rows" in run.output
    assert dbt_project.query("select count(*) from rfm_raw_files.campaigns") == [(0,)]


def test_latin1_file_without_encoding_names_the_fix(
    dbt_project: DbtProject, tmp_path: Path
) -> None:
    orders = orders_file(tmp_path / "in", ORDERS_HEADER + ORDERS_ROWS, "latin-1")

    run = run_raw_files(dbt_project, orders=orders)

    assert_stopped_cleanly(
        run,
        f'raw_files: orders ("{orders}"), line 2, is not valid UTF-8.',
        "{orders: {path: ..., encoding: latin-1}}",
        "iconv -f windows-1252 -t utf-8 in.csv > out.csv",
    )


def test_latin1_file_with_its_encoding_is_read(dbt_project: DbtProject, tmp_path: Path) -> None:
    orders = orders_file(tmp_path / "in", ORDERS_HEADER + ORDERS_ROWS, "latin-1")

    run = run_raw_files(dbt_project, orders={"path": str(orders), "encoding": "latin-1"})

    assert run.returncode == 0, run.output[-3000:]
    assert f"<- {orders} (latin-1), 2 rows" in run.output
    names = dbt_project.query("select customer_id from rfm_raw_files.orders order by order_id")
    assert names == [("josé",), ("zoë",)]


def test_utf16_file_with_its_encoding_is_read(dbt_project: DbtProject, tmp_path: Path) -> None:
    orders = orders_file(tmp_path / "in", ORDERS_HEADER + ORDERS_ROWS, "utf-16")

    run = run_raw_files(dbt_project, orders={"path": str(orders), "encoding": "UTF-16"})

    assert run.returncode == 0, run.output[-3000:]
    names = dbt_project.query("select customer_id from rfm_raw_files.orders order by order_id")
    assert names == [("josé",), ("zoë",)]


def test_utf16_file_without_encoding_is_recognised(dbt_project: DbtProject, tmp_path: Path) -> None:
    orders = orders_file(tmp_path / "in", ORDERS_HEADER + ORDERS_ROWS, "utf-16")

    run = run_raw_files(dbt_project, orders=orders)

    assert_stopped_cleanly(
        run, f'raw_files: orders ("{orders}"), line 1, is not valid UTF-8.', "encoding: utf-16}}"
    )


def test_unknown_encoding_lists_the_valid_ones(dbt_project: DbtProject, tmp_path: Path) -> None:
    orders = orders_file(tmp_path / "in", ORDERS_HEADER + ORDERS_ROWS, "cp1252")

    run = run_raw_files(dbt_project, orders={"path": str(orders), "encoding": "windows-1252"})

    assert_stopped_cleanly(
        run,
        "raw_files: orders has encoding 'windows-1252', which DuckDB cannot read.",
        "Use one of: utf-8, utf-16, latin-1",
        "iconv -f windows-1252 -t utf-8 in.csv > out.csv",
    )


def test_path_with_an_apostrophe(dbt_project: DbtProject, tmp_path: Path) -> None:
    orders = orders_file(tmp_path / "o'brien's data", ORDERS_HEADER + ORDERS_ROWS)

    run = run_raw_files(dbt_project, orders=orders)

    assert run.returncode == 0, run.output[-3000:]
    assert dbt_project.query("select count(*) from rfm_raw_files.orders") == [(2,)]
    # ... and in a message: the path as given, in double quotes.
    missing = tmp_path / "o'brien's data" / "missing.csv"
    run = run_raw_files(dbt_project, orders=missing)
    assert_stopped_cleanly(run, f'raw_files: orders ("{missing}"): no file matches this path.')


def test_missing_file_and_empty_glob(dbt_project: DbtProject, tmp_path: Path) -> None:
    for path in (tmp_path / "nowhere" / "orders.csv", tmp_path / "orders_*.csv"):
        run = run_raw_files(dbt_project, orders=path)

        assert_stopped_cleanly(
            run,
            f'raw_files: orders ("{path}"): no file matches this path.',
            "a relative path is read from the directory dbt runs in",
        )


def test_line_with_too_many_columns_names_the_line(dbt_project: DbtProject, tmp_path: Path) -> None:
    orders = orders_file(
        tmp_path / "in",
        ORDERS_HEADER + ORDERS_ROWS + "3,ann,2026-01-03 12:00:00,completed,1,000.00\n",
    )

    run = run_raw_files(dbt_project, orders=orders)

    assert_stopped_cleanly(
        run,
        f'raw_files: orders ("{orders}"), line 4, cannot be read:',
        "Every line needs the header's columns",
    )
