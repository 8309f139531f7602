"""What the CLV dbt Python models do with ``dbt.ref()``, on DuckDB, Spark or pandas.

The same shape as the segmentation's engines (``rfm_nbo.segmentation.engines``,
whose helpers this reuses): the customer inputs are never loaded whole. On
DuckDB they are streamed in Arrow batches (the fit keeps a running bottom-k
sample, scoring returns an Arrow stream dbt-duckdb writes batch by batch);
on Spark the sample is drawn and the scoring runs on executors (``spark``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd

from rfm_nbo.clv.bgnbd import BgNbdParams
from rfm_nbo.clv.calibration import CALIBRATION_SCHEMA, expected_holdout
from rfm_nbo.clv.fitting import FIT_COLUMNS, fit_bgnbd
from rfm_nbo.clv.parameters import PARAMETER_SCHEMA, fit_parameters, read_parameters
from rfm_nbo.clv.scoring import INPUT_COLUMNS, SCORE_SCHEMA, iter_scores, score_chunk
from rfm_nbo.clv.settings import ClvSettings
from rfm_nbo.segmentation.engines import (
    arrow_schema,
    is_spark,
    iter_relation_chunks,
    to_model_output,
    to_pandas,
)
from rfm_nbo.segmentation.sampling import sample_customers, sample_customers_from_chunks


def fit_relation(inputs: Any, session: Any, settings: ClvSettings) -> Any:
    """int_clv_parameters from int_customer_clv_inputs: fit on the seeded sample, one row."""
    sample, population = _sample(inputs, settings)
    table = fit_parameters(sample, population, settings)
    return to_model_output(table, session, PARAMETER_SCHEMA)


def calibration_relation(
    inputs: Any, session: Any, settings: ClvSettings, holdout_days: int
) -> Any:
    """int_clv_calibration_expected: fit on the calibration inputs, expected holdout purchases."""
    sample, _ = _sample(inputs, settings)
    outcome = fit_bgnbd(sample, settings.min_customers)
    purchases = BgNbdParams(*outcome.fit.estimates) if outcome.usable else None
    status = outcome.status
    if is_spark(inputs):
        from rfm_nbo.clv.spark import expected_holdout_spark

        frame = expected_holdout_spark(inputs, purchases, holdout_days, status)
    else:
        chunks = _chunks(inputs, FIT_COLUMNS, settings)
        frame = expected_holdout(chunks, purchases, holdout_days, status)
    return to_model_output(frame, session, CALIBRATION_SCHEMA)


def score_relation(inputs: Any, parameters: Any, settings: ClvSettings) -> Any:
    """int_customers_clv: every customer scored; the engine's own kind of result."""
    purchases, values, fallback = read_parameters(to_pandas(parameters))
    if is_spark(inputs):
        from rfm_nbo.clv.spark import score_spark

        return score_spark(inputs, purchases, values, fallback, settings)
    if isinstance(inputs, pd.DataFrame):
        parts = list(iter_scores([inputs], purchases, values, fallback, settings))
        return (
            pd.concat(parts, ignore_index=True)
            if parts
            else score_chunk(inputs.head(0), purchases, values, fallback, settings)
        )
    import pyarrow as pa

    schema = arrow_schema(SCORE_SCHEMA)
    scores = iter_scores(
        _chunks(inputs, INPUT_COLUMNS, settings), purchases, values, fallback, settings
    )

    def batches() -> Iterator[Any]:
        for frame in scores:
            yield pa.RecordBatch.from_pandas(frame, schema=schema, preserve_index=False)

    return pa.RecordBatchReader.from_batches(schema, batches())


def _sample(inputs: Any, settings: ClvSettings) -> tuple[pd.DataFrame, int]:
    """The seeded bottom-k sample of the inputs and the number of customers it came from."""
    if is_spark(inputs):
        from rfm_nbo.clv.spark import sample_spark

        return sample_spark(inputs, settings)
    if isinstance(inputs, pd.DataFrame):
        frame = inputs[list(FIT_COLUMNS)]
        return sample_customers(frame, settings.fit_sample_size, settings.seed), len(frame)
    counted = 0

    def counting() -> Iterator[pd.DataFrame]:
        nonlocal counted
        for chunk in _chunks(inputs, FIT_COLUMNS, settings):
            counted += len(chunk)
            yield chunk

    try:
        sample = sample_customers_from_chunks(counting(), settings.fit_sample_size, settings.seed)
    except ValueError:
        if counted:
            raise
        # No customer at all: an empty sample, which the fit reports as too few.
        return pd.DataFrame(columns=list(FIT_COLUMNS)), 0
    return sample, counted


def _chunks(inputs: Any, columns: tuple[str, ...], settings: ClvSettings) -> Iterator[pd.DataFrame]:
    if isinstance(inputs, pd.DataFrame):
        yield inputs
        return
    yield from iter_relation_chunks(inputs, columns, settings.chunk_size)
