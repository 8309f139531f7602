"""Runs real dbt commands against a throwaway DuckDB file per test."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

PROJECT_DIR = Path(__file__).resolve().parents[2]
DBT = str(Path(sys.executable).with_name("dbt"))


@dataclass
class DbtRun:
    returncode: int
    output: str


@dataclass
class DbtProject:
    """A dbt invocation bound to its own warehouse file and target folder, so
    tests never touch the developer's warehouse or each other."""

    workdir: Path

    @property
    def warehouse(self) -> Path:
        return self.workdir / "warehouse.duckdb"

    def run(self, *args: str) -> DbtRun:
        env = {**os.environ, "RFM_DUCKDB_PATH": str(self.warehouse), "DBT_TARGET": "dev"}
        completed = subprocess.run(
            [
                DBT,
                *args,
                "--target-path",
                str(self.workdir / "target"),
                "--log-path",
                str(self.workdir / "logs"),
                "--no-partial-parse",
            ],
            cwd=PROJECT_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        return DbtRun(completed.returncode, completed.stdout + completed.stderr)

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return con.sql(sql).fetchall()
