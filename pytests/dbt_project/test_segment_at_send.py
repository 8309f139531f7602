"""segment_at_send is our own RFM segment at the last month end before the send.

An independent computation in pandas: for each clean demo campaign member,
the send's calendar date in var('reporting_timezone'), the month end before
it, the customer's recency, frequency and monetary value as of the next day
over the lookback window, quantile scores (pandas rank + NTILE arithmetic),
and the rule boxes of seeds/reference/rfm_segment_rules.csv. It is written for
the demo's scoring settings (quantile, ties 'lowest', 5 buckets) and says so
when the project's defaults change.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd
import pytest
import yaml
from dbt_runner import PROJECT_DIR, DbtProject

NO_RECENT_PURCHASES = "No Recent Purchases"
MEMBERS = "rfm_intermediate.int_campaign_members_attributed"


def project_vars() -> dict:
    return yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]


def ntile(position: int, rows: int, buckets: int) -> int:
    """The NTILE(buckets) bucket of the row at 1-based `position` of `rows` rows."""
    buckets = min(buckets, rows)
    size, bigger = divmod(rows, buckets)
    if position <= bigger * (size + 1):
        return (position - 1) // (size + 1) + 1
    return bigger + (position - 1 - bigger * (size + 1)) // size + 1


def segment_rules() -> list[dict]:
    with (PROJECT_DIR / "seeds" / "reference" / "rfm_segment_rules.csv").open() as file:
        return [row for row in csv.DictReader(file) if row["rule_set"] == "quantile"]


def segment_of(scores: tuple[int, int, int], rules: list[dict]) -> str:
    matches = {
        rule["segment_name"]
        for rule in rules
        if all(
            int(rule[f"{m}_min"]) <= score <= int(rule[f"{m}_max"])
            for m, score in zip("rfm", scores, strict=True)
        )
    }
    assert len(matches) == 1, (scores, matches)
    return matches.pop()


def segments_as_of(
    as_of: date, orders: pd.DataFrame, lines: pd.DataFrame, lookback_days: int, buckets: int
) -> dict[str, str]:
    """customer_id -> classic segment of every customer with a completed order in
    [as_of - lookback_days, as_of); quantile scores, a tie takes its lowest bucket."""
    start = as_of - timedelta(days=lookback_days)
    window = orders[(orders["ordered_date"] >= start) & (orders["ordered_date"] < as_of)]
    revenue = lines.groupby("order_id")["net_revenue"].sum()
    window = window.assign(revenue=window["order_id"].map(revenue).fillna(0.0))
    completed = window[window["order_status"] == "completed"]
    features = pd.DataFrame(
        {
            "frequency": completed.groupby("customer_id").size(),
            "last_ordered_date": completed.groupby("customer_id")["ordered_date"].max(),
            # Completed and returned orders: returns net out of the order's revenue.
            "monetary": window.groupby("customer_id")["revenue"].sum().round(6),
        }
    ).dropna(subset=["frequency"])
    features["recency_days"] = [(as_of - d).days for d in features["last_ordered_date"]]
    rows = len(features)
    positions = {
        "r": features["recency_days"].rank(method="min", ascending=False),
        "f": features["frequency"].rank(method="min"),
        "m": features["monetary"].rank(method="min"),
    }
    rules = segment_rules()
    return {
        customer: segment_of(
            tuple(ntile(int(positions[m][customer]), rows, buckets) for m in "rfm"), rules
        )
        for customer in features.index
    }


@pytest.fixture(scope="module")
def members_checked(demo_build: DbtProject) -> pd.DataFrame:
    """Every clean demo member with the model's segment and the independent one."""
    settings = project_vars()
    if (settings["rfm_scoring_method"], settings["rfm_quantile_ties"]) != ("quantile", "lowest"):
        pytest.fail("the independent scoring here covers quantile scores with ties 'lowest'")
    zone = ZoneInfo(settings["reporting_timezone"])
    with duckdb.connect(str(demo_build.warehouse), read_only=True) as con:
        members = con.sql(
            "select campaign_id, customer_id, sent_at, segment_at_send,"
            f" segment_month_end_date, segment_label_in_file from {MEMBERS}"
        ).df()
        orders = con.sql(
            "select order_id, customer_id, order_status, ordered_date"
            " from rfm_intermediate.int_orders_validated"
            " where customer_id is not null and order_status != 'cancelled'"
        ).df()
        lines = con.sql(
            "select order_id, cast(net_revenue as double) as net_revenue"
            " from rfm_intermediate.int_order_lines_classified"
            " where customer_id is not null and order_status != 'cancelled'"
        ).df()
    orders["ordered_date"] = pd.to_datetime(orders["ordered_date"]).dt.date
    send_dates = [
        ts.tz_localize("UTC").tz_convert(zone).date() for ts in pd.to_datetime(members["sent_at"])
    ]
    members["expected_as_of"] = [d.replace(day=1) for d in send_dates]
    expected = {}
    for as_of in sorted(set(members["expected_as_of"])):
        segments = segments_as_of(
            as_of, orders, lines, settings["rfm_lookback_days"], settings["rfm_score_buckets"]
        )
        expected[as_of] = segments
    members["expected_segment"] = [
        expected[as_of].get(customer, NO_RECENT_PURCHASES)
        for as_of, customer in zip(members["expected_as_of"], members["customer_id"], strict=True)
    ]
    first_completed = (
        orders[orders["order_status"] == "completed"].groupby("customer_id")["ordered_date"].min()
    )
    members["first_completed_date"] = members["customer_id"].map(first_completed)
    return members


def test_segment_at_send_equals_an_independent_computation(members_checked: pd.DataFrame) -> None:
    members = members_checked
    assert len(members) > 1000
    expected_month_end = [as_of - timedelta(days=1) for as_of in members["expected_as_of"]]
    assert (pd.to_datetime(members["segment_month_end_date"]).dt.date == expected_month_end).all()
    wrong = members[members["segment_at_send"] != members["expected_segment"]]
    assert wrong.empty, wrong[["campaign_id", "customer_id", "segment_at_send", "expected_segment"]]


def test_members_without_earlier_orders_have_no_recent_purchases(
    members_checked: pd.DataFrame,
) -> None:
    members = members_checked
    first = members["first_completed_date"].fillna(date.max)
    never_before = first >= members["expected_as_of"]
    assert never_before.sum() > 0, "the demo should hold members who had not ordered yet"
    assert (members.loc[never_before, "segment_at_send"] == NO_RECENT_PURCHASES).all()


def test_the_file_label_is_kept_and_the_agreement_rate_is_what_the_data_gives(
    members_checked: pd.DataFrame,
) -> None:
    with (PROJECT_DIR / "seeds" / "demo" / "campaign_members.csv").open() as file:
        labels = {
            (row["campaign_id"].strip(), row["customer_id"].strip()): row["segment_at_send"].strip()
            or None
            for row in csv.DictReader(file)
        }
    members = members_checked
    file_label = [
        labels[(campaign, customer)]
        for campaign, customer in zip(members["campaign_id"], members["customer_id"], strict=True)
    ]
    assert members["segment_label_in_file"].tolist() == file_label
    agreement = (members["expected_segment"] == pd.Series(file_label)).mean()
    measured = (members["segment_at_send"] == members["segment_label_in_file"]).mean()
    print(f"segment_at_send agrees with the file's label for {measured:.1%} of demo members")
    assert measured == pytest.approx(agreement)
    assert 0 < measured < 1
