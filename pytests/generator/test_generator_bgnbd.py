"""--purchase-process bgnbd: customers buy exactly as BG/NBD says, and the
planted truth lets a test (or a model) check a fit against the known parameters.

Expected values come from the model, not from earlier output: the mean number
of repeats and the share without any from BG/NBD's closed forms, the planted
lambda and p from the Gamma and Beta means, and a maximum-likelihood fit of
the BG/NBD likelihood to the truth's (x, t_x, T). Tolerances are 4 standard
errors (the fit's from its observed information), so a correct generator fails
about once in 16,000 runs per check, and these seeds are fixed anyway.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from pathlib import Path

import numpy as np
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest
from conftest import run_cli
from generator_recount import read_rows, recount
from scipy.optimize import minimize
from scipy.special import betaln, gammaln, hyp2f1

from rfm_nbo.generator.cli import main
from rfm_nbo.generator.params import GeneratorParams
from rfm_nbo.generator.schema import TABLES

R, ALPHA, A, B = 0.3, 30.0, 0.9, 2.8
BGNBD = ["--purchase-process", "bgnbd", "--bgnbd-params", f"{R},{ALPHA},{A},{B}"]
Z = 4.0
DAY = 86_400


def _seconds(values: list[str]) -> np.ndarray:
    return np.array(values, dtype="datetime64[s]").astype(np.int64)


@pytest.fixture(scope="module")
def large_truth(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The truth folder of 50,000 BG/NBD customers (only the truth is read)."""
    root = tmp_path_factory.mktemp("bgnbd_large")
    run_cli(root / "data", root / "truth", "--customers", "50000", "--seed", "11",
            "--format", "parquet", "--defects-per-class", "0", *BGNBD)  # fmt: skip
    return root / "truth"


@pytest.fixture(scope="module")
def large(large_truth: Path) -> dict[str, np.ndarray]:
    """The per-customer truth of the large run: x, t_x and T in days, lambda and p."""
    table = pa_csv.read_csv(large_truth / "bgnbd_customers.csv").to_pydict()
    born = _seconds(table["born_at"])
    return {
        "x": np.array(table["repeat_purchases"]),
        "t_x": (_seconds(table["last_purchase_at"]) - born) / DAY,
        "T": np.array(table["age_days"]),
        "lambda": np.array(table["lambda_per_day"]),
        "p": np.array(table["dropout_p"]),
        "x_days": np.array(table["repeat_purchase_days"]),
    }


def test_mean_repeats_match_the_bgnbd_closed_form(large: dict[str, np.ndarray]) -> None:
    """E[X(T)] = (a+b-1)/(a-1) [1 - (alpha/(alpha+T))^r 2F1(r, b; a+b-1; T/(alpha+T))]
    (Fader, Hardie & Lee 2005, eq. 9), averaged over the customers' own ages."""
    x, age = large["x"], large["T"]
    expected = (
        (A + B - 1)
        / (A - 1)
        * (1 - (ALPHA / (ALPHA + age)) ** R * hyp2f1(R, B, A + B - 1, age / (ALPHA + age)))
    )
    # The sample variance of x also holds the spread of ages: a conservative SE.
    se = x.std(ddof=1) / np.sqrt(len(x))
    assert abs(x.mean() - expected.mean()) < Z * se
    assert 0.5 < expected.mean() < 3  # the check has something to check


def test_share_without_repeats_matches_the_model(large: dict[str, np.ndarray]) -> None:
    """No dropout before the first repeat, so X(T) = 0 exactly when the Poisson
    process has no event in T: P = E[exp(-lambda T)] = (alpha/(alpha+T))^r."""
    x, age = large["x"], large["T"]
    p_none = (ALPHA / (ALPHA + age)) ** R
    se = np.sqrt((p_none * (1 - p_none)).sum()) / len(x)
    assert abs((x == 0).mean() - p_none.mean()) < Z * se


def test_planted_lambda_and_p_have_the_gamma_and_beta_means(
    large: dict[str, np.ndarray],
) -> None:
    lam, p = large["lambda"], large["p"]
    n = len(lam)
    # Gamma(shape r, rate alpha): mean r/alpha, sd sqrt(r)/alpha.
    assert abs(lam.mean() - R / ALPHA) < Z * np.sqrt(R) / ALPHA / np.sqrt(n)
    # Beta(a, b): mean a/(a+b), variance ab/((a+b)^2 (a+b+1)).
    sd = np.sqrt(A * B / ((A + B) ** 2 * (A + B + 1)))
    assert abs(p.mean() - A / (A + B)) < Z * sd / np.sqrt(n)


def _bgnbd_negative_log_likelihood(
    log_params: np.ndarray, x: np.ndarray, t_x: np.ndarray, age: np.ndarray
) -> float:
    """Minus the BG/NBD log-likelihood (Fader, Hardie & Lee 2005, eq. 6)."""
    r, alpha, a, b = np.exp(log_params)
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) - betaln(a, b)
    alive = betaln(a, b + x) - (r + x) * np.log(alpha + age)
    dropped = np.full(len(x), -np.inf)
    repeat = x > 0
    dropped[repeat] = betaln(a + 1, b + x[repeat] - 1) - (r + x[repeat]) * np.log(
        alpha + t_x[repeat]
    )
    return float(-(common + np.logaddexp(alive, dropped)).sum())


def test_a_bgnbd_fit_recovers_the_planted_parameters(large: dict[str, np.ndarray]) -> None:
    """Maximum likelihood on (x, t_x, T) from the truth, in log parameters (bounded
    to e^-5..e^8, far from the planted values, so the first step cannot run off);
    each estimate within 4 standard errors (inverse of the observed information)."""
    data = (large["x"], large["t_x"], large["T"])
    fit = minimize(
        lambda log_params: _bgnbd_negative_log_likelihood(log_params, *data) / len(data[0]),
        np.zeros(4),
        method="L-BFGS-B",
        bounds=[(-5.0, 8.0)] * 4,
    )
    assert fit.success, fit.message
    step = 1e-3
    shifts = np.eye(4) * step
    hessian = np.array(
        [
            [
                (
                    _bgnbd_negative_log_likelihood(fit.x + shifts[i] + shifts[j], *data)
                    - _bgnbd_negative_log_likelihood(fit.x + shifts[i] - shifts[j], *data)
                    - _bgnbd_negative_log_likelihood(fit.x - shifts[i] + shifts[j], *data)
                    + _bgnbd_negative_log_likelihood(fit.x - shifts[i] - shifts[j], *data)
                )
                / (4 * step**2)
                for j in range(4)
            ]
            for i in range(4)
        ]
    )
    se = np.sqrt(np.diag(np.linalg.inv(hessian)))
    planted = np.log([R, ALPHA, A, B])
    assert (np.abs(fit.x - planted) < Z * se).all(), (np.exp(fit.x), se)
    assert (se < 0.2).all()  # 50,000 customers pin every parameter within ~20%


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CSV run with the default planted defects (the recount removes them)."""
    root = tmp_path_factory.mktemp("bgnbd_small")
    run_cli(root / "data", root / "truth", "--customers", "2000", "--seed", "4", *BGNBD)
    return root


def test_truth_matches_the_clean_orders(small: Path) -> None:
    """Each customer's clean orders are the birth plus the repeats: all completed,
    the first at born_at, the last at last_purchase_at, on 1 + repeat_purchase_days
    distinct UTC days; and truth.json adds up the per-customer file."""
    truth = {row["customer_id"]: row for row in read_rows(small / "truth" / "bgnbd_customers.csv")}
    clean = recount(small / "data", max_valid_at=datetime.now()).clean
    orders = [row for row in clean["orders"] if row["customer_id"]]
    by_customer: dict[str, list[str]] = {}
    for row in orders:
        by_customer.setdefault(str(row["customer_id"]), []).append(str(row["ordered_at"]))

    assert {row["status"] for row in orders} == {"completed"}
    assert set(by_customer) == set(truth) == {row["customer_id"] for row in clean["customers"]}
    for customer, times in by_customer.items():
        planted = truth[customer]
        assert len(times) == 1 + int(str(planted["repeat_purchases"])), customer
        assert min(times) == planted["born_at"] and max(times) == planted["last_purchase_at"]
        days = {time[:10] for time in times}
        assert len(days) == 1 + int(str(planted["repeat_purchase_days"])), customer

    summary = json.loads((small / "truth" / "truth.json").read_text())["bgnbd"]
    repeats = sum(int(str(row["repeat_purchases"])) for row in truth.values())
    new_days = sum(int(str(row["repeat_purchase_days"])) for row in truth.values())
    alive = Counter(row["is_alive_at_end"] for row in truth.values())
    assert (summary["r"], summary["alpha"], summary["a"], summary["b"]) == (R, ALPHA, A, B)
    assert summary["time_unit"] == "day" and summary["customers"] == 2000
    assert summary["repeat_purchases"] == repeats
    assert summary["same_day_repeat_purchases"] == repeats - new_days
    assert summary["alive_at_end"] == alive["true"]


def test_same_day_repeats_are_rare(large: dict[str, np.ndarray], large_truth: Path) -> None:
    """A repeat shares a UTC day with the previous purchase only after a gap under a
    day, chance about lambda/2 for small lambda; repeats come from customers in
    proportion to lambda, so the share is about E[lambda^2]/(2 E[lambda]) =
    (r+1)/(2 alpha), 2.2% here: it stays under twice that."""
    summary = json.loads((large_truth / "truth.json").read_text())["bgnbd"]
    same_day = int((large["x"] - large["x_days"]).sum())
    assert summary["same_day_repeat_purchases"] == same_day
    assert summary["same_day_repeat_share"] == round(same_day / large["x"].sum(), 6)
    assert 0 < summary["same_day_repeat_share"] < (R + 1) / ALPHA


def test_rows_do_not_depend_on_chunk_size(tmp_path: Path) -> None:
    args = ["--customers", "2500", "--seed", "3", "--products", "40", "--format", "parquet"]
    run_cli(tmp_path / "one", tmp_path / "one_truth", *args, *BGNBD)
    run_cli(tmp_path / "many", tmp_path / "many_truth", *args, *BGNBD, "--chunk-size", "1000")

    for table in TABLES:
        one = pq.read_table(tmp_path / "one" / f"{table}.parquet")
        assert one.equals(pq.read_table(tmp_path / "many" / f"{table}.parquet")), table
    for name in ("truth.json", "customer_types.csv", "bgnbd_customers.csv"):
        one_bytes = (tmp_path / "one_truth" / name).read_bytes()
        assert one_bytes == (tmp_path / "many_truth" / name).read_bytes(), name


def test_profiles_runs_write_no_bgnbd_truth() -> None:
    """The default keeps truth.json as it was (the committed demo truth is compared)."""
    assert "purchase_process" not in GeneratorParams().to_json()
    bgnbd = GeneratorParams(purchase_process="bgnbd", campaigns=0, cancel_rate=0, return_rate=0)
    assert bgnbd.to_json()["purchase_process"] == "bgnbd"
    assert bgnbd.to_json()["bgnbd_alpha"] == 40.0


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--bgnbd-params", "0.25,40,0.8"], "expected four numbers r,alpha,a,b"),
        (["--bgnbd-params", "0.25,40,0.8,2.5,1"], "expected four numbers r,alpha,a,b"),
        (["--bgnbd-params", "0.25,0,0.8,2.5"], "alpha must be a positive number"),
        (["--bgnbd-params", "0.25,40,-0.8,2.5"], "a must be a positive number"),
        (["--bgnbd-params", "0.25,40,0.8,nan"], "b must be a positive number"),
        (["--bgnbd-params", "r,40,0.8,2.5"], "r is not a number"),
        (["--campaigns", "4"], "--purchase-process bgnbd needs --campaigns 0"),
        (["--cancel-rate", "0.05"], "--purchase-process bgnbd needs --cancel-rate 0"),
        (["--return-rate", "0.01"], "--purchase-process bgnbd needs --return-rate 0"),
    ],
)
def test_bad_bgnbd_options_exit_2_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture, extra: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--out", str(tmp_path / "x"), "--purchase-process", "bgnbd", *extra])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_bgnbd_params_need_the_bgnbd_process(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit):
        main(["--out", str(tmp_path / "x"), "--bgnbd-params", "0.25,40,0.8,2.5"])
    assert "only applies with --purchase-process bgnbd" in capsys.readouterr().err


def test_params_reject_bgnbd_with_campaigns_or_cancellations() -> None:
    with pytest.raises(ValueError, match="purchase_process bgnbd needs campaigns = 0"):
        GeneratorParams(purchase_process="bgnbd", cancel_rate=0, return_rate=0).validate()
    with pytest.raises(ValueError, match="bgnbd_r must be a positive number"):
        GeneratorParams(bgnbd_r=0.0).validate()
