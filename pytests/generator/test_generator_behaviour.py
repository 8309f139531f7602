"""The latent behaviour types really differ in recency, frequency and spend."""

from __future__ import annotations

from datetime import datetime, timedelta
from statistics import median

import numpy as np
import pytest
from conftest import GeneratedRun
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score
from sklearn.preprocessing import StandardScaler


def _rfm(run: GeneratedRun) -> dict[str, tuple[float, int, float]]:
    """(recency days, completed orders, net spend) per customer with a completed order."""
    orders = {
        row["order_id"]: row
        for row in run.recount.clean["orders"]
        if row["status"] == "completed" and row["customer_id"]
    }
    spend: dict[str, float] = {}
    for line in run.recount.clean["order_items"]:
        order = orders.get(line["order_id"])
        if order:
            quantity = int(line["quantity"])
            amount = abs(quantity) * float(line["unit_price"]) - float(line["discount_amount"])
            spend[order["customer_id"]] = spend.get(order["customer_id"], 0.0) + (
                amount if quantity > 0 else -amount
            )
    last: dict[str, str] = {}
    count: dict[str, int] = {}
    for order in orders.values():
        customer = order["customer_id"]
        last[customer] = max(last.get(customer, ""), order["ordered_at"])
        count[customer] = count.get(customer, 0) + 1
    as_of = datetime.fromisoformat(max(last.values())).date() + timedelta(days=1)
    return {
        customer: (
            (as_of - datetime.fromisoformat(at).date()).days,
            count[customer],
            spend[customer],
        )
        for customer, at in last.items()
    }


@pytest.fixture(scope="module")
def rfm_by_type(demo_run: GeneratedRun) -> dict[str, list[tuple[float, int, float]]]:
    types = demo_run.customer_types()
    grouped: dict[str, list[tuple[float, int, float]]] = {}
    for customer, values in _rfm(demo_run).items():
        grouped.setdefault(types[customer], []).append(values)
    return grouped


def _median(rfm_by_type: dict, behaviour: str, index: int) -> float:
    return median(values[index] for values in rfm_by_type[behaviour])


def test_frequency_orders_champions_above_loyal_above_hibernating(rfm_by_type: dict) -> None:
    frequency = {t: _median(rfm_by_type, t, 1) for t in rfm_by_type}
    assert frequency["champions"] > frequency["loyal"] > frequency["hibernating"]
    assert frequency["at_risk"] > frequency["hibernating"] >= frequency["lost"]
    assert frequency["new"] <= 2 and frequency["lost"] <= 2


def test_recency_follows_when_each_type_stopped_buying(rfm_by_type: dict) -> None:
    recency = {t: _median(rfm_by_type, t, 0) for t in rfm_by_type}
    assert recency["champions"] < 30 and recency["loyal"] < 60 and recency["new"] < 60
    assert 90 <= recency["at_risk"] <= 200
    assert 200 <= recency["hibernating"] <= 400
    assert recency["lost"] > 400


def test_champions_spend_most(rfm_by_type: dict) -> None:
    spend = {t: _median(rfm_by_type, t, 2) for t in rfm_by_type}
    assert max(spend, key=spend.get) == "champions"
    assert spend["loyal"] > spend["hibernating"] > spend["lost"]


def test_new_customers_signed_up_in_the_last_two_months(demo_run: GeneratedRun) -> None:
    types = demo_run.customer_types()
    end = datetime.fromisoformat(demo_run.truth["params"]["end_at"])
    signups = {
        row["customer_id"]: datetime.fromisoformat(row["signed_up_at"])
        for row in demo_run.recount.clean["customers"]
    }
    new = [signups[c] for c, t in types.items() if t == "new"]
    others = [signups[c] for c, t in types.items() if t != "new"]
    assert all(end - timedelta(days=61) <= at <= end for at in new)
    assert sum(at >= end - timedelta(days=61) for at in others) < 0.02 * len(others)


def test_kmeans_recovers_the_types_reasonably_but_not_perfectly(demo_run: GeneratedRun) -> None:
    types = demo_run.customer_types()
    rfm = {c: v for c, v in _rfm(demo_run).items() if v[2] > 0}
    customers = sorted(rfm)
    features = np.log1p(np.array([rfm[c] for c in customers], dtype=float))
    labels = KMeans(6, n_init=10, random_state=0).fit_predict(
        StandardScaler().fit_transform(features)
    )

    score = adjusted_rand_score([types[c] for c in customers], labels)
    assert 0.45 < score < 0.95


def test_type_counts_in_truth_match_customer_types(demo_run: GeneratedRun) -> None:
    types = list(demo_run.customer_types().values())
    for behaviour, facts in demo_run.truth["behaviour_types"].items():
        assert types.count(behaviour) == facts["customers"]


def test_web_events_lean_toward_the_categories_a_customer_buys(demo_run: GeneratedRun) -> None:
    category = {r["product_id"]: r["category"] for r in demo_run.recount.clean["products"]}
    customer_of = {r["order_id"]: r["customer_id"] for r in demo_run.recount.clean["orders"]}
    bought: dict[str, dict[str, int]] = {}
    for line in demo_run.recount.clean["order_items"]:
        customer = customer_of[line["order_id"]]
        if customer:
            counts = bought.setdefault(customer, {})
            counts[category[line["product_id"]]] = counts.get(category[line["product_id"]], 0) + 1
    top = {c: max(counts, key=counts.get) for c, counts in bought.items()}
    events = [e for e in demo_run.recount.clean["web_events"] if e["customer_id"] in top]
    hits = sum(category[e["product_id"]] == top[e["customer_id"]] for e in events) / len(events)
    assert hits > 0.35  # 8 categories: 1/8 by chance
