"""The Spark path in local mode gives exactly the pandas path's sample, fit and assignments.

Run alone with ``pytest -m spark``. One local[2] session serves the module;
it binds to the loopback address only.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from planted import planted_customers

pytestmark = pytest.mark.spark

pyspark = pytest.importorskip("pyspark")
if shutil.which("java") is None:
    pytest.skip("Java is missing: `make test` installs it", allow_module_level=True)

from dbt_fakes import FakeConfig, load_model  # noqa: E402
from pyspark.sql import SparkSession  # noqa: E402
from seed_prototypes import SPARK_DDL, seed_prototypes, seed_rows  # noqa: E402

from rfm_nbo.segmentation import (  # noqa: E402
    KMeansSettings,
    assign_customers,
    diagnose_k,
    draw_sample,
    fit_named_clusters,
)
from rfm_nbo.segmentation.assignment import assignment_schema  # noqa: E402
from rfm_nbo.segmentation.pipeline import chosen_k  # noqa: E402
from rfm_nbo.segmentation.spark import assign_spark, sample_spark, spark_schema  # noqa: E402

PROJECT_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    with pytest.MonkeyPatch.context() as patch:
        # Workers run this interpreter (the venv's pandas and pyarrow), bind to
        # loopback, and import rfm_nbo even when it is not pip-installed.
        patch.setenv("PYSPARK_PYTHON", sys.executable)
        patch.setenv("SPARK_LOCAL_IP", "127.0.0.1")
        session = (
            SparkSession.builder.master("local[2]")
            .appName("rfm-nbo-segmentation-tests")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.executorEnv.PYTHONPATH", str(PROJECT_DIR))
            .getOrCreate()
        )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def population() -> pd.DataFrame:
    return planted_customers(4_000, seed=21).drop(columns=["planted_type"])


@pytest.fixture(scope="module")
def customers_sdf(spark: SparkSession, population: pd.DataFrame):
    # Monetary as decimal, as Athena tables have it; spread over several partitions.
    frame = spark.createDataFrame(population).repartition(3)
    return frame.withColumn("monetary", frame["monetary"].cast("decimal(18,2)"))


def test_spark_sample_is_the_pandas_sample(customers_sdf, population: pd.DataFrame) -> None:
    settings = KMeansSettings(sample_size=1_000)
    from_spark = sample_spark(customers_sdf, settings)
    from_pandas = draw_sample(population, settings)
    assert from_spark["customer_id"].tolist() == from_pandas["customer_id"].tolist()
    pd.testing.assert_frame_equal(
        diagnose_k(from_spark, settings), diagnose_k(from_pandas, settings)
    )


def test_spark_assignments_equal_pandas_assignments(
    customers_sdf, population: pd.DataFrame
) -> None:
    settings = KMeansSettings(k=6, sample_size=1_000)
    model, _ = fit_named_clusters(
        sample_spark(customers_sdf, settings), 6, settings, seed_prototypes()
    )
    assigned = assign_spark(customers_sdf, model, chunk_size=300)
    assert assigned.schema == spark_schema(assignment_schema(model.feature_names))
    from_spark = assigned.toPandas().sort_values("customer_id").reset_index(drop=True)
    from_pandas = assign_customers(population, model)
    pd.testing.assert_frame_equal(from_spark, from_pandas, check_dtype=False)


def test_dbt_models_on_spark(spark: SparkSession, customers_sdf, population: pd.DataFrame) -> None:
    meta = {"kmeans_sample_size": 1_000, "kmeans_k_min": 5, "kmeans_k_max": 7}
    tables = {
        "int_customers_rfm_scored": customers_sdf,
        # A seed on Athena: a Parquet table with the seed's column_types.
        "kmeans_name_prototypes": spark.createDataFrame(seed_rows(), schema=SPARK_DDL),
    }

    class SparkDbt:
        config = FakeConfig(meta)

        @staticmethod
        def ref(name: str):
            return tables[name]

    for name in ("int_kmeans_diagnostics", "int_kmeans_centroids", "int_customers_clustered"):
        tables[name] = load_model(name).model(SparkDbt(), spark)

    settings = KMeansSettings(sample_size=1_000, k_min=5, k_max=7)
    sample = draw_sample(population, settings)
    diagnostics = diagnose_k(sample, settings)
    _, centroids = fit_named_clusters(
        sample, chosen_k(diagnostics, settings), settings, seed_prototypes()
    )

    built = tables["int_kmeans_diagnostics"].toPandas().sort_values("k").reset_index(drop=True)
    pd.testing.assert_frame_equal(built, diagnostics, check_dtype=False)
    built = tables["int_kmeans_centroids"].toPandas().sort_values("cluster_id")
    pd.testing.assert_frame_equal(built.reset_index(drop=True), centroids, check_dtype=False)
    clustered = tables["int_customers_clustered"]
    assert clustered.count() == len(population)
    assert clustered.select("customer_id").distinct().count() == len(population)
