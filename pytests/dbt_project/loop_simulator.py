"""A sending tool and its customers, for the closed-loop test only.

Given the folders ``python -m rfm_nbo.audience`` wrote, it "sends" each
campaign's send.csv, reports the real send time of every sent message (a few
minutes after the planned time; holdout rows keep the planned time), and
lets every member respond by the planted truth of the generated data: a
member converts with probability base_conversion_rate + base_uplift of its
behaviour type (truth.json and customer_types.csv), the uplift for the
treatment group only. A converting member places one completed order with one
line, for the offered product, inside the attribution window. Then it appends
what a shop would export to the raw CSVs: the campaigns and campaign_members
rows (the send log) and the new orders and order_items.
"""

from __future__ import annotations

import csv
import json
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True)
class Behaviour:
    base_rate: float
    uplift: float


@dataclass
class CampaignOutcome:
    """What the simulator did for one campaign: members and conversions per group."""

    campaign_id: str
    channel: str
    members: Counter = field(default_factory=Counter)
    conversions: Counter = field(default_factory=Counter)
    controls: set[str] = field(default_factory=set)


def planted_behaviour(truth_dir: Path) -> dict[str, Behaviour]:
    """Customer id -> the conversion rate and uplift of its planted behaviour type."""
    truth = json.loads((truth_dir / "truth.json").read_text())
    by_type = {
        name: Behaviour(
            float(entry["profile"]["base_conversion_rate"]), float(entry["profile"]["base_uplift"])
        )
        for name, entry in truth["behaviour_types"].items()
    }
    with (truth_dir / "customer_types.csv").open(newline="") as handle:
        return {
            row["customer_id"]: by_type[row["behaviour_type"]] for row in csv.DictReader(handle)
        }


def catalogue_prices(raw_dir: Path) -> dict[str, Decimal]:
    """Product id -> unit price, from the first readable positive price in products.csv."""
    prices: dict[str, Decimal] = {}
    with (raw_dir / "products.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            try:
                price = Decimal(row["unit_price"])
            except (ArithmeticError, TypeError):
                continue
            if price > 0:
                prices.setdefault(row["product_id"], price)
    return prices


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def append_rows(path: Path, rows: list[dict[str, str]]) -> None:
    """Append rows under the file's own header (its column order, not ours).
    A column the rows carry and the file lacks (the optional
    campaigns.treatment_share, which the generator does not write) is added
    to the file first, blank on its earlier rows, as README tells a user to."""
    with path.open(newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    new_columns = [name for row in rows for name in row if name not in header]
    if new_columns:
        existing = read_rows(path)
        header += list(dict.fromkeys(new_columns))
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
            writer.writeheader()
            writer.writerows(existing)
    text = path.read_bytes()
    with path.open("a", newline="", encoding="utf-8") as handle:
        if text and not text.endswith(b"\n"):
            handle.write("\n")
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
        writer.writerows(rows)


def simulate_round(
    export_dirs: list[Path],
    raw_dir: Path,
    truth_dir: Path,
    window_days: int,
    seed: int,
) -> dict[str, CampaignOutcome]:
    """Send, respond and append for every campaign folder; returns the outcomes."""
    behaviour = planted_behaviour(truth_dir)
    prices = catalogue_prices(raw_dir)
    rng = random.Random(seed)
    outcomes: dict[str, CampaignOutcome] = {}
    campaigns, members, orders, lines = [], [], [], []
    for folder in sorted(export_dirs):
        [campaign] = read_rows(folder / "campaigns.csv")
        outcome = CampaignOutcome(campaign["campaign_id"], campaign["channel"])
        sent_ids = {row["customer_id"] for row in read_rows(folder / "send.csv")}
        for number, member in enumerate(read_rows(folder / "campaign_members.csv"), start=1):
            group = member["group"]
            customer = member["customer_id"]
            # The tool sends exactly send.csv: the treatment group, nobody else.
            assert (customer in sent_ids) == (group == "treatment"), member
            planned = datetime.strptime(member["sent_at"], TIMESTAMP_FORMAT)
            sent_at = (
                planned + timedelta(minutes=rng.randint(0, 59)) if group == "treatment" else planned
            )
            members.append({**member, "sent_at": sent_at.strftime(TIMESTAMP_FORMAT)})
            outcome.members[group] += 1
            if group == "control":
                outcome.controls.add(customer)
            truth = behaviour[customer]
            rate = truth.base_rate + (truth.uplift if group == "treatment" else 0.0)
            if rng.random() >= rate:
                continue
            outcome.conversions[group] += 1
            # Strictly inside (sent_at, sent_at + window]: an hour clear of both ends.
            offset = rng.randint(3600, window_days * 86400 - 3600)
            order_id = f"O-{outcome.campaign_id}-{number:06d}"
            price = prices[member["offer_product_id"]]
            discount = Decimal(member["offer_discount_pct"] or "0") if group == "treatment" else 0
            orders.append(
                {
                    "order_id": order_id,
                    "customer_id": customer,
                    "ordered_at": (sent_at + timedelta(seconds=offset)).strftime(TIMESTAMP_FORMAT),
                    "status": "completed",
                    "channel": "web",
                }
            )
            lines.append(
                {
                    "order_id": order_id,
                    "line_number": "1",
                    "product_id": member["offer_product_id"],
                    "quantity": "1",
                    "unit_price": f"{price:.2f}",
                    "discount_amount": f"{price * discount / 100:.2f}",
                }
            )
        campaigns.append(campaign)
        outcomes[outcome.campaign_id] = outcome
    append_rows(raw_dir / "campaigns.csv", campaigns)
    append_rows(raw_dir / "campaign_members.csv", members)
    append_rows(raw_dir / "orders.csv", orders)
    append_rows(raw_dir / "order_items.csv", lines)
    return outcomes
