"""The audience export on hand-made mini warehouses: the files a sending tool and
the raw campaign tables receive, and the errors a user can fix.

Expected values are worked out by hand from the rows below: 3 email members (2
treatment at 0.01 each -> cost 0.02), 2 sms members (1 treatment at 0.06 -> cost
0.06), discounts 0.15 -> '15' and 0.125 -> '12.5' percent, the mart's design
treatment share 0.9 (a build with holdout_share 0.1) -> treatment_share '0.9'.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import duckdb
import pytest
import yaml

from rfm_nbo.audience.cli import main
from rfm_nbo.audience.contract import CAMPAIGN_MEMBERS_COLUMNS, CAMPAIGNS_COLUMNS

PROJECT_DIR = Path(__file__).resolve().parents[2]
SOURCES_YML = PROJECT_DIR / "models" / "staging" / "shop" / "_shop__sources.yml"
AS_OF = date(2026, 7, 1)

MART_DDL = """
create table rfm_marts.fct_campaign_audience (
    audience_campaign_id varchar, campaign_id varchar, customer_id varchar,
    rfm_segment varchar, channel varchar, experiment_group varchar, is_treatment boolean,
    product_id varchar, product_name varchar, category varchar, discount_rate double,
    headline varchar, body varchar, sms varchar, copy_source varchar,
    expected_incremental_margin double, contact_cost double, design_treatment_share double,
    as_of_date date, contact_priority bigint
)
"""

# (campaign suffix, customer, segment, channel, group, product, discount, cost)
ROWS = [
    ("email", "C1", "Champions", "email", "treatment", "P1", 0.15, 0.01),
    ("email", "C2", "At Risk", "email", "treatment", "P2", 0.125, 0.01),
    ("email", "C3", "At Risk", "email", "control", "P2", 0.125, 0.01),
    ("sms", "C4", "Lost", "sms", "treatment", "P3", 0.3, 0.06),
    ("sms", "C5", "Lost", "sms", "control", "P3", 0.3, 0.06),
]


# contact_priority per customer (the send order of a capped campaign).
PRIORITY = {"C1": 1, "C2": 4, "C3": 2, "C4": 3, "C5": 5}


def write_warehouse(
    path: Path,
    rows: list[tuple] = ROWS,
    audience_id: str = "nbo-2026-07-01",
    id_map: dict[str, str] | None = None,
    with_mart: bool = True,
    shares: dict[str, float | None] | None = None,
) -> Path:
    """A mini warehouse; `shares` gives a customer's design_treatment_share
    (default 0.9)."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema rfm_marts")
        con.execute("create schema rfm_restricted")
        con.execute(
            "create table rfm_restricted.int_customer_ids_mapped"
            " (customer_id varchar, source_customer_id varchar)"
        )
        for key, raw in (id_map or {}).items():
            con.execute(
                "insert into rfm_restricted.int_customer_ids_mapped values (?, ?)", [key, raw]
            )
        if not with_mart:
            return path
        con.execute(MART_DDL)
        for suffix, customer, segment, channel, group, product, discount, cost in rows:
            con.execute(
                "insert into rfm_marts.fct_campaign_audience values"
                " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    audience_id,
                    f"{audience_id}-{suffix}",
                    customer,
                    segment,
                    channel,
                    group,
                    group == "treatment",
                    product,
                    f"Product {product}",
                    "books",
                    discount,
                    f"Headline {customer}",
                    f"Body {customer}",
                    f"Sms {customer}",
                    "template",
                    0.5,
                    cost,
                    (shares or {}).get(customer, 0.9),
                    AS_OF,
                    PRIORITY[customer],
                ],
            )
    return path


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return write_warehouse(tmp_path / "wh.duckdb")


def export(warehouse: Path, out: Path, *extra: str) -> int:
    return main(["--warehouse", str(warehouse), "--out", str(out), *extra])


def test_the_file_headers_are_the_raw_contracts() -> None:
    sources = yaml.safe_load(SOURCES_YML.read_text())["sources"]
    tables = {table["name"]: table for source in sources for table in source["tables"]}
    for name, columns in (
        ("campaign_members", CAMPAIGN_MEMBERS_COLUMNS),
        ("campaigns", CAMPAIGNS_COLUMNS),
    ):
        assert tuple(column["name"] for column in tables[name]["columns"]) == columns


def test_one_folder_per_channel_campaign_with_the_three_files(
    warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert export(warehouse, out, "--sent-at", "2026-07-01T11:30:00+02:00") == 0
    assert sorted(path.name for path in out.iterdir()) == [
        "nbo-2026-07-01-email",
        "nbo-2026-07-01-sms",
    ]

    email = out / "nbo-2026-07-01-email"
    header, rows = read_csv(email / "send.csv")
    assert header[-2:] == ["headline", "body"] and "sms" not in header
    # Treatment only: the holdout member C3 is never sent anything.
    assert [(row["customer_id"], row["discount_pct"], row["headline"]) for row in rows] == [
        ("C1", "15", "Headline C1"),
        ("C2", "12.5", "Headline C2"),
    ]
    header, members = read_csv(email / "campaign_members.csv")
    assert tuple(header) == CAMPAIGN_MEMBERS_COLUMNS
    assert [
        (row["customer_id"], row["group"], row["segment_at_send"], row["offer_product_id"])
        for row in members
    ] == [
        ("C1", "treatment", "Champions", "P1"),
        ("C2", "treatment", "At Risk", "P2"),
        ("C3", "control", "At Risk", "P2"),
    ]
    # 11:30 at +02:00 is 09:30 UTC, the spelling of the raw files.
    assert {row["sent_at"] for row in members} == {"2026-07-01 09:30:00"}
    assert read_csv(email / "campaigns.csv")[1] == [
        {
            "campaign_id": "nbo-2026-07-01-email",
            "campaign_name": "Next best offer nbo-2026-07-01 (email)",
            "channel": "email",
            "started_at": "2026-07-01 09:30:00",
            "ended_at": "2026-07-01 09:30:00",
            "cost": "0.02",
            "treatment_share": "0.9",
        }
    ]

    sms = out / "nbo-2026-07-01-sms"
    header, rows = read_csv(sms / "send.csv")
    assert header[-1] == "sms" and "headline" not in header
    assert [(row["customer_id"], row["sms"], row["discount_pct"]) for row in rows] == [
        ("C4", "Sms C4", "30")
    ]
    assert [row["group"] for row in read_csv(sms / "campaign_members.csv")[1]] == [
        "treatment",
        "control",
    ]
    assert read_csv(sms / "campaigns.csv")[1][0]["cost"] == "0.06"

    captured = capsys.readouterr()
    assert "email nbo-2026-07-01-email: 2 to send, 1 held out" in captured.err
    assert "sms   nbo-2026-07-01-sms: 1 to send, 1 held out" in captured.err
    assert "3 messages to send, 2 customers held out" in captured.out


def test_the_send_is_planned_at_nine_on_the_as_of_date_by_default(
    warehouse: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    assert export(warehouse, out) == 0
    _, members = read_csv(out / "nbo-2026-07-01-sms" / "campaign_members.csv")
    assert {row["sent_at"] for row in members} == {"2026-07-01 09:00:00"}


def test_hashed_customer_keys_go_out_as_the_raw_ids(tmp_path: Path) -> None:
    keys = {f"C{i}": f"customer{i}@example.com" for i in range(1, 6)}
    warehouse = write_warehouse(tmp_path / "wh.duckdb", id_map=keys)
    out = tmp_path / "out"
    assert export(warehouse, out) == 0
    _, rows = read_csv(out / "nbo-2026-07-01-email" / "send.csv")
    assert [row["customer_id"] for row in rows] == [
        "customer1@example.com",
        "customer2@example.com",
    ]
    _, members = read_csv(out / "nbo-2026-07-01-sms" / "campaign_members.csv")
    assert [row["customer_id"] for row in members] == [
        "customer4@example.com",
        "customer5@example.com",
    ]


def test_a_key_without_a_raw_id_stops_the_export(tmp_path: Path, capsys) -> None:
    warehouse = write_warehouse(tmp_path / "wh.duckdb", id_map={"C1": "one@example.com"})
    assert export(warehouse, tmp_path / "out") == 2
    assert "has no raw id" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_an_exported_campaign_is_not_replaced_without_overwrite(
    warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert export(warehouse, out, "--sent-at", "2026-07-01 09:00") == 0
    capsys.readouterr()
    assert export(warehouse, out, "--sent-at", "2026-07-02 09:00") == 2
    error = capsys.readouterr().err
    assert "nbo-2026-07-01-email, nbo-2026-07-01-sms" in error and "--overwrite" in error
    _, members = read_csv(out / "nbo-2026-07-01-email" / "campaign_members.csv")
    assert members[0]["sent_at"] == "2026-07-01 09:00:00"

    assert export(warehouse, out, "--sent-at", "2026-07-02 09:00", "--overwrite") == 0
    _, members = read_csv(out / "nbo-2026-07-01-email" / "campaign_members.csv")
    assert members[0]["sent_at"] == "2026-07-02 09:00:00"
    assert not list(out.rglob("*.partial"))


def test_a_missing_warehouse_says_to_build_it(tmp_path: Path, capsys) -> None:
    assert export(tmp_path / "nowhere.duckdb", tmp_path / "out") == 2
    error = capsys.readouterr().err
    assert "No warehouse at" in error and "make demo" in error


def test_a_warehouse_without_the_mart_says_to_build_it(tmp_path: Path, capsys) -> None:
    warehouse = write_warehouse(tmp_path / "wh.duckdb", with_mart=False)
    assert export(warehouse, tmp_path / "out") == 2
    error = capsys.readouterr().err
    assert "No table rfm_marts.fct_campaign_audience" in error and "dbt build" in error


def test_a_mart_of_an_older_build_names_the_missing_columns(
    warehouse: Path, tmp_path: Path, capsys
) -> None:
    with duckdb.connect(str(warehouse)) as con:
        con.execute("alter table rfm_marts.fct_campaign_audience drop column contact_cost")
    assert export(warehouse, tmp_path / "out") == 2
    error = capsys.readouterr().err
    assert "lacks column(s) contact_cost" in error and "dbt build" in error


def test_an_unwritable_output_says_so(warehouse: Path, tmp_path: Path, capsys) -> None:
    # A regular file on the way: mkdir fails even for root (permission bits do not).
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert export(warehouse, blocker / "out") == 2
    assert "Pass --out with a writable folder" in capsys.readouterr().err
    assert export(warehouse, blocker) == 2
    assert "is a file, not a folder" in capsys.readouterr().err


def test_an_empty_audience_writes_nothing(tmp_path: Path, capsys) -> None:
    warehouse = write_warehouse(tmp_path / "wh.duckdb", rows=[])
    assert export(warehouse, tmp_path / "out") == 0
    assert "Nothing written" in capsys.readouterr().out
    assert not (tmp_path / "out").exists()


def test_a_campaign_id_that_is_no_folder_name_is_refused(tmp_path: Path, capsys) -> None:
    warehouse = write_warehouse(tmp_path / "wh.duckdb", audience_id="../escape")
    assert export(warehouse, tmp_path / "out") == 2
    assert "cannot be a folder name" in capsys.readouterr().err
    assert not (tmp_path / "escape-email").exists()


def test_an_unreadable_send_time_is_a_usage_error(warehouse: Path, tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        export(warehouse, tmp_path / "out", "--sent-at", "next tuesday")
    assert exit_info.value.code == 2
    assert "is not a time" in capsys.readouterr().err


def test_a_campaign_measured_before_is_exported_with_a_warning(
    warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "create table rfm_marts.fct_campaign_performance as"
            " select 'nbo-2026-07-01-email' as campaign_id union all select 'CMP001'"
        )
    assert export(warehouse, tmp_path / "out") == 0
    warnings = [line for line in capsys.readouterr().err.splitlines() if "warning" in line]
    assert len(warnings) == 1
    assert "campaign nbo-2026-07-01-email is already in fct_campaign_performance" in warnings[0]


@pytest.mark.parametrize(
    ("share", "written"),
    [(0.9, "0.9"), (0.85, "0.85"), (1.0, "1"), (0.0, "0"), (2 / 3, "0.666667")],
)
def test_the_treatment_share_is_written_with_at_most_six_decimals(
    tmp_path: Path, share: float, written: str
) -> None:
    # Staging quarantines a nonzero 7th decimal (too_many_decimals_treatment_share):
    # 2/3 = 0.6666666... is rounded to 6 decimals, 0.666667.
    customers = [row[1] for row in ROWS]
    warehouse = write_warehouse(tmp_path / "wh.duckdb", shares=dict.fromkeys(customers, share))
    out = tmp_path / "out"
    assert export(warehouse, out) == 0
    for folder in out.iterdir():
        [campaign] = read_csv(folder / "campaigns.csv")[1]
        assert campaign["treatment_share"] == written


def test_a_campaign_with_two_design_shares_is_refused(tmp_path: Path, capsys) -> None:
    warehouse = write_warehouse(tmp_path / "wh.duckdb", shares={"C2": 0.8})
    assert export(warehouse, tmp_path / "out") == 2
    error = capsys.readouterr().err
    assert "nbo-2026-07-01-email mixes design treatment shares [0.8, 0.9]" in error
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("share", [None, 1.5, -0.1])
def test_a_design_share_outside_zero_to_one_is_refused(
    tmp_path: Path, capsys, share: float | None
) -> None:
    warehouse = write_warehouse(tmp_path / "wh.duckdb", shares={"C4": share})
    assert export(warehouse, tmp_path / "out") == 2
    error = capsys.readouterr().err
    assert f"design_treatment_share {share} (a fraction 0..1)" in error
    assert "'C4'" in error
    assert not (tmp_path / "out").exists()


def test_a_capped_export_keeps_the_first_customers_by_priority_in_both_groups(
    warehouse: Path, tmp_path: Path, capsys
) -> None:
    # Priorities 1..3 are C1 (email, treatment), C3 (email, control) and C4
    # (sms, treatment): the email campaign keeps one of each group, sms one send.
    assert export(warehouse, tmp_path / "out", "--max-contacts", "3") == 0
    email = tmp_path / "out" / "nbo-2026-07-01-email"
    _, members = read_csv(email / "campaign_members.csv")
    assert sorted((row["customer_id"], row["group"]) for row in members) == [
        ("C1", "treatment"),
        ("C3", "control"),
    ]
    _, sms = read_csv(tmp_path / "out" / "nbo-2026-07-01-sms" / "campaign_members.csv")
    assert [(row["customer_id"], row["group"]) for row in sms] == [("C4", "treatment")]
    assert "contact_priority <= 3: 3 customers" in capsys.readouterr().err


def test_a_cap_below_one_is_a_usage_error(warehouse: Path, tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as stop:
        export(warehouse, tmp_path / "out", "--max-contacts", "0")
    assert stop.value.code == 2
    assert "whole number of customers" in capsys.readouterr().err


def test_a_cap_on_a_mart_without_priorities_says_to_rebuild(tmp_path: Path, capsys) -> None:
    path = write_warehouse(tmp_path / "wh.duckdb")
    with duckdb.connect(str(path)) as con:
        con.execute("alter table rfm_marts.fct_campaign_audience drop column contact_priority")
    assert export(path, tmp_path / "out", "--max-contacts", "2") == 2
    assert "lacks column(s) contact_priority" in capsys.readouterr().err
