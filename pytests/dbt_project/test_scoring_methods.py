"""The three scoring methods on the data shapes that tell them apart.

A declining customer base (the generator's `--type-shares declining`: 60% of
customers bought once or twice long ago) is where quantile scores mislead:
being in the top fifth for recency says nothing when most of the base left a
year ago. Fixed and hybrid score recency in days, so nobody inactive for more
than a year can be in a segment whose every box needs R >= 3 (at most 180
days). On the demo data the planted at-risk customers (recency 90-200 days,
4+ orders) must land in At Risk or Cannot Lose Them under fixed, not in Loyal
Customers as the classic boxes put them.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from dbt_runner import PROJECT_DIR, DbtProject

ACTIVE_SEGMENTS = ("Champions", "Loyal Customers", "Potential Loyalists")
RAW_TABLES = ("customers", "products", "orders", "order_items", "web_events")
DEMO_TRUTH = PROJECT_DIR / "planted_truth" / "demo" / "customer_types.csv"


@pytest.fixture(scope="module")
def declining_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("declining") / "raw"
    generator = ["--customers", "3000", "--seed", "7", "--type-shares", "declining"]
    subprocess.run(
        [sys.executable, "-m", "rfm_nbo.generator", *generator, "--out", str(out), "--no-progress"],
        check=True,
        capture_output=True,
    )
    return out


def build_scores(workdir: Path, data: Path | None, **method_vars: str) -> tuple[DbtProject, str]:
    """`dbt build` of the RFM scores (and their tests) under the given vars."""
    project = DbtProject(workdir)
    run_vars: dict[str, object] = dict(method_vars)
    if data is not None:
        run_vars["raw_files"] = {table: str(data / f"{table}.csv") for table in RAW_TABLES}
    run = project.run(
        "build",
        "--select",
        "+int_rfm_score_levels",
        "--indirect-selection",
        "cautious",
        "--vars",
        json.dumps(run_vars),
    )
    assert run.returncode == 0, run.output[-5000:]
    return project, run.output


def inactive_in_active_segments(project: DbtProject) -> int:
    segments = ", ".join(f"'{name}'" for name in ACTIVE_SEGMENTS)
    [(count,)] = project.query(
        "select count(*) from rfm_intermediate.int_customers_rfm_scored"
        f" where recency_days > 365 and rfm_segment in ({segments})"
    )
    return count


@pytest.fixture(scope="module")
def declining_builds(
    declining_export: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[DbtProject, str]]:
    settings = {
        "quantile": {"rfm_scoring_method": "quantile"},
        "spread": {"rfm_scoring_method": "quantile", "rfm_quantile_ties": "spread"},
        "fixed": {"rfm_scoring_method": "fixed"},
        "hybrid": {"rfm_scoring_method": "hybrid"},
    }
    return {
        name: build_scores(tmp_path_factory.mktemp(name), declining_export, **method_vars)
        for name, method_vars in settings.items()
    }


def test_quantile_calls_long_gone_customers_active_on_a_declining_base(declining_builds) -> None:
    # The failure the other methods fix must exist in this data, or the
    # zero below would prove nothing.
    project, _ = declining_builds["quantile"]
    assert inactive_in_active_segments(project) > 0


@pytest.mark.parametrize("method", ["fixed", "hybrid"])
def test_fixed_recency_keeps_the_inactive_out_of_active_segments(declining_builds, method) -> None:
    project, _ = declining_builds[method]
    assert inactive_in_active_segments(project) == 0
    [(scored,)] = project.query("select count(*) from rfm_intermediate.int_customers_rfm_scored")
    assert scored > 2000


def ntile_labels(rows: int, buckets: int) -> list[int]:
    """NTILE's bucket of each position, built from the bucket sizes.

    The first ``rows % buckets`` buckets hold one row more than the others.
    """
    size, larger = divmod(rows, buckets)
    labels: list[int] = []
    for bucket in range(1, buckets + 1):
        labels += [bucket] * (size + (1 if bucket <= larger else 0))
    return labels


def test_an_empty_level_is_warned_by_measure_and_reason(declining_builds) -> None:
    project, output = declining_builds["quantile"]
    frequencies = sorted(
        value
        for (value,) in project.query(
            "select frequency from rfm_intermediate.int_customers_rfm_scored"
        )
    )
    # Independently: a run of equal values takes the NTILE bucket of its first row.
    labels = ntile_labels(len(frequencies), 5)
    score_of = {}
    for position, value in enumerate(frequencies):
        score_of.setdefault(value, labels[position])
    used = set(score_of.values())
    expected_empty = [level for level in range(1, 6) if level not in used]
    # Most customers of this base have one order, so F = 2 at least is empty.
    assert 2 in expected_empty
    one_order = frequencies.count(1)

    empty = project.query(
        "select score, empty_reason, absorbing_score, absorbing_top_value,"
        " absorbing_top_value_customers from rfm_intermediate.int_rfm_score_levels"
        " where measure = 'frequency' and customers = 0 order by score"
    )
    assert [row[0] for row in empty] == expected_empty
    # The nearest non-empty level below each empty one, and the tie at its top.
    for score, reason, absorbing, top_value, top_customers in empty:
        below = max(level for level in used if level < score)
        top = max(value for value, level in score_of.items() if level == below)
        assert (reason, absorbing, top_value, top_customers) == (
            "tied_values",
            below,
            float(top),
            frequencies.count(top),
        )
        assert f"RFM score level F = {score} is empty" in output
    share = 100 * one_order / len(frequencies)
    assert (
        f"{one_order} of {len(frequencies)} customers ({share:.1f}%) share frequency = 1" in output
    )
    assert "rfm_quantile_ties: spread" in output


def test_spread_fills_the_levels_the_ties_left_empty(declining_builds) -> None:
    project, output = declining_builds["spread"]
    levels = project.query(
        "select score, customers, min_value from rfm_intermediate.int_rfm_score_levels"
        " where measure = 'frequency' order by score"
    )
    assert all(customers > 0 for _, customers, _ in levels)
    # Independently: the D distinct order counts, in order, take NTILE(5) of D.
    distinct = [
        value
        for (value,) in project.query(
            "select distinct frequency from rfm_intermediate.int_customers_rfm_scored order by 1"
        )
    ]
    labels = ntile_labels(len(distinct), 5)
    first_value = {}
    for value, level in zip(distinct, labels, strict=True):
        first_value.setdefault(level, float(value))
    assert [(score, min_value) for score, _, min_value in levels] == sorted(first_value.items())
    assert "RFM score level F" not in output


def planted_at_risk_landing(project: DbtProject) -> Counter[str]:
    with DEMO_TRUTH.open() as handle:
        at_risk = {
            row["customer_id"]
            for row in csv.DictReader(handle)
            if row["behaviour_type"] == "at_risk"
        }
    segments = project.query(
        "select customer_id, rfm_segment from rfm_intermediate.int_customers_rfm_scored"
    )
    return Counter(segment for customer_id, segment in segments if customer_id in at_risk)


def test_demo_at_risk_customers_are_at_risk_under_fixed(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    landing = {
        method: planted_at_risk_landing(
            build_scores(
                tmp_path_factory.mktemp(f"demo_{method}"), None, rfm_scoring_method=method
            )[0]
        )
        for method in ("quantile", "fixed", "hybrid")
    }
    print({method: dict(counts.most_common()) for method, counts in landing.items()})
    at_risk = {
        method: counts["At Risk"] + counts["Cannot Lose Them"] for method, counts in landing.items()
    }
    planted = sum(landing["fixed"].values())
    assert planted > 250
    # The classic boxes call R = 3 with high F Loyal Customers: few land right.
    assert at_risk["quantile"] < 0.1 * planted
    # Fixed bins call 91-180 days with 5+ orders At Risk: most land right.
    assert at_risk["fixed"] > 0.75 * planted
    assert at_risk["hybrid"] > 0.6 * planted
