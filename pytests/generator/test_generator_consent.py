"""Per-channel consent: every channel reachable, the truth recounted from the
rows, and the consent draws independent of everything else."""

from __future__ import annotations

from pathlib import Path

from conftest import GeneratedRun, run_cli

from rfm_nbo.generator.schema import TABLES

CONSENT_COLUMNS = ("email_opt_in", "sms_opt_in", "push_opt_in", "unsubscribed_at")
SMALL = ["--customers", "1500", "--products", "60", "--seed", "5"]


def recount_contactable(run: GeneratedRun) -> dict[str, int]:
    """Customers each channel may reach, by the documented rule, from the raw rows."""
    unsubscribed = {
        row["customer_id"]
        for row in run.recount.clean["campaign_events"]
        if row["event_type"] == "unsubscribed"
    }
    counts = dict.fromkeys(("email", "sms", "push", "any"), 0)
    for row in run.recount.clean["customers"]:
        if row["unsubscribed_at"] is not None or row["customer_id"] in unsubscribed:
            continue
        channels = {
            "email": row["marketing_opt_in"] == "true" and row["email_opt_in"] == "true",
            "sms": row["sms_opt_in"] == "true",
            "push": row["push_opt_in"] == "true",
        }
        for name, allowed in channels.items():
            counts[name] += allowed
        counts["any"] += any(channels.values())
    return counts


def test_truth_counts_contactable_customers_as_a_recount_does(demo_run: GeneratedRun) -> None:
    truth = demo_run.truth["consent"]["contactable_customers"]

    assert truth == recount_contactable(demo_run)
    # The demo can reach customers on every channel, and not everyone everywhere.
    customers = len(demo_run.recount.clean["customers"])
    assert all(0 < truth[name] < customers for name in ("email", "sms", "push"))


def test_consent_columns_hold_every_case_the_models_must_handle(demo_run: GeneratedRun) -> None:
    rows = demo_run.recount.clean["customers"]
    # A later email opt-out while the legacy flag still says yes.
    assert any(r["marketing_opt_in"] == "true" and r["email_opt_in"] == "false" for r in rows)
    # Never an email opt-in without the legacy one.
    assert not any(r["marketing_opt_in"] == "false" and r["email_opt_in"] == "true" for r in rows)
    for column in ("sms_opt_in", "push_opt_in"):
        assert {r[column] for r in rows} == {"true", "false", None}, column
    unsubscribed = [r for r in rows if r["unsubscribed_at"] is not None]
    assert unsubscribed
    assert all(r["signed_up_at"] <= r["unsubscribed_at"] for r in unsubscribed)


def test_consent_rates_change_no_other_value(tmp_path: Path) -> None:
    """Consent draws have their own random stream: other rates, same everything else."""
    run_cli(tmp_path / "a", tmp_path / "a_truth", *SMALL)
    run_cli(tmp_path / "b", tmp_path / "b_truth", *SMALL, "--sms-opt-in-rate", "0.9",
            "--push-opt-in-rate", "0.1", "--email-opt-out-rate", "0.5",
            "--unsubscribed-rate", "0.3", "--consent-unknown-rate", "0.2")  # fmt: skip

    for table in TABLES:
        a = (tmp_path / "a" / f"{table}.csv").read_text().splitlines()
        b = (tmp_path / "b" / f"{table}.csv").read_text().splitlines()
        if table != "customers":
            assert a == b, table
            continue
        header = a[0].split(",")
        kept = [i for i, column in enumerate(header) if column not in CONSENT_COLUMNS]
        assert [[line.split(",")[i] for i in kept] for line in a] == [
            [line.split(",")[i] for i in kept] for line in b
        ]
        assert a != b
