"""The one-row parameter table (int_clv_parameters): fit it from a sample, read it back.

The table is the contract between the fit and the scoring models: the
parameters, their standard errors, log-likelihoods, sample sizes, each
model's status and the fallback purchase value, with ``time_unit = 'day'``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from rfm_nbo.clv import bgnbd, gamma_gamma
from rfm_nbo.clv.bgnbd import BgNbdParams
from rfm_nbo.clv.fitting import ModelFit, empirical_mean_value, fit_bgnbd, fit_gamma_gamma
from rfm_nbo.clv.gamma_gamma import GammaGammaParams
from rfm_nbo.clv.settings import ClvSettings
from rfm_nbo.segmentation.schema import ColumnTypes

PARAMETER_SCHEMA: ColumnTypes = [
    *[(name, "float64") for name in bgnbd.PARAMETER_NAMES],
    *[(f"{name}_se", "float64") for name in bgnbd.PARAMETER_NAMES],
    ("bgnbd_log_likelihood", "float64"),
    ("bgnbd_customers", "int64"),
    ("bgnbd_status", "string"),
    ("bgnbd_message", "string"),
    *[(name, "float64") for name in gamma_gamma.PARAMETER_NAMES],
    *[(f"{name}_se", "float64") for name in gamma_gamma.PARAMETER_NAMES],
    ("gamma_gamma_log_likelihood", "float64"),
    ("gamma_gamma_customers", "int64"),
    ("gamma_gamma_status", "string"),
    ("gamma_gamma_message", "string"),
    ("fallback_order_value", "float64"),
    ("population_customers", "int64"),
    ("sample_customers", "int64"),
    ("sample_seed", "int64"),
    ("time_unit", "string"),
]


def fit_parameters(
    sample: pd.DataFrame, population_customers: int, settings: ClvSettings
) -> pd.DataFrame:
    """Fit both models on ``sample`` and return the one-row parameter table."""
    row: dict[str, object] = {}
    purchases = fit_bgnbd(sample, settings.min_customers)
    row.update(_model_columns("bgnbd", bgnbd.PARAMETER_NAMES, purchases))
    row.update(
        _model_columns(
            "gamma_gamma",
            gamma_gamma.PARAMETER_NAMES,
            fit_gamma_gamma(sample, settings.min_customers),
        )
    )
    fallback = empirical_mean_value(sample)
    row.update(
        fallback_order_value=np.nan if fallback is None else fallback,
        population_customers=population_customers,
        sample_customers=len(sample),
        sample_seed=settings.seed,
        time_unit="day",
    )
    return pd.DataFrame([row])


def read_parameters(
    table: pd.DataFrame,
) -> tuple[BgNbdParams | None, GammaGammaParams | None, float | None]:
    """The usable models and the fallback value from int_clv_parameters (None = not usable)."""
    if len(table) != 1:
        raise ValueError(f"int_clv_parameters must have exactly one row, found {len(table)}")
    row = table.iloc[0]
    purchases = (
        BgNbdParams(*(float(row[name]) for name in bgnbd.PARAMETER_NAMES))
        if row["bgnbd_status"] == "converged"
        else None
    )
    values = (
        GammaGammaParams(*(float(row[name]) for name in gamma_gamma.PARAMETER_NAMES))
        if row["gamma_gamma_status"] == "converged"
        else None
    )
    fallback = float(row["fallback_order_value"])
    return purchases, values, None if math.isnan(fallback) else fallback


def _model_columns(prefix: str, names: tuple[str, ...], outcome: ModelFit) -> dict[str, object]:
    """A model's columns: estimates and standard errors (NaN without a fit), LL, size, status."""
    fit = outcome.fit
    estimates = fit.estimates if fit is not None else np.full(len(names), np.nan)
    errors = fit.standard_errors if fit is not None else np.full(len(names), np.nan)
    columns: dict[str, object] = {}
    for position, name in enumerate(names):
        columns[name] = float(estimates[position])
        columns[f"{name}_se"] = float(errors[position])
    columns[f"{prefix}_log_likelihood"] = fit.log_likelihood if fit is not None else np.nan
    columns[f"{prefix}_customers"] = fit.customers if fit is not None else 0
    columns[f"{prefix}_status"] = outcome.status
    columns[f"{prefix}_message"] = outcome.message
    return columns
