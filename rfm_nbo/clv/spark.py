"""The Spark path of the CLV models: sample in Spark, fit on the driver, score on executors.

Mirrors ``rfm_nbo.segmentation.spark`` (same Spark 3.2 constraints:
``mapInPandas``, no type-hinted pandas UDFs): the seeded bottom-k sample is the
one the pandas path draws, and executors run the very ``score_chunk`` and
``expected_holdout`` functions the DuckDB path runs, with the parameters
shipped as plain floats.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from rfm_nbo.clv.bgnbd import BgNbdParams
from rfm_nbo.clv.calibration import expected_holdout
from rfm_nbo.clv.fitting import AGE_DAYS, FIT_COLUMNS, LAST_REPEAT_DAY, REPEATS
from rfm_nbo.clv.gamma_gamma import GammaGammaParams
from rfm_nbo.clv.scoring import INPUT_COLUMNS, SCORE_SCHEMA, iter_scores
from rfm_nbo.clv.settings import ClvSettings
from rfm_nbo.segmentation.spark import bottom_k_spark, spark_schema


def typed_inputs(inputs: DataFrame, columns: tuple[str, ...]) -> DataFrame:
    """customer_id as string and the other columns (all numbers) as double, decimals included."""
    missing = [column for column in columns if column not in inputs.columns]
    if missing:
        raise ValueError(f"CLV input is missing column(s) {', '.join(missing)}")
    return inputs.select(
        F.col("customer_id").cast("string").alias("customer_id"),
        *[F.col(name).cast("double").alias(name) for name in columns if name != "customer_id"],
    )


def sample_spark(inputs: DataFrame, settings: ClvSettings) -> tuple[pd.DataFrame, int]:
    """The seeded sample and the customer count, as the pandas path computes them."""
    from rfm_nbo.segmentation.sampling import sample_customers

    typed = typed_inputs(inputs, FIT_COLUMNS)
    kept = bottom_k_spark(typed, settings.fit_sample_size, settings.seed)
    population = typed.count()
    if kept.empty:
        return kept, population
    return sample_customers(kept, settings.fit_sample_size, settings.seed), population


def score_spark(
    inputs: DataFrame,
    purchases: BgNbdParams | None,
    values: GammaGammaParams | None,
    fallback: float | None,
    settings: ClvSettings,
) -> DataFrame:
    """Every customer's scores as a Spark DataFrame (``SCORE_SCHEMA`` columns)."""
    typed = typed_inputs(inputs, INPUT_COLUMNS)

    def score(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        yield from iter_scores(batches, purchases, values, fallback, settings)

    return typed.mapInPandas(score, spark_schema(SCORE_SCHEMA))


def expected_holdout_spark(
    inputs: DataFrame, purchases: BgNbdParams | None, holdout_days: int, status: str
) -> pd.DataFrame:
    """Per-partition sums on executors, added up on the driver (a few dozen rows each)."""
    from rfm_nbo.clv.calibration import CALIBRATION_SCHEMA

    typed = typed_inputs(inputs, (REPEATS, LAST_REPEAT_DAY, AGE_DAYS))

    def partial(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        yield _object_strings(expected_holdout(batches, purchases, holdout_days, status))

    parts = typed.mapInPandas(partial, spark_schema(CALIBRATION_SCHEMA)).toPandas()
    if parts.empty:
        return expected_holdout([], purchases, holdout_days, status)
    keys = ["breakdown", "bucket"]
    sums = parts.groupby(keys, as_index=False, sort=False)[
        ["customers", "expected_repeat_purchases"]
    ].sum(min_count=1)
    first = parts.drop(columns=["customers", "expected_repeat_purchases"]).drop_duplicates(keys)
    return first.merge(sums, on=keys)[[name for name, _ in CALIBRATION_SCHEMA]]


def _object_strings(frame: pd.DataFrame) -> pd.DataFrame:
    """String columns as plain object columns before mapInPandas serialises them.

    pandas 3 keeps strings in Arrow arrays, and a frame built by ``pd.concat``
    holds them chunked, which PySpark's Arrow writer rejects ("Expected Array,
    got ChunkedArray"); object columns convert on every pandas (1.4 on Athena).
    """
    strings = [name for name in frame.columns if not pd.api.types.is_numeric_dtype(frame[name])]
    return frame.astype({name: object for name in strings})
