"""The Spark path: sample in Spark, fit in pandas, assign on executors with ``mapInPandas``.

On Athena for Apache Spark ``dbt.ref()`` is a Spark DataFrame with every
customer. Only the sample reaches the driver: executors add the seeded
customer_id hash (the very function the pandas path uses, inside
``mapInPandas``, so both engines keep the same rows), and
``orderBy(hash, customer_id).limit(n)`` keeps the bottom n, which Spark plans as
a per-partition top-n and a small merge. The fit then runs on the driver with
the pandas functions. Assignment ships the model to executors as a broadcast
variable (plain JSON-able dict: centroids and scaler parameters) and runs the
same ``iter_assignments`` per Arrow batch, so every customer gets exactly the
cluster and distance the pandas path gives.

Compatibility with Spark 3.2 (Athena PySpark engine v3): ``mapInPandas``
rather than type-hinted ``pandas_udf`` (3.2 reads the hints without resolving
``from __future__ import annotations`` strings), and the session is taken from
``sql_ctx`` where ``DataFrame.sparkSession`` (3.3+) is missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from rfm_nbo.segmentation.assignment import assignment_schema, iter_assignments
from rfm_nbo.segmentation.model import ClusterModel
from rfm_nbo.segmentation.pipeline import draw_sample, input_columns
from rfm_nbo.segmentation.sampling import SAMPLE_HASH_COLUMN, customer_hash
from rfm_nbo.segmentation.schema import ColumnTypes
from rfm_nbo.segmentation.settings import KMeansSettings

_SPARK_TYPES = {
    "string": T.StringType(),
    "int32": T.IntegerType(),
    "int64": T.LongType(),
    "float64": T.DoubleType(),
    "bool": T.BooleanType(),
}


def spark_schema(columns: ColumnTypes) -> T.StructType:
    """A Spark schema for engine-neutral column kinds (all nullable)."""
    return T.StructType([T.StructField(name, _SPARK_TYPES[kind], True) for name, kind in columns])


def session_of(frame: DataFrame) -> SparkSession:
    """The DataFrame's SparkSession on Spark 3.2 and later."""
    session = getattr(frame, "sparkSession", None)
    return session if session is not None else frame.sql_ctx.sparkSession


def typed_input(customers: DataFrame, feature_names: tuple[str, ...]) -> DataFrame:
    """customer_id as string and every feature as double (decimals included)."""
    columns = ["customer_id", *feature_names]
    missing = [column for column in columns if column not in customers.columns]
    if missing:
        raise ValueError(
            f"customer input is missing column(s) {', '.join(missing)}; "
            f"found: {', '.join(customers.columns)}"
        )
    return customers.select(
        F.col("customer_id").cast("string").alias("customer_id"),
        *[F.col(name).cast("double").alias(name) for name in feature_names],
    )


def sample_spark(customers: DataFrame, settings: KMeansSettings) -> pd.DataFrame:
    """The same deterministic sample ``pipeline.draw_sample`` draws, computed in Spark."""
    typed = typed_input(customers, input_columns(settings)[1:])
    kept = bottom_k_spark(typed, settings.sample_size, settings.seed)
    # Same rows as the pandas path; draw_sample puts them in the canonical order.
    return draw_sample(kept, settings)


def bottom_k_spark(typed: DataFrame, sample_size: int, seed: int) -> pd.DataFrame:
    """The ``sample_size`` rows of smallest (seeded customer_id hash, customer_id), as pandas.

    Executors add the hash (``sampling.customer_hash``, the pandas path's own
    function), so every engine keeps the same customers.
    """
    hashed_schema = T.StructType(
        [*typed.schema.fields, T.StructField(SAMPLE_HASH_COLUMN, T.LongType())]
    )

    def add_hash(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            batch[SAMPLE_HASH_COLUMN] = customer_hash(batch["customer_id"], seed)
            yield batch

    return (
        typed.mapInPandas(add_hash, hashed_schema)
        .orderBy(SAMPLE_HASH_COLUMN, "customer_id")
        .limit(sample_size)
        .drop(SAMPLE_HASH_COLUMN)
        .toPandas()
    )


def assign_spark(customers: DataFrame, model: ClusterModel, chunk_size: int) -> DataFrame:
    """Every customer's cluster as a Spark DataFrame (``assignment_schema`` columns)."""
    typed = typed_input(customers, model.feature_names)
    broadcast = session_of(customers).sparkContext.broadcast(model.to_dict())

    def assign_batches(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        local_model = ClusterModel.from_dict(broadcast.value)
        yield from iter_assignments(batches, local_model, chunk_size)

    return typed.mapInPandas(assign_batches, spark_schema(assignment_schema(model.feature_names)))


def pandas_to_spark(session: SparkSession, frame: pd.DataFrame, columns: ColumnTypes) -> DataFrame:
    """A small pandas table as a Spark DataFrame with the declared schema; NaN becomes null."""
    names = [name for name, _ in columns]
    rows = [[_native(value) for value in row] for row in frame[names].itertuples(index=False)]
    return session.createDataFrame(rows, schema=spark_schema(columns))


def _native(value: Any) -> Any:
    """numpy scalars to Python ones, NaN/NA to None (Spark's verifier wants plain types)."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and np.isnan(value):
        return None
    return value
