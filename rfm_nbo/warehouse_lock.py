"""A dbt-duckdb plugin: a warehouse file held by another process stops dbt
with one line saying which file, why and what to do.

DuckDB lets one process open a database file for writing, and a process that
holds it open read-only (a notebook, the dashboard) blocks writers too. Left
alone, dbt-duckdb reports the lock as DuckDB's message inside an 80-line
Python traceback that suggests read-only mode, which dbt cannot use. dbt-duckdb
calls ``update_connection_config`` of each plugin in ``profiles.yml`` just
before it opens the file, so the plugin opens it first and turns a failure
into a dbt error, which dbt prints as one message without a traceback.

Enabled in ``profiles.yml`` (target ``dev``)::

    plugins:
      - module: rfm_nbo.warehouse_lock
"""

from __future__ import annotations

import re
from typing import Any

import duckdb
from dbt.adapters.duckdb.plugins import BasePlugin
from dbt_common.exceptions import DbtRuntimeError

# DuckDB: 'Could not set lock on file "...": Conflicting lock is held in
# /usr/bin/python3.11 (PID 1234). However, ...'
_LOCK_ERROR = re.compile(r"Could not set lock on file")
_HOLDER = re.compile(r"held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")


def warehouse_error_message(path: str, error: Exception) -> str:
    """One line for a warehouse that DuckDB could not open: which file, why, what to do."""
    text = str(error)
    if not _LOCK_ERROR.search(text):
        return (
            f"Cannot open the DuckDB warehouse {path}: {text.splitlines()[0]} "
            "Set RFM_DUCKDB_PATH to a file dbt can create or write."
        )
    holder = _HOLDER.search(text)
    who = (
        f"another process (PID {holder['pid']}, {holder['program']})"
        if holder
        else "another process"
    )
    return (
        f"The DuckDB warehouse {path} is in use by {who}: DuckDB lets one process "
        "open a file for writing, and a process reading it (even read-only, e.g. a "
        "notebook or the dashboard) blocks writers too. Close that process, or set "
        "RFM_DUCKDB_PATH to another file."
    )


class Plugin(BasePlugin):
    """Opens the warehouse once before dbt-duckdb does, to name a lock clearly."""

    def update_connection_config(self, creds: Any, config: dict[str, Any]) -> None:
        path = creds.path
        if path == ":memory:" or path.startswith(("md:", "motherduck:")):
            return
        try:
            duckdb.connect(path, read_only=False, config=dict(config)).close()
        except duckdb.Error as error:
            raise DbtRuntimeError(warehouse_error_message(path, error)) from None
