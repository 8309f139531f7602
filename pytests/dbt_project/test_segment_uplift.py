"""The closed loop on the demo build: fct_segment_uplift against an independent
numpy implementation of the pooling and shrinkage (README, "How the loop
learns"), and the contact policy's holdout draw against Python's sha256."""

from __future__ import annotations

import hashlib
import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from dbt_runner import DbtProject

Z = 1.959963984540054
PRIOR_MEMBERS = 500.0  # var segment_uplift_prior_members, default
HOLDOUT_SHARE = 0.1  # var holdout_share, default
RFM_SCHEMES = ("rfm_rule", "both", "rfm_unscored")


def frame(project: DbtProject, sql: str, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(project.query(sql), columns=columns)


def members(project: DbtProject) -> pd.DataFrame:
    data = frame(
        project,
        "select campaign_id, segment_at_send, offer_category, offer_discount_rate, "
        "is_treatment, is_converted, attributed_margin "
        "from rfm_intermediate.int_campaign_members_attributed where segment_at_send is not null",
        ["campaign", "segment", "category", "discount", "treated", "converted", "margin"],
    )
    data["converted"] = data["converted"].astype(float)
    data["margin"] = data["margin"].astype(float)
    data["discount"] = data["discount"].astype(float)
    return data


def group_variance(values: np.ndarray, floor: float) -> float:
    """Sample variance, or the floor when it is 0 or undefined (one member)."""
    if len(values) < 2:
        return floor
    variance = float(np.var(values, ddof=1))
    return variance if variance > 1e-12 else floor


def conversion_variance(converted: np.ndarray) -> float:
    """p (1 - p) / n, with the add-half rate when p is 0 or 1."""
    n, x = len(converted), converted.sum()
    p = x / n if 0 < x < n else (x + 0.5) / (n + 1)
    return p * (1 - p) / n


def strata(cells: pd.DataFrame, margin_floor: dict[str, float]) -> list[dict]:
    """One entry per campaign with both groups: weight, differences, variances."""
    out = []
    for _, stratum in cells.groupby("campaign"):
        treated = stratum[stratum["treated"]]
        control = stratum[~stratum["treated"]]
        if treated.empty or control.empty:
            continue
        floor = margin_floor[stratum["segment"].iloc[0]]
        n_t, n_c = len(treated), len(control)
        out.append(
            {
                "w": n_t * n_c / (n_t + n_c),
                "d": treated["converted"].mean() - control["converted"].mean(),
                "v": conversion_variance(treated["converted"].to_numpy())
                + conversion_variance(control["converted"].to_numpy()),
                "dm": treated["margin"].mean() - control["margin"].mean(),
                "vm": group_variance(treated["margin"].to_numpy(), floor) / n_t
                + group_variance(control["margin"].to_numpy(), floor) / n_c,
                "n_t": n_t,
                "n_c": n_c,
            }
        )
    return out


def pool(entries: list[dict]) -> dict | None:
    """Cochran-Mantel-Haenszel pooling; sigma^2 = sum(w^2 v) / sum(w) per member."""
    if not entries:
        return None
    w = np.array([e["w"] for e in entries])
    total = w.sum()
    v = np.array([e["v"] for e in entries])
    vm = np.array([e["vm"] for e in entries])
    return {
        "n": total,
        "conversion": float(w @ np.array([e["d"] for e in entries]) / total),
        "conversion_se": math.sqrt(float((w**2) @ v)) / total,
        "conversion_sigma2": float((w**2) @ v) / total,
        "margin": float(w @ np.array([e["dm"] for e in entries]) / total),
        "margin_se": math.sqrt(float((w**2) @ vm)) / total,
        "margin_sigma2": float((w**2) @ vm) / total,
        "treatment_members": sum(e["n_t"] for e in entries),
        "control_members": sum(e["n_c"] for e in entries),
    }


def shrink(pooled: dict | None, prior: dict, k: float) -> dict:
    """Normal prior worth k members; without evidence the prior itself."""
    if pooled is None:
        return {
            "conversion": prior["conversion"],
            "conversion_sd": math.sqrt(prior["conversion_sigma2"] / k),
            "margin": prior["margin"],
            "margin_sd": math.sqrt(prior["margin_sigma2"] / k),
            "conversion_sigma2": prior["conversion_sigma2"],
            "margin_sigma2": prior["margin_sigma2"],
        }
    n = pooled["n"]
    return {
        "conversion": (n * pooled["conversion"] + k * prior["conversion"]) / (n + k),
        "conversion_sd": pooled["conversion_se"] * math.sqrt(n / (n + k)),
        "margin": (n * pooled["margin"] + k * prior["margin"]) / (n + k),
        "margin_sd": pooled["margin_se"] * math.sqrt(n / (n + k)),
        "conversion_sigma2": pooled["conversion_sigma2"],
        "margin_sigma2": pooled["margin_sigma2"],
    }


def expected_uplift(project: DbtProject) -> dict[tuple[str, str, str], dict]:
    data = members(project)
    floor_by_segment = data.groupby("segment")["margin"].var(ddof=1)
    overall_floor = float(data["margin"].var(ddof=1))
    margin_floor = {
        segment: (value if value and value > 0 else overall_floor)
        for segment, value in floor_by_segment.items()
    }
    segment_strata = {
        segment: strata(cells, margin_floor) for segment, cells in data.groupby("segment")
    }
    overall = pool([entry for entries in segment_strata.values() for entry in entries])
    assert overall is not None, "the demo data has campaign history"
    rfm_segments = {
        name
        for name, scheme in project.query("select segment_name, scheme from rfm_reference.segments")
        if scheme in RFM_SCHEMES
    }
    categories = {
        category
        for (category,) in project.query(
            "select distinct category from rfm_intermediate.int_products_validated "
            "where category is not null"
        )
    }
    expected: dict[tuple[str, str, str], dict] = {}
    for segment in rfm_segments | set(segment_strata):
        pooled = pool(segment_strata.get(segment, []))
        segment_posterior = shrink(pooled, overall, PRIOR_MEMBERS)
        expected[("segment", segment, "all")] = {"raw": pooled, "shrunk": segment_posterior}
        cells = data[data["segment"] == segment]
        breakdowns = {
            ("offer_category", value): cells[cells["category"] == value]
            for value in set(cells["category"].dropna()) | categories
        }
        for rate in set(cells["discount"].dropna()):
            breakdowns[("discount_rate", f"{round(rate * 100, 1):.1f}%")] = cells[
                cells["discount"] == rate
            ]
        for (breakdown, value), subset in breakdowns.items():
            sub_pooled = pool(strata(subset, margin_floor)) if not subset.empty else None
            # Rows without evidence exist only for RFM segment x catalogue category.
            always = breakdown == "offer_category" and segment in rfm_segments
            if sub_pooled is None and not (always and value in categories):
                continue
            expected[(breakdown, segment, value)] = {
                "raw": sub_pooled,
                "shrunk": shrink(sub_pooled, segment_posterior, PRIOR_MEMBERS),
            }
    return expected


UPLIFT_COLUMNS = [
    "breakdown",
    "segment_name",
    "breakdown_value",
    "treatment_members",
    "control_members",
    "effective_members",
    "raw_conversion_uplift",
    "raw_conversion_uplift_se",
    "raw_conversion_uplift_ci_lower",
    "raw_incremental_margin_per_contact",
    "raw_incremental_margin_per_contact_se",
    "shrunk_conversion_uplift",
    "shrunk_conversion_uplift_sd",
    "shrunk_conversion_uplift_ci_upper",
    "shrunk_incremental_margin_per_contact",
    "shrunk_incremental_margin_per_contact_sd",
]


def test_segment_uplift_matches_an_independent_numpy_computation(demo_build: DbtProject) -> None:
    expected = expected_uplift(demo_build)
    mart = frame(
        demo_build,
        f"select {', '.join(UPLIFT_COLUMNS)} from rfm_marts.fct_segment_uplift",
        UPLIFT_COLUMNS,
    )
    assert {tuple(row) for row in mart[UPLIFT_COLUMNS[:3]].itertuples(index=False)} == set(expected)
    histories = 0
    for row in mart.itertuples(index=False):
        want = expected[(row.breakdown, row.segment_name, row.breakdown_value)]
        raw, shrunk = want["raw"], want["shrunk"]
        if raw is None:
            assert row.effective_members == 0 and row.treatment_members == 0
            assert pd.isna(row.raw_conversion_uplift)
        else:
            histories += 1
            assert (row.treatment_members, row.control_members) == (
                raw["treatment_members"],
                raw["control_members"],
            )
            assert row.effective_members == pytest.approx(raw["n"], rel=1e-9)
            assert row.raw_conversion_uplift == pytest.approx(raw["conversion"], abs=1e-9)
            assert row.raw_conversion_uplift_se == pytest.approx(raw["conversion_se"], rel=1e-9)
            assert row.raw_conversion_uplift_ci_lower == pytest.approx(
                raw["conversion"] - Z * raw["conversion_se"], abs=1e-9
            )
            assert row.raw_incremental_margin_per_contact == pytest.approx(raw["margin"], abs=1e-9)
            assert row.raw_incremental_margin_per_contact_se == pytest.approx(
                raw["margin_se"], rel=1e-9
            )
        assert row.shrunk_conversion_uplift == pytest.approx(shrunk["conversion"], abs=1e-9)
        assert row.shrunk_conversion_uplift_sd == pytest.approx(shrunk["conversion_sd"], rel=1e-9)
        assert row.shrunk_conversion_uplift_ci_upper == pytest.approx(
            shrunk["conversion"] + Z * shrunk["conversion_sd"], abs=1e-9
        )
        assert row.shrunk_incremental_margin_per_contact == pytest.approx(
            shrunk["margin"], abs=1e-9
        )
        assert row.shrunk_incremental_margin_per_contact_sd == pytest.approx(
            shrunk["margin_sd"], rel=1e-9
        )
    # Enough rows with history that the check above is about pooling, not priors.
    assert histories >= 20, histories


def holdout_draw(customer_id: str, audience_campaign_id: str) -> float:
    digest = hashlib.sha256(f"{customer_id}|{audience_campaign_id}".encode()).hexdigest()
    return int(digest[:8], 16) / 16**8


def policy(project: DbtProject) -> pd.DataFrame:
    return frame(
        project,
        "select customer_id, rfm_segment, contact_status, audience_campaign_id "
        "from rfm_intermediate.int_customer_contact_policy "
        "where contact_status in ('contact', 'holdout')",
        ["customer_id", "segment", "status", "audience_campaign_id"],
    )


def test_holdout_is_a_share_of_each_segment_drawn_from_the_hash(demo_build: DbtProject) -> None:
    would_be_contacts = policy(demo_build)
    (as_of_date,) = demo_build.query("select as_of_date from rfm_intermediate.int_rfm_as_of")[0]
    assert set(would_be_contacts["audience_campaign_id"]) == {f"nbo-{as_of_date.isoformat()}"}
    # Each customer's draw is Python's sha256 of "<id>|<audience campaign id>".
    draws = [
        holdout_draw(row.customer_id, row.audience_campaign_id)
        for row in would_be_contacts.itertuples(index=False)
    ]
    assert list(would_be_contacts["status"] == "holdout") == [d < HOLDOUT_SHARE for d in draws]
    # Per segment, held-out counts are Binomial(n, 0.1): within 3 standard deviations (+1
    # for small n), which a fair draw fails about 0.3 % of the time per segment.
    for segment, group in would_be_contacts.groupby("segment"):
        n = len(group)
        held_out = int((group["status"] == "holdout").sum())
        tolerance = 3 * math.sqrt(n * HOLDOUT_SHARE * (1 - HOLDOUT_SHARE)) + 1
        assert abs(held_out - n * HOLDOUT_SHARE) <= tolerance, (segment, n, held_out)
    assert 0.07 <= (would_be_contacts["status"] == "holdout").mean() <= 0.13


@pytest.fixture(scope="module")
def copied_demo(demo_build: DbtProject, tmp_path_factory: pytest.TempPathFactory) -> DbtProject:
    """A copy of the demo warehouse: rebuilding with other vars leaves the shared one alone."""
    workdir = Path(tmp_path_factory.mktemp("demo_copy"))
    project = DbtProject(workdir)
    shutil.copy(demo_build.warehouse, project.warehouse)
    return project


def test_holdout_is_stable_on_rebuild_and_rotates_with_the_campaign(
    demo_build: DbtProject, copied_demo: DbtProject
) -> None:
    first = policy(demo_build).set_index("customer_id")["status"]
    run = copied_demo.run("run", "-s", "int_customer_contact_policy")
    assert run.returncode == 0, run.output[-3000:]
    rebuilt = policy(copied_demo).set_index("customer_id")["status"]
    pd.testing.assert_series_equal(first.sort_index(), rebuilt.sort_index())

    run = copied_demo.run(
        "run", "-s", "int_customer_contact_policy", "--vars", "{audience_campaign_id: spring-test}"
    )
    assert run.returncode == 0, run.output[-3000:]
    other = policy(copied_demo)
    assert set(other["audience_campaign_id"]) == {"spring-test"}
    other_status = other.set_index("customer_id")["status"].sort_index()
    assert list(other_status.index) == list(first.sort_index().index)
    held_first = set(first[first == "holdout"].index)
    held_other = set(other_status[other_status == "holdout"].index)
    # Independent 10 % draws over ~1,450 customers overlap in about 1 % of them: mostly new people.
    assert held_other and len(held_first & held_other) < 0.5 * len(held_first)
    assert held_other == {
        customer for customer in other_status.index if holdout_draw(customer, "spring-test") < 0.1
    }
