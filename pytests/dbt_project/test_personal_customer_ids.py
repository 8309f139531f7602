"""Customer ids that are email addresses never reach a mart, in any column,
keys included; the restricted mapping table is the way back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from dbt_runner import DbtProject
from mart_scan import email_shaped_values_in_marts

ORDERS = [
    "order_id,customer_id,ordered_at,status,order_amount",
    "1,Jane.Doe@Gmail.com,2026-03-01 10:00:00,completed,10.00",
    "2,jane.doe@gmail.com ,2026-03-05 10:00:00,completed,20.00",
    "3,bob@example.org,2026-03-02 10:00:00,completed,5.00",
    "4,bob@example.org,not a date,completed,5.00",
]


def test_email_ids_become_salted_keys_and_one_customer(
    dbt_project: DbtProject, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RFM_EMAIL_HASH_SALT", raising=False)
    orders = tmp_path / "orders.csv"
    orders.write_text("\n".join(ORDERS) + "\n")

    run = dbt_project.run("build", "--vars", json.dumps({"raw_files": {"orders": str(orders)}}))

    assert run.returncode == 0, run.output[-5000:]
    assert "Customer ids look like email addresses" in run.output
    # The test run sets no salt: on a user's data that is a warning, not an info line.
    assert "RFM_EMAIL_HASH_SALT is not set, so the email hashes" in run.output
    # Every column of every mart, keys and the quarantine's raw records included.
    raw_emails = {"jane.doe@gmail.com", "bob@example.org"}
    assert email_shaped_values_in_marts(dbt_project, raw_emails) == []
    # Jane's two spellings are one customer with both orders.
    mapped = dict(
        dbt_project.query(
            "select source_customer_id, customer_id from rfm_restricted.int_customer_ids_mapped"
        )
    )
    assert set(mapped) == {"Jane.Doe@Gmail.com", "jane.doe@gmail.com", "bob@example.org"}
    assert mapped["Jane.Doe@Gmail.com"] == mapped["jane.doe@gmail.com"]
    frequency = dict(
        dbt_project.query("select customer_id, frequency from rfm_marts.dim_customers")
    )
    assert frequency == {mapped["jane.doe@gmail.com"]: 2, mapped["bob@example.org"]: 1}
    # The quarantined order shows the id redacted, not in clear.
    (record,) = dbt_project.query("select raw_record from rfm_marts.fct_quarantined_rows")[0]
    assert record.startswith("4 | <redacted> | not a date")


def test_plain_ids_stay_as_they_are(dbt_project: DbtProject, tmp_path: Path) -> None:
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "order_id,customer_id,ordered_at,status,order_amount\n"
        "1,C1,2026-03-01 10:00:00,completed,10.00\n"
    )

    run = dbt_project.run("build", "--vars", json.dumps({"raw_files": {"orders": str(orders)}}))

    assert run.returncode == 0, run.output[-5000:]
    assert "Customer ids look like email addresses" not in run.output
    assert dbt_project.query("select customer_id from rfm_marts.dim_customers") == [("C1",)]
    mapped = dbt_project.query("select count(*) from rfm_restricted.int_customer_ids_mapped")
    assert mapped == [(0,)]
