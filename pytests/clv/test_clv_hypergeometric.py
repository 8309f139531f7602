"""The BG/NBD forecast series against mpmath's hypergeometric function at 30 digits.

The reference evaluates the paper's eq. 10 as written (untransformed 2F1,
explicit 1 / (a - 1)), so it shares no code or algebra with the Euler-
transformed series under test.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

from rfm_nbo.clv.bgnbd import BgNbdParams, expected_purchases
from rfm_nbo.clv.hypergeometric import forecast_factor, hyp2f1_minus_one_over

mpmath.mp.dps = 30


def reference_forecast_factor(a: float, b: float, r: float, x: float, z: float) -> float:
    """[1 - (1 - z)^(r+x) 2F1(r+x, b+x; a+b+x-1; z)] / (a - 1), in 30-digit arithmetic."""
    a, b, r, x, z = (mpmath.mpf(v) for v in (a, b, r, x, z))
    value = 1 - (1 - z) ** (r + x) * mpmath.hyp2f1(r + x, b + x, a + b + x - 1, z)
    return float(value / (a - 1))


def reference_expected_purchases(
    params: BgNbdParams, x: float, t_x: float, age: float, horizon: float
) -> float:
    """Eq. 10 of Fader, Hardie and Lee (2005), term by term in mpmath."""
    r, alpha, a, b = (mpmath.mpf(v) for v in (params.r, params.alpha, params.a, params.b))
    x, t_x, age, t = (mpmath.mpf(v) for v in (x, t_x, age, horizon))
    z = t / (alpha + age + t)
    head = (a + b + x - 1) / (a - 1)
    body = 1 - ((alpha + age) / (alpha + age + t)) ** (r + x) * mpmath.hyp2f1(
        r + x, b + x, a + b + x - 1, z
    )
    alive = 1
    if x > 0:
        alive = 1 / (1 + a / (b + x - 1) * ((alpha + age) / (alpha + t_x)) ** (r + x))
    return float(head * body * alive)


# a < 1 and a > 1, rare and frequent buyers (x up to 300), z from 0.01 to 0.99.
@pytest.mark.parametrize("a", [0.35, 0.793, 1.7, 6.0])
@pytest.mark.parametrize("x", [0, 1, 7, 60, 300])
@pytest.mark.parametrize("z", [0.01, 0.5, 0.9, 0.99])
def test_forecast_factor_matches_mpmath(a: float, x: float, z: float) -> None:
    b, r = 2.426, 0.243
    ours = forecast_factor(a, b, r, np.array([x], dtype=float), np.array([z]))[0]
    assert ours == pytest.approx(reference_forecast_factor(a, b, r, x, z), rel=1e-11)


@pytest.mark.parametrize("a", [1.0, 1.0 + 1e-9, 1.0 - 1e-9])
def test_a_equal_to_one_is_the_limit_not_a_division_by_zero(a: float) -> None:
    # At a = 1 the factor is -ln(1 - z) - G with G the series at a = 1
    # (2F1(c1, 0; C; z) = 1, so the bracket is 0 / 0): compare with mpmath
    # just beside 1, where the 30-digit reference has no cancellation trouble.
    ours = forecast_factor(a, 2.0, 0.5, np.array([3.0]), np.array([0.6]))[0]
    expected = reference_forecast_factor(1.0 + 1e-12, 2.0, 0.5, 3.0, 0.6)
    assert np.isfinite(ours)
    assert ours == pytest.approx(expected, rel=1e-6)


def test_expected_purchases_match_equation_10_for_cdnow_like_customers() -> None:
    params = BgNbdParams(r=0.243, alpha=4.414, a=0.793, b=2.426)
    cases = [
        (0, 0.0, 38.86, 39.0),
        (2, 30.43, 38.86, 39.0),
        (50, 30.0, 38.0, 39.0),
        (200, 37.0, 38.0, 52.0),
    ]
    for x, t_x, age, horizon in cases:
        ours = expected_purchases(params, np.array([x]), np.array([t_x]), np.array([age]), horizon)
        expected = reference_expected_purchases(params, x, t_x, age, horizon)
        assert ours[0] == pytest.approx(expected, rel=1e-10), (x, t_x, age, horizon)


def test_a_new_customer_expects_equation_7() -> None:
    # E[X(t)] (eq. 7) = (a+b-1)/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b; a+b-1; t/(alpha+t))].
    params = BgNbdParams(r=0.243, alpha=4.414, a=0.793, b=2.426)
    t = 52.0
    expected = reference_expected_purchases(params, 0, 0.0, 0.0, t)
    ours = expected_purchases(params, np.zeros(1), np.zeros(1), np.zeros(1), t)[0]
    assert ours == pytest.approx(expected, rel=1e-10)


def test_series_rejects_z_outside_the_unit_interval() -> None:
    with pytest.raises(ValueError, match="0 <= z < 1"):
        hyp2f1_minus_one_over(0.5, 0.8, np.array([3.0]), np.array([1.0]))


def test_series_that_cannot_converge_says_why() -> None:
    with pytest.raises(ValueError, match="did not converge in 50 terms"):
        hyp2f1_minus_one_over(0.5, 0.8, np.array([3.0]), np.array([0.999]), max_terms=50)
