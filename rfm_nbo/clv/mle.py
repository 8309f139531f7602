"""Maximum likelihood on log-parameters, with standard errors and an honest convergence flag.

Both models (BG/NBD, Gamma-Gamma) have positive parameters, so the optimiser
works on their logs, inside bounds wide enough for any real shop (1e-8 to
1e8) and narrow enough that ``exp`` never overflows. A fit counts as converged
only when the optimiser says so, every parameter is finite and none sits on
a bound: a parameter running off to a bound means the data cannot identify
the model (e.g. nobody bought twice), and a number from such a fit would look
like an answer without being one.

Standard errors come from the observed information: the numerical Hessian
of the total negative log-likelihood in log-parameters at the optimum,
inverted, and carried to the parameters by the delta method
(se(theta) = theta * se(log theta)).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

LOG_BOUND = float(np.log(1e8))
# Central differences in log-parameters: a relative step of about 1e-4.
HESSIAN_STEP = 1e-4


@dataclass(frozen=True)
class MleFit:
    """The optimum of one model: estimates, standard errors (NaN when unavailable), status."""

    names: tuple[str, ...]
    estimates: np.ndarray
    standard_errors: np.ndarray
    log_likelihood: float
    customers: int
    converged: bool
    message: str


def fit_log_parameters(
    mean_log_likelihood: Callable[[np.ndarray], float],
    start: np.ndarray,
    names: tuple[str, ...],
    customers: int,
    gradient: Callable[[np.ndarray], tuple[float, np.ndarray]] | None = None,
) -> MleFit:
    """Maximise ``mean_log_likelihood(exp(log_params))`` from ``start`` (natural scale).

    ``customers`` (the weight behind the mean) turns the mean into the total
    for the log-likelihood and the standard errors. ``gradient``, when given,
    returns the mean and its gradient in log-parameters: the optimiser then
    needs no finite differences, and the Hessian is differenced from it.
    """

    def objective(log_params: np.ndarray) -> float:
        value = mean_log_likelihood(np.exp(log_params))
        return -value if np.isfinite(value) else 1e300

    def objective_and_gradient(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        value, slope = gradient(np.exp(log_params))  # type: ignore[misc]
        if not np.isfinite(value) or not np.all(np.isfinite(slope)):
            return 1e300, np.zeros_like(log_params)
        return -value, -slope

    bounds = [(-LOG_BOUND, LOG_BOUND)] * len(start)
    if gradient is None:
        result = minimize(objective, np.log(start), method="L-BFGS-B", bounds=bounds)
    else:
        result = minimize(
            objective_and_gradient, np.log(start), method="L-BFGS-B", jac=True, bounds=bounds
        )
    if not result.success:
        # L-BFGS-B stops on a tolerance it cannot meet near flat optima; a
        # derivative-free polish from where it stopped decides.
        result = minimize(
            objective,
            result.x,
            method="Nelder-Mead",
            bounds=bounds,
            options={"maxiter": 4000, "xatol": 1e-8, "fatol": 1e-12},
        )
    log_params = np.asarray(result.x, dtype=np.float64)
    estimates = np.exp(log_params)
    at_bound = np.abs(log_params) > LOG_BOUND - 1e-3
    # A likelihood that is nowhere finite gives a flat objective the
    # optimiser "converges" on at once: that is no fit.
    finite = bool(np.isfinite(result.fun)) and result.fun < 1e300
    converged = (
        bool(result.success) and finite and bool(np.all(np.isfinite(estimates)))
    ) and not at_bound.any()
    if not finite:
        message = "the log-likelihood is not finite anywhere the optimiser looked"
    elif at_bound.any():
        message = "not identifiable: " + ", ".join(np.array(names)[at_bound]) + " ran to a bound"
    else:
        message = str(result.message)
    total = -float(result.fun) * customers
    errors = None
    if converged:
        hessian = (
            _hessian_from_values(objective, log_params)
            if gradient is None
            else _hessian_from_gradients(objective_and_gradient, log_params)
        )
        errors = _standard_errors(hessian * customers)
    if errors is None:
        errors = np.full(len(names), np.nan)
    return MleFit(names, estimates, errors * estimates, total, customers, converged, message)


def _hessian_from_values(
    objective: Callable[[np.ndarray], float], log_params: np.ndarray
) -> np.ndarray:
    """Central second differences of the objective (four points per entry)."""
    size = len(log_params)
    hessian = np.empty((size, size))
    step = HESSIAN_STEP
    for i in range(size):
        for j in range(i, size):
            values = []
            for si, sj in ((1, 1), (1, -1), (-1, 1), (-1, -1)):
                point = log_params.copy()
                point[i] += si * step
                point[j] += sj * step
                values.append(objective(point))
            second = (values[0] - values[1] - values[2] + values[3]) / (4 * step * step)
            hessian[i, j] = hessian[j, i] = second
    return hessian


def _hessian_from_gradients(
    objective_and_gradient: Callable[[np.ndarray], tuple[float, np.ndarray]],
    log_params: np.ndarray,
) -> np.ndarray:
    """Central differences of the analytic gradient, symmetrised."""
    size = len(log_params)
    rows = []
    for i in range(size):
        up, down = log_params.copy(), log_params.copy()
        up[i] += HESSIAN_STEP
        down[i] -= HESSIAN_STEP
        rows.append(
            (objective_and_gradient(up)[1] - objective_and_gradient(down)[1]) / (2 * HESSIAN_STEP)
        )
    hessian = np.array(rows)
    return (hessian + hessian.T) / 2


def _standard_errors(hessian: np.ndarray) -> np.ndarray | None:
    """se of each log-parameter from the inverted total Hessian; None if not positive definite."""
    try:
        np.linalg.cholesky(hessian)
    except np.linalg.LinAlgError:
        return None
    return np.sqrt(np.diag(np.linalg.inv(hessian)))
