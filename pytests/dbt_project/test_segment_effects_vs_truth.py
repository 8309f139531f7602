"""Does the closed loop learn the planted segment effects, and act on them?

On the large generated set (generated_builds.LARGE_CAMPAIGN_ARGS: 20
campaigns, about 1,000 controls per segment x campaign), the generator planted
a conversion uplift per campaign x behaviour type and knows the margin of a
response order (truth.json), so every segment has a planted uplift and
incremental margin per contacted member (planted_cells.planted_segments,
membership-weighted over its members in every campaign).

- fct_segment_uplift's pooled, shrunk effects must rank the segments as the
  truth does (Spearman rank correlation at least 0.8, the issue's bar).
- The contact policy must contact the segments whose planted incremental
  margin beats the contact cost, and none whose margin does not. The test
  sets one cost for every channel in the widest gap between two neighbouring
  planted margins (so the truth separates the segments clearly; a cost
  within a standard error of some segment's margin would test luck), and
  reruns only the policy model with it.
"""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pandas as pd
from generated_builds import RAW_TABLES, GeneratedBuild
from planted_cells import planted_segments
from scipy.stats import spearmanr

UPLIFT = "rfm_marts.fct_segment_uplift"
POLICY = "rfm_intermediate.int_customer_contact_policy"
CONTACTED = ("contact", "holdout")


def measured_and_planted(build: GeneratedBuild) -> pd.DataFrame:
    """One row per segment with history: the mart's effects beside the planted ones."""
    with duckdb.connect(str(build.warehouse), read_only=True) as con:
        measured = con.sql(
            "select segment_name as segment_at_send, effective_members,"
            " shrunk_conversion_uplift, shrunk_incremental_margin_per_contact,"
            " shrunk_incremental_margin_per_contact_sd"
            f" from {UPLIFT} where breakdown = 'segment' and has_history"
        ).df()
    planted = planted_segments(build.warehouse, build.truth_dir)
    return measured.merge(planted, on="segment_at_send", how="inner", validate="one_to_one")


def test_pooled_segment_effects_rank_like_the_planted_truth(
    large_campaign_build: GeneratedBuild,
) -> None:
    segments = measured_and_planted(large_campaign_build)
    print(segments.to_string())
    assert len(segments) >= 8
    uplift_rho = spearmanr(segments["shrunk_conversion_uplift"], segments["planted_uplift"])[0]
    margin_rho = spearmanr(
        segments["shrunk_incremental_margin_per_contact"],
        segments["planted_incremental_margin_per_member"],
    )[0]
    print(f"Spearman: uplift {uplift_rho:.3f}, incremental margin {margin_rho:.3f}")
    assert uplift_rho >= 0.8
    assert margin_rho >= 0.8


def widest_gap_cost(planted_margins: pd.Series) -> float:
    """The midpoint of the widest gap between neighbouring planted margins."""
    values = np.sort(planted_margins.to_numpy())
    gaps = np.diff(values)
    widest = int(np.argmax(gaps))
    return float((values[widest] + values[widest + 1]) / 2)


def test_the_policy_contacts_exactly_the_segments_worth_their_cost(
    large_campaign_build: GeneratedBuild,
) -> None:
    segments = measured_and_planted(large_campaign_build)
    cost = widest_gap_cost(segments["planted_incremental_margin_per_member"])
    worth = set(
        segments.loc[segments["planted_incremental_margin_per_member"] > cost, "segment_at_send"]
    )
    not_worth = set(segments["segment_at_send"]) - worth
    print(f"contact cost {cost:.4f}: worth it {sorted(worth)}, not worth it {sorted(not_worth)}")
    assert worth and not_worth

    build = large_campaign_build
    raw_files = {table: str(build.data / f"{table}.csv") for table in RAW_TABLES}
    run = build.project.run(
        "run",
        "--select",
        "int_customer_contact_policy",
        "--vars",
        json.dumps(
            {
                "raw_files": raw_files,
                "contact_cost_per_channel": {"email": cost, "sms": cost, "push": cost},
            }
        ),
    )
    assert run.returncode == 0, run.output[-5000:]
    with duckdb.connect(str(build.warehouse), read_only=True) as con:
        decided = con.sql(
            "select rfm_segment, contact_status, count(*) as customers from"
            f" {POLICY} where contact_status in ('contact', 'holdout', 'below_contact_value')"
            " group by all"
        ).df()
    contacted = set(decided.loc[decided["contact_status"].isin(CONTACTED), "rfm_segment"])
    left_alone = set(decided.loc[decided["contact_status"] == "below_contact_value", "rfm_segment"])
    print(decided.sort_values(["rfm_segment", "contact_status"]).to_string())
    assert worth & set(decided["rfm_segment"]) <= contacted
    assert not (worth & left_alone)
    assert not (not_worth & contacted)
    assert not_worth & set(decided["rfm_segment"]) <= left_alone
