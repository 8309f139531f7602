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
from scipy.special import betaln, gammaln

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
    if horizon < 0:
        raise ValueError("the forecast horizon must be >= 0")
    x = np.asarray(x, dtype=np.float64)
    age = np.asarray(age, dtype=np.float64)
    if horizon == 0:
        return np.zeros(np.broadcast(x, age).shape)
    z = horizon / (params.alpha + age + horizon)
    factor = forecast_factor(params.a, params.b, params.r, x, z)
    alive = probability_alive(params, x, t_x, age)
    return (params.a + params.b + x - 1) * factor * alive
