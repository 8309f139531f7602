"""BG/NBD and Gamma-Gamma maximum likelihood: the published CDNOW fit, planted truths, edges."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import mpmath
import numpy as np
import pandas as pd
import pytest
from clv_data import inputs_frame, simulated_bgnbd

from rfm_nbo.clv import bgnbd, gamma_gamma
from rfm_nbo.clv.bgnbd import BgNbdParams
from rfm_nbo.clv.fitting import fit_bgnbd, fit_gamma_gamma
from rfm_nbo.clv.gamma_gamma import GammaGammaParams
from rfm_nbo.clv.mle import fit_log_parameters

# Fader, Hardie and Lee (2005): BG/NBD on the 2,357-customer CDNOW sample,
# time in weeks, log-likelihood -9582.4; Gamma-Gamma on its 946 repeaters.
CDNOW_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
CDNOW_BGNBD_LOG_LIKELIHOOD = -9582.4
CDNOW_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "gamma": 15.44}
LIFETIMES_WHEEL = "lifetimes==0.11.3"
CDNOW_FILE = "lifetimes/datasets/cdnow_customers_summary_with_transactions.csv"


@pytest.fixture(scope="module")
def cdnow(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """The CDNOW summary (x, t_x, T in weeks, zbar) read from the lifetimes wheel, not imported."""
    folder = tmp_path_factory.mktemp("lifetimes_wheel")
    download = subprocess.run(
        [sys.executable, "-m", "pip", "download", LIFETIMES_WHEEL, "--no-deps", "-d", str(folder)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    wheels = list(Path(folder).glob("*.whl"))
    assert download.returncode == 0 and wheels, (
        "could not download the lifetimes wheel (the CDNOW data): " + download.stderr[-500:]
    )
    with zipfile.ZipFile(wheels[0]) as wheel:
        summary = pd.read_csv(io.BytesIO(wheel.read(CDNOW_FILE)))
    assert len(summary) == 2357
    return inputs_frame(
        summary["x"], summary["t_x"], summary["T"], summary["zbar"].where(summary["x"] > 0)
    )


def two_significant_digits(value: float) -> str:
    return f"{value:.2g}"


def test_cdnow_bgnbd_reproduces_the_published_fit(cdnow: pd.DataFrame) -> None:
    outcome = fit_bgnbd(cdnow, min_customers=50)
    assert outcome.status == "converged"
    fitted = dict(zip(bgnbd.PARAMETER_NAMES, outcome.fit.estimates, strict=True))
    for name, published in CDNOW_BGNBD.items():
        assert two_significant_digits(fitted[name]) == two_significant_digits(published), name
        assert fitted[name] == pytest.approx(published, rel=0.005), name
    assert outcome.fit.log_likelihood == pytest.approx(CDNOW_BGNBD_LOG_LIKELIHOOD, abs=0.1)
    assert outcome.fit.customers == 2357


def test_cdnow_in_days_scales_only_alpha(cdnow: pd.DataFrame) -> None:
    # The project measures time in days: x7 on every time leaves r, a, b and
    # multiplies alpha by 7 (alpha is a time scale).
    in_days = cdnow.assign(
        repeat_recency_days=cdnow["repeat_recency_days"] * 7,
        customer_age_days=cdnow["customer_age_days"] * 7,
    )
    weeks = fit_bgnbd(cdnow, 50).fit.estimates
    days = fit_bgnbd(in_days, 50).fit.estimates
    assert days / weeks == pytest.approx([1, 7, 1, 1], rel=1e-4)


def test_cdnow_gamma_gamma_reproduces_the_published_fit(cdnow: pd.DataFrame) -> None:
    outcome = fit_gamma_gamma(cdnow, min_customers=50)
    assert outcome.status == "converged"
    assert outcome.fit.customers == 946
    fitted = dict(zip(gamma_gamma.PARAMETER_NAMES, outcome.fit.estimates, strict=True))
    for name, published in CDNOW_GAMMA_GAMMA.items():
        assert two_significant_digits(fitted[name]) == two_significant_digits(published), name
        assert fitted[name] == pytest.approx(published, rel=0.005), name


def test_log_likelihood_matches_equation_6_without_logs() -> None:
    params = BgNbdParams(r=0.5, alpha=20.0, a=0.9, b=3.0)
    r, alpha, a, b = (mpmath.mpf(v) for v in (0.5, 20.0, 0.9, 3.0))
    for x, t_x, age in [(0, 0.0, 100.0), (1, 10.0, 100.0), (12, 80.0, 95.0)]:
        beta = mpmath.beta
        likelihood = (
            beta(a, b + x)
            / beta(a, b)
            * mpmath.gamma(r + x)
            * alpha**r
            / (mpmath.gamma(r) * (alpha + age) ** (r + x))
        )
        if x > 0:
            likelihood += (
                beta(a + 1, b + x - 1)
                / beta(a, b)
                * mpmath.gamma(r + x)
                * alpha**r
                / (mpmath.gamma(r) * (alpha + t_x) ** (r + x))
            )
        ours = bgnbd.log_likelihood(params, np.array([x]), np.array([t_x]), np.array([age]))[0]
        assert ours == pytest.approx(float(mpmath.log(likelihood)), rel=1e-12)


def test_probability_alive_by_hand() -> None:
    # r = alpha = a = 1, b = 2, x = 1, t_x = 1, T = 3:
    # 1 / (1 + a / (b + x - 1) * ((alpha + T) / (alpha + t_x))^(r + x)) = 1 / (1 + 1/2 * 4) = 1/3.
    params = BgNbdParams(r=1.0, alpha=1.0, a=1.0, b=2.0)
    alive = bgnbd.probability_alive(
        params, np.array([1.0, 0.0]), np.array([1.0, 0.0]), np.array([3.0, 3.0])
    )
    assert alive == pytest.approx([1 / 3, 1.0])


def test_planted_bgnbd_parameters_are_recovered_within_three_standard_errors() -> None:
    truth = {"r": 0.3, "alpha": 30.0, "a": 0.9, "b": 2.8}
    data = simulated_bgnbd(60_000, **truth, seed=7)
    outcome = fit_bgnbd(data, min_customers=50)
    assert outcome.status == "converged"
    for position, name in enumerate(bgnbd.PARAMETER_NAMES):
        error = outcome.fit.standard_errors[position]
        assert 0 < error < 0.2 * truth[name], name
        assert abs(outcome.fit.estimates[position] - truth[name]) < 3 * error, name


def test_planted_gamma_gamma_parameters_are_recovered_within_three_standard_errors() -> None:
    # nu ~ Gamma(q, rate gamma) per customer, each purchase ~ Gamma(p, rate nu).
    p, q, gamma = 4.0, 3.0, 40.0
    rng = np.random.default_rng(3)
    count = 20_000
    x = rng.integers(1, 8, count)
    nu = rng.gamma(q, 1 / gamma, count)
    # The mean of x purchases ~ Gamma(p x, rate nu x).
    mean_value = rng.gamma(p * x, 1 / (nu * x))
    outcome = fit_gamma_gamma(inputs_frame(x, x * 5.0, x * 10.0, mean_value), min_customers=50)
    assert outcome.status == "converged"
    for position, value in enumerate((p, q, gamma)):
        error = outcome.fit.standard_errors[position]
        assert abs(outcome.fit.estimates[position] - value) < 3 * error


def test_gamma_gamma_expectation_by_hand() -> None:
    # (gamma + m x) p / (p x + q - 1) = (15 + 20 * 2) * 6 / (12 + 3) = 22; population mean
    # p gamma / (q - 1) = 30 for a customer without a repeat; 0 when repeats net to <= 0.
    params = GammaGammaParams(p=6.0, q=4.0, gamma=15.0)
    value = gamma_gamma.expected_value(
        params, np.array([2.0, 0.0, 3.0]), np.array([20.0, np.nan, -4.0])
    )
    assert value == pytest.approx([22.0, 30.0, 0.0])


def test_too_few_customers_is_reported_not_fitted() -> None:
    outcome = fit_bgnbd(inputs_frame([1, 2, 0], [5, 9, 0], [10, 12, 20]), min_customers=50)
    assert outcome.status == "too_few_customers"
    assert "at least 50 customers" in outcome.message and outcome.fit is None


def test_nobody_bought_twice_is_reported() -> None:
    outcome = fit_bgnbd(inputs_frame([0] * 100, [0] * 100, np.arange(1, 101)), min_customers=50)
    assert outcome.status == "no_repeat_purchases"


def test_identical_customers_are_not_identifiable() -> None:
    outcome = fit_bgnbd(inputs_frame([2] * 100, [50] * 100, [100] * 100), min_customers=50)
    assert outcome.status == "not_identifiable"
    assert "1 distinct (x, t_x, T)" in outcome.message
    values = fit_gamma_gamma(inputs_frame([2] * 100, [50] * 100, [100] * 100, [10.0] * 100), 50)
    assert values.status == "not_identifiable"


def test_purchases_on_the_as_of_day_fit_with_zero_age() -> None:
    # T = 0 (a first purchase on the last day counted) is valid: likelihood 1 for that row.
    data = simulated_bgnbd(5_000, 0.3, 30.0, 0.9, 2.8, seed=1)
    newborn = inputs_frame([0] * 50, [0] * 50, [0] * 50)
    outcome = fit_bgnbd(
        pd.concat([data, newborn.assign(customer_id="n" + newborn["customer_id"])]), 50
    )
    assert outcome.status == "converged"
    params = BgNbdParams(*outcome.fit.estimates)
    assert bgnbd.log_likelihood(params, np.zeros(1), np.zeros(1), np.zeros(1))[0] == pytest.approx(
        0.0
    )


def test_heavy_tailed_values_without_a_mean_are_not_used() -> None:
    # q < 1: the population mean p gamma / (q - 1) does not exist.
    rng = np.random.default_rng(5)
    x = rng.integers(1, 6, 20_000)
    nu = rng.gamma(0.6, 1 / 40.0, 20_000)
    mean_value = rng.gamma(3.0 * x, 1 / (nu * x))
    outcome = fit_gamma_gamma(inputs_frame(x, x * 5.0, x * 10.0, mean_value), min_customers=50)
    assert outcome.status == "mean_value_undefined"


def test_a_likelihood_that_is_never_finite_is_not_converged() -> None:
    fit = fit_log_parameters(lambda values: float("nan"), np.ones(2), ("u", "v"), customers=10)
    assert not fit.converged
    assert "not finite" in fit.message
    assert np.isnan(fit.standard_errors).all()


def test_fast_likelihood_and_its_gradient_match_the_plain_formula() -> None:
    # The fit's per-distinct-value likelihood equals the weighted mean of the
    # per-customer one, and its gradient equals central differences of it.
    data = simulated_bgnbd(5_000, 0.3, 30.0, 0.9, 2.8, seed=8)
    x, t_x, age = (
        data[column].to_numpy()
        for column in ("repeat_frequency", "repeat_recency_days", "customer_age_days")
    )
    weights = np.arange(1, len(x) + 1, dtype=float)
    prepared = bgnbd.FitData(x, t_x, age, weights)
    point = np.array([0.4, 25.0, 0.7, 2.0])
    value, gradient = bgnbd.mean_log_likelihood(point, prepared, gradient=True)
    plain = bgnbd.log_likelihood(BgNbdParams(*point), x, t_x, age)
    assert value == pytest.approx(np.dot(weights, plain) / weights.sum(), rel=1e-12)
    step = 1e-6
    for position in range(4):
        up, down = np.log(point), np.log(point)
        up[position] += step
        down[position] -= step
        numeric = (
            bgnbd.mean_log_likelihood(np.exp(up), prepared)
            - bgnbd.mean_log_likelihood(np.exp(down), prepared)
        ) / (2 * step)
        assert gradient[position] == pytest.approx(numeric, rel=1e-5, abs=1e-9)
