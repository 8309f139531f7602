"""Features: log transform, clipping, validation with clear errors, scaling, settings from vars."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rfm_nbo.segmentation.features import (
    Scaler,
    feature_names,
    log_transform,
    numeric_features,
    scaled_features,
)
from rfm_nbo.segmentation.settings import KMeansSettings


def customers(**overrides: list) -> pd.DataFrame:
    data = {
        "customer_id": ["a", "b", "c"],
        "recency_days": [1, 10, 100],
        "frequency": [1, 2, 3],
        "monetary": [10.0, -5.0, 0.0],
    }
    data.update(overrides)
    return pd.DataFrame(data)


def test_base_features_are_log1p_and_monetary_is_clipped_at_zero() -> None:
    names = feature_names(("tenure_days",))
    frame = customers(tenure_days=[-3.0, 0.0, 5.0])
    transformed = log_transform(numeric_features(frame, names), names)
    np.testing.assert_allclose(transformed[:, 0], np.log1p([1, 10, 100]))
    np.testing.assert_allclose(transformed[:, 2], [np.log1p(10.0), 0.0, 0.0])
    # Extra features are standardized later but never logged.
    np.testing.assert_allclose(transformed[:, 3], [-3.0, 0.0, 5.0])


@pytest.mark.parametrize("column", ["recency_days", "monetary", "tenure_days"])
def test_nan_in_a_feature_is_a_value_error_naming_the_column(column: str) -> None:
    frame = customers(tenure_days=[1.0, 2.0, 3.0])
    frame[column] = frame[column].astype("float64")
    frame.loc[1, column] = np.nan
    with pytest.raises(ValueError, match=rf"{column} \(1 null/NaN/infinite"):
        numeric_features(frame, feature_names(("tenure_days",)))


def test_missing_and_non_numeric_columns_are_named() -> None:
    with pytest.raises(ValueError, match=r"missing column.*monetary"):
        numeric_features(customers().drop(columns=["monetary"]), feature_names())
    with pytest.raises(ValueError, match=r"frequency \(not numeric\)"):
        numeric_features(customers(frequency=["one", "two", "x"]), feature_names())


def test_extra_feature_may_not_repeat_a_base_feature() -> None:
    with pytest.raises(ValueError, match="kmeans_extra_features repeats base feature"):
        feature_names(("monetary",))


def test_scaler_standardizes_and_keeps_constant_features_finite() -> None:
    frame = customers(frequency=[1, 1, 1])
    names = feature_names()
    scaler = Scaler.fit(log_transform(numeric_features(frame, names), names), names)
    assert scaler.stds[1] == 1.0  # constant feature: std replaced, no division by zero
    scaled = scaled_features(frame, scaler)
    assert np.isfinite(scaled).all()
    np.testing.assert_allclose(scaled.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(scaled[:, 1], 0.0)
    np.testing.assert_allclose(scaled[:, [0, 2]].std(axis=0), 1.0)


def test_settings_from_vars_defaults_coercion_and_errors() -> None:
    assert KMeansSettings.from_vars({"kmeans_k": None, "kmeans_seed": None}) == KMeansSettings()
    settings = KMeansSettings.from_vars(
        {"kmeans_k": "5", "kmeans_extra_features": "aov, tenure_days", "kmeans_seed": 7}
    )
    assert (settings.k, settings.extra_features, settings.seed) == (5, ("aov", "tenure_days"), 7)
    listed = KMeansSettings.from_vars({"kmeans_extra_features": ["aov"]})
    assert listed.extra_features == ("aov",)
    with pytest.raises(ValueError, match="kmeans_k_max = 2 must be at least kmeans_k_min"):
        KMeansSettings.from_vars({"kmeans_k_min": 3, "kmeans_k_max": 2})
    with pytest.raises(ValueError, match="kmeans_n_init = 'ten' is not a valid value"):
        KMeansSettings.from_vars({"kmeans_n_init": "ten"})
    with pytest.raises(ValueError, match="unknown K-Means var"):
        KMeansSettings.from_vars({"kmeans_kk": 3})
