"""Fit BG/NBD and Gamma-Gamma on a sample of the model inputs, and say how each fit went.

Every outcome has a status (converged, not_converged, not_identifiable,
too_few_customers, no_repeat_purchases, mean_value_undefined) and, when the
fit is not usable, a log warning saying what the build does instead: BG/NBD's
scores are null with churn_risk_band 'unknown'; without Gamma-Gamma a
customer's purchase value is their own mean repeat value, else the shop's
mean purchase-day value. Nothing becomes NaN silently.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rfm_nbo.clv import bgnbd, gamma_gamma
from rfm_nbo.clv.gamma_gamma import GammaGammaParams
from rfm_nbo.clv.mle import MleFit, fit_log_parameters

logger = logging.getLogger(__name__)

# Input columns (int_customer_clv_inputs): x, t_x and T in days, the mean
# value of the repeat purchase days and of all purchase days.
REPEATS, LAST_REPEAT_DAY, AGE_DAYS, REPEAT_MEAN, PURCHASE_MEAN = (
    "repeat_frequency",
    "repeat_recency_days",
    "customer_age_days",
    "repeat_mean_value",
    "purchase_mean_value",
)
# What the fit reads from int_customer_clv_inputs.
FIT_COLUMNS = ("customer_id", REPEATS, LAST_REPEAT_DAY, AGE_DAYS, REPEAT_MEAN, PURCHASE_MEAN)


@dataclass(frozen=True)
class ModelFit:
    """One model's outcome: ``fit`` is None when there was nothing to fit."""

    status: str
    fit: MleFit | None
    message: str

    @property
    def usable(self) -> bool:
        """True when the parameters may be used to score customers."""
        return self.status == "converged"


def require_input_columns(frame: pd.DataFrame) -> None:
    """Raise naming the columns a CLV input frame lacks."""
    columns = (REPEATS, LAST_REPEAT_DAY, AGE_DAYS, REPEAT_MEAN, PURCHASE_MEAN)
    missing = [column for column in columns if column not in frame]
    if missing:
        raise ValueError(f"CLV input is missing column(s) {', '.join(missing)}")


def fit_bgnbd(sample: pd.DataFrame, min_customers: int) -> ModelFit:
    """BG/NBD on (x, t_x, T); identical rows are fitted once with their count as weight."""
    require_input_columns(sample)
    if len(sample) < min_customers:
        return _failed(
            "too_few_customers",
            f"BG/NBD needs at least {min_customers} customers (var clv_min_customers), "
            f"found {len(sample)}",
        )
    data = sample[[REPEATS, LAST_REPEAT_DAY, AGE_DAYS]].to_numpy(dtype=np.float64)
    if not np.any(data[:, 0] > 0):
        return _failed(
            "no_repeat_purchases",
            "BG/NBD cannot be fitted: no customer has bought on two different days",
        )
    rows, weights = np.unique(data, axis=0, return_counts=True)
    if len(rows) <= len(bgnbd.PARAMETER_NAMES):
        return _too_alike("BG/NBD", len(rows), "(x, t_x, T)", len(bgnbd.PARAMETER_NAMES))
    x, age = rows[:, 0], rows[:, 2]
    prepared = bgnbd.FitData(x, rows[:, 1], age, weights)

    def mean_log_likelihood(values: np.ndarray) -> float:
        return bgnbd.mean_log_likelihood(values, prepared)  # type: ignore[return-value]

    def with_gradient(values: np.ndarray) -> tuple[float, np.ndarray]:
        return bgnbd.mean_log_likelihood(values, prepared, gradient=True)  # type: ignore[return-value]

    mean_rate = float(np.dot(weights, x) / np.dot(weights, np.maximum(age, 1.0)))
    start = np.array([1.0, 1.0 / max(mean_rate, 1e-6), 1.0, 1.0])
    fit = fit_log_parameters(
        mean_log_likelihood, start, bgnbd.PARAMETER_NAMES, len(sample), gradient=with_gradient
    )
    return _outcome("BG/NBD", fit)


def fit_gamma_gamma(sample: pd.DataFrame, min_customers: int) -> ModelFit:
    """Gamma-Gamma on the customers with a repeat purchase and a positive mean repeat value."""
    require_input_columns(sample)
    x = sample[REPEATS].to_numpy(dtype=np.float64)
    mean_value = sample[REPEAT_MEAN].to_numpy(dtype=np.float64, na_value=np.nan)
    keep = gamma_gamma.usable(x, mean_value)
    if keep.sum() < min_customers:
        return _failed(
            "too_few_customers",
            f"Gamma-Gamma needs at least {min_customers} customers with a repeat purchase of "
            f"positive value (var clv_min_customers), found {int(keep.sum())}",
        )
    x, mean_value = x[keep], mean_value[keep]
    count = len(x)
    distinct = len(np.unique(np.column_stack([x, mean_value]), axis=0))
    if distinct <= len(gamma_gamma.PARAMETER_NAMES):
        return _too_alike(
            "Gamma-Gamma", distinct, "(x, mean value)", len(gamma_gamma.PARAMETER_NAMES)
        )

    def mean_log_likelihood(values: np.ndarray) -> float:
        params = GammaGammaParams(*values)
        return float(gamma_gamma.log_likelihood(params, x, mean_value).sum() / count)

    start = np.array([1.0, 2.0, float(np.mean(mean_value))])
    fit = fit_log_parameters(mean_log_likelihood, start, gamma_gamma.PARAMETER_NAMES, count)
    outcome = _outcome("Gamma-Gamma", fit)
    if outcome.usable and fit.estimates[1] <= 1:
        return _failed(
            "mean_value_undefined",
            f"Gamma-Gamma fitted q = {fit.estimates[1]:.3g} <= 1: the population mean order "
            "value does not exist, so no expectation is used",
            fit,
        )
    return outcome


def empirical_mean_value(sample: pd.DataFrame) -> float | None:
    """Mean value of a purchase day across all customers' days (the Gamma-Gamma fallback)."""
    days = sample[REPEATS].to_numpy(dtype=np.float64) + 1
    mean_value = sample[PURCHASE_MEAN].to_numpy(dtype=np.float64, na_value=np.nan)
    known = np.isfinite(mean_value)
    if not known.any():
        return None
    return float(np.dot(days[known], mean_value[known]) / days[known].sum())


def _outcome(model: str, fit: MleFit) -> ModelFit:
    if fit.converged and np.isnan(fit.standard_errors).any():
        # Not a strict maximum: the likelihood is flat in some direction
        # (e.g. every repeat purchase worth the same), so the point the
        # optimiser stopped at is one of many.
        return _failed(
            "not_identifiable",
            f"{model} cannot be identified from these customers: the likelihood is flat in "
            "some direction at the optimum (information matrix not positive definite)",
            fit,
        )
    if fit.converged:
        return ModelFit("converged", fit, fit.message)
    return _failed(
        "not_converged",
        f"{model} fit did not converge ({fit.message}); its scores are not used",
        fit,
    )


def _too_alike(model: str, distinct: int, inputs: str, parameters: int) -> ModelFit:
    # Identical customers give a likelihood without a peak: the optimiser
    # stops somewhere on a ridge and the numbers would mean nothing.
    return _failed(
        "not_identifiable",
        f"{model} cannot be fitted: the customers have only {distinct} distinct {inputs} "
        f"combination(s), too few to identify {parameters} parameters",
    )


def _failed(status: str, message: str, fit: MleFit | None = None) -> ModelFit:
    logger.warning("CLV: %s", message)
    return ModelFit(status, fit, message)
