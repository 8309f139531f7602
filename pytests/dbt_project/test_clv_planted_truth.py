"""Churn and CLV on generated BG/NBD customers with known parameters, through the real dbt build.

The generator's BG/NBD mode (rfm_nbo/generator/bgnbd.py) simulates 200,000
customers in continuous time; dbt turns their orders into purchase days
(int_customer_clv_inputs) and fits. Parameters: r = 0.3, alpha = 200 days,
a = 0.8, b = 2.5. Why alpha this large: the model counts purchase DAYS (the
issue's definition), and a second purchase on the same day is lost to it;
that loss falls on the heaviest buyers, so it biases the fit. At alpha = 40
(1.2% of repeats on an already-used day) alpha came out 3.6 standard errors
high; here 0.4% of repeats share a day and the bias is well inside the
errors (README, "Churn risk and lifetime value").
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from generated_builds import GeneratedBuild, build_generated

TRUTH = {"r": 0.3, "alpha": 200.0, "a": 0.8, "b": 2.5}
ARGS = (
    "--customers", "200000", "--seed", "11", "--purchase-process", "bgnbd",
    "--bgnbd-params", ",".join(str(TRUTH[name]) for name in ("r", "alpha", "a", "b")),
)  # fmt: skip
SELECT = ("+int_clv_parameters", "+fct_clv_calibration", "+int_customers_clv")


@pytest.fixture(scope="module")
def bgnbd_build(tmp_path_factory: pytest.TempPathFactory) -> GeneratedBuild:
    return build_generated(tmp_path_factory.mktemp("bgnbd"), ARGS, SELECT, file_format="parquet")


def test_the_fit_recovers_the_planted_parameters_within_three_standard_errors(
    bgnbd_build: GeneratedBuild,
) -> None:
    columns = ", ".join(f"{name}, {name}_se" for name in TRUTH)
    row = bgnbd_build.project.query(
        f"select bgnbd_status, sample_customers, {columns} from rfm_intermediate.int_clv_parameters"
    )[0]
    status, sample, *values = row
    assert status == "converged" and sample == 200_000
    truth = json.loads((Path(bgnbd_build.truth_dir) / "truth.json").read_text())["bgnbd"]
    assert truth["same_day_repeat_share"] < 0.005
    for position, name in enumerate(TRUTH):
        estimate, error = values[2 * position], values[2 * position + 1]
        assert 0 < error < 0.1 * TRUTH[name], (name, error)
        assert abs(estimate - TRUTH[name]) < 3 * error, (name, estimate, error)


def test_total_expected_holdout_purchases_are_within_five_percent_of_what_happened(
    bgnbd_build: GeneratedBuild,
) -> None:
    actual, expected = bgnbd_build.project.query(
        "select sum(actual_repeat_purchases), sum(expected_repeat_purchases)"
        " from rfm_marts.fct_clv_calibration where breakdown = 'holdout_week'"
    )[0]
    assert actual > 10_000
    assert expected == pytest.approx(actual, rel=0.05)


def test_probability_alive_is_calibrated_against_who_is_really_alive(
    bgnbd_build: GeneratedBuild,
) -> None:
    # P(alive) is a probability: among repeat customers with a similar
    # P(alive), that share of them must still be alive in the simulation. Per
    # fifth of P(alive), about 6,000 customers each: a sampling error near
    # 0.006, and the fitted parameters add a little; 0.03 is 5 such errors.
    truth = Path(bgnbd_build.truth_dir) / "bgnbd_customers.csv"
    rows = bgnbd_build.project.query(
        f"""
        with scored as (
            select
                clv.probability_alive,
                cast(truth.is_alive_at_end as integer) as is_alive,
                ntile(5) over (order by clv.probability_alive) as fifth
            from rfm_intermediate.int_customers_clv as clv
            inner join read_csv_auto('{truth}') as truth
                on clv.customer_id = truth.customer_id
            where truth.repeat_purchase_days > 0
        )
        select fifth, count(*), avg(probability_alive), avg(is_alive)
        from scored group by fifth order by fifth
        """
    )
    assert len(rows) == 5
    for fifth, customers, predicted, actual in rows:
        assert customers > 4_000
        assert predicted == pytest.approx(actual, abs=0.03), (fifth, predicted, actual)
    assert rows[0][2] < rows[-1][2] - 0.3
