"""The naming prototypes as a dbt build has them: seed kmeans_name_prototypes, from its CSV."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from rfm_nbo.segmentation.prototypes import Prototype, prototypes_from_frame

SEED_PATH = (
    Path(__file__).resolve().parents[2] / "seeds" / "reference" / "kmeans_name_prototypes.csv"
)


# The seed's column_types (seeds/reference/_kmeans__seeds.yml), as Spark DDL.
SPARK_DDL = (
    "segment_name string, recency_percentile double, frequency_percentile double, "
    "monetary_percentile double, recency_direction string, frequency_direction string, "
    "monetary_direction string, is_best_cluster_only boolean"
)


def seed_frame() -> pd.DataFrame:
    """The seed's rows as dbt loads them: blank cells are nulls."""
    return pd.read_csv(SEED_PATH)


def seed_rows() -> list[list[object]]:
    """The seed's rows as plain Python values in SPARK_DDL's column order (None for blanks)."""
    frame = seed_frame()
    columns = [item.split()[0] for item in SPARK_DDL.split(", ")]
    plain = frame[columns].astype(object).where(frame[columns].notna(), None)
    return [[_native(value) for value in row] for row in plain.itertuples(index=False)]


def _native(value: object) -> object:
    """numpy scalars as Python ones (Spark's schema verifier wants plain types)."""
    return value.item() if hasattr(value, "item") else value


@lru_cache(maxsize=1)
def seed_prototypes() -> tuple[Prototype, ...]:
    """The prototypes every build names clusters with."""
    return prototypes_from_frame(seed_frame())
