"""Duplicate customer records with conflicting consent, on real dbt and DuckDB.

The files are made here. The expected answers come from this file's own
reading of the documented rules (README "Next Best Offers",
docs/data_quality.md), not from the models:

- consent per row: a channel needs at least one answer and every answer
  given a clear yes (email reads marketing_opt_in and email_opt_in); any
  unsubscribed_at value unsubscribes from every channel;
- consent per customer: the most restrictive over every raw row with the
  customer_id, clean, duplicate or otherwise quarantined;
- the row that stays clean: the latest signed_up_at, then the smallest
  SHA-256 of the raw values joined with ' | ';
- the offer channel: the first channel of the segment's playbook list the
  customer may be contacted on.
"""

from __future__ import annotations

import csv
import hashlib
import json
from datetime import datetime
from pathlib import Path

import pytest
from dbt_runner import PROJECT_DIR, DbtProject

CUSTOMER_COLUMNS = (
    "customer_id", "email", "country", "signed_up_at", "marketing_opt_in",
    "email_opt_in", "sms_opt_in", "push_opt_in", "unsubscribed_at",
)  # fmt: skip
YES = {"true", "t", "yes", "y", "1"}
CHANNELS = ("email", "sms", "push")

# (customer_id, email, country, signed_up_at, marketing, email, sms, push, unsubscribed_at)
CUSTOMERS = [
    # ann: email yes, then a later record says no to email: blocked; the later record stays.
    ("ann", "ann@example.org", "US", "2024-01-01 00:00:00", "yes", "yes", "", "", ""),
    ("ann", "ann@example.org", "GB", "2024-06-01 00:00:00", "yes", "no", "", "", ""),
    # ben: same sign-up, the duplicate carries an unsubscribe: nothing open; the hash picks the row.
    ("ben", "ben@example.org", "US", "2024-02-01 00:00:00", "yes", "yes", "yes", "yes", ""),
    ("ben", "ben@example.org", "DE", "2024-02-01 00:00:00", "yes", "yes", "yes", "yes", "2025-05"),
    # cat: her other record is quarantined (unreadable sign-up) and opts out of email; SMS stays.
    ("cat", "cat@example.org", "FR", "2024-03-01 00:00:00", "yes", "yes", "yes", "", ""),
    ("cat", "cat@example.org", "FR", "not-a-date", "yes", "no", "yes", "", ""),
    # dan: a lone marketing_opt_in: email only.
    ("dan", "dan@example.org", "NL", "2024-04-01 00:00:00", "yes", "", "", "", ""),
    # eve: agreeing duplicates; a record without sign-up time loses to one with it.
    ("eve", "eve@example.org", "ES", "", "true", "true", "false", "", ""),
    ("eve", "eve@example.org", "IT", "2024-05-01 00:00:00", "true", "true", "false", "", ""),
    # fay: SMS yes twice, push yes once and unreadable once: SMS only; email never given.
    ("fay", "fay@example.org", "SE", "2024-06-01 00:00:00", "", "", "yes", "yes", ""),
    ("fay", "fay@example.org", "IE", "2024-07-01 00:00:00", "", "", "1", "maybe", ""),
    # gus: opted in everywhere, one record: every channel open.
    ("gus", "gus@example.org", "PL", "2024-08-01 00:00:00", "yes", "yes", "yes", "yes", ""),
]
PRODUCTS = [
    # The only product ever bought: no stock, so never offered.
    "P0,Starter Kit,grocery,20.00,8.00,0,introduction,Bought by everyone.",
    "P1,Growth Tea,grocery,20.00,8.00,100,growth,A growth-stage tea.",
    "P2,Mature Coffee,grocery,20.00,8.00,100,maturity,A mature coffee.",
    "P3,Old Cocoa,grocery,20.00,8.00,100,decline,A declining cocoa.",
]
# Orders (customer, day of 2026-01, count) spread the customers over segments.
ORDER_PLAN = [("ann", 28, 2), ("ben", 10, 2), ("cat", 20, 1), ("dan", 25, 4),
              ("eve", 2, 1), ("fay", 5, 3), ("gus", 15, 5)]  # fmt: skip


def write_csv(path: Path, header: tuple[str, ...] | str, rows: list) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header if isinstance(header, tuple) else header.split(","))
        writer.writerows(row if isinstance(row, tuple) else row.split(",") for row in rows)
    return path


def row_consents(row: dict[str, str]) -> dict[str, bool]:
    """One row's consent per channel, and whether it unsubscribes."""

    def granted(*answers: str) -> bool:
        given = [answer.strip().lower() for answer in answers if answer.strip()]
        return bool(given) and all(answer in YES for answer in given)

    return {
        "email": granted(row["marketing_opt_in"], row["email_opt_in"]),
        "sms": granted(row["sms_opt_in"]),
        "push": granted(row["push_opt_in"]),
        "unsubscribed": bool(row["unsubscribed_at"].strip()),
    }


def readable(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def kept_row(rows: list[dict[str, str]]) -> dict[str, str]:
    """The documented keeper among rows that passed the row checks."""
    passed = [row for row in rows if not row["signed_up_at"] or readable(row["signed_up_at"])]

    def order(row: dict[str, str]) -> tuple[float, str]:
        signed_up = readable(row["signed_up_at"])
        whole = " | ".join(row[column] for column in CUSTOMER_COLUMNS)
        return (
            -signed_up.timestamp() if signed_up else float("inf"),
            hashlib.sha256(whole.encode()).hexdigest(),
        )

    return min(passed, key=order)


@pytest.mark.parametrize("file_order", ["as_listed", "reversed"])
def test_duplicates_with_conflicting_consent(
    dbt_project: DbtProject, tmp_path: Path, file_order: str
) -> None:
    """Same answers whatever order the customer rows come in (Athena tables have none)."""
    listed = CUSTOMERS if file_order == "as_listed" else CUSTOMERS[::-1]
    customers = [dict(zip(CUSTOMER_COLUMNS, row, strict=True)) for row in listed]
    orders, lines = [], []
    for customer_id, day, count in ORDER_PLAN:
        for n in range(count):
            order_id = f"{customer_id}-{n}"
            ordered_at = f"2026-0{1 + n % 3}-{day:02d} 10:00:00"
            orders.append(f"{order_id},{customer_id},{ordered_at},completed")
            lines.append(f"{order_id},1,P0,1,{10 + 5 * n}.00,0.00")
    paths = {
        "customers": write_csv(tmp_path / "customers.csv", CUSTOMER_COLUMNS, listed),
        "products": write_csv(
            tmp_path / "products.csv",
            "product_id,product_name,category,unit_price,unit_cost,inventory_qty,"
            "lifecycle_stage,description",
            PRODUCTS,
        ),
        "orders": write_csv(
            tmp_path / "orders.csv", "order_id,customer_id,ordered_at,status", orders
        ),
        "order_items": write_csv(
            tmp_path / "order_items.csv",
            "order_id,line_number,product_id,quantity,unit_price,discount_amount",
            lines,
        ),
    }
    variables = {"raw_files": {table: str(path) for table, path in paths.items()}}

    run = dbt_project.run("build", "--vars", json.dumps(variables))
    assert run.returncode == 0, run.output[-5000:]

    by_customer: dict[str, list[dict[str, str]]] = {}
    for row in customers:
        by_customer.setdefault(row["customer_id"], []).append(row)

    # The quarantine still shows every duplicate, and the unreadable row.
    quarantined = dbt_project.query(
        "select dq_reason, count(*) from rfm_marts.fct_quarantined_rows "
        "where source_table = 'customers' group by all order by all"
    )
    assert quarantined == [("duplicate_key", 4), ("unparseable_signed_up_at", 1)]

    # The surviving row's fields follow the rule, whatever the file order.
    survivors = {
        customer_id: (country, signed_up_at)
        for customer_id, country, signed_up_at in dbt_project.query(
            "select customer_id, country_code, strftime(signed_up_at, '%Y-%m-%d %H:%M:%S') "
            "from rfm_marts.dim_customers"
        )
    }
    expected_survivors = {
        customer_id: (kept_row(rows)["country"], kept_row(rows)["signed_up_at"])
        for customer_id, rows in by_customer.items()
    }
    assert survivors == expected_survivors
    # The cases the rule decides: the later sign-up (ann), the hash (ben), a time over none (eve).
    assert survivors["ann"] == ("GB", "2024-06-01 00:00:00")
    assert survivors["eve"] == ("IT", "2024-05-01 00:00:00")

    # Consent: the most restrictive over every record, per channel.
    expected_open: dict[str, set[str]] = {}
    for customer_id, rows in by_customer.items():
        consents = [row_consents(row) for row in rows]
        unsubscribed = any(consent["unsubscribed"] for consent in consents)
        expected_open[customer_id] = {
            channel
            for channel in CHANNELS
            if not unsubscribed and all(consent[channel] for consent in consents)
        }
    assert expected_open == {
        "ann": set(), "ben": set(), "cat": {"sms"}, "dan": {"email"},
        "eve": {"email"}, "fay": {"sms"}, "gus": {"email", "sms", "push"},
    }  # fmt: skip
    found = dbt_project.query(
        "select customer_id, is_email_contactable, is_sms_contactable, is_push_contactable, "
        "is_contactable, not_contactable_reason, rfm_segment, offer_status "
        "from rfm_marts.dim_customers"
    )
    dim = {row[0]: row[1:] for row in found}
    for customer_id, channels in expected_open.items():
        email, sms, push, contactable, _, _, _ = dim[customer_id]
        assert {c for c, is_open in zip(CHANNELS, (email, sms, push), strict=True) if is_open} == (
            channels
        ), customer_id
        assert contactable == bool(channels), customer_id
    assert dim["ann"][4] == "no_marketing_opt_in"
    assert dim["ben"][4] == "unsubscribed"

    # Offers: only to open channels, on the first the segment's playbook lists.
    with (PROJECT_DIR / "seeds" / "reference" / "segment_offer_playbook.csv").open() as handle:
        preferences = {
            row["segment_name"]: row["channel"].split("|") for row in csv.DictReader(handle)
        }
    offers: dict[str, set[str]] = {}
    for customer_id, channel in dbt_project.query(
        "select customer_id, channel from rfm_marts.fct_next_best_offers"
    ):
        offers.setdefault(customer_id, set()).add(channel)
    for customer_id, channels in expected_open.items():
        segment, status = dim[customer_id][5], dim[customer_id][6]
        first = next((c for c in preferences[segment] if c in channels), None)
        if first is None:
            assert customer_id not in offers, customer_id
            assert status == ("not_contactable" if not channels else "no_consented_channel")
        else:
            assert offers.get(customer_id, {first}) == {first}, (customer_id, segment)
    assert not {"ann", "ben"} & set(offers)
    # Not vacuous: customers with an open channel get offers here, and fay
    # (SMS only, in a segment that lists email then sms) gets hers by SMS.
    assert {"dan", "eve", "gus", "fay"} <= set(offers), (offers, dim)
    assert offers["fay"] == {"sms"}, dim["fay"]


def test_demo_contactable_customers_match_the_planted_truth(demo_build: DbtProject) -> None:
    """The generator counts, from its own draws, whom each channel may reach."""
    truth = json.loads((PROJECT_DIR / "planted_truth" / "demo" / "truth.json").read_text())
    [counts] = demo_build.query(
        "select count(*) filter (where is_email_contactable), "
        "count(*) filter (where is_sms_contactable), "
        "count(*) filter (where is_push_contactable), "
        "count(*) filter (where is_contactable) from rfm_marts.dim_customers"
    )
    expected = truth["consent"]["contactable_customers"]
    assert dict(zip(("email", "sms", "push", "any"), counts, strict=True)) == expected
    # The demo reaches customers on every channel.
    rows = demo_build.query("select distinct channel from rfm_marts.fct_next_best_offers")
    assert {channel for (channel,) in rows} == set(CHANNELS)
