"""Fixtures for the dashboard tests: mini warehouses made by hand, and one real
`dbt build` of the demo data shared by the browser tests."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from dashboard_fixtures import write_mini_warehouse

PROJECT_DIR = Path(__file__).resolve().parents[2]
DBT = str(Path(sys.executable).with_name("dbt"))
# Point this at an already built warehouse to skip the real `dbt build` while
# iterating on the browser test (never set in CI).
REUSE_WAREHOUSE_ENV = "RFM_DASHBOARD_TEST_WAREHOUSE"


@pytest.fixture
def mini_warehouse(tmp_path: Path) -> Path:
    return write_mini_warehouse(tmp_path / "mini.duckdb")


@pytest.fixture
def warehouse_factory(tmp_path: Path) -> Callable[..., Path]:
    """Builds mini warehouses with chosen marts: factory(name, marts=..., schema=...)."""

    def build(name: str, marts: dict[str, str] | None = None, schema: str = "rfm_marts") -> Path:
        return write_mini_warehouse(tmp_path / name, marts, schema)

    return build


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo data built by a real `dbt build` in a temporary folder (once per
    session), so the browser test reads what users get."""
    reuse = os.environ.get(REUSE_WAREHOUSE_ENV)
    if reuse:
        return Path(reuse)
    workdir = tmp_path_factory.mktemp("dashboard_dbt")
    warehouse = workdir / "warehouse.duckdb"
    completed = subprocess.run(
        [
            DBT,
            "build",
            "--target-path",
            str(workdir / "target"),
            "--log-path",
            str(workdir / "logs"),
        ],
        cwd=PROJECT_DIR,
        env={**os.environ, "RFM_DUCKDB_PATH": str(warehouse), "DBT_TARGET": "dev"},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert completed.returncode == 0, (completed.stdout + completed.stderr)[-5000:]
    return warehouse
