"""Every customer to the nearest centroid, in bounded chunks.

Memory is one chunk (``chunk_size`` rows, default 200,000) times k, not the
customer count, so 10 million customers assign in the same memory as 200,000.
Distances are computed row by row with plain numpy broadcasting (no BLAS
matrix product, whose blocking can change the last bits with the chunk
shape), so a customer's cluster and distance are the same whatever chunk, or
Spark partition, it lands in. Ties go to the lowest cluster id.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np
import pandas as pd

from rfm_nbo.segmentation.features import log_transform, numeric_features, require_columns
from rfm_nbo.segmentation.model import ClusterModel
from rfm_nbo.segmentation.schema import ColumnTypes

DEFAULT_CHUNK_SIZE = 200_000
INTEGER_FEATURES = ("recency_days", "frequency")


def assignment_schema(feature_names: Iterable[str]) -> ColumnTypes:
    """Output columns and types: keys, cluster, distance, then the features in original units."""
    columns: ColumnTypes = [
        ("customer_id", "string"),
        ("cluster_id", "int32"),
        ("cluster_name", "string"),
        ("distance_to_centroid", "float64"),
    ]
    for name in feature_names:
        columns.append((name, "int64" if name in INTEGER_FEATURES else "float64"))
    return columns


def nearest_centroid(scaled: np.ndarray, centroids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (position of the nearest centroid, Euclidean distance to it) per row."""
    squared = np.empty((scaled.shape[0], centroids.shape[0]), dtype=np.float64)
    for position in range(centroids.shape[0]):
        squared[:, position] = ((scaled - centroids[position]) ** 2).sum(axis=1)
    nearest = squared.argmin(axis=1)
    return nearest, np.sqrt(squared[np.arange(scaled.shape[0]), nearest])


def assign_chunk(chunk: pd.DataFrame, model: ClusterModel) -> pd.DataFrame:
    """Assign one chunk of customers; columns and dtypes follow ``assignment_schema``."""
    names = model.feature_names
    require_columns(chunk, ("customer_id", *names))
    if chunk["customer_id"].isna().any():
        raise ValueError("customer_id is null for some customers: every customer needs an id")
    original = numeric_features(chunk, names)
    scaled = model.scaler.transform(log_transform(original, names))
    nearest, distance = nearest_centroid(scaled, model.centroids)
    ids = np.asarray(model.cluster_ids, dtype=np.int32)
    labels = np.asarray(model.cluster_names, dtype=object)
    result = pd.DataFrame(
        {
            "customer_id": np.asarray(chunk["customer_id"].astype(str), dtype=object),
            "cluster_id": ids[nearest],
            "cluster_name": labels[nearest],
            "distance_to_centroid": distance,
        }
    )
    for position, name in enumerate(names):
        values = original[:, position]
        result[name] = values.astype(np.int64) if name in INTEGER_FEATURES else values
    return result


def empty_assignments(model: ClusterModel) -> pd.DataFrame:
    """A zero-row result with the right columns and dtypes."""
    dtypes = {"string": object, "int32": np.int32, "int64": np.int64, "float64": np.float64}
    return pd.DataFrame(
        {
            name: pd.Series([], dtype=dtypes[kind])
            for name, kind in assignment_schema(model.feature_names)
        }
    )


def iter_assignments(
    chunks: Iterable[pd.DataFrame], model: ClusterModel, chunk_size: int = DEFAULT_CHUNK_SIZE
) -> Iterator[pd.DataFrame]:
    """Assign a stream of customer frames, re-cut so no piece exceeds ``chunk_size`` rows."""
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    for chunk in chunks:
        for start in range(0, len(chunk), chunk_size):
            yield assign_chunk(chunk.iloc[start : start + chunk_size], model)


def assign_customers(
    customers: pd.DataFrame, model: ClusterModel, chunk_size: int = DEFAULT_CHUNK_SIZE
) -> pd.DataFrame:
    """Assign every customer of an in-memory frame (one row per customer in, one out)."""
    parts = list(iter_assignments([customers], model, chunk_size))
    if not parts:
        return empty_assignments(model)
    return pd.concat(parts, ignore_index=True)
