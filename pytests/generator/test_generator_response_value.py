"""The expected value of a response order: per customer, per type in truth.json, and
campaign spacing.

The per-customer value (customer_types.csv, `CustomerResponseModel`) is an
exact expectation over the generator's basket model; it is checked against a
large seeded Monte Carlo through the generator's own basket code for a few
customers, and its mean over the favourite-category distribution against the
type-level Monte Carlo in truth.json. The Monte Carlo expectation (truth.json
`response_value`) is checked against the response orders the demo data really
holds (their revenue, tallied from the rows) within four standard errors; the
dbt test test_uplift_coverage.test_planted_response_margin_is_what_the_models_measure
checks the margin the same way on a large generated set.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from conftest import GeneratedRun
from generator_recount import read_rows

from rfm_nbo.generator.behaviour import BEHAVIOUR_TYPES
from rfm_nbo.generator.block import Samplers
from rfm_nbo.generator.campaigns import GROUP_CONTROL, GROUP_TREATMENT
from rfm_nbo.generator.params import GeneratorParams
from rfm_nbo.generator.preferences import FAVOURITE_WEIGHTS, FAVOURITES
from rfm_nbo.generator.products import CATEGORIES, CATEGORY_POPULARITY, build_catalogue
from rfm_nbo.generator.response_value import (
    GROUP_NAMES,
    MEASURES,
    CustomerResponseModel,
    expected_response_values,
    simulate_response_orders,
)
from rfm_nbo.generator.rng import PRODUCTS_STREAM, stream
from rfm_nbo.generator.tables import RESPONSE_VALUE_COLUMNS

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


def _world(seed: int = 42) -> tuple[GeneratorParams, object, Samplers, CustomerResponseModel]:
    """A demo-sized catalogue, its samplers and its per-customer response model."""
    params = GeneratorParams(seed=seed, customers=2_000)
    catalogue = build_catalogue(stream(seed, PRODUCTS_STREAM), params.products, 0)
    samplers = Samplers.for_catalogue(catalogue, len(CATEGORIES))
    return params, catalogue, samplers, CustomerResponseModel.build(params, catalogue, samplers)


# (favourite categories best first, behaviour type): a big spender in electronics, a
# books-and-beauty customer, and two in between, across four types.
CUSTOMERS = (((0, 1, 2), 0), ((6, 4, 7), 5), ((3, 0, 6), 3), ((1, 2, 3), 1))


def test_customer_response_value_equals_a_monte_carlo_of_the_basket_code() -> None:
    params, catalogue, samplers, model = _world()
    rng = np.random.default_rng(20240612)
    orders = 300_000
    for favourites, behaviour in CUSTOMERS:
        exact = model.values(np.array([favourites]), np.array([behaviour]))
        for group in (GROUP_TREATMENT, GROUP_CONTROL):
            simulated = simulate_response_orders(
                rng,
                np.tile(np.array(favourites), (orders, 1)),
                np.full(orders, behaviour),
                np.full(orders, group),
                params,
                catalogue,
                samplers,
            )
            for measure in MEASURES:
                sample = simulated[measure]
                error = sample.std(ddof=1) / math.sqrt(orders)
                expected = float(exact[f"{measure}_{GROUP_NAMES[group]}"][0])
                assert abs(sample.mean() - expected) < 4 * error, (
                    favourites, behaviour, GROUP_NAMES[group], measure, sample.mean(), expected
                )  # fmt: skip


def _favourite_slot_chances() -> np.ndarray:
    """(slot, category): P(the k-th favourite is c) when favourites are drawn without
    replacement with probability proportional to popularity (what the Gumbel top-3 of
    `favourite_categories` is), by summing over every ordered triple."""
    chance = np.zeros((FAVOURITES, len(CATEGORY_POPULARITY)))
    for triple in itertools.permutations(range(len(CATEGORY_POPULARITY)), FAVOURITES):
        left, p = 1.0, 1.0
        for category in triple:
            p *= CATEGORY_POPULARITY[category] / left
            left -= CATEGORY_POPULARITY[category]
        for slot, category in enumerate(triple):
            chance[slot, category] += p
    return chance


def test_mean_customer_value_of_a_type_is_the_type_level_monte_carlo() -> None:
    """Averaged exactly over the favourites' distribution, the per-customer value is the
    type-level Monte Carlo in truth.json (which draws a fresh customer per basket)."""
    params, catalogue, samplers, model = _world()
    chance = _favourite_slot_chances()
    assert chance.sum(axis=1) == pytest.approx(np.ones(FAVOURITES))
    monte_carlo = expected_response_values(params, catalogue, samplers)["by_behaviour_type"]
    z_scores = []
    for t, name in enumerate(BEHAVIOUR_TYPES):
        for i, measure in enumerate(MEASURES):
            for group, group_name in GROUP_NAMES.items():
                mean = model.constant[i, t, group] + sum(
                    FAVOURITE_WEIGHTS[k] * chance[k] @ model.slot[i, t, group]
                    for k in range(FAVOURITES)
                )
                facts = monte_carlo[name]
                error = facts[f"{measure}_standard_error"][group_name]
                z_scores.append((mean / 100 - facts[measure][group_name]) / error)
    assert max(abs(z) for z in z_scores) < 4, z_scores


def test_demo_customer_types_carry_each_customer_response_value(demo_run: GeneratedRun) -> None:
    rows = read_rows(demo_run.truth_dir / "customer_types.csv")
    assert len(rows) == demo_run.truth["params"]["customers"]
    values = {
        column: np.array([float(str(row[column])) for row in rows])
        for column in RESPONSE_VALUE_COLUMNS
    }
    for group in GROUP_NAMES.values():
        margin, revenue = values[f"response_margin_{group}"], values[f"response_revenue_{group}"]
        # Margin is what is left of revenue after the cost of goods.
        assert ((margin > 0) & (margin < revenue)).all()
    # Favourite categories differ several-fold in price, and so do customers.
    spread = values["response_margin_control"]
    assert spread.max() > 3 * spread.min()
