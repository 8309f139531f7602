"""Expected value of one campaign response order, per behaviour type and group.

What a response order is worth depends on its basket: how many lines, which
products (the customer's favourite categories, the offered product on the
first line more often for treatment members), quantities, promotions and, for
treatment members who take the offer, the offer discount. There is no closed
form worth maintaining beside that code, so the expectation is a seeded Monte
Carlo that runs the generator's own basket code (`orders.response_orders`,
`lines.build_lines`) on `SAMPLE_ORDERS` synthetic response orders per type and
group, from its own random stream (`rng.RESPONSE_VALUE_STREAM`): the data rows
do not change. Each synthetic order is a fresh customer (favourite categories
drawn as for real customers), so the mean is over customers as well as baskets.

Margin is net revenue minus cost of goods, line by line, in currency units:
quantity x unit price - discount - quantity x unit cost, which is what
`int_campaign_members_attributed.attributed_margin` sums (response orders are
never returned). With the standard errors (sample standard deviation /
sqrt(SAMPLE_ORDERS)) a test can tell Monte Carlo noise from a real difference.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rfm_nbo.generator.behaviour import BEHAVIOUR_TYPES
from rfm_nbo.generator.block import Samplers
from rfm_nbo.generator.campaigns import (
    GROUP_CONTROL,
    GROUP_TREATMENT,
    OFFER_EXPLORE,
    Membership,
    offer_discounts,
)
from rfm_nbo.generator.lines import build_lines
from rfm_nbo.generator.orders import response_orders
from rfm_nbo.generator.params import GeneratorParams
from rfm_nbo.generator.preferences import draw_categories, favourite_categories
from rfm_nbo.generator.products import CATEGORY_POPULARITY, Catalogue
from rfm_nbo.generator.rng import RESPONSE_VALUE_STREAM, stream

SAMPLE_ORDERS = 50_000
GROUP_NAMES = {GROUP_TREATMENT: "treatment", GROUP_CONTROL: "control"}


def expected_response_values(
    params: GeneratorParams, catalogue: Catalogue, samplers: Samplers
) -> dict[str, Any]:
    """Per behaviour type and group: mean margin and revenue of one response order.

    Returns {"method": ..., "by_behaviour_type": {type: {"margin": {group: x},
    "margin_standard_error": {...}, "revenue": {...}, "revenue_standard_error":
    {...}}}}, money rounded to 4 decimals.
    """
    rng = stream(params.seed, RESPONSE_VALUE_STREAM)
    types = len(BEHAVIOUR_TYPES)
    groups = (GROUP_TREATMENT, GROUP_CONTROL)
    # One synthetic member per sample: SAMPLE_ORDERS per (type, group), all converting.
    behaviour = np.repeat(np.arange(types), len(groups) * SAMPLE_ORDERS)
    group = np.tile(np.repeat(np.array(groups), SAMPLE_ORDERS), types)
    n = len(behaviour)
    rows = np.arange(n)
    favourites = favourite_categories(rng, n, CATEGORY_POPULARITY)
    offer_categories = draw_categories(rng, favourites, rows, OFFER_EXPLORE, CATEGORY_POPULARITY)
    membership = Membership(
        campaign=0,
        rows=rows,
        group=group,
        offer_product=samplers.offers.draw(rng, offer_categories),
        offer_pct=offer_discounts(rng, behaviour),
        sent_at=np.zeros(n, dtype=np.int64),
        converted=np.ones(n, dtype=bool),
        response_at=np.zeros(n, dtype=np.int64),
    )
    # The response channel does not change the basket; email's shares are as good as any.
    orders = response_orders(rng, membership, behaviour, campaign_channel=0)
    lines = build_lines(rng, orders, favourites, samplers.purchases, catalogue, params)

    sign = np.sign(lines.quantity)
    revenue_cents = sign * lines.net_cents()
    margin_cents = revenue_cents - lines.quantity * catalogue.cost_cents[lines.product]
    per_order = {
        "revenue": np.bincount(lines.order, weights=revenue_cents, minlength=n) / 100,
        "margin": np.bincount(lines.order, weights=margin_cents, minlength=n) / 100,
    }
    # response_orders keeps the members' order: order i is synthetic member i.
    by_type: dict[str, Any] = {}
    for t, name in enumerate(BEHAVIOUR_TYPES):
        facts: dict[str, dict[str, float]] = {}
        for measure, values in per_order.items():
            facts[measure] = {}
            facts[f"{measure}_standard_error"] = {}
            for g in groups:
                sample = values[(behaviour == t) & (group == g)]
                facts[measure][GROUP_NAMES[g]] = round(float(sample.mean()), 4)
                facts[f"{measure}_standard_error"][GROUP_NAMES[g]] = round(
                    float(sample.std(ddof=1) / np.sqrt(len(sample))), 4
                )
        by_type[name] = facts
    return {
        "method": (
            f"Monte Carlo: {SAMPLE_ORDERS} synthetic response orders per behaviour type and "
            "group through the generator's basket code, on its own random stream; margin = "
            "net revenue - quantity x unit cost, in currency units per response order"
        ),
        "sample_orders": SAMPLE_ORDERS,
        "by_behaviour_type": by_type,
    }


def incremental_margin_per_member(
    base_rate: float, uplift: float, margin_treatment: float, margin_control: float
) -> float:
    """Planted incremental margin per member: what treating one member adds in expectation.

    (base_rate + uplift) x margin_treatment - base_rate x margin_control: a treated
    member responds more often, and a treated response may carry the offer discount.
    """
    return (base_rate + uplift) * margin_treatment - base_rate * margin_control
