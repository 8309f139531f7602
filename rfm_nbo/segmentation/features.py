"""The feature matrix K-Means sees: log-transformed R, F, M plus optional extras, standardized.

Why logs: recency, frequency and monetary are long-tailed; on the raw scale a
handful of big spenders would own whole clusters. ``log1p`` keeps the order and
turns ratios into distances. Monetary (net revenue) can be zero or negative
after returns, so it is clipped at 0 before the log (a customer who returned
everything looks like one who spent nothing). Extra feature columns (var
``kmeans_extra_features``) are only standardized: we do not know their shape,
so log a long-tailed extra column (money, counts) in SQL before passing it.

Why store the scaler: the mean and standard deviation are fitted once, on the
sample, and saved in the centroid table, so every chunk of the assignment (and
every Spark executor) scales customers exactly as the fit did.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

BASE_FEATURES: tuple[str, ...] = ("recency_days", "frequency", "monetary")
"""The RFM columns every input must have; they are log-transformed."""

# A standard deviation below this is treated as a constant feature (std := 1).
_MIN_STD = 1e-12


def feature_names(extra_features: Sequence[str] = ()) -> tuple[str, ...]:
    """Return the model's features: the RFM base columns, then the extras in the given order."""
    clashes = sorted(set(extra_features) & set(BASE_FEATURES))
    if clashes:
        raise ValueError(
            f"var kmeans_extra_features repeats base feature(s) {', '.join(clashes)}: "
            "recency_days, frequency and monetary are always used"
        )
    return BASE_FEATURES + tuple(extra_features)


def require_columns(df: pd.DataFrame, columns: Sequence[str]) -> None:
    """Raise a ValueError listing every required column the input lacks."""
    missing = [column for column in columns if column not in df.columns]
    if missing:
        raise ValueError(
            f"customer input is missing column(s) {', '.join(missing)}; "
            f"found: {', '.join(map(str, df.columns))}"
        )


def numeric_features(df: pd.DataFrame, names: Sequence[str]) -> np.ndarray:
    """Return the named columns as an n x d float64 matrix, in original units.

    Raises a ValueError naming each column that is not numeric or holds NaN,
    null or infinite values: K-Means cannot place such a customer, and
    dropping the customer silently would break "every customer gets a cluster".
    Decimal columns (DuckDB/Spark ``decimal``) become float64.
    """
    require_columns(df, names)
    matrix = np.empty((len(df), len(names)), dtype=np.float64)
    problems = []
    for position, name in enumerate(names):
        try:
            values = df[name].astype("float64").to_numpy()
        except (TypeError, ValueError):
            problems.append(f"{name} (not numeric)")
            continue
        bad = int(np.count_nonzero(~np.isfinite(values)))
        if bad:
            problems.append(f"{name} ({bad} null/NaN/infinite value(s))")
        matrix[:, position] = values
    if problems:
        raise ValueError(
            "cannot cluster customers with missing or non-numeric features: "
            + "; ".join(problems)
            + ". Fix or filter these rows upstream (e.g. coalesce in the SQL model)."
        )
    return matrix


def log_transform(original: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """Apply ``log1p(max(x, 0))`` to the RFM base columns; leave extra columns as they are."""
    transformed = original.astype(np.float64, copy=True)
    for position, name in enumerate(names):
        if name in BASE_FEATURES:
            transformed[:, position] = np.log1p(np.maximum(transformed[:, position], 0.0))
    return transformed


def inverse_log_transform(transformed: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """Undo ``log_transform`` (``expm1`` on the base columns): centroids back in original units."""
    original = np.array(transformed, dtype=np.float64, copy=True)
    for position, name in enumerate(names):
        if name in BASE_FEATURES:
            original[:, position] = np.expm1(original[:, position])
    return original


@dataclass(frozen=True)
class Scaler:
    """Per-feature mean and standard deviation of the log-transformed sample.

    A constant feature (all customers equal) gets std 1, so it scales to 0
    instead of dividing by zero; it then plays no part in the distances.
    """

    feature_names: tuple[str, ...]
    means: tuple[float, ...]
    stds: tuple[float, ...]

    @classmethod
    def fit(cls, transformed: np.ndarray, names: Sequence[str]) -> Scaler:
        """Fit on a log-transformed matrix (population std, as scikit-learn's StandardScaler)."""
        if transformed.shape[0] == 0:
            raise ValueError("cannot fit the feature scaler on zero customers")
        means = transformed.mean(axis=0)
        stds = transformed.std(axis=0)
        stds = np.where(stds < _MIN_STD, 1.0, stds)
        return cls(
            feature_names=tuple(names),
            means=tuple(float(value) for value in means),
            stds=tuple(float(value) for value in stds),
        )

    def transform(self, transformed: np.ndarray) -> np.ndarray:
        """Standardize a log-transformed matrix."""
        return (transformed - np.asarray(self.means)) / np.asarray(self.stds)

    def inverse_transform(self, scaled: np.ndarray) -> np.ndarray:
        """Map standardized values back to the log-transformed scale."""
        return scaled * np.asarray(self.stds) + np.asarray(self.means)


def scaled_features(df: pd.DataFrame, scaler: Scaler) -> np.ndarray:
    """Customers' standardized feature matrix: validate, log-transform, scale."""
    names = scaler.feature_names
    return scaler.transform(log_transform(numeric_features(df, names), names))
