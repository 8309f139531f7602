"""Both Python models' Spark code paths, under local PySpark, on the demo data: the same
tables as the DuckDB build.

The inputs are the DuckDB build's tables handed to Spark with the types Athena's
tables have (monetary decimal(18, 2), counts integer, ids string). Two ways in:

1. ``model(dbt, session)`` with a fake ``dbt`` whose ``ref()`` returns Spark
   DataFrames and whose ``config.meta_get()`` returns the vars dbt rendered
   into the model's meta (read from the DuckDB build's manifest);
2. the very calculation dbt-athena 1.11 submits to Athena for Apache Spark:
   the Athena-compiled model code wrapped by dbt-athena's
   ``athena__py_save_table_as`` macro, run with ``exec`` against a local Spark
   catalogue (refs are ``spark.table('rfm_intermediate.<name>')``, the result
   is written with ``saveAsTable`` to a local path as Parquet/Snappy).

Run alone with ``pytest -m spark``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pyspark")

from pyspark.sql import DataFrame, SparkSession
from spark_support import (
    OUTPUT_KEYS,
    FakeSparkDbt,
    assert_same_rows,
    load_model,
    reference_table,
    run_athena_calculations,
    written_table,
)

from rfm_nbo.portability import builds
from rfm_nbo.segmentation.assignment import assignment_schema
from rfm_nbo.segmentation.model import centroid_schema
from rfm_nbo.segmentation.selection import DIAGNOSTICS_SCHEMA
from rfm_nbo.segmentation.spark import spark_schema

pytestmark = [
    pytest.mark.spark,
    # PySpark 3.5's own pandas/pyarrow version checks and astype(copy=) under pandas 3.
    pytest.mark.filterwarnings("ignore:distutils Version classes are deprecated"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]

PROJECT_DIR = Path(__file__).resolve().parents[2]
KMEANS_MODELS = ("int_kmeans_diagnostics", "int_kmeans_centroids", "int_customers_clustered")
FEATURES = ("recency_days", "frequency", "monetary")


# ---------------------------------------------------------------------------
# 1. model(dbt, session) with a fake dbt object
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def kmeans_on_spark(
    spark: SparkSession, inputs: dict[str, DataFrame], model_meta: dict[str, dict]
) -> dict[str, Any]:
    """The three K-Means models in dependency order; each result is the next one's ref."""
    tables: dict[str, Any] = dict(inputs)
    fakes = {}
    for name in KMEANS_MODELS:
        fakes[name] = FakeSparkDbt(tables, model_meta[name])
        tables[name] = load_model(name).model(fakes[name], spark)
    return {"tables": tables, "fakes": fakes}


@pytest.mark.parametrize("name", KMEANS_MODELS)
def test_kmeans_models_on_spark_equal_the_duckdb_build(
    name: str, kmeans_on_spark: dict[str, Any], reference_con, reference_build
) -> None:
    result = kmeans_on_spark["tables"][name]
    assert isinstance(result, DataFrame)  # what dbt-athena's materialize() writes as is
    assert_same_rows(
        result.toPandas(), reference_table(reference_con, reference_build, name), OUTPUT_KEYS[name]
    )


def test_kmeans_outputs_have_the_declared_spark_schemas(kmeans_on_spark: dict[str, Any]) -> None:
    tables = kmeans_on_spark["tables"]
    assert tables["int_kmeans_diagnostics"].schema == spark_schema(DIAGNOSTICS_SCHEMA)
    assert tables["int_kmeans_centroids"].schema == spark_schema(centroid_schema(FEATURES))
    assert tables["int_customers_clustered"].schema == spark_schema(assignment_schema(FEATURES))


def test_kmeans_models_read_what_the_manifest_says(
    kmeans_on_spark: dict[str, Any], reference_build: builds.ReferenceBuild
) -> None:
    nodes = reference_build.manifest()["nodes"]
    for name, fake in kmeans_on_spark["fakes"].items():
        parents = {
            parent.split(".")[-1]
            for parent in nodes[f"model.rfm_nbo.{name}"]["depends_on"]["nodes"]
        }
        assert set(fake.refs_read) == parents, name


def test_every_customer_is_assigned_once_on_spark(
    kmeans_on_spark: dict[str, Any], inputs: dict[str, DataFrame]
) -> None:
    clustered = kmeans_on_spark["tables"]["int_customers_clustered"]
    customers = inputs["int_customers_rfm_scored"]
    assert clustered.count() == customers.count()
    assert clustered.select("customer_id").distinct().count() == customers.count()
    # mapInPandas ran on executors over several partitions, not on the driver.
    assert customers.rdd.getNumPartitions() == 3


def test_offer_copy_on_spark_equals_the_duckdb_build(
    spark: SparkSession,
    inputs: dict[str, DataFrame],
    model_meta: dict[str, dict],
    reference_con,
    reference_build,
) -> None:
    meta = model_meta["int_segment_offer_copy"]
    assert meta["llm_provider"] == "template"  # the offline provider; Bedrock is stubbed elsewhere
    fake = FakeSparkDbt(inputs, meta)
    result = load_model("int_segment_offer_copy").model(fake, spark)
    assert isinstance(result, DataFrame)
    assert fake.config.calls == [{"materialized": "table", "schema": "intermediate"}]
    assert_same_rows(
        result.toPandas(),
        reference_table(reference_con, reference_build, "int_segment_offer_copy"),
        OUTPUT_KEYS["int_segment_offer_copy"],
    )


# ---------------------------------------------------------------------------
# 2. The calculation dbt-athena submits, run on local Spark
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def submitted(
    spark: SparkSession,
    inputs: dict[str, DataFrame],
    athena_manifest: dict,
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, str]:
    """Each Python model's Athena calculation in dependency order, on the local catalogue;
    returns model name -> the code submitted."""
    return run_athena_calculations(
        spark,
        inputs,
        athena_manifest,
        (*KMEANS_MODELS, "int_segment_offer_copy"),
        tmp_path_factory.mktemp("s3_data"),
    )


@pytest.mark.parametrize("name", [*KMEANS_MODELS, "int_segment_offer_copy"])
def test_dbt_athena_calculation_writes_the_duckdb_builds_table(
    name: str,
    spark: SparkSession,
    submitted: dict[str, str],
    athena_manifest: dict,
    reference_con,
    reference_build,
) -> None:
    written = written_table(spark, athena_manifest, name)
    assert_same_rows(
        written.toPandas(), reference_table(reference_con, reference_build, name), OUTPUT_KEYS[name]
    )


def test_the_calculation_is_what_athena_would_run(submitted: dict[str, str]) -> None:
    for name, code in submitted.items():
        assert code.lstrip().startswith("import pyspark"), name
        assert "def model(dbt" in code, name
        assert "materialize(spark, df, dbt.this)" in code, name
        assert '.option("compression", "snappy")' in code, name
