"""Clean rows follow the documented text formats; the enumerations hold."""

from __future__ import annotations

import re
from collections import Counter

from conftest import GeneratedRun

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
MONEY = re.compile(r"^\d+\.\d{2}$")
FORMATS = {
    "customers": {"customer_id": r"C\d{7}", "signed_up_at": TIMESTAMP.pattern[1:-1],
                  "marketing_opt_in": "true|false", "email": r"[a-z]+\.[a-z]+\.\d+@example\.\w+",
                  "email_opt_in": "true|false", "sms_opt_in": "true|false|",
                  "push_opt_in": "true|false|", "unsubscribed_at": f"({TIMESTAMP.pattern[1:-1]})?"},
    "products": {"product_id": r"P\d{5}", "unit_price": MONEY.pattern[1:-1],
                 "unit_cost": MONEY.pattern[1:-1], "inventory_qty": r"\d+",
                 "lifecycle_stage": "introduction|growth|maturity|decline"},
    "orders": {"order_id": r"O\d{9}", "customer_id": r"C\d{7}|", "status":
               "completed|cancelled|returned", "channel": "web|app|store",
               "ordered_at": TIMESTAMP.pattern[1:-1]},
    "order_items": {"line_number": r"[1-6]", "product_id": r"P\d{5}", "quantity": r"-?[1-9]\d*",
                    "unit_price": MONEY.pattern[1:-1], "discount_amount": MONEY.pattern[1:-1]},
    "web_events": {"event_type": "view|add_to_cart|wishlist"},
    "campaigns": {"campaign_id": r"CMP\d{3}", "channel": "email|sms|push",
                  "cost": MONEY.pattern[1:-1]},
    "campaign_members": {"group": "treatment|control", "offer_discount_pct": r"\d{1,2}|100",
                         "offer_product_id": r"P\d{5}", "segment_at_send":
                         "Champions|Loyal Customers|New Customers|At Risk|Hibernating|Lost"},
    "campaign_events": {"event_type": "delivered|opened|clicked|unsubscribed"},
}  # fmt: skip


def test_clean_values_have_the_documented_formats(demo_run: GeneratedRun) -> None:
    for table, columns in FORMATS.items():
        for column, pattern in columns.items():
            bad = {
                row[column]
                for row in demo_run.recount.clean[table]
                if not re.fullmatch(pattern, row[column] or "")
            }
            assert not bad, f"{table}.{column}: {sorted(bad)[:5]}"


def test_costs_are_below_prices(demo_run: GeneratedRun) -> None:
    for row in demo_run.recount.clean["products"]:
        assert float(row["unit_cost"]) < float(row["unit_price"]), row["product_id"]


def test_some_products_are_out_of_stock(demo_run: GeneratedRun) -> None:
    stock = [int(row["inventory_qty"]) for row in demo_run.recount.clean["products"]]
    assert 0 < stock.count(0) < len(stock) / 4


def test_order_mix_has_cancellations_returns_and_guests(demo_run: GeneratedRun) -> None:
    orders = demo_run.recount.clean["orders"]
    share = {
        status: sum(row["status"] == status for row in orders) / len(orders)
        for status in ("cancelled", "returned")
    }
    guests = sum(row["customer_id"] is None for row in orders) / len(orders)
    assert 0.03 < share["cancelled"] < 0.07
    assert 0.025 < share["returned"] < 0.06
    assert 0.015 < guests < 0.05


def test_partial_returns_are_negative_lines_of_a_product_in_the_same_completed_order(
    demo_run: GeneratedRun,
) -> None:
    lines = demo_run.recount.clean["order_items"]
    status = {row["order_id"]: row["status"] for row in demo_run.recount.clean["orders"]}
    bought: Counter[tuple] = Counter()
    for row in lines:
        bought[(row["order_id"], row["product_id"])] += max(0, int(row["quantity"]))
    returns = [row for row in lines if int(row["quantity"]) < 0]

    assert 0 < len(returns) < 0.03 * len(lines)
    for row in returns:
        assert status[row["order_id"]] == "completed"
        assert -int(row["quantity"]) <= bought[(row["order_id"], row["product_id"])]


def test_about_ten_lines_per_customer_with_one_to_five_bought_per_order(
    demo_run: GeneratedRun,
) -> None:
    lines = demo_run.recount.clean["order_items"]
    per_order: dict[str, int] = {}
    for row in lines:
        if int(row["quantity"]) > 0:
            per_order[row["order_id"]] = per_order.get(row["order_id"], 0) + 1
    assert set(per_order.values()) == {1, 2, 3, 4, 5}
    assert 8 <= len(lines) / demo_run.truth["params"]["customers"] <= 12


def test_no_clean_timestamp_is_after_the_end_of_history(demo_run: GeneratedRun) -> None:
    end = demo_run.truth["params"]["end_at"]
    columns = {"orders": "ordered_at", "web_events": "occurred_at",
               "campaign_events": "occurred_at", "customers": "signed_up_at"}  # fmt: skip
    for table, column in columns.items():
        assert max(row[column] for row in demo_run.recount.clean[table]) <= end, table
