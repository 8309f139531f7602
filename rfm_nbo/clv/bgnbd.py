"""BG/NBD (Fader, Hardie and Lee 2005): how many repeat purchases, and is the customer alive.

A customer buys at a Poisson rate lambda ~ Gamma(r, alpha) while alive, and
after each repeat purchase drops out with probability p ~ Beta(a, b). The data
per customer are x (repeat purchases), t_x (time of the last purchase) and T
(time since the first purchase), all measured from the first purchase; this
project measures time in days (README, "Churn risk and lifetime value").

The formulas are the paper's: the log-likelihood (eq. 6), P(alive) (eq. 11)
and the conditional expectation E[Y(t) | x, t_x, T] (eq. 10), whose
hypergeometric part comes from ``hypergeometric.forecast_factor``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import betaln, digamma, gammaln

from rfm_nbo.clv.hypergeometric import forecast_factor

PARAMETER_NAMES = ("r", "alpha", "a", "b")


@dataclass(frozen=True)
class BgNbdParams:
    """Fitted BG/NBD parameters; ``alpha`` is in the data's time unit (days here)."""

    r: float
    alpha: float
    a: float
    b: float

    def as_array(self) -> np.ndarray:
        """(r, alpha, a, b) as an array."""
        return np.array([self.r, self.alpha, self.a, self.b], dtype=np.float64)


def log_likelihood(
    params: BgNbdParams, x: np.ndarray, t_x: np.ndarray, age: np.ndarray
) -> np.ndarray:
    """Each customer's log-likelihood (eq. 6 of the paper, in logs for large x)."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    x = np.asarray(x, dtype=np.float64)
    base = gammaln(r + x) - gammaln(r) + r * np.log(alpha) - betaln(a, b)
    still_alive = betaln(a, b + x) - (r + x) * np.log(alpha + age)
    repeated = x > 0
    # log B(a + 1, b + x - 1) is only defined for x > 0; other rows never use it.
    dropped = np.where(
        repeated,
        betaln(a + 1, np.where(repeated, b + x - 1, 1.0)) - (r + x) * np.log(alpha + t_x),
        -np.inf,
    )
    return base + np.logaddexp(still_alive, dropped)


def probability_alive(
    params: BgNbdParams, x: np.ndarray, t_x: np.ndarray, age: np.ndarray
) -> np.ndarray:
    """P(alive at T | x, t_x, T) (eq. 11).

    It is 1 for x = 0: under BG/NBD a customer drops out only after a repeat purchase.
    """
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    x = np.asarray(x, dtype=np.float64)
    repeated = x > 0
    log_odds_dead = np.where(
        repeated,
        np.log(a)
        - np.log(np.where(repeated, b + x - 1, 1.0))
        + (r + x) * (np.log(alpha + age) - np.log(alpha + t_x)),
        -np.inf,
    )
    return 1.0 / (1.0 + np.exp(log_odds_dead))


def expected_purchases(
    params: BgNbdParams, x: np.ndarray, t_x: np.ndarray, age: np.ndarray, horizon: float
) -> np.ndarray:
    """E[Y(horizon) | x, t_x, T]: expected repeat purchases in the next ``horizon`` time units.

    With x = t_x = T = 0 it is E[X(t)] of a customer just acquired (eq. 7).
    """
    return expected_purchases_if_alive(params, x, age, horizon) * probability_alive(
        params, x, t_x, age
    )


def expected_purchases_if_alive(
    params: BgNbdParams, x: np.ndarray, age: np.ndarray, horizon: float
) -> np.ndarray:
    """E[Y(horizon)] of a customer known to be alive: eq. 10 without its P(alive) factor.

    It depends on x and T only, not on t_x.
    """
    if horizon < 0:
        raise ValueError("the forecast horizon must be >= 0")
    x = np.asarray(x, dtype=np.float64)
    age = np.asarray(age, dtype=np.float64)
    if horizon == 0:
        return np.zeros(np.broadcast(x, age).shape)
    z = horizon / (params.alpha + age + horizon)
    return (params.a + params.b + x - 1) * forecast_factor(params.a, params.b, params.r, x, z)


class FitData:
    """Customers prepared for fast likelihood evaluations during a fit.

    Every term of the log-likelihood depends on x alone (the Gamma and Beta
    functions) or on one time alone (the logarithms), so each is computed
    once per distinct value and gathered per row: a sample of 200,000
    customers holds a few hundred distinct x and times.
    """

    def __init__(self, x: np.ndarray, t_x: np.ndarray, age: np.ndarray, weights: np.ndarray):
        self.x_values, self.x_index = np.unique(
            np.asarray(x, dtype=np.float64), return_inverse=True
        )
        times, time_index = np.unique(
            np.concatenate([np.asarray(t_x, dtype=np.float64), np.asarray(age, dtype=np.float64)]),
            return_inverse=True,
        )
        self.times = times
        self.last_index, self.age_index = np.split(time_index.ravel(), 2)
        self.x_index = self.x_index.ravel()
        self.weights = np.asarray(weights, dtype=np.float64) / float(np.sum(weights))
        self.repeated = self.x_values[self.x_index] > 0


def mean_log_likelihood(
    values: np.ndarray, data: FitData, gradient: bool = False
) -> float | tuple[float, np.ndarray]:
    """The weighted mean of ``log_likelihood``; with ``gradient``, also its log-parameter gradient.

    With w the posterior weight of "dropped out after the last purchase" (the
    second term's share of the likelihood), the derivatives are
    d/dr = psi(r+x) - psi(r) + ln alpha - (1-w) ln(alpha+T) - w ln(alpha+t_x),
    d/dalpha = r/alpha - (r+x) [(1-w)/(alpha+T) + w/(alpha+t_x)],
    d/da = psi(a+b) - psi(a+b+x) + w/a,
    d/db = psi(a+b) - psi(b) - psi(a+b+x) + psi(b+x) - w/(b+x-1);
    each is multiplied by its parameter for the log scale.
    """
    r, alpha, a, b = (float(v) for v in values)
    xs, xi, repeated = data.x_values, data.x_index, data.repeated
    log_times = np.log(alpha + data.times)
    log_age, log_last = log_times[data.age_index], log_times[data.last_index]
    shape = (r + xs)[xi]
    survived = betaln(a, b + xs)[xi] - shape * log_age
    positive = xs > 0
    dropped_by_x = np.where(positive, betaln(a + 1, np.where(positive, b + xs - 1, 1.0)), -np.inf)
    dropped = dropped_by_x[xi] - shape * log_last
    total = np.logaddexp(survived, dropped)
    by_x = gammaln(r + xs) - gammaln(r) + r * np.log(alpha) - betaln(a, b)
    value = float(np.dot(data.weights, by_x[xi] + total))
    if not gradient:
        return value
    w = np.where(repeated, np.exp(dropped - total), 0.0)
    inverse_times = 1.0 / (alpha + data.times)
    d_r = (digamma(r + xs) - digamma(r))[xi] + np.log(alpha) - (1 - w) * log_age - w * log_last
    d_alpha = r / alpha - shape * (
        (1 - w) * inverse_times[data.age_index] + w * inverse_times[data.last_index]
    )
    d_a = (digamma(a + b) - digamma(a + b + xs))[xi] + w / a
    b_by_x = digamma(a + b) - digamma(b) - digamma(a + b + xs) + digamma(b + xs)
    inverse_b = np.where(positive, 1.0 / np.where(positive, b + xs - 1, 1.0), 0.0)
    d_b = b_by_x[xi] - w * inverse_b[xi]
    weights = data.weights
    grad = np.array(
        [
            r * np.dot(weights, d_r),
            alpha * np.dot(weights, d_alpha),
            a * np.dot(weights, d_a),
            b * np.dot(weights, d_b),
        ]
    )
    return value, grad
