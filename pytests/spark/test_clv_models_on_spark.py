"""The three CLV Python models' Spark code paths, under local PySpark, on the demo data: the
same tables as the DuckDB build.

``int_clv_parameters`` draws its seeded bottom-k sample in Spark (the very rows,
in the very order, the DuckDB path keeps) and fits on the driver, so its
parameters equal the DuckDB build's to rounding; ``int_customers_clv`` reads
that one-row table back and scores every customer on executors
(``mapInPandas``); ``int_clv_calibration_expected`` fits on the calibration
inputs and sums the expected holdout purchases per partition on executors,
added up on the driver. The inputs are spread over 3 partitions, so the sums
really are partial.

Two ways in, as for the K-Means models (``test_python_models_on_spark``): a
fake ``dbt`` whose ``ref()`` returns Spark DataFrames, and the exact
calculation dbt-athena 1.11 submits to Athena for Apache Spark, run with
``exec`` against the local Spark catalogue (``int_customers_clv`` then reads
the ``int_clv_parameters`` table the previous calculation wrote).
"""

from __future__ import annotations

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

from rfm_nbo.clv.calibration import CALIBRATION_SCHEMA
from rfm_nbo.clv.parameters import PARAMETER_SCHEMA
from rfm_nbo.clv.scoring import SCORE_SCHEMA
from rfm_nbo.portability import builds
from rfm_nbo.segmentation.spark import spark_schema

pytestmark = [
    pytest.mark.spark,
    # PySpark 3.5's own pandas/pyarrow version checks and astype(copy=) under pandas 3.
    pytest.mark.filterwarnings("ignore:distutils Version classes are deprecated"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]

# Dependency order: int_customers_clv reads int_clv_parameters.
CLV_MODELS = ("int_clv_parameters", "int_customers_clv", "int_clv_calibration_expected")
# Relative tolerance on floats (plus assert_same_rows' 1e-9 absolute). The fit sees the
# same sample in the same order (its parameters come out bit-identical), each customer's
# score is the same arithmetic on other batches (measured: 4e-16), and the calibration
# adds per-partition sums in another order than DuckDB's one pass (measured: 2e-15). A
# sample drawn in another order would move the fit by far more than this.
RELATIVE = 1e-12
FIT_PARAMETERS = ("r", "alpha", "a", "b", "p", "q", "gamma")


def _declared_schemas() -> dict[str, Any]:
    return {
        "int_clv_parameters": spark_schema(PARAMETER_SCHEMA),
        "int_customers_clv": spark_schema(SCORE_SCHEMA),
        "int_clv_calibration_expected": spark_schema(CALIBRATION_SCHEMA),
    }


# ---------------------------------------------------------------------------
# 1. model(dbt, session) with a fake dbt object
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def clv_on_spark(
    spark: SparkSession, inputs: dict[str, DataFrame], model_meta: dict[str, dict]
) -> dict[str, Any]:
    """The three CLV models in dependency order; each result is the next one's ref."""
    tables: dict[str, Any] = dict(inputs)
    fakes = {}
    for name in CLV_MODELS:
        fakes[name] = FakeSparkDbt(tables, model_meta[name])
        tables[name] = load_model(name).model(fakes[name], spark)
    return {"tables": tables, "fakes": fakes}


@pytest.mark.parametrize("name", CLV_MODELS)
def test_clv_models_on_spark_equal_the_duckdb_build(
    name: str, clv_on_spark: dict[str, Any], reference_con, reference_build
) -> None:
    result = clv_on_spark["tables"][name]
    assert isinstance(result, DataFrame)  # what dbt-athena's materialize() writes as is
    assert_same_rows(
        result.toPandas(),
        reference_table(reference_con, reference_build, name),
        OUTPUT_KEYS[name],
        relative=RELATIVE,
    )


def test_both_fits_converged_on_the_same_sample(
    clv_on_spark: dict[str, Any], inputs: dict[str, DataFrame], reference_con, reference_build
) -> None:
    """The equality above means something: both engines fitted, on the same customers."""
    (spark_row,) = clv_on_spark["tables"]["int_clv_parameters"].toPandas().to_dict("records")
    (duckdb_row,) = reference_table(reference_con, reference_build, "int_clv_parameters").to_dict(
        "records"
    )
    assert spark_row["bgnbd_status"] == duckdb_row["bgnbd_status"] == "converged"
    assert spark_row["gamma_gamma_status"] == duckdb_row["gamma_gamma_status"] == "converged"
    population = inputs["int_customer_clv_inputs"].count()
    for key in ("population_customers", "sample_customers", "bgnbd_customers", "sample_seed"):
        assert spark_row[key] == duckdb_row[key], key
    assert spark_row["population_customers"] == population
    for key in FIT_PARAMETERS:
        assert spark_row[key] == pytest.approx(duckdb_row[key], rel=RELATIVE, abs=0), key
    (calibration_status,) = {
        row["bgnbd_status"]
        for row in clv_on_spark["tables"]["int_clv_calibration_expected"].collect()
    }
    assert calibration_status == "converged"


def test_clv_outputs_have_the_declared_spark_schemas(clv_on_spark: dict[str, Any]) -> None:
    for name, schema in _declared_schemas().items():
        assert clv_on_spark["tables"][name].schema == schema, name


def test_clv_models_read_what_the_manifest_says(
    clv_on_spark: dict[str, Any], reference_build: builds.ReferenceBuild
) -> None:
    nodes = reference_build.manifest()["nodes"]
    for name, fake in clv_on_spark["fakes"].items():
        parents = {
            parent.split(".")[-1]
            for parent in nodes[f"model.rfm_nbo.{name}"]["depends_on"]["nodes"]
        }
        assert set(fake.refs_read) == parents, name
        assert fake.config.calls == [{"materialized": "table"}], name


def test_every_customer_is_scored_once_on_executors(
    clv_on_spark: dict[str, Any], inputs: dict[str, DataFrame]
) -> None:
    scored = clv_on_spark["tables"]["int_customers_clv"]
    customers = inputs["int_customer_clv_inputs"]
    assert scored.count() == customers.count()
    assert scored.select("customer_id").distinct().count() == customers.count()
    # Scoring is a mapInPandas over the inputs' partitions, not a collect to the driver.
    assert customers.rdd.getNumPartitions() == 3
    assert "MapInPandas" in scored._jdf.queryExecution().executedPlan().toString()


def test_calibration_counts_every_calibration_customer(
    clv_on_spark: dict[str, Any], inputs: dict[str, DataFrame]
) -> None:
    """The per-partition sums add up: each bucket's customers, and every week counts all."""
    rows = clv_on_spark["tables"]["int_clv_calibration_expected"].toPandas()
    customers = inputs["int_clv_calibration_inputs"].count()
    by_frequency = rows[rows["breakdown"] == "calibration_frequency"]
    by_week = rows[rows["breakdown"] == "holdout_week"]
    assert int(by_frequency["customers"].sum()) == customers
    assert set(by_week["customers"]) == {customers}
    # Both breakdowns split the same expected holdout purchases.
    assert by_week["expected_repeat_purchases"].sum() == pytest.approx(
        by_frequency["expected_repeat_purchases"].sum(), rel=1e-9
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
    return run_athena_calculations(
        spark, inputs, athena_manifest, CLV_MODELS, tmp_path_factory.mktemp("s3_data_clv")
    )


@pytest.mark.parametrize("name", CLV_MODELS)
def test_dbt_athena_calculation_writes_the_duckdb_builds_table(
    name: str,
    spark: SparkSession,
    submitted: dict[str, str],
    athena_manifest: dict,
    reference_con,
    reference_build,
) -> None:
    written = written_table(spark, athena_manifest, name)
    assert written.schema == _declared_schemas()[name]
    assert_same_rows(
        written.toPandas(),
        reference_table(reference_con, reference_build, name),
        OUTPUT_KEYS[name],
        relative=RELATIVE,
    )


def test_the_clv_calculations_read_their_refs_from_the_catalogue(
    submitted: dict[str, str], athena_manifest: dict
) -> None:
    """dbt-athena resolves each ref to a catalogue table ("<catalog>"."<schema>"."<table>",
    read with spark.table): int_customers_clv read the table int_clv_parameters wrote."""
    nodes = {n["name"]: n for n in athena_manifest["nodes"].values() if "name" in n}
    for name, code in submitted.items():
        assert "materialize(spark, df, dbt.this)" in code, name
        for parent in nodes[name]["depends_on"]["nodes"]:
            parent_node = athena_manifest["nodes"][parent]
            relation = f'\\"{parent_node["schema"]}\\".\\"{parent_node["alias"]}\\"'
            assert relation in code, (name, relation)
