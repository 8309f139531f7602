"""Stand-ins for dbt's ``dbtObj`` and dbt-duckdb's table write, to run our models without dbt."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import duckdb

MODELS_DIR = Path(__file__).resolve().parents[2] / "python_models" / "segmentation"


class FakeConfig:
    """``dbt.config``: callable, plus ``meta_get`` reading the YAML meta we pass in."""

    def __init__(self, meta: dict[str, Any]) -> None:
        self.meta = meta

    def __call__(self, **kwargs: Any) -> None:
        assert kwargs == {"materialized": "table"}

    def meta_get(self, key: str, default: Any = None) -> Any:
        return self.meta.get(key, default)


class FakeDbt:
    """Just enough of dbt's ``dbtObj`` for our models."""

    def __init__(self, con: duckdb.DuckDBPyConnection, meta: dict[str, Any]) -> None:
        self.config = FakeConfig(meta)
        self.ref: Callable[[str], duckdb.DuckDBPyRelation] = con.table


def load_model(name: str) -> ModuleType:
    """Import python_models/segmentation/<name>.py as a module (dbt-duckdb does the same)."""
    spec = importlib.util.spec_from_file_location(name, MODELS_DIR / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def materialize(con: duckdb.DuckDBPyConnection, name: str, result: Any) -> None:
    """What dbt-duckdb's py_write_table does with a model's return value."""
    cursor = con.cursor()
    cursor.register("model_output", result)
    cursor.execute(f"create table {name} as select * from model_output")
    cursor.unregister("model_output")
