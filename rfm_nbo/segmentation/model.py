"""The fitted cluster model and its round trip through the centroid table.

The centroid table (dbt model ``int_kmeans_centroids``) is the model: one row
per cluster with its id, name, centroid in original units, naming quality, and
the standardized centroid plus scaler parameters as JSON. The assignment step
(another dbt model, possibly another engine) rebuilds the exact same
``ClusterModel`` from it: Python's float repr round-trips bit for bit through
JSON, so assignments computed from the table equal those computed in memory.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from rfm_nbo.segmentation.features import Scaler, inverse_log_transform
from rfm_nbo.segmentation.schema import ColumnTypes, conform

MODEL_COLUMNS: tuple[str, ...] = (
    "feature_names_json",
    "centroid_scaled_json",
    "scaler_means_json",
    "scaler_stds_json",
)
"""Centroid-table columns that carry the model itself (the rest is for people)."""


def centroid_schema(feature_names: Sequence[str]) -> ColumnTypes:
    """Columns of the centroid table; the features (original units) sit after ``k``."""
    return [
        ("cluster_id", "int32"),
        ("cluster_name", "string"),
        ("k", "int32"),
        *[(name, "float64") for name in feature_names],
        ("r_percentile", "float64"),
        ("f_percentile", "float64"),
        ("m_percentile", "float64"),
        ("matched_prototype", "string"),
        ("match_distance", "float64"),
        ("closest_prototype", "string"),
        ("closest_prototype_distance", "float64"),
        ("is_descriptive_name", "bool"),
        ("naming_reason", "string"),
        ("sample_customers", "int64"),
        ("sample_share", "float64"),
        ("seed", "int64"),
        ("sample_size", "int64"),
        ("n_init", "int32"),
        *[(name, "string") for name in MODEL_COLUMNS],
    ]


@dataclass(frozen=True)
class ClusterModel:
    """Standardized centroids with their canonical ids and names, and the scaler they live in.

    Row i of ``centroids`` is cluster ``cluster_ids[i]`` named ``cluster_names[i]``;
    ids are 1..k in canonical order (see ``fitting.canonical_order``).
    """

    scaler: Scaler
    centroids: np.ndarray
    cluster_ids: tuple[int, ...]
    cluster_names: tuple[str, ...]

    @property
    def feature_names(self) -> tuple[str, ...]:
        """Features in model order: recency_days, frequency, monetary, then extras."""
        return self.scaler.feature_names

    @property
    def k(self) -> int:
        """Number of clusters."""
        return len(self.cluster_ids)

    def centroids_original_units(self) -> np.ndarray:
        """Centroids back in original units (k x d).

        For the log-transformed RFM columns this is ``expm1`` of the mean of
        ``log1p``: a geometric-style mean, closer to the typical member than
        the arithmetic mean of a long-tailed column would be.
        """
        transformed = self.scaler.inverse_transform(self.centroids)
        return inverse_log_transform(transformed, self.feature_names)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able form (for Spark broadcast variables and tests)."""
        return {
            "feature_names": list(self.feature_names),
            "means": list(self.scaler.means),
            "stds": list(self.scaler.stds),
            "centroids": [[float(value) for value in row] for row in self.centroids],
            "cluster_ids": list(self.cluster_ids),
            "cluster_names": list(self.cluster_names),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ClusterModel:
        """Inverse of ``to_dict``."""
        scaler = Scaler(
            feature_names=tuple(data["feature_names"]),
            means=tuple(float(value) for value in data["means"]),
            stds=tuple(float(value) for value in data["stds"]),
        )
        return cls(
            scaler=scaler,
            centroids=np.array(data["centroids"], dtype=np.float64).reshape(
                len(data["cluster_ids"]), len(scaler.feature_names)
            ),
            cluster_ids=tuple(int(value) for value in data["cluster_ids"]),
            cluster_names=tuple(str(value) for value in data["cluster_names"]),
        )

    @classmethod
    def from_centroid_table(cls, table: pd.DataFrame) -> ClusterModel:
        """Rebuild the model from the rows of ``int_kmeans_centroids`` (any row order)."""
        missing = [c for c in ("cluster_id", "cluster_name", *MODEL_COLUMNS) if c not in table]
        if missing:
            raise ValueError(f"centroid table lacks column(s) {', '.join(missing)}")
        if table.empty:
            raise ValueError("centroid table is empty: build int_kmeans_centroids first")
        rows = table.sort_values("cluster_id", kind="mergesort").reset_index(drop=True)
        for column in ("feature_names_json", "scaler_means_json", "scaler_stds_json"):
            if rows[column].nunique() != 1:
                raise ValueError(f"centroid table rows disagree on {column}: rebuild it")
        first = rows.iloc[0]
        return cls.from_dict(
            {
                "feature_names": json.loads(first["feature_names_json"]),
                "means": json.loads(first["scaler_means_json"]),
                "stds": json.loads(first["scaler_stds_json"]),
                "centroids": [json.loads(text) for text in rows["centroid_scaled_json"]],
                "cluster_ids": rows["cluster_id"].tolist(),
                "cluster_names": rows["cluster_name"].tolist(),
            }
        )


def centroid_table(
    model: ClusterModel,
    naming: pd.DataFrame,
    profiles: np.ndarray,
    sample_counts: Sequence[int],
    context: dict[str, object],
) -> pd.DataFrame:
    """One row per cluster: id, name, centroid in original units, naming quality, model JSON.

    ``naming`` is ``naming.naming_table`` (same cluster order), ``profiles``
    the k x 3 rank-space profiles, ``sample_counts`` the sampled customers per
    cluster, ``context`` run facts repeated on every row (k, seed, ...).
    """
    names = model.feature_names
    reserved = {name for name, _ in centroid_schema(())}
    clashes = sorted(set(names) & reserved)
    if clashes:
        raise ValueError(f"extra feature name(s) clash with centroid table columns: {clashes}")
    original = model.centroids_original_units()
    total = float(sum(sample_counts))
    table = pd.DataFrame(
        {
            "cluster_id": list(model.cluster_ids),
            "cluster_name": list(model.cluster_names),
            "k": model.k,
        }
    )
    for position, name in enumerate(names):
        table[name] = original[:, position]
    for position, dimension in enumerate(("r", "f", "m")):
        table[f"{dimension}_percentile"] = profiles[:, position]
    for column in naming.columns:
        if column != "cluster_name":
            table[column] = naming[column].to_numpy()
    table["sample_customers"] = list(sample_counts)
    table["sample_share"] = np.asarray(sample_counts, dtype=np.float64) / total
    for key, value in context.items():
        table[key] = value
    table["feature_names_json"] = json.dumps(list(names))
    table["centroid_scaled_json"] = [
        json.dumps([float(value) for value in row]) for row in model.centroids
    ]
    table["scaler_means_json"] = json.dumps(list(model.scaler.means))
    table["scaler_stds_json"] = json.dumps(list(model.scaler.stds))
    return conform(table, centroid_schema(names))
