"""Expected value of one campaign response order: per customer, and per behaviour type.

What a response order is worth depends on its basket: how many lines, which
products (the customer's own favourite categories, the offered product on the
first line more often for treatment members), quantities, promotions and, for
treatment members who take the offer, the offer discount. Categories differ a
lot in price, and RFM segments select customers by what they spend, so the
value is planted per customer, not only per type:

- `CustomerResponseModel`: the exact expectation, for one customer (favourite
  categories and behaviour type) and group, of the margin and net revenue of
  one response order. It follows the basket code term by term: lines = 1 +
  Binomial(4, p) with p the response order's extra-lines probability (read
  from `orders.response_orders`), so 1 + 4p lines in expectation; each line's
  category is the customer's favourite slot k with probability (1 - explore)
  x weight[k], else any category by popularity (`draw_categories`); within a
  category a product with the sampler's own probability
  (`ProductSampler.probabilities`); quantity 1 + Poisson(m); a promotion with
  probability discount_rate at a uniform PROMO_PCTS percent. The first line
  is the offer product instead with probability TREATMENT_OFFER_IN_BASKET
  (treatment, at the offer percent, uniform over the type's offer list) or
  CONTROL_OFFER_IN_BASKET (control, full price, promotions as usual); the
  offer product is itself drawn from the customer's categories (explore
  OFFER_EXPLORE) by the offer sampler, so it enters by its expectation too.
  The per-line discount is rounded to the cent exactly as `build_lines` does,
  and that rounding is averaged over the quantity's Poisson law (truncated
  where the tail is below 1e-16), so nothing is approximated. The value is
  linear in the favourite slots: a constant per type and group (the exploring
  draws) plus weight[k] x a per-category term for each favourite.
- `expected_response_values`: per type and group, a seeded Monte Carlo that
  runs the generator's own basket code (`orders.response_orders`,
  `lines.build_lines`) on `SAMPLE_ORDERS` synthetic response orders, from its
  own random stream (`rng.RESPONSE_VALUE_STREAM`): the data rows do not
  change. Each synthetic order is a fresh customer (favourite categories
  drawn as for real customers), so it is the mean over customers of the
  per-customer expectation, and checks it independently.

Margin is net revenue minus cost of goods, line by line, in currency units:
quantity x unit price - discount - quantity x unit cost, which is what
`int_campaign_members_attributed.attributed_margin` sums (response orders are
never returned). With the standard errors (sample standard deviation /
sqrt(SAMPLE_ORDERS)) a test can tell Monte Carlo noise from a real difference.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from rfm_nbo.generator.behaviour import BEHAVIOUR_TYPES, PROFILES
from rfm_nbo.generator.block import Samplers
from rfm_nbo.generator.campaigns import (
    GROUP_CONTROL,
    GROUP_TREATMENT,
    OFFER_EXPLORE,
    Membership,
    offer_discounts,
)
from rfm_nbo.generator.lines import MAX_EXTRA_LINES, PROMO_PCTS, build_lines
from rfm_nbo.generator.orders import (
    CONTROL_OFFER_IN_BASKET,
    TREATMENT_OFFER_IN_BASKET,
    response_orders,
)
from rfm_nbo.generator.params import GeneratorParams
from rfm_nbo.generator.preferences import (
    FAVOURITE_WEIGHTS,
    PURCHASE_EXPLORE,
    draw_categories,
    favourite_categories,
)
from rfm_nbo.generator.products import CATEGORY_POPULARITY, Catalogue
from rfm_nbo.generator.rng import RESPONSE_VALUE_STREAM, stream

SAMPLE_ORDERS = 50_000
GROUP_NAMES = {GROUP_TREATMENT: "treatment", GROUP_CONTROL: "control"}
MEASURES = ("margin", "revenue")
# Quantities 1 + k for k = 0..QUANTITY_TERMS - 1: the Poisson tail beyond is below 1e-16
# for any extra_quantity_mean up to 2 (the profiles use at most 0.6).
QUANTITY_TERMS = 30


def simulate_response_orders(
    rng: np.random.Generator,
    favourites: np.ndarray,
    behaviour: np.ndarray,
    group: np.ndarray,
    params: GeneratorParams,
    catalogue: Catalogue,
    samplers: Samplers,
) -> dict[str, np.ndarray]:
    """One converting synthetic member per row of `favourites`, through the basket code.

    Draws the offer (category, product, percent) as `campaigns.assign_members`
    does, then the response order and its lines; returns each order's margin and
    net revenue in currency units ({"margin": ..., "revenue": ...}).
    """
    n = len(favourites)
    rows = np.arange(n)
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
    revenue_cents = np.sign(lines.quantity) * lines.net_cents()
    margin_cents = revenue_cents - lines.quantity * catalogue.cost_cents[lines.product]
    # response_orders keeps the members' order: order i is synthetic member i.
    return {
        "margin": np.bincount(lines.order, weights=margin_cents, minlength=n) / 100,
        "revenue": np.bincount(lines.order, weights=revenue_cents, minlength=n) / 100,
    }


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
    favourites = favourite_categories(rng, len(behaviour), CATEGORY_POPULARITY)
    per_order = simulate_response_orders(
        rng, favourites, behaviour, group, params, catalogue, samplers
    )
    by_type: dict[str, Any] = {}
    for t, name in enumerate(BEHAVIOUR_TYPES):
        facts: dict[str, dict[str, float]] = {}
        for measure in ("revenue", "margin"):
            values = per_order[measure]
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


def _response_basket() -> tuple[np.ndarray, np.ndarray]:
    """Per behaviour type: a response order's extra-lines probability and extra-quantity
    mean, read from `orders.response_orders` itself (one synthetic member per type)."""
    types = np.arange(len(BEHAVIOUR_TYPES))
    zeros = np.zeros(len(types), dtype=np.int64)
    membership = Membership(
        campaign=0,
        rows=types,
        group=np.full(len(types), GROUP_TREATMENT),
        offer_product=zeros,
        offer_pct=zeros,
        sent_at=zeros,
        converted=np.ones(len(types), dtype=bool),
        response_at=zeros,
    )
    spec = response_orders(np.random.default_rng(0), membership, types, campaign_channel=0)
    return spec.extra_lines_p, spec.extra_quantity_mean


def _rounded_discount_cents(price_cents: np.ndarray, pct: int, quantity_mean: float) -> np.ndarray:
    """Per product: E[round(quantity x price x pct / 100)], quantity = 1 + Poisson(mean),
    rounded like `build_lines` (same integer product, true division, half to even)."""
    pmf = np.empty(QUANTITY_TERMS)
    pmf[0] = np.exp(-quantity_mean)
    for k in range(1, QUANTITY_TERMS):
        pmf[k] = pmf[k - 1] * quantity_mean / k
    quantity = np.arange(1, QUANTITY_TERMS + 1, dtype=np.int64)
    return pmf @ np.round(quantity[:, None] * price_cents[None, :] * pct / 100)


@dataclass(frozen=True)
class CustomerResponseModel:
    """Exact expected margin and revenue of one response order for any customer.

    value[measure, group] of a customer of type t with favourites f =
    constant[measure, t, group] + sum_k FAVOURITE_WEIGHTS[k] x
    slot[measure, t, group, f[k]], in cents (see the module docstring).
    """

    constant: np.ndarray
    slot: np.ndarray

    @staticmethod
    def build(
        params: GeneratorParams, catalogue: Catalogue, samplers: Samplers
    ) -> CustomerResponseModel:
        """The model of a run's catalogue, samplers and parameters."""
        extra_lines_p, quantity_mean = _response_basket()
        categories = len(CATEGORY_POPULARITY)
        price = catalogue.price_cents
        purchase_chance = samplers.purchases.probabilities()
        offer_chance = samplers.offers.probabilities()
        offer_in_basket = {
            GROUP_TREATMENT: TREATMENT_OFFER_IN_BASKET,
            GROUP_CONTROL: CONTROL_OFFER_IN_BASKET,
        }
        groups = (GROUP_TREATMENT, GROUP_CONTROL)
        constant = np.zeros((len(MEASURES), len(BEHAVIOUR_TYPES), len(groups)))
        slot = np.zeros((len(MEASURES), len(BEHAVIOUR_TYPES), len(groups), categories))

        def per_category(chance: np.ndarray, per_product: np.ndarray) -> np.ndarray:
            return np.bincount(
                catalogue.category, weights=chance * per_product, minlength=categories
            )

        for t, profile in enumerate(PROFILES):
            m = float(quantity_mean[t])
            discount = {
                pct: _rounded_discount_cents(price, pct, m)
                for pct in {*PROMO_PCTS, *profile.offer_discounts_pct}
                if pct > 0
            }
            promo = params.discount_rate * np.mean([discount[p] for p in PROMO_PCTS], axis=0)
            # An offer percent of 0 would leave the line's own promotion in place.
            offer = np.mean(
                [discount[p] if p > 0 else promo for p in profile.offer_discounts_pct], axis=0
            )
            gross = (1 + m) * price
            cost = (1 + m) * catalogue.cost_cents
            line_revenue = {"promo": gross - promo, "offer": gross - offer}
            ordinary = {
                "revenue": per_category(purchase_chance, line_revenue["promo"]),
                "margin": per_category(purchase_chance, line_revenue["promo"] - cost),
            }
            for g in groups:
                forced_revenue = line_revenue["offer" if g == GROUP_TREATMENT else "promo"]
                forced = {
                    "revenue": per_category(offer_chance, forced_revenue),
                    "margin": per_category(offer_chance, forced_revenue - cost),
                }
                share = offer_in_basket[g]
                # Lines from the purchase draw: the first unless forced, plus the extra ones.
                drawn = 1 - share + MAX_EXTRA_LINES * float(extra_lines_p[t])
                for i, measure in enumerate(MEASURES):
                    slot[i, t, g] = (
                        share * (1 - OFFER_EXPLORE) * forced[measure]
                        + drawn * (1 - PURCHASE_EXPLORE) * ordinary[measure]
                    )
                    constant[i, t, g] = (
                        share * OFFER_EXPLORE * CATEGORY_POPULARITY @ forced[measure]
                        + drawn * PURCHASE_EXPLORE * CATEGORY_POPULARITY @ ordinary[measure]
                    )
        return CustomerResponseModel(constant=constant, slot=slot)

    def values(self, favourites: np.ndarray, behaviour: np.ndarray) -> dict[str, np.ndarray]:
        """Per customer, in currency units: {"margin_treatment": ..., "margin_control": ...,
        "revenue_treatment": ..., "revenue_control": ...}."""
        result = {}
        for i, measure in enumerate(MEASURES):
            for g, group in GROUP_NAMES.items():
                cents = self.constant[i, behaviour, g] + sum(
                    FAVOURITE_WEIGHTS[k] * self.slot[i, behaviour, g, favourites[:, k]]
                    for k in range(favourites.shape[1])
                )
                result[f"{measure}_{group}"] = cents / 100
        return result


def incremental_margin_per_member(
    base_rate: float, uplift: float, margin_treatment: float, margin_control: float
) -> float:
    """Planted incremental margin per member: what treating one member adds in expectation.

    (base_rate + uplift) x margin_treatment - base_rate x margin_control: a treated
    member responds more often, and a treated response may carry the offer discount.
    """
    return (base_rate + uplift) * margin_treatment - base_rate * margin_control
