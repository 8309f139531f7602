"""The planted effect of every campaign cell, from a built warehouse and its truth folder.

A cell is (campaign_id, segment_at_send) as fct_campaign_performance groups it.
The generator plants effects per campaign x behaviour type (truth.json) and
knows every customer's type and expected response value (customer_types.csv);
a cell mixes types and customers, so its planted effect is the
membership-weighted mean over the cell's members (both groups, from
int_campaign_members_attributed) of:

- conversion uplift: the member's type's uplift in that campaign;
- incremental margin per member: (base_rate + uplift) x margin_treatment -
  base_rate x margin_control, with the type's base rate and uplift in that
  campaign and the member's own expected margin of one response order per
  group (customer_types.csv `response_margin_treatment` and
  `response_margin_control`: a basket comes from the customer's favourite
  categories, whose prices differ a lot, and segments select customers by
  spend, so a type-level margin would bias every segment).

`planted_segments` pools the same quantities per segment over all campaigns
(membership-weighted), for segment-level checks such as fct_segment_uplift.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pandas as pd

from rfm_nbo.generator.response_value import incremental_margin_per_member
from rfm_nbo.generator.tables import RESPONSE_VALUE_COLUMNS

MEMBERS_TABLE = "rfm_intermediate.int_campaign_members_attributed"
CELL_KEYS = ["campaign_id", "segment_at_send"]
EFFECTS = ["planted_uplift", "planted_incremental_margin_per_member"]


def type_effects(truth_dir: Path) -> pd.DataFrame:
    """One row per campaign x behaviour type: the planted base rate and uplift."""
    truth = json.loads((truth_dir / "truth.json").read_text(encoding="utf-8"))
    rows = [
        {
            "campaign_id": campaign_id,
            "behaviour_type": behaviour_type,
            "base_rate": cell["base_rate"],
            "planted_uplift": cell["uplift"],
        }
        for campaign_id, campaign in truth["campaigns"].items()
        for behaviour_type, cell in campaign["by_behaviour_type"].items()
    ]
    return pd.DataFrame(rows)


def customer_types(truth_dir: Path) -> pd.DataFrame:
    """customer_id -> behaviour_type and expected response margins, as the generator planted."""
    with (truth_dir / "customer_types.csv").open(newline="", encoding="utf-8") as file:
        types = pd.DataFrame(list(csv.DictReader(file)))
    return types.astype({column: float for column in RESPONSE_VALUE_COLUMNS})


def read_members(warehouse: Path) -> pd.DataFrame:
    """Every clean campaign member with its segment at send and group."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(
            f"select campaign_id, customer_id, segment_at_send, is_treatment from {MEMBERS_TABLE}"
        ).df()


def planted_members(warehouse: Path, truth_dir: Path) -> pd.DataFrame:
    """Every member with its planted type, its type's base rate and uplift in its campaign,
    and its own planted incremental margin (from its own expected response margins)."""
    members = read_members(warehouse)
    typed = members.merge(customer_types(truth_dir), on="customer_id", how="left")
    untyped = typed["behaviour_type"].isna()
    if untyped.any():
        raise ValueError(
            f"{int(untyped.sum())} members have no planted type: is {truth_dir} the truth of "
            f"the data built into {warehouse}?"
        )
    effects = typed.merge(
        type_effects(truth_dir), on=["campaign_id", "behaviour_type"], how="left", validate="m:1"
    )
    return effects.assign(
        planted_incremental_margin_per_member=incremental_margin_per_member(
            effects["base_rate"],
            effects["planted_uplift"],
            effects["response_margin_treatment"],
            effects["response_margin_control"],
        )
    )


def _weighted(members: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Membership-weighted means of the effects per group of `keys` (each member weighs 1)."""
    grouped = members.groupby(keys, as_index=False)
    return grouped.agg(
        members=("customer_id", "size"),
        treatment_members=("is_treatment", "sum"),
        planted_uplift=("planted_uplift", "mean"),
        planted_incremental_margin_per_member=("planted_incremental_margin_per_member", "mean"),
    ).assign(control_members=lambda frame: frame["members"] - frame["treatment_members"])


def planted_cells(warehouse: Path, truth_dir: Path) -> pd.DataFrame:
    """Per (campaign_id, segment_at_send): members, treatment and control members, and the
    membership-weighted planted uplift and incremental margin per member."""
    return _weighted(planted_members(warehouse, truth_dir), CELL_KEYS)


def planted_segments(warehouse: Path, truth_dir: Path) -> pd.DataFrame:
    """Per segment_at_send, pooled over every campaign: the same columns as planted_cells."""
    return _weighted(planted_members(warehouse, truth_dir), ["segment_at_send"])
