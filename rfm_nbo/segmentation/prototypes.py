"""The naming prototypes: seed ``kmeans_name_prototypes``, read and checked.

Each row names a point of the rank space of ``naming`` (mean recency,
frequency and monetary percentiles; recency 1 = most recent) and, per
measure, the direction the name is about (``high``, ``low`` or blank). How
``naming`` uses them is its module doc.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

MEASURES: tuple[str, ...] = ("recency", "frequency", "monetary")
DIRECTIONS: tuple[str, ...] = ("high", "low")
PROTOTYPE_COLUMNS: tuple[str, ...] = (
    "segment_name",
    *[f"{measure}_percentile" for measure in MEASURES],
    *[f"{measure}_direction" for measure in MEASURES],
    "is_best_cluster_only",
)
"""Columns of seed kmeans_name_prototypes (any order; extra columns are ignored)."""


@dataclass(frozen=True)
class Prototype:
    """A named point in rank space and the measures (with their direction) the name is about.

    ``directions`` holds, per measure (recency, frequency, monetary), ``"high"``,
    ``"low"`` or ``None`` (the name is not about that measure). Recency is the
    recency percentile, 1 = most recent, so "recent" is ``"high"``.
    """

    name: str
    recency: float
    frequency: float
    monetary: float
    directions: tuple[str | None, str | None, str | None] = (None, None, None)
    is_best_cluster_only: bool = False

    def point(self) -> np.ndarray:
        """The prototype as an (r, f, m) vector."""
        return np.array([self.recency, self.frequency, self.monetary])

    def signs(self) -> np.ndarray:
        """+1 for a high measure, -1 for a low one, 0 for a measure the name is not about."""
        return np.array([{"high": 1.0, "low": -1.0, None: 0.0}[d] for d in self.directions])

    def about(self) -> list[int]:
        """Positions (0 = r, 1 = f, 2 = m) of the measures the name is about."""
        return [position for position, d in enumerate(self.directions) if d is not None]


def prototypes_from_frame(frame: pd.DataFrame) -> tuple[Prototype, ...]:
    """Read seed kmeans_name_prototypes (any engine's rows, as pandas) into prototypes.

    Validates what the rule needs and raises a ValueError naming the seed row
    otherwise: unique names, percentiles in [0, 1], directions ``high``,
    ``low`` or blank, and a best-cluster-only prototype about at least one
    measure. The result is sorted by name, so the engine's row order does not
    matter.
    """
    missing = [column for column in PROTOTYPE_COLUMNS if column not in frame.columns]
    if missing:
        raise ValueError(f"seed kmeans_name_prototypes lacks column(s) {', '.join(missing)}")
    if frame.empty:
        raise ValueError("seed kmeans_name_prototypes is empty: at least one prototype is needed")
    prototypes = []
    for record in frame[list(PROTOTYPE_COLUMNS)].to_dict("records"):
        name = _blank_to_none(record["segment_name"])
        if name is None:
            raise ValueError("seed kmeans_name_prototypes has a row without segment_name")
        point = []
        for measure in MEASURES:
            value = _blank_to_none(record[f"{measure}_percentile"])
            try:
                number = float(value)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                number = math.nan
            if not 0.0 <= number <= 1.0:
                raise ValueError(
                    f"seed kmeans_name_prototypes, {name}: {measure}_percentile must be "
                    f"a number in [0, 1], got {value!r}"
                )
            point.append(number)
        directions = []
        for measure in MEASURES:
            direction = _blank_to_none(record[f"{measure}_direction"])
            direction = None if direction is None else str(direction).strip().lower()
            if direction not in (None, *DIRECTIONS):
                raise ValueError(
                    f"seed kmeans_name_prototypes, {name}: {measure}_direction must be "
                    f"high, low or blank, got {record[f'{measure}_direction']!r}"
                )
            directions.append(direction)
        best_only = _as_bool(record["is_best_cluster_only"], name)
        if best_only and all(direction is None for direction in directions):
            raise ValueError(
                f"seed kmeans_name_prototypes, {name}: is_best_cluster_only needs at least "
                "one direction (best on what?)"
            )
        prototypes.append(
            Prototype(str(name), point[0], point[1], point[2], tuple(directions), best_only)  # type: ignore[arg-type]
        )
    names = [prototype.name for prototype in prototypes]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"seed kmeans_name_prototypes repeats segment_name {repeated}")
    return tuple(sorted(prototypes, key=lambda prototype: prototype.name))


def _blank_to_none(value: object) -> object:
    """None for null, NaN, pd.NA and empty strings (how engines return a blank seed cell)."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _as_bool(value: object, name: str) -> bool:
    """A seed boolean: True/False, 1/0 or the strings true/false (blank = false)."""
    value = _blank_to_none(value)
    if value is None:
        return False
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    text = str(value).strip().lower()
    if text in ("true", "1", "t", "yes"):
        return True
    if text in ("false", "0", "f", "no"):
        return False
    raise ValueError(
        f"seed kmeans_name_prototypes, {name}: is_best_cluster_only must be true or false, "
        f"got {value!r}"
    )
