"""Gamma-Gamma (Fader, Hardie and Lee 2005, "RFM and CLV"): what a customer's purchase is worth.

Each purchase's value is Gamma(p, nu) distributed around the customer's mean
p / nu, and nu ~ Gamma(q, gamma) across customers. Only customers with at
least one repeat purchase and a positive mean repeat value carry information
(the model is for positive values); everyone else gets the population mean
p * gamma / (q - 1) (README, "Churn risk and lifetime value").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import gammaln

PARAMETER_NAMES = ("p", "q", "gamma")


@dataclass(frozen=True)
class GammaGammaParams:
    """Fitted Gamma-Gamma parameters; ``gamma`` is in money units."""

    p: float
    q: float
    gamma: float

    @property
    def population_mean(self) -> float:
        """E[M] = p gamma / (q - 1); infinite when q <= 1 (the mean does not exist)."""
        return self.p * self.gamma / (self.q - 1) if self.q > 1 else float("inf")


def usable(x: np.ndarray, mean_value: np.ndarray) -> np.ndarray:
    """The customers the model fits: a repeat purchase and a positive, known mean value."""
    x = np.asarray(x, dtype=np.float64)
    mean_value = np.asarray(mean_value, dtype=np.float64)
    return (x > 0) & np.isfinite(mean_value) & (mean_value > 0)


def log_likelihood(params: GammaGammaParams, x: np.ndarray, mean_value: np.ndarray) -> np.ndarray:
    """Each usable customer's log-density of their mean repeat value given x."""
    p, q, gamma = params.p, params.q, params.gamma
    px = p * np.asarray(x, dtype=np.float64)
    m = np.asarray(mean_value, dtype=np.float64)
    return (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(gamma)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * np.log(gamma + m * x)
    )


def expected_value(params: GammaGammaParams, x: np.ndarray, mean_value: np.ndarray) -> np.ndarray:
    """E[M | x, mean value]: the weighted average (gamma + m x) p / (p x + q - 1).

    Customers the model does not fit (``usable`` false) get the population
    mean, except those whose repeat purchases net to zero or less: they get 0
    (a customer who returns what they buy is worth nothing per purchase).
    """
    x = np.asarray(x, dtype=np.float64)
    m = np.asarray(mean_value, dtype=np.float64)
    fitted = usable(x, m)
    conditional = (
        (params.gamma + np.where(fitted, m, 0.0) * x) * params.p / (params.p * x + params.q - 1)
    )
    non_positive = (x > 0) & np.isfinite(m) & (m <= 0)
    return np.where(fitted, conditional, np.where(non_positive, 0.0, params.population_mean))
