"""What ``dbt.ref()`` gives a Python model, turned into what the segmentation needs, and back.

dbt-duckdb hands over a DuckDB relation, dbt-athena (Athena for Apache Spark)
a Spark DataFrame; tests hand over pandas. Small tables (diagnostics,
centroids) become pandas. The customer table is never loaded whole: DuckDB
relations are streamed in Arrow batches (sampling keeps a running bottom-k,
assignment returns an Arrow stream that dbt-duckdb writes batch by batch),
and Spark DataFrames stay in Spark (``spark.py``).

Engines are recognised by duck typing (module name, methods), so neither
duckdb nor pyspark is imported unless that engine is in use.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import pandas as pd

from rfm_nbo.segmentation.assignment import assign_customers, assignment_schema, iter_assignments
from rfm_nbo.segmentation.model import ClusterModel
from rfm_nbo.segmentation.pipeline import draw_sample, input_columns
from rfm_nbo.segmentation.schema import ColumnTypes, conform
from rfm_nbo.segmentation.settings import KMeansSettings


def is_spark(obj: object) -> bool:
    """True for PySpark objects (DataFrame or SparkSession)."""
    return type(obj).__module__.startswith("pyspark.")


def to_pandas(relation: Any) -> pd.DataFrame:
    """A small relation as pandas: Spark ``toPandas``, DuckDB ``df``, pandas as is."""
    if isinstance(relation, pd.DataFrame):
        return relation
    if is_spark(relation):
        return relation.toPandas()
    return relation.df()


def iter_relation_chunks(
    relation: Any, columns: Sequence[str], chunk_size: int
) -> Iterator[pd.DataFrame]:
    """Stream the given columns of a DuckDB relation as pandas chunks of ``chunk_size`` rows."""
    missing = [column for column in columns if column not in relation.columns]
    if missing:
        raise ValueError(
            f"customer input is missing column(s) {', '.join(missing)}; "
            f"found: {', '.join(relation.columns)}"
        )
    projected = relation.project(", ".join(_quote(column) for column in columns))
    for batch in _arrow_reader(projected, chunk_size):
        yield batch.to_pandas()


def sample_relation(customers: Any, settings: KMeansSettings) -> pd.DataFrame:
    """The deterministic sample from any engine's relation (Spark collects only the sample)."""
    if is_spark(customers):
        from rfm_nbo.segmentation.spark import sample_spark

        return sample_spark(customers, settings)
    if isinstance(customers, pd.DataFrame):
        return draw_sample(customers, settings)
    chunks = iter_relation_chunks(customers, input_columns(settings), settings.chunk_size)
    return draw_sample(chunks, settings)


def assign_relation(customers: Any, model: ClusterModel, chunk_size: int) -> Any:
    """Assign every customer, returning what the engine's dbt materialization accepts.

    Spark: a Spark DataFrame (``mapInPandas``). DuckDB: a ``pyarrow.RecordBatchReader``
    that dbt-duckdb registers and writes without holding all rows. pandas: a DataFrame.
    """
    if is_spark(customers):
        from rfm_nbo.segmentation.spark import assign_spark

        return assign_spark(customers, model, chunk_size)
    if isinstance(customers, pd.DataFrame):
        return assign_customers(customers, model, chunk_size)
    columns = ("customer_id", *model.feature_names)
    chunks = iter_relation_chunks(customers, columns, chunk_size)
    return arrow_stream(iter_assignments(chunks, model, chunk_size), model)


def arrow_schema(columns: ColumnTypes) -> Any:
    """A ``pyarrow.Schema`` for engine-neutral column kinds."""
    import pyarrow as pa

    types = {
        "string": pa.string(),
        "int32": pa.int32(),
        "int64": pa.int64(),
        "float64": pa.float64(),
        "bool": pa.bool_(),
    }
    return pa.schema([(name, types[kind]) for name, kind in columns])


def arrow_stream(frames: Iterable[pd.DataFrame], model: ClusterModel) -> Any:
    """Wrap assignment frames as a ``pyarrow.RecordBatchReader`` with the fixed output schema."""
    import pyarrow as pa

    schema = arrow_schema(assignment_schema(model.feature_names))

    def batches() -> Iterator[Any]:
        for frame in frames:
            yield pa.RecordBatch.from_pandas(frame, schema=schema, preserve_index=False)

    return pa.RecordBatchReader.from_batches(schema, batches())


def to_model_output(frame: pd.DataFrame, session: Any, columns: ColumnTypes) -> Any:
    """A small pandas result with the declared column types, as the engine's writer takes it.

    Spark: a Spark DataFrame. Otherwise (DuckDB) a ``pyarrow.Table``: Arrow
    carries the declared type even for an all-null column, which a pandas
    frame cannot tell every DuckDB version.
    """
    if is_spark(session):
        from rfm_nbo.segmentation.spark import pandas_to_spark

        return pandas_to_spark(session, frame, columns)
    import pyarrow as pa

    return pa.Table.from_pandas(
        conform(frame, columns), schema=arrow_schema(columns), preserve_index=False
    )


def _arrow_reader(relation: Any, batch_size: int) -> Any:
    """The relation as a RecordBatchReader, whatever the DuckDB version calls it."""
    for method in ("to_arrow_reader", "fetch_arrow_reader", "fetch_record_batch"):
        if hasattr(relation, method):
            return getattr(relation, method)(batch_size)
    raise TypeError(f"cannot stream {type(relation).__name__}: expected a DuckDB relation")


def _quote(identifier: str) -> str:
    """Double-quote an identifier for DuckDB."""
    return '"' + identifier.replace('"', '""') + '"'
