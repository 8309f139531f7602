"""The benchmark at a tiny scale, end to end, so `make bench` cannot rot.

One real run of ``python -m rfm_nbo.bench`` on 2,000 generated customers
(every step: data, full dbt build, RFM + clustering alone, floor, notebook,
profiles), then checks on the report's structure and on the answers: the
floor must agree with int_customers_rfm_scored row for row.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest

from rfm_nbo.bench.daily import LOADS, rows_in, split_into_loads
from rfm_nbo.bench.dataset import prepare_dataset
from rfm_nbo.bench.floor import floor_sql
from rfm_nbo.bench.measure import run_measured
from rfm_nbo.bench.report import growth, judge
from rfm_nbo.generator import GeneratorParams

PROJECT_DIR = Path(__file__).resolve().parents[2]
CUSTOMERS = 2_000
RFM_PATH = {
    "stg_shop__orders",
    "stg_shop__order_items",
    "int_orders_checked",
    "int_orders_validated",
    "int_order_items_checked",
    "int_order_lines_classified",
    "int_rfm_as_of",
    "int_customers_rfm_features",
    "int_customers_rfm_scored",
}


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One benchmark run at 2,000 customers; returns the output folder and the report."""
    root = tmp_path_factory.mktemp("bench")
    out = root / "out"
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "rfm_nbo.bench",
            "--customers",
            str(CUSTOMERS),
            "--out",
            str(out),
            "--data-root",
            str(root / "data"),
            "--profile",
            "2",
            "--no-progress",
        ],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    report = json.loads((out / "bench_report.json").read_text())
    return {"out": out, "report": report, "stdout": completed.stdout}


@pytest.mark.slow
def test_the_run_shows_its_steps_and_writes_both_reports(bench_run: dict[str, Any]) -> None:
    stdout = bench_run["stdout"]
    for step in (
        "1/7 data",
        "2/7 dbt build",
        "3/7 RFM + clustering",
        "4/7 daily",
        "5/7 floor",
        "6/7 notebook",
        "7/7 profile",
    ):
        assert step in stdout
    markdown = (bench_run["out"] / "bench_report.md").read_text()
    assert "| measure | 2k customers |" in markdown
    assert "| floor = int_customers_rfm_scored | yes, every row |" in markdown
    assert "## Daily build: one new day of orders" in markdown


@pytest.mark.slow
def test_the_report_describes_the_machine(bench_run: dict[str, Any]) -> None:
    machine = bench_run["report"]["machine"]
    assert machine["cores"] >= 1 and machine["memory_bytes"] > 0
    assert machine["cpu"] and machine["os"] and machine["python"]
    for package in ("duckdb", "dbt-core", "dbt-duckdb", "pandas", "scikit-learn"):
        assert machine["versions"][package], package


@pytest.mark.slow
def test_every_measurement_is_there_and_plausible(bench_run: dict[str, Any]) -> None:
    (result,) = bench_run["report"]["results"]
    assert result["customers"] == CUSTOMERS
    full = result["full_build"]
    assert full["returncode"] == 0 and full["models"] > 30 and full["tests"] > 100
    assert full["models_seconds"] > 0 and full["tests_seconds"] > 0
    assert full["wall_seconds"] >= full["dbt_elapsed_seconds"] > 0
    assert full["peak_rss_bytes"] > 50 * 2**20
    assert set(result["rfm_path_models"]) >= RFM_PATH
    assert "int_customer_snapshots_rfm_scored" not in result["rfm_path_models"]
    assert 0 < result["rfm"]["isolated_seconds"] <= result["rfm_clustering"]["isolated_seconds"]
    assert set(result["rfm"]["per_model_isolated"]) == set(result["rfm_path_models"])
    assert result["rfm_clustering"]["isolated_peak_rss_bytes"] > 0
    for baseline in ("floor", "notebook"):
        assert result[baseline]["returncode"] == 0
        assert result[baseline]["peak_rss_bytes"] > 0
    assert result["floor"]["seconds"] > 0 and result["notebook"]["compute_seconds"] > 0
    assert 4 <= result["notebook"]["chosen_k"] <= 8
    assert all(value is not None for value in result["ratios"].values())
    assert "(floor)" in result["profiles"] and len(result["profiles"]) >= 3
    assert result["profiles"]["(floor)"]["operators"]


@pytest.mark.slow
def test_the_daily_build_adds_one_day_and_equals_the_full_build(
    bench_run: dict[str, Any],
) -> None:
    (result,) = bench_run["report"]["results"]
    daily = result["daily"]
    assert daily["base_build"]["returncode"] == 0 and daily["daily_build"]["returncode"] == 0
    assert daily["marts_equal_full_build"] == {"marts": 15, "equal": True, "differing": {}}
    assert set(daily["incremental_models"]) == {"int_orders_checked", "int_order_items_checked"}
    for model in daily["incremental_models"].values():
        assert model["daily_seconds"] > 0 and model["full_build_seconds"] > 0
    # Every raw row is in exactly one load; the newest day holds a few of them.
    loads = Path(result["dataset"]["path"]) / "loads" / "all"
    for table in ("orders", "order_items"):
        counts = [rows_in(loads / f"{table}_{load}.parquet") for load in LOADS]
        assert sum(counts) == result["dataset"]["rows"][table]
        assert 0 < daily["newest_load_rows"][table] == counts[2] < counts[0]


def test_loads_split_by_day_and_lines_follow_their_order(tmp_path: Path) -> None:
    tables = tmp_path / "tables"
    tables.mkdir()
    with duckdb.connect() as con:
        con.execute(
            "copy (select * from (values ('A', '2026-06-28 10:00:00'), "
            "('B', '2026-06-29 23:59:59'), ('C', '2026-06-30 00:00:00'), ('D', 'not a time'), "
            "('E', '2099-01-01 00:00:00'))"
            f" as t(order_id, ordered_at)) to '{tables / 'orders.parquet'}'"
        )
        con.execute(
            "copy (select * from (values ('A', 1), ('B', 1), ('C', 1), ('C', 2), ('Z', 1)) "
            f"as t(order_id, line_number)) to '{tables / 'order_items.parquet'}'"
        )
    loads = split_into_loads(tables, tmp_path / "loads", "2026-12-01 00:00:00")
    # The newest day not after max_valid_at is 06-30 (2099 is the future).
    assert loads.newest_day == "2026-06-30"

    def ids(table: str, load: str) -> list[tuple[Any, ...]]:
        path = loads.load_path(table, load)
        with duckdb.connect() as con:
            return sorted(con.sql(f"select * from read_parquet('{path}')").fetchall())

    assert [row[0] for row in ids("orders", LOADS[0])] == ["A", "D", "E"]
    assert [row[0] for row in ids("orders", LOADS[1])] == ["B"]
    assert [row[0] for row in ids("orders", LOADS[2])] == ["C"]
    # A line of an unknown order (Z) goes to the history.
    assert ids("order_items", LOADS[0]) == [("A", 1), ("Z", 1)]
    assert ids("order_items", LOADS[2]) == [("C", 1), ("C", 2)]
    loads.arrive(LOADS[:2])
    assert sorted(p.name for p in loads.arrived("orders").iterdir()) == [
        "orders_1_history.parquet",
        "orders_2_previous_day.parquet",
    ]


@pytest.mark.slow
def test_the_floor_agrees_with_the_models_row_for_row(bench_run: dict[str, Any]) -> None:
    (result,) = bench_run["report"]["results"]
    agreement = result["agreement"]["floor_vs_models"]
    assert agreement["agree"], agreement
    assert (
        agreement["model_customers"] == agreement["floor_customers"] == result["floor"]["customers"]
    )
    assert agreement["model_customers"] > 0.9 * CUSTOMERS
    notebook = result["agreement"]["notebook_vs_floor"]
    assert notebook["values_agree"], notebook


@pytest.mark.slow
def test_llm_calls_are_counted_from_the_offer_copy_model(bench_run: dict[str, Any]) -> None:
    (result,) = bench_run["report"]["results"]
    assert result["llm"]["segments"] > 0
    assert result["llm"]["llm_calls"] == 0  # the template provider calls nothing
    assert result["llm"]["copy_sources"] == {"template": result["llm"]["segments"]}


def test_targets_are_judged_only_from_measured_values() -> None:
    result = {
        "customers": 1_000_000,
        "ratios": {
            "rfm_models_over_floor": 1.2,
            "notebook_over_rfm_clustering_time": 2.0,
            "rfm_clustering_over_notebook_memory": None,
        },
        "full_build": {"wall_seconds": 119.0, "peak_rss_bytes": 4 * 2**30},
    }
    verdicts = {key: verdict["met"] for key, verdict in judge(result).items()}
    assert verdicts == {
        "rfm_models_over_floor": True,
        "notebook_over_rfm_clustering_time": False,
        "rfm_clustering_over_notebook_memory": None,
        "full_build_seconds": True,
        "full_build_peak_gib": False,  # < 4 GiB is strict
    }


def test_growth_exponent_is_one_for_linear_time() -> None:
    def scale(n: int, seconds: float) -> dict[str, Any]:
        return {
            "customers": n,
            "full_build": {"wall_seconds": seconds, "peak_rss_bytes": 2**30},
            "rfm": {"full_build_seconds": seconds / 2},
            "floor": {"seconds": seconds / 10},
        }

    (row,) = growth([scale(100_000, 10.0), scale(1_000_000, 100.0)])
    assert row["full_build_time"]["exponent"] == pytest.approx(1.0)
    assert row["full_build_memory"]["exponent"] == pytest.approx(0.0)


def test_the_floor_query_has_every_placeholder_filled(tmp_path: Path) -> None:
    sql = floor_sql(
        tmp_path,
        lookback_days=365,
        buckets=4,
        as_of_date="2026-01-01",
        max_valid_at="2026-06-30 00:00:00",
    )
    assert "$" not in sql
    assert "least(4, count(*) over ())" in sql and "interval 365 day" in sql
    assert "cast('2026-01-01' as date)" in sql
    assert str((tmp_path / "order_items.parquet").resolve()) in sql


def test_datasets_are_generated_once_and_reused(tmp_path: Path) -> None:
    params = GeneratorParams(customers=1_000)
    first = prepare_dataset(tmp_path, params, progress=False)
    again = prepare_dataset(tmp_path, params, progress=False)
    other = prepare_dataset(tmp_path, GeneratorParams(customers=1_000, seed=7), progress=False)
    assert first.generated and not again.generated
    assert first.root == again.root == tmp_path / "bench_1000"
    assert other.generated and other.root != first.root
    assert set(first.raw_files()) == {
        "customers",
        "products",
        "orders",
        "order_items",
        "web_events",
        "campaigns",
        "campaign_members",
        "campaign_events",
    }


def test_peak_memory_covers_the_child_process(tmp_path: Path) -> None:
    allocate = (
        "import time; block = bytearray(300 * 2**20); "
        "block[::4096] = b'x' * len(block[::4096]); time.sleep(0.5)"
    )
    measured = run_measured([sys.executable, "-c", allocate], log_path=tmp_path / "log")
    assert measured.returncode == 0
    assert measured.peak_rss_bytes > 300 * 2**20
    assert measured.timeline and measured.wall_seconds >= 0.5


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs Linux /proc")
def test_a_large_benchmark_process_does_not_inflate_its_childrens_peak() -> None:
    # Linux copies the parent's high-water mark into a forked child (ru_maxrss):
    # the measurement must not report the parent's memory as the child's.
    ballast = bytearray(600 * 2**20)
    ballast[::4096] = b"x" * len(ballast[::4096])
    measured = run_measured([sys.executable, "-c", "import time; time.sleep(0.5)"])
    assert measured.peak_rss_bytes < 300 * 2**20
    del ballast
