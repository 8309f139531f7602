"""One local Spark session (local[2], loopback only) and one DuckDB build of the demo
data for the whole test session; the Python models' inputs as Spark DataFrames."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from rfm_nbo.portability import builds

PROJECT_DIR = Path(__file__).resolve().parents[2]

# The tables the Python models read (models and the naming seed), and the
# Python models' own outputs.
INPUTS = (
    "int_customers_rfm_scored",
    "int_segment_offer_briefs",
    "int_segment_offered_products",
    "kmeans_name_prototypes",
    "int_customer_clv_inputs",
    "int_clv_calibration_inputs",
)
OUTPUTS = (
    "int_kmeans_diagnostics",
    "int_kmeans_centroids",
    "int_customers_clustered",
    "int_segment_offer_copy",
    "int_clv_parameters",
    "int_customers_clv",
    "int_clv_calibration_expected",
)


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """local[2]; workers run this interpreter; a scratch warehouse for saveAsTable."""
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("Java is missing: `make test` installs it")
    from pyspark.sql import SparkSession

    warehouse = tmp_path_factory.mktemp("spark_warehouse")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PYSPARK_PYTHON", sys.executable)
        patch.setenv("SPARK_LOCAL_IP", "127.0.0.1")
        session = (
            SparkSession.builder.master("local[2]")
            .appName("rfm-nbo-spark-tests")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.sql.warehouse.dir", str(warehouse))
            .config("spark.executorEnv.PYTHONPATH", str(PROJECT_DIR))
            .getOrCreate()
        )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def reference_build(tmp_path_factory: pytest.TempPathFactory) -> builds.ReferenceBuild:
    """`dbt build` (seeds, models) of the demo data on DuckDB (shared with pytests/portability)."""
    return builds.shared(PROJECT_DIR, tmp_path_factory.mktemp("reference_build"))


@pytest.fixture(scope="session")
def reference_con(reference_build: builds.ReferenceBuild) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(reference_build.warehouse), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="session")
def inputs(
    spark: Any,
    reference_build: builds.ReferenceBuild,
    reference_con: duckdb.DuckDBPyConnection,
) -> dict[str, Any]:
    """The models' SQL inputs from the DuckDB build, as Spark DataFrames typed as on Athena
    (monetary decimal(18,2), ids string, counts int...), spread over 3 partitions."""
    from spark_support import duckdb_table_to_spark, reference_relation

    return {
        name: duckdb_table_to_spark(
            spark, reference_con, reference_relation(reference_build, name)
        ).repartition(3)
        for name in INPUTS
    }


@pytest.fixture(scope="session")
def model_meta(reference_build: builds.ReferenceBuild) -> dict[str, dict]:
    """Each Python model's config.meta as dbt rendered it (the vars the model reads)."""
    nodes = reference_build.manifest()["nodes"]
    return {name: dict(nodes[f"model.rfm_nbo.{name}"]["config"]["meta"]) for name in OUTPUTS}


@pytest.fixture(scope="session")
def athena_manifest(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The offline Athena compile's manifest (shared with pytests/portability)."""
    compiled = builds.shared_athena_compile(PROJECT_DIR, tmp_path_factory.mktemp("target_athena"))
    assert compiled.returncode == 0, compiled.output
    return compiled.manifest()
