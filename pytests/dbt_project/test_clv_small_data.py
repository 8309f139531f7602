"""Churn and CLV on a shop too small to fit: the build warns, says why and falls back as documented.

examples/orders_only/orders.csv (5 customers, worked by hand in
test_bring_your_own_data.py): as_of 2026-03-29. alice bought on 01-05,
02-11 and 03-20 (x = 2, t_x = 74, T = 83, repeat mean (80.50 + 200) / 2 =
140.25); bob, carol, dave (his returned order is no purchase) and erin bought
on one day each. 5 customers is under clv_min_customers (50): neither model
is fitted. BG/NBD's scores are null with band 'unknown'; the purchase value
is the customer's own repeat mean, else the mean purchase day, (400.50 + 35 +
15.99 + 300 + 60) / 7 days = 115.9271.... No product has a cost: revenue basis.
"""

from __future__ import annotations

import pytest
from dbt_runner import DbtProject
from test_bring_your_own_data import ORDERS_ONLY, raw_files_vars


def test_a_shop_too_small_to_fit_gets_documented_fallbacks(dbt_project: DbtProject) -> None:
    run = dbt_project.run(
        "build",
        "--select",
        "+dim_customers",
        "--indirect-selection",
        "cautious",
        "--vars",
        raw_files_vars(orders=ORDERS_ONLY),
    )
    assert run.returncode == 0, run.output[-3000:]
    assert "BG/NBD needs at least 50 customers (var clv_min_customers), found 5" in run.output

    statuses = dbt_project.query(
        "select bgnbd_status, gamma_gamma_status, population_customers, fallback_order_value"
        " from rfm_intermediate.int_clv_parameters"
    )
    assert statuses[0][:3] == ("too_few_customers", "too_few_customers", 5)
    assert statuses[0][3] == pytest.approx(811.49 / 7)

    inputs = dbt_project.query(
        "select customer_id, repeat_frequency, repeat_recency_days, customer_age_days,"
        " repeat_mean_value, clv_basis from rfm_intermediate.int_customer_clv_inputs"
        " where customer_id = 'alice'"
    )
    assert inputs == [("alice", 2, 74, 83, pytest.approx(140.25), "revenue")]

    customers = dbt_project.query(
        "select customer_id, probability_alive, expected_clv, churn_risk_band,"
        " expected_average_order_value from rfm_marts.dim_customers order by customer_id"
    )
    assert [row[:4] for row in customers] == [
        (name, None, None, "unknown") for name in ("alice", "bob", "carol", "dave", "erin")
    ]
    values = [row[4] for row in customers]
    assert values == pytest.approx([140.25, *[811.49 / 7] * 4])
