"""Do fct_campaign_performance's uplift intervals cover the planted uplift?

A cell's planted uplift is the membership-weighted mean of its members'
planted type uplift (planted_cells). A 95% interval should hold it in about
95% of cells. On the 21 demo cells, 90% would fail by chance too often
(binomial, scipy: P(at most 18 of 21 covered | 0.95) = 0.085), so the bar is
80% (P(at most 16 of 21) = 0.003). On the large generated set (238 cells)
the bar is 92%: an exact 95% interval falls below it with probability 0.017,
while one whose real coverage is 90% passes with probability 0.18 and one at
88% (the Wald interval's worst cells) with 0.03. Both data sets are seeded,
so a run's answer does not change from one run to the next.

The planted margins (truth.json response_value) are checked here too, against
the margin the models measure per response order: they feed the planted
incremental margin of every segment-level test.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from dbt_runner import PROJECT_DIR, DbtProject
from generated_builds import GeneratedBuild
from planted_cells import CELL_KEYS, customer_types, planted_cells

DEMO_TRUTH = PROJECT_DIR / "planted_truth" / "demo"
PERFORMANCE = "rfm_marts.fct_campaign_performance"


def coverage(warehouse: Path, truth_dir: Path) -> tuple[float, int, pd.DataFrame]:
    """Share of cells with both groups non-empty whose interval holds the planted uplift."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        intervals = con.sql(
            "select campaign_id, segment_at_send, treatment_members, control_members,"
            " conversion_uplift, conversion_uplift_ci_lower, conversion_uplift_ci_upper"
            f" from {PERFORMANCE} where treatment_members > 0 and control_members > 0"
        ).df()
    planted = planted_cells(warehouse, truth_dir)[[*CELL_KEYS, "planted_uplift"]]
    cells = intervals.merge(planted, on=CELL_KEYS, how="left", validate="one_to_one")
    assert cells["planted_uplift"].notna().all(), "a measured cell has no planted members"
    inside = (cells["conversion_uplift_ci_lower"] <= cells["planted_uplift"]) & (
        cells["planted_uplift"] <= cells["conversion_uplift_ci_upper"]
    )
    return float(inside.mean()), len(cells), cells.assign(is_covered=inside)


def test_demo_intervals_cover_the_planted_uplift_in_80_percent_of_cells(
    demo_build: DbtProject,
) -> None:
    share, cells, _ = coverage(demo_build.warehouse, DEMO_TRUTH)
    print(f"demo: planted uplift inside the interval in {share:.1%} of {cells} cells")
    assert cells >= 10
    assert share >= 0.80, f"coverage {share:.1%} of {cells} cells"


def test_large_set_has_the_cells_and_controls_it_promises(
    large_campaign_build: GeneratedBuild,
) -> None:
    with duckdb.connect(str(large_campaign_build.warehouse), read_only=True) as con:
        [(cells, median_controls, smallest_pooled)] = con.sql(
            "with cells as (select segment_at_send, control_members"
            f" from {PERFORMANCE} where treatment_members > 0 and control_members > 0),"
            " pooled as (select sum(control_members) as controls from cells"
            " group by segment_at_send)"
            " select (select count(*) from cells), (select median(control_members) from cells),"
            " (select min(controls) from pooled)"
        ).fetchall()
    print(
        f"large set: {cells} cells, median {median_controls:.0f} controls per cell, "
        f"at least {smallest_pooled} controls per segment over all campaigns"
    )
    assert cells >= 200
    assert median_controls >= 800
    assert smallest_pooled >= 1_000


def test_large_set_intervals_cover_the_planted_uplift_in_92_percent_of_cells(
    large_campaign_build: GeneratedBuild,
) -> None:
    share, cells, _ = coverage(large_campaign_build.warehouse, large_campaign_build.truth_dir)
    print(f"large set: planted uplift inside the interval in {share:.1%} of {cells} cells")
    assert cells >= 200
    assert share >= 0.92, f"coverage {share:.1%} of {cells} cells"


def test_planted_response_margin_is_what_the_models_measure(
    large_campaign_build: GeneratedBuild,
) -> None:
    """Per behaviour type and group, the mean attributed margin of converted members (one
    response order each) agrees with the generator's Monte Carlo expectation within four
    standard errors (of both the sample mean and the Monte Carlo)."""
    truth = json.loads((large_campaign_build.truth_dir / "truth.json").read_text())
    expected = truth["response_value"]["by_behaviour_type"]
    with duckdb.connect(str(large_campaign_build.warehouse), read_only=True) as con:
        converted = con.sql(
            "select customer_id, is_treatment, attributed_orders,"
            " cast(attributed_margin as double) as margin"
            " from rfm_intermediate.int_campaign_members_attributed where is_converted"
        ).df()
    assert (converted["attributed_orders"] == 1).all(), "a member has more than one response"
    converted = converted.merge(
        customer_types(large_campaign_build.truth_dir), on="customer_id", how="inner"
    )
    checked = 0
    for (behaviour_type, is_treatment), group in converted.groupby(
        ["behaviour_type", "is_treatment"]
    ):
        name = "treatment" if is_treatment else "control"
        mean = expected[behaviour_type]["margin"][name]
        monte_carlo_error = expected[behaviour_type]["margin_standard_error"][name]
        error = np.sqrt(group["margin"].var(ddof=1) / len(group) + monte_carlo_error**2)
        z = (group["margin"].mean() - mean) / error
        assert abs(z) < 4, (behaviour_type, name, len(group), group["margin"].mean(), mean)
        checked += 1
    assert checked == 2 * len(expected)
