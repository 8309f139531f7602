"""What the Spark tests need besides Spark: the demo tables as Spark DataFrames typed as
Athena holds them, a fake ``dbt`` object, dbt-athena's calculation wrapper, comparisons.

Nothing here talks to AWS: refs are local Spark DataFrames or tables in the
local Spark catalogue, and dbt-athena's wrapper is rendered from the adapter's
own macro file with plain Jinja.
"""

from __future__ import annotations

import importlib.util
import re
import uuid
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import duckdb
import jinja2
import numpy as np
import pandas as pd
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import types as T

PROJECT_DIR = Path(__file__).resolve().parents[2]
PYTHON_MODELS = {
    "int_kmeans_diagnostics": PROJECT_DIR / "python_models/segmentation/int_kmeans_diagnostics.py",
    "int_kmeans_centroids": PROJECT_DIR / "python_models/segmentation/int_kmeans_centroids.py",
    "int_customers_clustered": PROJECT_DIR
    / "python_models/segmentation/int_customers_clustered.py",
    "int_segment_offer_copy": PROJECT_DIR / "python_models/offers/int_segment_offer_copy.py",
    "int_clv_parameters": PROJECT_DIR / "python_models/clv/int_clv_parameters.py",
    "int_customers_clv": PROJECT_DIR / "python_models/clv/int_customers_clv.py",
    "int_clv_calibration_expected": PROJECT_DIR
    / "python_models/clv/int_clv_calibration_expected.py",
}
# Sort keys of each Python model's output (their tested grain).
OUTPUT_KEYS = {
    "int_kmeans_diagnostics": ["k"],
    "int_kmeans_centroids": ["cluster_id"],
    "int_customers_clustered": ["customer_id"],
    "int_segment_offer_copy": ["segment_name", "product_id"],
    "int_clv_parameters": ["sample_seed"],  # one row
    "int_customers_clv": ["customer_id"],
    "int_clv_calibration_expected": ["breakdown", "bucket"],
}


# ---------------------------------------------------------------------------
# DuckDB tables as Spark DataFrames with the types Athena's tables have
# ---------------------------------------------------------------------------


def spark_type(duckdb_type: str) -> T.DataType:
    """The Spark type of an Athena (Glue) column that DuckDB holds as ``duckdb_type``."""
    upper = duckdb_type.upper()
    decimal = re.match(r"DECIMAL\((\d+),\s*(\d+)\)", upper)
    if decimal:
        return T.DecimalType(int(decimal.group(1)), int(decimal.group(2)))
    simple = {
        "VARCHAR": T.StringType(),
        "INTEGER": T.IntegerType(),
        "BIGINT": T.LongType(),
        "HUGEINT": T.DecimalType(38, 0),  # Trino's sum(bigint) is bigint; DuckDB widens
        "DOUBLE": T.DoubleType(),
        "FLOAT": T.FloatType(),
        "BOOLEAN": T.BooleanType(),
        "DATE": T.DateType(),
        "TIMESTAMP": T.TimestampType(),
    }
    if upper not in simple:
        raise ValueError(f"no Spark type for DuckDB {duckdb_type}")
    return simple[upper]


def duckdb_table_to_spark(
    spark: SparkSession, con: duckdb.DuckDBPyConnection, relation: str
) -> DataFrame:
    """A DuckDB relation as a Spark DataFrame (plain Python rows, explicit schema)."""
    described = con.execute(f"describe select * from {relation}").fetchall()
    schema = T.StructType(
        [T.StructField(row[0], spark_type(str(row[1])), True) for row in described]
    )
    rows = con.execute(f"select * from {relation}").fetchall()
    return spark.createDataFrame(rows, schema=schema)


def reference_relation(build: Any, name: str) -> str:
    """The DuckDB build's relation of a model or seed, quoted (``build``: a ReferenceBuild)."""
    nodes = build.manifest()["nodes"]
    kind = "seed" if f"seed.rfm_nbo.{name}" in nodes else "model"
    schema, identifier = build.relation(f"{kind}.rfm_nbo.{name}")
    return f'"{schema}"."{identifier}"'


def reference_table(con: duckdb.DuckDBPyConnection, build: Any, name: str) -> pd.DataFrame:
    """A table of the DuckDB build as pandas."""
    return con.execute(f"select * from {reference_relation(build, name)}").df()


# ---------------------------------------------------------------------------
# The dbt object a Python model receives
# ---------------------------------------------------------------------------


class FakeConfig:
    """``dbt.config``: callable (the model's own config), ``get`` and ``meta_get``."""

    def __init__(self, meta: dict[str, Any], config: dict[str, Any] | None = None) -> None:
        self.meta = dict(meta)
        self.config = dict(config or {})
        self.calls: list[dict[str, Any]] = []

    def __call__(self, **config: Any) -> None:
        self.calls.append(config)

    def get(self, key: str, default: Any = None) -> Any:
        return self.config.get(key, default)

    def meta_get(self, key: str, default: Any = None) -> Any:
        return self.meta.get(key, default)


class FakeSparkDbt:
    """dbt-athena's ``SparkdbtObj`` as far as our models use it: ``ref()`` returns Spark
    DataFrames, ``config.meta_get()`` the vars rendered into the model's meta."""

    def __init__(self, tables: dict[str, DataFrame], meta: dict[str, Any]) -> None:
        self.tables = tables
        self.config = FakeConfig(meta)
        self.is_incremental = False
        self.refs_read: list[str] = []

    def ref(self, name: str, **_: Any) -> DataFrame:
        self.refs_read.append(name)
        return self.tables[name]

    def source(self, *args: str) -> DataFrame:
        raise AssertionError(f"Python models read no sources: {args}")


def load_model(name: str) -> ModuleType:
    """Import a Python model file as a module (its ``model(dbt, session)``)."""
    spec = importlib.util.spec_from_file_location(f"spark_test_{name}", PYTHON_MODELS[name])
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ---------------------------------------------------------------------------
# dbt-athena's calculation: the code it submits to Athena for Apache Spark
# ---------------------------------------------------------------------------


def athena_macro_file() -> Path:
    import dbt.include.athena as athena_include

    return Path(athena_include.__file__).parent / "macros" / "adapters" / "python_submissions.sql"


class _Relation:
    def __init__(self, schema: str, identifier: str) -> None:
        self.schema = schema
        self.identifier = identifier


def render_athena_calculation(
    compiled_code: str, schema: str, identifier: str, location: Path, config: dict[str, Any]
) -> str:
    """The Python that dbt-athena 1.11 submits for a table model (Hive table type):
    ``athena__py_save_table_as`` rendered as its ``create_table_as`` calls it."""
    template = jinja2.Environment(undefined=jinja2.StrictUndefined).from_string(
        athena_macro_file().read_text()
    )
    optional_args = {
        "location": str(location),
        "format": config.get("format") or "parquet",
        "mode": "overwrite",
        "partitioned_by": config.get("partitioned_by"),
        "bucketed_by": config.get("bucketed_by"),
        "write_compression": config.get("write_compression"),
        "bucket_count": config.get("bucket_count"),
        "field_delimiter": config.get("field_delimiter"),
        "spark_ctas": "",
    }
    return str(
        template.module.athena__py_save_table_as(  # type: ignore[attr-defined]
            compiled_code, _Relation(schema, identifier), optional_args
        )
    )


def run_athena_calculations(
    spark: SparkSession,
    inputs: dict[str, DataFrame],
    athena_manifest: dict,
    models: Iterable[str],
    data_root: Path,
) -> dict[str, str]:
    """Register ``inputs`` as tables of the local catalogue (schemas as on Athena), then run
    each model's Athena calculation in the order given (dependencies first: a model reads
    the tables the earlier ones wrote); returns model name -> the code submitted."""
    nodes = {
        n["name"]: n
        for n in athena_manifest["nodes"].values()
        if n["resource_type"] in ("model", "seed")  # int_kmeans_centroids reads a seed
    }
    for name, frame in inputs.items():
        schema = nodes[name]["schema"]
        spark.sql(f"create database if not exists {schema}")
        frame.write.mode("overwrite").saveAsTable(f"{schema}.{name}")
    code_by_model = {}
    for name in models:
        node = nodes[name]
        spark.sql(f"create database if not exists {node['schema']}")
        location = data_root / node["schema"] / node["alias"] / str(uuid.uuid4())
        code = render_athena_calculation(
            node["compiled_code"], node["schema"], node["alias"], location, node["config"]
        )
        namespace: dict[str, Any] = {"spark": spark, "__name__": f"athena_calculation_{name}"}
        exec(compile(code, f"<dbt-athena calculation {name}>", "exec"), namespace)
        assert list(location.glob("*.snappy.parquet")), f"{name}: no Snappy Parquet written"
        code_by_model[name] = code
    return code_by_model


def written_table(spark: SparkSession, athena_manifest: dict, name: str) -> DataFrame:
    """The table a calculation wrote, read back from the local catalogue."""
    node = next(n for n in athena_manifest["nodes"].values() if n.get("name") == name)
    return spark.table(f"{node['schema']}.{node['alias']}")


# ---------------------------------------------------------------------------
# Comparing a Spark result with the DuckDB build
# ---------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and np.isnan(value):
        return None
    return value


def rows_of(frame: pd.DataFrame, keys: Iterable[str]) -> list[dict[str, Any]]:
    """Rows as dicts of plain Python values, sorted by ``keys``."""
    ordered = frame.sort_values(list(keys), kind="mergesort").reset_index(drop=True)
    return [
        {column: _plain(value) for column, value in record.items()}
        for record in ordered.astype(object).to_dict("records")
    ]


def assert_same_rows(
    actual: pd.DataFrame,
    expected: pd.DataFrame,
    keys: list[str],
    tolerance: float = 1e-9,
    relative: float = 0.0,
) -> None:
    """Same columns, same rows (by key order); floats within ``tolerance`` plus ``relative``
    times the expected magnitude (sums over many customers, added up in another order)."""
    assert list(actual.columns) == list(expected.columns)
    assert len(actual) == len(expected)
    for left, right in zip(rows_of(actual, keys), rows_of(expected, keys), strict=True):
        for column in expected.columns:
            a, b = left[column], right[column]
            if isinstance(a, float) or isinstance(b, float):
                assert (a is not None and b is not None) or a is b, (column, left, right)
                if a is not None:
                    allowed = tolerance + relative * abs(float(b))
                    assert abs(float(a) - float(b)) <= allowed, (column, a, b, left)
            else:
                assert a == b, (column, a, b, left)
