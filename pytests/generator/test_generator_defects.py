"""Planted defects: truth.json agrees with an independent recount of the rows."""

from __future__ import annotations

from collections import Counter

import duckdb
import pytest
from conftest import GeneratedRun

from rfm_nbo.generator.schema import TABLE_COLUMNS, TABLES

BRIEF_CLASSES = {
    "customers": {"missing_key", "unparseable_signed_up_at", "future_signed_up_at",
                  "duplicate_key"},
    "products": {"duplicate_key", "non_positive_unit_price", "unparseable_unit_cost",
                 "invalid_lifecycle_stage"},
    "orders": {"duplicate_key", "unknown_customer", "future_ordered_at", "unparseable_ordered_at",
               "invalid_status"},
    "order_items": {"duplicate_key", "unknown_product", "negative_unit_price",
                    "unparseable_quantity", "unknown_order"},
    "web_events": {"duplicate_key", "unknown_customer", "unknown_product", "future_occurred_at",
                   "invalid_event_type"},
    "campaigns": {"duplicate_key", "unparseable_cost", "invalid_date_range"},
    "campaign_members": {"duplicate_key", "unknown_campaign", "unknown_customer", "invalid_group"},
    "campaign_events": {"duplicate_key", "unknown_member", "future_occurred_at",
                        "invalid_event_type"},
}  # fmt: skip


@pytest.mark.parametrize("table", TABLES)
def test_truth_counts_match_an_independent_recount(demo_run: GeneratedRun, table: str) -> None:
    truth = demo_run.truth["tables"][table]
    recounted = demo_run.recount.reasons[table]

    assert dict(recounted) == truth["quarantined_rows"]
    assert len(demo_run.recount.clean[table]) == truth["clean_rows"]
    assert len(demo_run.rows(table)) == truth["raw_rows"]


@pytest.mark.parametrize("table", TABLES)
def test_each_brief_defect_class_is_planted_defects_per_class_times(
    demo_run: GeneratedRun, table: str
) -> None:
    per_class = demo_run.truth["params"]["defects_per_class"]
    planted = demo_run.truth["tables"][table]["planted"]

    assert planted == dict.fromkeys(BRIEF_CLASSES[table], per_class)


def test_cascades_are_only_lines_of_bad_orders_and_events_of_bad_members(
    demo_run: GeneratedRun,
) -> None:
    cascaded = {t: v["cascaded"] for t, v in demo_run.truth["tables"].items() if v["cascaded"]}
    assert set(cascaded) == {"order_items", "campaign_events"}
    assert set(cascaded["order_items"]) == {"unknown_order"}
    assert set(cascaded["campaign_events"]) == {"unknown_member"}

    bad_orders = {row["order_id"] for row in demo_run.rows("orders")} - {
        row["order_id"] for row in demo_run.recount.clean["orders"]
    }
    lines_of_bad_orders = [r for r in demo_run.rows("order_items") if r["order_id"] in bad_orders]
    assert len(lines_of_bad_orders) == cascaded["order_items"]["unknown_order"]


def test_duplicates_are_exact_copies_of_clean_rows(demo_run: GeneratedRun) -> None:
    for table in TABLES:
        counts = Counter(tuple(row.values()) for row in demo_run.rows(table))
        copies = {row for row, count in counts.items() if count > 1}
        clean = {tuple(row.values()) for row in demo_run.recount.clean[table]}

        assert copies <= clean, table
        extra = sum(counts[row] - 1 for row in copies)
        assert extra == demo_run.truth["tables"][table]["planted"]["duplicate_key"], table


def test_duckdb_try_cast_agrees_with_the_recount_on_every_timestamp(demo_run: GeneratedRun) -> None:
    """Staging types with try_cast: what Python cannot parse, DuckDB cannot either."""
    columns = {
        "customers": "signed_up_at",
        "orders": "ordered_at",
        "web_events": "occurred_at",
        "campaign_events": "occurred_at",
        "campaign_members": "sent_at",
    }
    for table, column in columns.items():
        path = demo_run.data / f"{table}.csv"
        [(unreadable,)] = duckdb.sql(
            f"select count(*) from read_csv('{path}', all_varchar = true) "
            f"where {column} is not null and try_cast({column} as timestamp) is null"
        ).fetchall()
        expected = demo_run.truth["tables"][table]["quarantined_rows"].get(
            f"unparseable_{column}", 0
        )
        assert unreadable == expected, table


def test_files_have_exactly_the_contract_columns(demo_run: GeneratedRun) -> None:
    for table, columns in TABLE_COLUMNS.items():
        header = (demo_run.data / f"{table}.csv").read_text().splitlines()[0]
        assert tuple(header.split(",")) == columns
