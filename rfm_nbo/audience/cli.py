"""Command line: the next campaign's audience as CSV files for a sending tool.

    python -m rfm_nbo.audience --out target/audience [--sent-at '2026-07-01 09:00']

Exit codes: 0 written (or nothing to write: an empty audience); 2 a problem the
user can fix (no warehouse, locked or unbuilt warehouse, no audience mart,
output not writable, campaign folder already exported), with a message saying
what to do. The warehouse is opened read-only and closed before anything is
written.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, time
from pathlib import Path

from rfm_nbo.audience.errors import AudienceError
from rfm_nbo.audience.export import (
    ChannelCampaign,
    check_targets,
    split_campaigns,
    write_campaign,
)
from rfm_nbo.audience.reader import AudienceMember, campaigns_already_measured, read_audience
from rfm_nbo.dashboard.cli import default_schema, default_warehouse

# Without --sent-at the send is planned for this time of the as-of date (UTC).
DEFAULT_SEND_TIME = time(9, 0)

EPILOG = """\
the round trip (README, "Send a campaign and bring the send log back"):
  1. send the rows of each <campaign_id>/send.csv with your sending tool;
  2. append <campaign_id>/campaign_members.csv to your campaign_members export
     (put in the real sent_at if the tool reports one) and <campaign_id>/campaigns.csv
     to your campaigns export;
  3. after attribution_window_days, rebuild: fct_campaign_performance measures the
     campaign against its holdout, and fct_segment_uplift learns from it.
"""


def restricted_schema() -> str:
    """The schema of the id map dbt builds: <RFM_SCHEMA>_restricted."""
    return f"{os.environ.get('RFM_SCHEMA') or 'rfm'}_restricted"


def parse_sent_at(text: str) -> datetime:
    """'YYYY-MM-DD HH:MM[:SS]' (UTC), ISO 8601 with a T or an offset too; naive UTC out."""
    try:
        parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as error:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a time: use 'YYYY-MM-DD HH:MM' (UTC) or ISO 8601 with an offset"
        ) from error
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed.replace(microsecond=0)


def positive_count(text: str) -> int:
    """A whole number of customers, at least 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of customers >= 1")
    return value


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m rfm_nbo.audience",
        description=(
            "Write the audience of the next campaign (mart fct_campaign_audience) per "
            "channel: <out>/<campaign_id>/send.csv for the sending tool, and "
            "campaign_members.csv (treatment and holdout) and campaigns.csv to append to "
            "your raw campaign tables, so the next build measures the campaign. Build the "
            "warehouse first with `make demo` or `.venv/bin/dbt build`."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--out", type=Path, metavar="DIR", required=True, help="folder for the campaign folders"
    )
    parser.add_argument(
        "--warehouse",
        type=Path,
        metavar="PATH",
        default=default_warehouse(),
        help="DuckDB file, opened read-only (default: $RFM_DUCKDB_PATH or "
        "warehouse/rfm_nbo.duckdb; now %(default)s)",
    )
    parser.add_argument(
        "--sent-at",
        type=parse_sent_at,
        metavar="TIME",
        help="planned send time, UTC ('YYYY-MM-DD HH:MM'); written as sent_at and "
        "started_at (default: the audience's as_of_date at 09:00)",
    )
    parser.add_argument(
        "--max-contacts",
        type=positive_count,
        metavar="N",
        help="export only the first N customers by contact_priority, treatment and holdout "
        "alike: lapsing customers worth most if kept come first (default: everyone)",
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace the files of campaign folders exported before (default: refuse)",
    )
    parser.add_argument(
        "--marts-schema",
        metavar="NAME",
        default=default_schema(),
        help="schema holding the marts (default: <RFM_SCHEMA>_marts; now %(default)s)",
    )
    parser.add_argument(
        "--restricted-schema",
        metavar="NAME",
        default=restricted_schema(),
        help="schema holding int_customer_ids_mapped, the way back from hashed customer "
        "ids (default: <RFM_SCHEMA>_restricted; now %(default)s)",
    )
    return parser.parse_args(argv)


def planned_send_time(members: Sequence[AudienceMember], sent_at: datetime | None) -> datetime:
    """--sent-at, else the as-of date at DEFAULT_SEND_TIME."""
    if sent_at is not None:
        return sent_at
    dates = {member.as_of_date for member in members if member.as_of_date is not None}
    if len(dates) != 1:
        raise AudienceError(
            "The audience has no single as_of_date to plan the send from; pass --sent-at "
            "'YYYY-MM-DD HH:MM' (UTC)."
        )
    return datetime.combine(dates.pop(), DEFAULT_SEND_TIME)


def progress_line(campaign: ChannelCampaign, folder: Path) -> str:
    return (
        f"  {campaign.channel:<5} {campaign.campaign_id}: {len(campaign.treatment):,} to send, "
        f"{len(campaign.control):,} held out, cost {campaign.cost:,.2f} -> {folder}"
    )


def run(args: argparse.Namespace) -> list[ChannelCampaign]:
    """Read the audience, check the output, write one folder per channel campaign."""
    print(
        f"Reading {args.marts_schema}.fct_campaign_audience from {args.warehouse}",
        file=sys.stderr,
    )
    members = read_audience(
        args.warehouse, args.marts_schema, args.restricted_schema, args.max_contacts
    )
    if args.max_contacts is not None:
        print(
            f"Capped at contact_priority <= {args.max_contacts:,}: {len(members):,} customers",
            file=sys.stderr,
        )
    campaigns = split_campaigns(members)
    if not campaigns:
        return []
    sent_at = planned_send_time(members, args.sent_at)
    for campaign_id in campaigns_already_measured(
        args.warehouse, args.marts_schema, (campaign.campaign_id for campaign in campaigns)
    ):
        print(
            f"warning: campaign {campaign_id} is already in fct_campaign_performance: its "
            "send log came back before. Do not append it twice (a second row per customer "
            "is quarantined as duplicate_key); for a new campaign, rebuild with a new "
            "var audience_campaign_id.",
            file=sys.stderr,
        )
    check_targets(args.out, campaigns, args.overwrite)
    print(f"Planned send time {sent_at:%Y-%m-%d %H:%M:%S} UTC", file=sys.stderr)
    for campaign in campaigns:
        folder = write_campaign(args.out, campaign, sent_at)
        print(progress_line(campaign, folder), file=sys.stderr)
    return campaigns


def summary(campaigns: Sequence[ChannelCampaign], out: Path) -> str:
    sent = sum(len(campaign.treatment) for campaign in campaigns)
    held = sum(len(campaign.control) for campaign in campaigns)
    return (
        f"Wrote {len(campaigns)} campaign(s) to {out}: {sent:,} messages to send, "
        f"{held:,} customers held out as control.\n"
        "Next: send each send.csv; append each campaign_members.csv and campaigns.csv to "
        "your campaign_members and campaigns exports; rebuild after the attribution window "
        "(README, 'Send a campaign and bring the send log back')."
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    args = parse_args(argv)
    try:
        campaigns = run(args)
    except AudienceError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not campaigns:
        print(
            "The audience is empty: nobody passes the contact policy (see "
            "dim_customers.contact_status and contact_status_reason). Nothing written."
        )
        return 0
    print(summary(campaigns, args.out))
    return 0
