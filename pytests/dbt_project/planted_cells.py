"""The planted effect of every campaign cell, from a built warehouse and its truth folder.

A cell is (campaign_id, segment_at_send) as fct_campaign_performance groups it.
The generator plants effects per campaign x behaviour type (truth.json) and
knows every customer's type (customer_types.csv); a cell mixes types, so its
planted effect is the membership-weighted mean over the cell's members (both
groups, from int_campaign_members_attributed) of:

- conversion uplift: the type's uplift in that campaign;
- incremental margin per member: (base_rate + uplift) x margin[treatment] -
  base_rate x margin[control], the margins being the expected margin of one
  response order of that type and group (truth.json `response_value`).

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

MEMBERS_TABLE = "rfm_intermediate.int_campaign_members_attributed"
CELL_KEYS = ["campaign_id", "segment_at_send"]
EFFECTS = ["planted_uplift", "planted_incremental_margin_per_member"]


def type_effects(truth_dir: Path) -> pd.DataFrame:
    """One row per campaign x behaviour type: planted uplift and incremental margin per member."""
    truth = json.loads((truth_dir / "truth.json").read_text(encoding="utf-8"))
    margins = truth["response_value"]["by_behaviour_type"]
    rows = []
    for campaign_id, campaign in truth["campaigns"].items():
        for behaviour_type, cell in campaign["by_behaviour_type"].items():
            margin = margins[behaviour_type]["margin"]
            rows.append(
                {
                    "campaign_id": campaign_id,
                    "behaviour_type": behaviour_type,
                    "planted_uplift": cell["uplift"],
                    "planted_incremental_margin_per_member": incremental_margin_per_member(
                        cell["base_rate"], cell["uplift"], margin["treatment"], margin["control"]
                    ),
                }
            )
    return pd.DataFrame(rows)


def customer_types(truth_dir: Path) -> pd.DataFrame:
    """customer_id -> behaviour_type, as the generator planted it."""
    with (truth_dir / "customer_types.csv").open(newline="", encoding="utf-8") as file:
        return pd.DataFrame(list(csv.DictReader(file)))


def read_members(warehouse: Path) -> pd.DataFrame:
    """Every clean campaign member with its segment at send and group."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(
            f"select campaign_id, customer_id, segment_at_send, is_treatment from {MEMBERS_TABLE}"
        ).df()


def planted_members(warehouse: Path, truth_dir: Path) -> pd.DataFrame:
    """Every member with its planted type and its type's planted effects in its campaign."""
    members = read_members(warehouse)
    typed = members.merge(customer_types(truth_dir), on="customer_id", how="left")
    untyped = typed["behaviour_type"].isna()
    if untyped.any():
        raise ValueError(
            f"{int(untyped.sum())} members have no planted type: is {truth_dir} the truth of "
            f"the data built into {warehouse}?"
        )
    return typed.merge(type_effects(truth_dir), on=["campaign_id", "behaviour_type"], how="left")


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
