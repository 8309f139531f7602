"""Bring-your-own-data runs on real dbt and DuckDB, with answers worked by hand."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from dbt_runner import PROJECT_DIR, DbtProject

ORDERS_ONLY = PROJECT_DIR / "examples" / "orders_only" / "orders.csv"


def raw_files_vars(**paths: Path) -> str:
    """The --vars argument pointing raw tables at files (YAML accepts JSON)."""
    return json.dumps({"raw_files": {table: str(path) for table, path in paths.items()}})


def test_orders_only_file_builds_rfm_with_hand_worked_answers(dbt_project: DbtProject) -> None:
    run = dbt_project.run("build", "--vars", raw_files_vars(orders=ORDERS_ONLY))
    assert run.returncode == 0, run.output

    rows = dbt_project.query(
        "select customer_id, recency_days, frequency, monetary, rfm_score, rfm_segment "
        "from rfm_marts.dim_customers order by customer_id"
    )
    # as_of = 2026-03-29, the day after the newest valid order (1006, carol,
    # 03-28): order 1012's amount is negative, so that order is quarantined.
    # alice: last completed 03-20 -> 9 days; 3 orders; 120 + 80.50 + 200.
    # bob: 2025-06-01 -> 301 days; the cancelled order counts for nothing.
    # carol: 03-28 -> 1 day. dave: 2025-11-30 -> 119 days; the returned order
    # nets to 0. erin: 03-01 -> 28 days; her unparseable order is quarantined.
    # Scores (5 customers, 5 buckets): recency ranks bob<dave<erin<alice<carol;
    # frequency ties at 1 all score 1; monetary ranks carol<bob<erin<dave<alice.
    assert rows == [
        ("alice", 9, 3, Decimal("400.50"), "455", "Champions"),
        ("bob", 301, 1, Decimal("35.00"), "112", "Lost"),
        ("carol", 1, 1, Decimal("15.99"), "511", "New Customers"),
        ("dave", 119, 1, Decimal("300.00"), "214", "Hibernating"),
        ("erin", 28, 1, Decimal("60.00"), "313", "About to Sleep"),
    ]

    quarantined = dbt_project.query(
        "select source_table, dq_reason, raw_record from rfm_marts.fct_quarantined_rows "
        "order by all"
    )
    # Both problems are reported against the orders the user supplied, with
    # the order_amount they gave; no made-up order_items row appears.
    assert quarantined == [
        (
            "orders",
            "negative_order_amount",
            "1012 | frank | 2026-03-30 23:59:59 | completed |  | -5.00",
        ),
        ("orders", "unparseable_ordered_at", "1010 | erin | not a date | completed |  | 10.00"),
    ]

    # A second build is incremental. With an earlier clock, the orders after
    # it are quarantined as future_ordered_at (1006 on 03-28, and others): their
    # lines, made from the orders, must go, not linger from the first build.
    earlier = json.dumps(
        {"raw_files": {"orders": str(ORDERS_ONLY)}, "max_valid_at": "2026-03-20 00:00:00"}
    )
    again = dbt_project.run(
        "run",
        "--select",
        "stg_shop__orders",
        "int_orders_checked",
        "int_order_items_checked",
        "--vars",
        earlier,
    )
    assert again.returncode == 0, again.output
    lines, clean_orders = dbt_project.query(
        "select (select count(*) from rfm_intermediate.int_order_items_checked), "
        "(select count(*) from rfm_intermediate.int_orders_validated)"
    )[0]
    assert lines == clean_orders < 10


def test_missing_required_column_names_source_and_column(
    dbt_project: DbtProject, tmp_path: Path
) -> None:
    header, *lines = ORDERS_ONLY.read_text().splitlines()
    columns = header.split(",")
    keep = [i for i, name in enumerate(columns) if name != "ordered_at"]
    without_ordered_at = tmp_path / "orders.csv"
    without_ordered_at.write_text(
        "\n".join(",".join(line.split(",")[i] for i in keep) for line in [header, *lines]) + "\n"
    )

    run = dbt_project.run("build", "--vars", raw_files_vars(orders=without_ordered_at))

    assert run.returncode != 0
    assert "Source shop.orders" in run.output
    assert "missing required column(s): ordered_at" in run.output


def test_unknown_table_name_is_refused_with_the_known_names(dbt_project: DbtProject) -> None:
    run = dbt_project.run("build", "--vars", raw_files_vars(order=ORDERS_ONLY))

    assert run.returncode != 0
    assert "unknown table 'order'" in run.output
    assert "orders, order_items" in run.output


def test_orders_without_amounts_or_lines_is_refused(
    dbt_project: DbtProject, tmp_path: Path
) -> None:
    no_amounts = tmp_path / "orders.csv"
    no_amounts.write_text(
        "order_id,customer_id,ordered_at,status\n1,a,2026-01-01 10:00:00,completed\n"
    )

    run = dbt_project.run("build", "--vars", raw_files_vars(orders=no_amounts))

    assert run.returncode != 0
    assert "must have an order_amount column" in run.output


def test_a_one_product_catalogue_is_offered_only_where_the_rules_allow(
    dbt_project: DbtProject, tmp_path: Path
) -> None:
    # The orders-only example with every order as one line of the only product
    # (a maturity-stage coffee, 20.00, cost 8.00), and a customer table in
    # which all five opted in.
    header, *lines = ORDERS_ONLY.read_text().splitlines()
    orders = [dict(zip(header.split(","), line.split(","), strict=True)) for line in lines]
    files = {
        "orders": ["order_id,customer_id,ordered_at,status,channel"]
        + [
            f"{o['order_id']},{o['customer_id']},{o['ordered_at']},{o['status']},web"
            for o in orders
        ],
        "order_items": ["order_id,line_number,product_id,quantity,unit_price,discount_amount"]
        + [f"{o['order_id']},1,P1,1,{o['order_amount']},0.00" for o in orders],
        "products": [
            "product_id,product_name,category,unit_price,unit_cost,inventory_qty,"
            "lifecycle_stage,description",
            "P1,House Blend Coffee,grocery,20.00,8.00,500,maturity,Our only product.",
        ],
        "customers": ["customer_id,email,country,signed_up_at,marketing_opt_in"]
        + [
            f"{name},{name}@example.org,US,2024-01-01 00:00:00,yes"
            for name in ("alice", "bob", "carol", "dave", "erin")
        ],
    }
    paths = {}
    for table, rows in files.items():
        paths[table] = tmp_path / f"{table}.csv"
        paths[table].write_text("\n".join(rows) + "\n")

    run = dbt_project.run("build", "--vars", raw_files_vars(**paths))
    assert run.returncode == 0, run.output[-5000:]

    # Segments as in the orders-only test (same amounts). By the playbook and
    # the 30-day rule, as of 2026-03-31: alice (Champions: introduction|growth
    # only) and bob (Lost: decline only) may not be offered a maturity
    # product; carol (03-28) and erin (03-01 10:00, on the window's first day)
    # bought it in the last 30 days; dave (Hibernating: maturity allowed,
    # 20-30 % off, margin at 30 % off 6.00 of 14.00 > 10 %) gets it, once
    # (one offer per Hibernating customer).
    status = dbt_project.query(
        "select customer_id, rfm_segment, offer_status from rfm_marts.dim_customers order by 1"
    )
    assert status == [
        ("alice", "Champions", "no_allowed_candidate"),
        ("bob", "Lost", "no_allowed_candidate"),
        ("carol", "New Customers", "no_allowed_candidate"),
        ("dave", "Hibernating", "has_offers"),
        ("erin", "About to Sleep", "no_allowed_candidate"),
    ]
    offers = dbt_project.query(
        "select customer_id, offer_rank, product_id, discount_rate "
        "from rfm_marts.fct_next_best_offers"
    )
    assert len(offers) == 1
    customer_id, rank, product_id, discount_rate = offers[0]
    assert (customer_id, rank, product_id) == ("dave", 1, "P1")
    assert 0.20 <= discount_rate <= 0.30
