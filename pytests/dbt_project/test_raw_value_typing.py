"""Raw values are typed without being changed: each hostile value gets the
verdict docs/data_quality.md gives it, on a real dbt build of files made here."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from dbt_runner import PROJECT_DIR, DbtProject

ORDERS_HEADER = "order_id,customer_id,ordered_at,status,channel"
ITEMS_HEADER = "order_id,line_number,product_id,quantity,unit_price,discount_amount"

# (line_number, quantity, unit_price, discount_amount) -> the expected verdict:
# None = clean. Each verdict follows from the rules in docs/data_quality.md.
LINE_CASES: dict[str, tuple[str, str, str, str | None]] = {
    "1": ("1", "0", "0", None),  # a free item is a valid sale worth 0
    "2": ("3", "1.234567", "0", None),  # six decimals are kept exactly
    "3": ("1", "1.2345678", "0", "too_many_decimals_unit_price"),
    "4": ("1.5", "10", "0", "non_integer_quantity"),  # never rounded to 2
    "5": ("0x10", "10", "0", "unparseable_quantity"),  # not 16
    "6": ("1e3", "10", "0", "unparseable_quantity"),  # not 1000
    "7": ("1_000", "10", "0", "unparseable_quantity"),
    "8": ("2.0", "10", "0", None),  # an integer written with a zero fraction
    "9": ("1", "-1", "0", "negative_unit_price"),
    "10": ("1", "10", "-1", "invalid_discount_amount"),
    "11": ("1", "4", "5", "invalid_discount_amount"),  # more than the line
    "12": ("99999999999999999999", "99999999999", "0", "out_of_range_quantity"),
    "13": ("1", "12345678901234567890123", "0", "out_of_range_unit_price"),
    "14": ("1", "1.2300000", "0", None),  # trailing zeros change nothing
    "15": ("1000001", "1", "0", "out_of_range_quantity"),
    "16": ("1", "10", "1.1234567", "too_many_decimals_discount_amount"),
    "17": ("-2", "10", "0", None),  # a partial return
    "0x11": ("1", "10", "0", "unparseable_line_number"),
    "18": ("1", '"1,50"', "0", "unparseable_unit_price"),  # a decimal comma is not guessed
}


def write(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def raw_files(**paths: Path) -> str:
    return json.dumps({"raw_files": {table: str(path) for table, path in paths.items()}})


@pytest.fixture(scope="module")
def hostile_lines_build(tmp_path_factory: pytest.TempPathFactory) -> DbtProject:
    workdir = tmp_path_factory.mktemp("hostile_lines")
    orders = write(
        workdir / "orders.csv", ORDERS_HEADER, ["o1,c1,2026-03-01 10:00:00,completed,web"]
    )
    items = write(
        workdir / "order_items.csv",
        ITEMS_HEADER,
        [f"o1,{n},,{q},{p},{d}" for n, (q, p, d, _) in LINE_CASES.items()],
    )
    project = DbtProject(workdir)
    run = project.run("build", "--vars", raw_files(orders=orders, order_items=items))
    assert run.returncode == 0, run.output[-5000:]
    return project


def test_every_hostile_line_gets_its_documented_verdict(hostile_lines_build: DbtProject) -> None:
    quarantined = hostile_lines_build.query(
        "select raw_record, dq_reason from rfm_marts.fct_quarantined_rows "
        "where source_table = 'order_items'"
    )
    got = {record.split(" | ")[1]: reason for record, reason in quarantined}
    clean = hostile_lines_build.query(
        "select cast(line_number as varchar) from rfm_intermediate.int_order_lines_classified"
    )
    got.update({line_number: None for (line_number,) in clean})
    assert got == {n: reason for n, (_, _, _, reason) in LINE_CASES.items()}


def test_clean_lines_keep_their_exact_values(hostile_lines_build: DbtProject) -> None:
    rows = hostile_lines_build.query(
        "select line_number, quantity, unit_price, gross_revenue, returned_revenue "
        "from rfm_intermediate.int_order_lines_classified order by line_number"
    )
    # By hand: 1 free; 3 x 1.234567 = 3.703701; 2 x 10; 1 x 1.23; a return of 2 x 10.
    assert rows == [
        (1, 1, Decimal("0"), Decimal("0"), Decimal("0")),
        (2, 3, Decimal("1.234567"), Decimal("3.703701"), Decimal("0")),
        (8, 2, Decimal("10"), Decimal("20"), Decimal("0")),
        (14, 1, Decimal("1.23"), Decimal("1.23"), Decimal("0")),
        (17, -2, Decimal("10"), Decimal("0"), Decimal("20")),
    ]
    monetary = hostile_lines_build.query(
        "select frequency, monetary from rfm_marts.dim_customers where customer_id = 'c1'"
    )
    # 0 + 3.703701 + 20 + 1.23 - 20, and the one completed order.
    assert monetary == [(1, Decimal("4.933701"))]


TIMESTAMP_CASES: dict[str, tuple[str, datetime | None]] = {
    "t1": ("2026-11-30T23:30:00-05:00", datetime(2026, 12, 1, 4, 30)),
    "t2": ("2026-11-30 23:30:00Z", datetime(2026, 11, 30, 23, 30)),
    "t3": ("2026-11-30 23:30:00+0530", datetime(2026, 11, 30, 18, 0)),
    "t4": ("2026-11-30 23:30:00 UTC", datetime(2026, 11, 30, 23, 30)),
    "t5": ("2026-11-30 23:30:00", datetime(2026, 11, 30, 23, 30)),  # no offset = UTC
    "t6": ("2026-11-30", datetime(2026, 11, 30, 0, 0)),
    "t7": ("2026-11-30T20:00:00.123456+02", datetime(2026, 11, 30, 18, 0, 0, 123456)),
    "t8": ("2026-02-30 10:00:00", None),  # no such day
    "t9": ("30/11/2026 10:00", None),  # day-first is not guessed
    "t10": ("1764547200", None),  # epoch seconds are not guessed
}


@pytest.mark.parametrize(
    ("zone", "as_of", "recency"),
    [
        # t1 is 04:30 UTC on 12-01, the newest order day in UTC: as_of is 12-02,
        # and t2 (23:30 UTC on 11-30) was 2 days before it.
        ("UTC", "2026-12-02", {"t1": 1, "t2": 2}),
        # In New York t1 is 23:30 on 11-30, the newest day there: as_of is
        # 12-01; t2 is 18:30 on 11-30, 1 day before.
        ("America/New_York", "2026-12-01", {"t1": 1, "t2": 1}),
    ],
)
def test_timestamps_keep_their_offset_and_days_follow_the_reporting_zone(
    dbt_project: DbtProject, tmp_path: Path, zone: str, as_of: str, recency: dict[str, int]
) -> None:
    # Orders-only input, so each order carries its amount.
    orders_with_amounts = write(
        tmp_path / "orders_amounts.csv",
        ORDERS_HEADER + ",order_amount",
        [f"{oid},{oid},{text},completed,web,1" for oid, (text, _) in TIMESTAMP_CASES.items()],
    )
    run = dbt_project.run(
        "build",
        "--vars",
        json.dumps({"raw_files": {"orders": str(orders_with_amounts)}, "reporting_timezone": zone}),
    )
    assert run.returncode == 0, run.output[-5000:]

    typed = dict(
        dbt_project.query("select order_id, ordered_at from rfm_intermediate.int_orders_validated")
    )
    assert typed == {oid: at for oid, (_, at) in TIMESTAMP_CASES.items() if at is not None}
    reasons = dbt_project.query(
        "select dq_reason, count(*) from rfm_marts.fct_quarantined_rows group by 1"
    )
    assert reasons == [("unparseable_ordered_at", 3)]
    (as_of_date,) = dbt_project.query("select as_of_date from rfm_intermediate.int_rfm_as_of")[0]
    assert str(as_of_date) == as_of
    got = dict(dbt_project.query("select customer_id, recency_days from rfm_marts.dim_customers"))
    assert {customer: got[customer] for customer in recency} == recency


CAMPAIGNS_HEADER = "campaign_id,campaign_name,channel,started_at,ended_at,cost,treatment_share"

# campaign_id -> (raw treatment_share, expected verdict, expected share when clean).
# A share is a fraction 0..1 (docs/data_quality.md: bound 1, no sign, at most
# six decimals); blank is null, which means the var's design share.
SHARE_CASES: dict[str, tuple[str, str | None, float | None]] = {
    "k1": ("0.9", None, 0.9),
    "k2": ("", None, None),
    "k3": ("1", None, 1.0),
    "k4": ("0", None, 0.0),
    "k5": (" 0.85 ", None, 0.85),  # trimmed like every raw value
    "k6": ("1.5", "out_of_range_treatment_share", None),
    "k7": ("-0.1", "negative_treatment_share", None),
    "k8": ("90%", "unparseable_treatment_share", None),
    "k9": ("0.12345678", "too_many_decimals_treatment_share", None),
}


@pytest.fixture(scope="module")
def campaign_shares_build(tmp_path_factory: pytest.TempPathFactory) -> DbtProject:
    workdir = tmp_path_factory.mktemp("campaign_shares")
    # Orders and amounts only: no order_items needed.
    orders = write(
        workdir / "orders.csv",
        ORDERS_HEADER + ",order_amount",
        ["o1,c1,2026-03-01 10:00:00,completed,web,10"],
    )
    campaigns = write(
        workdir / "campaigns.csv",
        CAMPAIGNS_HEADER,
        [
            f"{key},Campaign {key},email,2026-02-01 09:00:00,,10,{share}"
            for key, (share, _, _) in SHARE_CASES.items()
        ],
    )
    project = DbtProject(workdir)
    run = project.run("build", "--vars", raw_files(orders=orders, campaigns=campaigns))
    assert run.returncode == 0, run.output[-5000:]
    return project


def test_a_bad_treatment_share_quarantines_its_campaign(
    campaign_shares_build: DbtProject,
) -> None:
    quarantined = campaign_shares_build.query(
        "select raw_record, dq_reason from rfm_marts.fct_quarantined_rows "
        "where source_table = 'campaigns'"
    )
    # The raw record shows the share as given, as its last field.
    got = {
        record.split(" | ")[0]: (reason, record.split(" | ")[-1]) for record, reason in quarantined
    }
    assert got == {
        key: (reason, share)
        for key, (share, reason, _) in SHARE_CASES.items()
        if reason is not None
    }
    clean = dict(
        campaign_shares_build.query(
            "select campaign_id, treatment_share from rfm_intermediate.int_campaigns_validated"
        )
    )
    assert clean == {
        key: share for key, (_, reason, share) in SHARE_CASES.items() if reason is None
    }


def test_campaigns_without_a_treatment_share_column_build(demo_build: DbtProject) -> None:
    """The demo seeds have no treatment_share column: staging reads it as null,
    leaves it out of the raw record, and every cell is checked against the
    var's design share."""
    [(rows, shares, fields)] = demo_build.query(
        "select count(*), count(treatment_share), max(length(raw_record) -"
        " length(replace(raw_record, ' | ', ''))) / 3 + 1"
        " from rfm_staging.stg_shop__campaigns"
    )
    assert rows > 0 and shares == 0
    assert fields == 6  # campaign_id .. cost, and no seventh
    designs = demo_build.query(
        "select distinct design_treatment_share from rfm_marts.fct_campaign_performance"
    )
    project_vars = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
    assert designs == [(project_vars["campaign_design_treatment_share"],)]
