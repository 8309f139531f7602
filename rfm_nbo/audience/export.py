"""Writing the audience as files: per channel campaign, what to send and what
to append to the raw campaign tables.

``<out>/<campaign_id>/send.csv``              treatment rows, what a sending tool needs
``<out>/<campaign_id>/campaign_members.csv``  treatment and control rows, raw contract
``<out>/<campaign_id>/campaigns.csv``         the campaign's row, raw contract

The holdout (control) rows are never sent, but they go into the send log: the
next build measures the campaign as treatment against them, and checks the
split against the campaign's treatment_share (1 - holdout_share of the build).
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from rfm_nbo.audience.contract import (
    CAMPAIGN_MEMBERS_COLUMNS,
    CAMPAIGNS_COLUMNS,
    SEND_COMMON_COLUMNS,
    SEND_COPY_COLUMNS,
    TIMESTAMP_FORMAT,
)
from rfm_nbo.audience.errors import AudienceError
from rfm_nbo.audience.reader import AudienceMember

SEND_FILE = "send.csv"
MEMBERS_FILE = "campaign_members.csv"
CAMPAIGNS_FILE = "campaigns.csv"
FILES = (SEND_FILE, MEMBERS_FILE, CAMPAIGNS_FILE)


@dataclass(frozen=True)
class ChannelCampaign:
    """The rows of one campaign (one channel) of the audience."""

    campaign_id: str
    audience_campaign_id: str
    channel: str
    members: tuple[AudienceMember, ...]

    @property
    def treatment(self) -> tuple[AudienceMember, ...]:
        return tuple(member for member in self.members if member.is_treatment)

    @property
    def control(self) -> tuple[AudienceMember, ...]:
        return tuple(member for member in self.members if not member.is_treatment)

    @property
    def treatment_share(self) -> float | None:
        """The planned treatment share (split_campaigns checks it is one value)."""
        return self.members[0].design_treatment_share if self.members else None

    @property
    def cost(self) -> float:
        """Planned cost: the contact cost of every message sent (holdout costs nothing)."""
        return round(sum(member.contact_cost or 0.0 for member in self.treatment), 2)


def split_campaigns(members: Iterable[AudienceMember]) -> list[ChannelCampaign]:
    """Group the audience by campaign_id; each campaign must have one channel."""
    grouped: dict[str, list[AudienceMember]] = {}
    for member in members:
        grouped.setdefault(member.campaign_id, []).append(member)
    campaigns = []
    for campaign_id, rows in sorted(grouped.items()):
        channels = {row.channel for row in rows}
        audiences = {row.audience_campaign_id for row in rows}
        shares = {row.design_treatment_share for row in rows}
        if len(channels) > 1 or len(audiences) > 1:
            raise AudienceError(
                f"Campaign {campaign_id} mixes channels {sorted(channels)} or audiences "
                f"{sorted(audiences)}; the campaigns table holds one channel per campaign. "
                "Rebuild fct_campaign_audience with `dbt build`."
            )
        if len(shares) > 1:
            raise AudienceError(
                f"Campaign {campaign_id} mixes design treatment shares {sorted(shares)}; one "
                "build plans one split. Rebuild fct_campaign_audience with `dbt build`."
            )
        check_folder_name(campaign_id)
        campaigns.append(ChannelCampaign(campaign_id, audiences.pop(), channels.pop(), tuple(rows)))
    return campaigns


def check_folder_name(campaign_id: str) -> None:
    """A campaign id becomes a folder name: refuse one that would leave the output folder."""
    if campaign_id in (".", "..") or any(sep in campaign_id for sep in ("/", "\\", "\0")):
        raise AudienceError(
            f"Campaign id {campaign_id!r} cannot be a folder name. Choose another "
            "var audience_campaign_id (letters, digits, '-' and '_') and rebuild."
        )


def check_targets(out: Path, campaigns: Sequence[ChannelCampaign], overwrite: bool) -> None:
    """Refuse, before writing anything, to replace an earlier export of a campaign:
    its send log may already be on its way back."""
    if out.exists() and not out.is_dir():
        raise AudienceError(f"{out} is a file, not a folder. Pass --out with a folder.")
    if overwrite:
        return
    existing = [
        campaign.campaign_id for campaign in campaigns if (out / campaign.campaign_id).exists()
    ]
    if existing:
        raise AudienceError(
            f"{out} already holds campaign folder(s) {', '.join(existing)}: this audience "
            "was exported before. Pass --overwrite to replace the files, or build a new "
            "audience with `dbt build --vars '{audience_campaign_id: ...}'`."
        )


def format_share(share: float | None) -> str:
    """A 0..1 share with at most 6 decimals (staging quarantines more as
    too_many_decimals_treatment_share): 0.9 -> '0.9', 1.0 -> '1', None -> ''."""
    if share is None:
        return ""
    return f"{share:.6f}".rstrip("0").rstrip(".")


def format_pct(rate: float | None) -> str:
    """A 0..1 rate as the contract's percent: 0.15 -> '15', 0.125 -> '12.5', None -> ''."""
    if rate is None:
        return ""
    return f"{rate * 100:.4f}".rstrip("0").rstrip(".")


def send_rows(campaign: ChannelCampaign) -> tuple[tuple[str, ...], list[dict[str, str]]]:
    """Header and rows of send.csv: the treatment group, with the channel's copy."""
    header = SEND_COMMON_COLUMNS + SEND_COPY_COLUMNS[campaign.channel]
    rows = []
    for member in campaign.treatment:
        row = {
            "campaign_id": member.campaign_id,
            "customer_id": member.customer_id,
            "channel": member.channel,
            "product_id": member.product_id or "",
            "product_name": member.product_name or "",
            "category": member.category or "",
            "discount_pct": format_pct(member.discount_rate),
            "headline": member.headline or "",
            "body": member.body or "",
            "sms": member.sms or "",
        }
        rows.append({name: row[name] for name in header})
    return header, rows


def member_rows(campaign: ChannelCampaign, sent_at: datetime) -> list[dict[str, str]]:
    """campaign_members.csv: every member, treatment and control, at the planned time."""
    planned = sent_at.strftime(TIMESTAMP_FORMAT)
    return [
        {
            "campaign_id": member.campaign_id,
            "customer_id": member.customer_id,
            "group": member.experiment_group,
            "segment_at_send": member.rfm_segment or "",
            "offer_product_id": member.product_id or "",
            "offer_discount_pct": format_pct(member.discount_rate),
            "sent_at": planned,
        }
        for member in campaign.members
    ]


def campaign_row(campaign: ChannelCampaign, sent_at: datetime) -> dict[str, str]:
    """campaigns.csv: a one-shot send starts and ends at the send time (measurement
    follows each member for attribution_window_days after their own sent_at)."""
    planned = sent_at.strftime(TIMESTAMP_FORMAT)
    return {
        "campaign_id": campaign.campaign_id,
        "campaign_name": f"Next best offer {campaign.audience_campaign_id} ({campaign.channel})",
        "channel": campaign.channel,
        "started_at": planned,
        "ended_at": planned,
        "cost": f"{campaign.cost:.2f}",
        "treatment_share": format_share(campaign.treatment_share),
    }


def write_csv(path: Path, header: Sequence[str], rows: Iterable[dict[str, str]]) -> None:
    """Write a CSV beside its final name, then move it in place: a failed run never
    leaves a half-written file for someone to send."""
    partial = path.with_name(f".{path.name}.partial")
    with partial.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(header))
        writer.writeheader()
        writer.writerows(rows)
    os.replace(partial, path)


def write_campaign(out: Path, campaign: ChannelCampaign, sent_at: datetime) -> Path:
    """The three files of one campaign in <out>/<campaign_id>/; returns the folder."""
    folder = out / campaign.campaign_id
    try:
        folder.mkdir(parents=True, exist_ok=True)
        header, rows = send_rows(campaign)
        write_csv(folder / SEND_FILE, header, rows)
        write_csv(folder / MEMBERS_FILE, CAMPAIGN_MEMBERS_COLUMNS, member_rows(campaign, sent_at))
        write_csv(folder / CAMPAIGNS_FILE, CAMPAIGNS_COLUMNS, [campaign_row(campaign, sent_at)])
    except OSError as error:
        raise AudienceError(
            f"Cannot write {folder}: {error.strerror or error}. Pass --out with a writable folder."
        ) from error
    return folder
