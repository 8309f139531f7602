"""Campaigns: the funnel, the split, and conversions the models can measure."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest
from conftest import GeneratedRun

WINDOW = timedelta(days=14)
HIGH_UPLIFT = ("at_risk", "hibernating")


def _conversions(run: GeneratedRun) -> Counter[tuple[str, str, str]]:
    """Members with a completed order in (sent_at, sent_at + window], recounted from rows,
    by (campaign, segment_at_send, group) -- the attribution rule of the campaign models."""
    completed: dict[str, list[datetime]] = {}
    for order in run.recount.clean["orders"]:
        if order["status"] == "completed" and order["customer_id"]:
            completed.setdefault(order["customer_id"], []).append(
                datetime.fromisoformat(order["ordered_at"])
            )
    converted: Counter[tuple[str, str, str]] = Counter()
    for member in run.recount.clean["campaign_members"]:
        sent = datetime.fromisoformat(member["sent_at"])
        if any(sent < at <= sent + WINDOW for at in completed.get(member["customer_id"], [])):
            converted[(member["campaign_id"], member["segment_at_send"], member["group"])] += 1
    return converted


@pytest.fixture(scope="module")
def conversions(demo_run: GeneratedRun) -> Counter[tuple[str, str, str]]:
    return _conversions(demo_run)


def test_realised_conversions_in_truth_match_the_recount(
    demo_run: GeneratedRun, conversions: Counter
) -> None:
    for campaign, facts in demo_run.truth["campaigns"].items():
        for cell in facts["by_behaviour_type"].values():
            for group in ("treatment", "control"):
                key = (campaign, cell["segment_at_send"], group)
                assert conversions[key] == cell["conversions"][group], key


def test_treatment_converts_more_than_control_for_high_uplift_types(
    demo_run: GeneratedRun,
) -> None:
    for behaviour in HIGH_UPLIFT:
        totals = Counter()
        for facts in demo_run.truth["campaigns"].values():
            cell = facts["by_behaviour_type"][behaviour]
            assert cell["uplift"] >= 0.05
            for group in ("treatment", "control"):
                totals[f"{group}_members"] += cell["members"][group]
                totals[f"{group}_conversions"] += cell["conversions"][group]
        treatment = totals["treatment_conversions"] / totals["treatment_members"]
        control = totals["control_conversions"] / totals["control_members"]
        assert treatment > control + 0.04, behaviour


def test_true_uplift_differs_by_type(demo_run: GeneratedRun) -> None:
    for facts in demo_run.truth["campaigns"].values():
        uplift = {t: cell["uplift"] for t, cell in facts["by_behaviour_type"].items()}
        assert uplift["at_risk"] > uplift["loyal"] > uplift["champions"]


def test_members_split_about_eighty_twenty(demo_run: GeneratedRun) -> None:
    groups = Counter(row["group"] for row in demo_run.recount.clean["campaign_members"])
    assert 0.75 < groups["treatment"] / (groups["treatment"] + groups["control"]) < 0.85
    assert len(demo_run.truth["campaigns"]) == 4


def test_segment_at_send_is_the_latent_type_s_segment(demo_run: GeneratedRun) -> None:
    types = demo_run.customer_types()
    names = {t: f["profile"]["segment_name"] for t, f in demo_run.truth["behaviour_types"].items()}
    for member in demo_run.recount.clean["campaign_members"]:
        assert member["segment_at_send"] == names[types[member["customer_id"]]]


def test_only_treatment_members_get_events_in_a_delivered_opened_clicked_funnel(
    demo_run: GeneratedRun,
) -> None:
    group = {
        (r["campaign_id"], r["customer_id"]): r["group"]
        for r in demo_run.recount.clean["campaign_members"]
    }
    events: dict[str, set[tuple[str, str]]] = {}
    for event in demo_run.recount.clean["campaign_events"]:
        member = (event["campaign_id"], event["customer_id"])
        assert group[member] == "treatment"
        events.setdefault(event["event_type"], set()).add(member)
    assert events["clicked"] <= events["opened"] <= events["delivered"]
    assert 0 < len(events["unsubscribed"]) < 0.05 * len(events["delivered"])


def test_response_orders_often_hold_the_offered_product(demo_run: GeneratedRun) -> None:
    offers = {
        (r["customer_id"], r["offer_product_id"]): datetime.fromisoformat(r["sent_at"])
        for r in demo_run.recount.clean["campaign_members"]
        if r["group"] == "treatment"
    }
    orders = {r["order_id"]: r for r in demo_run.recount.clean["orders"]}
    hits = 0
    for line in demo_run.recount.clean["order_items"]:
        order = orders[line["order_id"]]
        sent = offers.get((order["customer_id"], line["product_id"]))
        if sent and sent < datetime.fromisoformat(order["ordered_at"]) <= sent + WINDOW:
            hits += 1
    treated_conversions = sum(
        cell["conversions"]["treatment"]
        for facts in demo_run.truth["campaigns"].values()
        for cell in facts["by_behaviour_type"].values()
    )
    assert hits > 0.5 * treated_conversions


def test_nobody_is_sent_a_campaign_after_unsubscribing(demo_run: GeneratedRun) -> None:
    started = {r["campaign_id"]: r["started_at"] for r in demo_run.recount.clean["campaigns"]}
    unsubscribed_at = {
        e["customer_id"]: e["occurred_at"]
        for e in demo_run.recount.clean["campaign_events"]
        if e["event_type"] == "unsubscribed"
    }
    for member in demo_run.recount.clean["campaign_members"]:
        left = unsubscribed_at.get(member["customer_id"])
        assert left is None or started[member["campaign_id"]] < left


def test_members_opted_in_and_signed_up_before_the_send(demo_run: GeneratedRun) -> None:
    customers = {r["customer_id"]: r for r in demo_run.recount.clean["customers"]}
    for member in demo_run.recount.clean["campaign_members"]:
        customer = customers[member["customer_id"]]
        assert customer["marketing_opt_in"] == "true"
        assert customer["signed_up_at"] < member["sent_at"]
