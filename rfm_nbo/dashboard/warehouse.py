"""Opening the DuckDB warehouse read-only, with errors that say what to do.

DuckDB allows one writing process per file, and a read-only connection still
needs a shared lock: while `dbt build` writes the file, opening it fails at
once (it never waits). Each failure is turned into a DashboardError naming the
fix, rather than DuckDB's IO error.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from rfm_nbo.dashboard.errors import DashboardError

BUILD_HINT = "Build it first: `make demo` (or `.venv/bin/dbt build`), or pass --warehouse PATH."


def connect_read_only(path: Path) -> duckdb.DuckDBPyConnection:
    """Open the warehouse file read-only; raise DashboardError when it is missing,
    locked by a writer, or not a DuckDB file."""
    if not path.exists():
        raise DashboardError(f"No warehouse at {path}. {BUILD_HINT}")
    if path.is_dir():
        raise DashboardError(f"{path} is a directory, not a DuckDB file. Pass --warehouse FILE.")
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.IOException as error:
        text = str(error)
        if "lock" in text.lower():
            raise DashboardError(
                f"{path} is locked by another process (DuckDB allows one writer: is a "
                "`dbt build` running?). Wait for it to finish, or build a copy with "
                "`RFM_DUCKDB_PATH=/tmp/wh.duckdb .venv/bin/dbt build` and pass "
                f"--warehouse /tmp/wh.duckdb. DuckDB said: {text}"
            ) from error
        raise DashboardError(
            f"Cannot open {path} as a DuckDB warehouse: {text}. {BUILD_HINT}"
        ) from error


def existing_tables(con: duckdb.DuckDBPyConnection, schema: str) -> frozenset[str]:
    """Names of the tables and views in `schema` (empty when the schema is absent)."""
    rows = con.execute(
        "select table_name from information_schema.tables where table_schema = ?", [schema]
    ).fetchall()
    return frozenset(name for (name,) in rows)


def table_columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> frozenset[str]:
    """Column names of one table or view (empty when it is absent)."""
    rows = con.execute(
        "select column_name from information_schema.columns "
        "where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchall()
    return frozenset(name for (name,) in rows)
