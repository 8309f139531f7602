"""The expected value of a response order in truth.json, and campaign spacing.

The Monte Carlo expectation (truth.json `response_value`) is checked against
the response orders the demo data really holds (their revenue, tallied from
the rows) within four standard errors; the dbt test
test_uplift_coverage.test_planted_response_margin_is_what_the_models_measure
checks the margin the same way on a large generated set.
"""

from __future__ import annotations

import math

import pytest
from conftest import GeneratedRun

from rfm_nbo.generator.params import GeneratorParams

GROUPS = ("treatment", "control")


def test_response_value_has_every_type_and_group_with_small_errors(
    demo_run: GeneratedRun,
) -> None:
    value = demo_run.truth["response_value"]
    assert value["sample_orders"] >= 10_000
    assert set(value["by_behaviour_type"]) == set(demo_run.truth["behaviour_types"])
    for facts in value["by_behaviour_type"].values():
        for measure in ("margin", "revenue"):
            for group in GROUPS:
                mean = facts[measure][group]
                error = facts[f"{measure}_standard_error"][group]
                assert 0 < error < 0.02 * mean, (measure, group, mean, error)
        # Margin is what is left of revenue after the cost of goods.
        assert all(0 < facts["margin"][g] < facts["revenue"][g] for g in GROUPS)


def test_expected_response_revenue_matches_the_demo_responses(demo_run: GeneratedRun) -> None:
    value = demo_run.truth["response_value"]
    checked = 0
    for behaviour_type, expected in value["by_behaviour_type"].items():
        for group in GROUPS:
            cells = [
                facts["by_behaviour_type"][behaviour_type]
                for facts in demo_run.truth["campaigns"].values()
            ]
            conversions = sum(cell["conversions"][group] for cell in cells)
            if conversions < 5:
                continue
            realised = sum(cell["response_revenue"][group] for cell in cells) / conversions
            monte_carlo_error = expected["revenue_standard_error"][group]
            order_sd = monte_carlo_error * math.sqrt(value["sample_orders"])
            error = math.sqrt(order_sd**2 / conversions + monte_carlo_error**2)
            mean = expected["revenue"][group]
            assert abs(realised - mean) < 4 * error, (behaviour_type, group, realised, mean)
            checked += 1
    assert checked >= 6


def test_incremental_margin_per_member_is_the_planted_formula(demo_run: GeneratedRun) -> None:
    margins = demo_run.truth["response_value"]["by_behaviour_type"]
    for facts in demo_run.truth["campaigns"].values():
        for behaviour_type, cell in facts["by_behaviour_type"].items():
            margin = margins[behaviour_type]["margin"]
            expected = (cell["base_rate"] + cell["uplift"]) * margin["treatment"] - cell[
                "base_rate"
            ] * margin["control"]
            assert cell["incremental_margin_per_member"] == pytest.approx(expected, abs=1e-4)


def test_campaigns_start_at_least_a_window_apart() -> None:
    GeneratorParams(campaigns=20).validate()  # 15 days apart, window 14 days
    with pytest.raises(ValueError, match="days apart"):
        GeneratorParams(campaigns=21).validate()
    with pytest.raises(ValueError, match="days apart"):
        GeneratorParams(campaigns=12, attribution_window_days=30).validate()
