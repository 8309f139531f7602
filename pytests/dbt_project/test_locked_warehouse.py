"""A warehouse held open by another process, for writing or only for reading:
dbt must stop at once with one line naming the file, the holder and the fix
(rfm_nbo/warehouse_lock.py), never hang, never print a traceback."""

from __future__ import annotations

import os
import time

import duckdb
import pytest
from dbt_runner import DbtProject


@pytest.mark.parametrize("read_only", [False, True], ids=["writer", "reader"])
def test_locked_warehouse_fails_fast_with_one_clear_line(
    dbt_project: DbtProject, read_only: bool
) -> None:
    duckdb.connect(str(dbt_project.warehouse)).close()
    with duckdb.connect(str(dbt_project.warehouse), read_only=read_only):
        started = time.monotonic()
        run = dbt_project.run("run", "--select", "int_rfm_as_of")
        elapsed = time.monotonic() - started

    assert run.returncode != 0
    assert elapsed < 60
    assert "Traceback" not in run.output
    message = next(line for line in run.output.splitlines() if "DuckDB warehouse" in line)
    assert message.strip().startswith(
        f"The DuckDB warehouse {dbt_project.warehouse} is in use by another process "
        f"(PID {os.getpid()}, "
    )
    assert "a process reading it (even read-only" in message
    assert message.endswith("Close that process, or set RFM_DUCKDB_PATH to another file.")
