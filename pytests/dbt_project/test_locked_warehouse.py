"""A warehouse held open for writing by another process: dbt must stop at once
with DuckDB's lock message, never hang."""

from __future__ import annotations

import time

import duckdb
from dbt_runner import DbtProject


def test_locked_warehouse_fails_fast_with_a_clear_message(dbt_project: DbtProject) -> None:
    with duckdb.connect(str(dbt_project.warehouse)):
        started = time.monotonic()
        run = dbt_project.run("run", "--select", "int_rfm_as_of")
        elapsed = time.monotonic() - started

    assert run.returncode != 0
    assert "Could not set lock on file" in run.output
    assert elapsed < 60
