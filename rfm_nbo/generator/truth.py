"""The planted truth: what the data really contains, for tests and evaluation only.

Written next to, never inside, the data folder; models never read it.
customer_types.csv (written chunk by chunk by the pipeline, see
`tables.format_chunk`) holds one row per clean customer: customer_id, its
latent behaviour_type, and the exact expected margin and net revenue of one
response order of that customer in each group (response_margin_treatment,
response_margin_control, response_revenue_treatment,
response_revenue_control; currency units, 4 decimals; from the customer's own
favourite categories and type, `response_value.CustomerResponseModel`). The
planted incremental margin of treating a member is (base_rate + uplift) x
response_margin_treatment - base_rate x response_margin_control, with the
type's base rate and uplift in that campaign.
truth.json holds the parameters, per table the raw, clean and quarantined row
counts (by dq_reason, planted and cascaded), per behaviour type its profile
and head count, per campaign x behaviour type the true base rate and uplift
with the realised members, conversions and response revenue per group, and
how many customers may be contacted on each channel.

With `--purchase-process bgnbd` (`bgnbd.py`), truth.json also holds a
`bgnbd` section (the process, r, alpha, a, b in days, and the realised
totals: customers, repeat purchases, repeats on an already-used UTC day, and
customers alive at the end), and bgnbd_customers.csv (written chunk by chunk,
`tables.bgnbd_customers_table`) one row per clean customer: customer_id,
lambda_per_day, dropout_p, born_at, age_days (T), repeat_purchases (x),
repeat_purchase_days (x counted in distinct UTC days), last_purchase_at
(birth + t_x) and is_alive_at_end ('true'/'false').

Expected value of a response (`response_value`): per behaviour type and group
the expected margin and net revenue of one response order, in currency units,
with their Monte Carlo standard errors (`response_value.py` says how: 50,000
synthetic orders per type and group through the generator's own basket code,
on a separate random stream, each a fresh customer: the mean over customers
of the per-customer values above). Treatment responses often carry the offer
discount, control responses never do, so the two margins differ. From them,
per campaign x behaviour type, `incremental_margin_per_member` is the planted
incremental margin of treating an average member of that type in that
campaign: (base_rate + uplift) x margin[treatment] - base_rate x
margin[control]. A group of members chosen by what they buy (an RFM segment)
is not average: use the per-customer values for it.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from rfm_nbo.generator.behaviour import BEHAVIOUR_TYPES, PROFILES
from rfm_nbo.generator.bgnbd import BIRTH_MIN_AGE_DAYS
from rfm_nbo.generator.campaigns import CAMPAIGN_CHANNELS, CampaignPlan, campaign_cost_cents
from rfm_nbo.generator.defects import Defects
from rfm_nbo.generator.orders import cell_index
from rfm_nbo.generator.params import GeneratorParams
from rfm_nbo.generator.products import CATEGORY_NAMES, INJECTION_PRODUCT_INDEX, Catalogue
from rfm_nbo.generator.response_value import incremental_margin_per_member
from rfm_nbo.generator.rng import BLOCK_SIZE
from rfm_nbo.generator.schema import TABLES, TIMESTAMP_FORMAT
from rfm_nbo.generator.tables import BGNBD_CUSTOMERS_FILE, IdFormat

TRUTH_FORMAT_VERSION = 1
GROUPS = ("treatment", "control")

# docs/data_quality.md order: a row gets the first reason that applies.
REASON_PRECEDENCE = (
    "missing_key",
    "unparseable_",
    "invalid_",
    "non_positive_unit_price",
    "negative_unit_price",
    "invalid_date_range",
    "future_",
    "duplicate_key",
    "unknown_customer",
    "unknown_product",
    "unknown_order",
    "unknown_campaign",
    "unknown_member",
)


def _precedence(reason: str) -> tuple[int, str]:
    exact = [i for i, prefix in enumerate(REASON_PRECEDENCE) if reason == prefix]
    prefix = [
        i for i, p in enumerate(REASON_PRECEDENCE) if p.endswith("_") and reason.startswith(p)
    ]
    return ((exact or prefix or [len(REASON_PRECEDENCE)])[0], reason)


@dataclass
class Tally:
    """Running totals over blocks."""

    cells: int
    members: np.ndarray = field(init=False)
    conversions: np.ndarray = field(init=False)
    revenue_cents: np.ndarray = field(init=False)
    type_counts: np.ndarray = field(init=False)
    newest_order_at: int = 0
    reachable: Counter[str] = field(default_factory=Counter)
    bgnbd: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.members = np.zeros(self.cells, dtype=np.int64)
        self.conversions = np.zeros(self.cells, dtype=np.int64)
        self.revenue_cents = np.zeros(self.cells, dtype=np.int64)
        self.type_counts = np.zeros(len(BEHAVIOUR_TYPES), dtype=np.int64)

    def treatment_members(self, campaigns: int) -> np.ndarray:
        """Treatment members per campaign (for message costs)."""
        return self.members.reshape(campaigns, len(BEHAVIOUR_TYPES), 2)[:, :, 0].sum(axis=1)


def _rate(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 6) if denominator else None


def _timestamp(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime(TIMESTAMP_FORMAT)


def table_truth(clean_rows: dict[str, int], defects: Defects) -> dict[str, Any]:
    """Raw, clean and quarantined (by reason) row counts of every table."""
    tables: dict[str, Any] = {}
    for table in TABLES:
        planted = defects.planted.get(table, Counter())
        cascaded = defects.cascaded.get(table, Counter())
        quarantined = planted + cascaded
        tables[table] = {
            "raw_rows": clean_rows[table] + sum(quarantined.values()),
            "clean_rows": clean_rows[table],
            "quarantined_rows": {r: quarantined[r] for r in sorted(quarantined, key=_precedence)},
            "planted": {r: planted[r] for r in sorted(planted, key=_precedence)},
            "cascaded": {r: cascaded[r] for r in sorted(cascaded, key=_precedence)},
        }
    return tables


def campaign_truth(
    params: GeneratorParams,
    plan: CampaignPlan,
    tally: Tally,
    response_value: dict[str, Any],
) -> dict[str, Any]:
    """Per campaign: dates, cost, and per behaviour type the true and realised response."""
    campaigns: dict[str, Any] = {}
    margin = {name: facts["margin"] for name, facts in response_value["by_behaviour_type"].items()}
    treated = tally.treatment_members(plan.size)
    for c in range(plan.size):
        by_type: dict[str, Any] = {}
        for t, name in enumerate(BEHAVIOUR_TYPES):
            cells = [int(cell_index(c, np.array(t), np.array(g))) for g in range(2)]
            members = {g: int(tally.members[i]) for g, i in zip(GROUPS, cells, strict=True)}
            conversions = {g: int(tally.conversions[i]) for g, i in zip(GROUPS, cells, strict=True)}
            by_type[name] = {
                "segment_at_send": PROFILES[t].segment_name,
                "base_rate": round(float(plan.base_rate[t]), 6),
                "uplift": round(float(plan.uplift[c, t]), 6),
                "treatment_rate": round(float(plan.base_rate[t] + plan.uplift[c, t]), 6),
                "members": members,
                "conversions": conversions,
                "conversion_rate": {g: _rate(conversions[g], members[g]) for g in GROUPS},
                "response_revenue": {
                    g: round(int(tally.revenue_cents[i]) / 100, 2)
                    for g, i in zip(GROUPS, cells, strict=True)
                },
                "incremental_margin_per_member": round(
                    incremental_margin_per_member(
                        float(plan.base_rate[t]),
                        float(plan.uplift[c, t]),
                        margin[name]["treatment"],
                        margin[name]["control"],
                    ),
                    4,
                ),
            }
        campaigns[IdFormat.campaigns(np.array([c]))[0].as_py()] = {
            "campaign_name": plan.names[c],
            "channel": CAMPAIGN_CHANNELS[int(plan.channel[c])],
            "started_at": _timestamp(int(plan.started_at[c])),
            "ended_at": _timestamp(int(plan.ended_at[c])),
            "cost": round(campaign_cost_cents(plan, c, int(treated[c])) / 100, 2),
            "uplift_factor": round(float(plan.uplift_factor[c]), 6),
            "treatment_share": params.treatment_share,
            "attribution_window_days": params.attribution_window_days,
            "by_behaviour_type": by_type,
        }
    return campaigns


def consent_truth(tally: Tally) -> dict[str, Any]:
    """Customers the models may contact, per channel and on at least one.

    Every simulated customer has one clean record (planted defects add new
    ids, and duplicates are exact copies), so this is what dim_customers'
    is_<channel>_contactable and is_contactable should count: email needs
    marketing_opt_in and email_opt_in, sms and push their own opt-in, and
    no unsubscribed_at and no unsubscribe event.
    """
    return {
        "rule": (
            "email: marketing_opt_in and email_opt_in true; sms, push: own opt-in true; "
            "never with unsubscribed_at or an unsubscribed campaign event"
        ),
        "contactable_customers": {
            name: int(tally.reachable[name]) for name in ("email", "sms", "push", "any")
        },
    }


def build_truth(
    params: GeneratorParams,
    plan: CampaignPlan,
    catalogue: Catalogue,
    tally: Tally,
    clean_rows: dict[str, int],
    defects: Defects,
    response_value: dict[str, Any],
) -> dict[str, Any]:
    """The whole truth.json document (deterministic: no timings, no paths)."""
    injection = np.array(
        [INJECTION_PRODUCT_INDEX] if catalogue.size > INJECTION_PRODUCT_INDEX else []
    )
    return {
        "about": (
            "Planted truth of synthetic data made by rfm_nbo.generator. For tests and "
            "evaluation only: models never read it."
        ),
        "format_version": TRUTH_FORMAT_VERSION,
        "block_size": BLOCK_SIZE,
        "params": params.to_json(),
        "newest_clean_ordered_at": _timestamp(tally.newest_order_at),
        "future_timestamps_year": 2099,
        "tables": table_truth(clean_rows, defects),
        "behaviour_types": {
            name: {"customers": int(tally.type_counts[t]), "profile": PROFILES[t].to_json()}
            for t, name in enumerate(BEHAVIOUR_TYPES)
        },
        "response_value": response_value,
        "campaigns": campaign_truth(params, plan, tally, response_value),
        "catalogue": {
            "products": catalogue.size,
            "categories": list(CATEGORY_NAMES),
            "prompt_injection_product_ids": catalogue.product_ids(injection).to_pylist(),
        },
        "consent": consent_truth(tally),
        **({"bgnbd": bgnbd_truth(params, tally)} if params.purchase_process == "bgnbd" else {}),
    }


def bgnbd_truth(params: GeneratorParams, tally: Tally) -> dict[str, Any]:
    """The BG/NBD process, its parameters and what it realised (`bgnbd.py`)."""
    repeats = tally.bgnbd["repeat_purchases"]
    same_day = tally.bgnbd["same_day_repeat_purchases"]
    return {
        "model": "BG/NBD (Fader, Hardie & Lee 2005)",
        "time_unit": "day",
        "r": params.bgnbd_r,
        "alpha": params.bgnbd_alpha,
        "a": params.bgnbd_a,
        "b": params.bgnbd_b,
        "rule": (
            "birth (first purchase) uniform in whole seconds over [end_at - history_days, "
            f"end_at - {BIRTH_MIN_AGE_DAYS} days); lambda ~ Gamma(shape r, rate alpha) per day; "
            "p ~ Beta(a, b); repeats a Poisson process with rate lambda, dropout with "
            "probability p right after each repeat; observed until end_at; every purchase "
            "one completed order at its own second"
        ),
        "birth_min_age_days": BIRTH_MIN_AGE_DAYS,
        "customers": tally.bgnbd["customers"],
        "repeat_purchases": repeats,
        "same_day_repeat_purchases": same_day,
        "same_day_repeat_share": _rate(same_day, repeats),
        "alive_at_end": tally.bgnbd["alive_at_end"],
        "per_customer_file": f"{BGNBD_CUSTOMERS_FILE}.csv",
    }


def write_truth(directory: Path, truth: dict[str, Any]) -> Path:
    """Write truth.json (sorted as built, 2-space indent, trailing newline)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "truth.json"
    path.write_text(json.dumps(truth, indent=2) + "\n", encoding="utf-8")
    return path
