"""Clusters, campaign statistics and privacy on the demo build, checked
against the planted truth and an independent implementation (scipy)."""

from __future__ import annotations

import csv
import json
import math

import pytest
from dbt_runner import PROJECT_DIR, DbtProject
from mart_scan import email_shaped_values_in_marts
from planted_cells import planted_cells
from scipy.stats import norm
from sklearn.metrics import adjusted_rand_score

TRUTH_DIR = PROJECT_DIR / "planted_truth" / "demo"
TRUTH = json.loads((TRUTH_DIR / "truth.json").read_text())


def planted_types() -> dict[str, str]:
    with (TRUTH_DIR / "customer_types.csv").open() as handle:
        return {row["customer_id"]: row["behaviour_type"] for row in csv.DictReader(handle)}


def test_clusters_recover_the_planted_behaviour_types(demo_build: DbtProject) -> None:
    types = planted_types()
    rows = demo_build.query(
        "select customer_id, cluster_name from rfm_intermediate.int_customers_clustered"
    )
    truth = [types[customer_id] for customer_id, _ in rows]
    clusters = [cluster for _, cluster in rows]
    score = adjusted_rand_score(truth, clusters)
    # The six planted types overlap by design (their own silhouette is ~0.25):
    # K-Means with k=6 reached 0.585 on this seed. 0.5 leaves room for library
    # noise while failing any clustering that mixes whole types together.
    assert score > 0.5, score


def test_each_named_cluster_is_mostly_its_planted_type(demo_build: DbtProject) -> None:
    types = planted_types()
    names_for_type = {
        facts["segment_at_send"]: behaviour_type
        for campaign in TRUTH["campaigns"].values()
        for behaviour_type, facts in campaign["by_behaviour_type"].items()
    }
    counts: dict[str, dict[str, int]] = {}
    for customer_id, cluster in demo_build.query(
        "select customer_id, cluster_name from rfm_intermediate.int_customers_clustered"
    ):
        counts.setdefault(cluster, {}).setdefault(types[customer_id], 0)
        counts[cluster][types[customer_id]] += 1
    named = [cluster for cluster in counts if cluster in names_for_type]
    # The six planted types have the six prototype names, so with k = 6 every
    # cluster should carry one of them; at least four must, or the test would
    # pass on names that match nothing.
    assert len(named) >= 4, sorted(counts)
    for cluster in named:
        by_type = counts[cluster]
        majority = max(by_type, key=by_type.get)
        assert majority == names_for_type[cluster], (cluster, by_type)


def test_champions_cluster_has_the_best_centroid(demo_build: DbtProject) -> None:
    rows = demo_build.query(
        "select cluster_name, avg(recency_days), avg(frequency), avg(monetary) "
        "from rfm_marts.dim_customers where cluster_name is not null group by 1"
    )
    profiles = {name: (recency, frequency, monetary) for name, recency, frequency, monetary in rows}
    champions = profiles["Champions"]
    for name, (recency, frequency, monetary) in profiles.items():
        if name != "Champions":
            assert champions[0] <= recency and champions[1] >= frequency, name
            assert champions[2] >= monetary, name


def campaign_cells(demo_build: DbtProject) -> list[dict]:
    columns = [
        "campaign_id",
        "segment_at_send",
        "treatment_members",
        "control_members",
        "treatment_conversions",
        "control_conversions",
        "conversion_uplift",
        "conversion_uplift_ci_lower",
        "conversion_uplift_ci_upper",
        "observed_treatment_share",
        "sample_ratio_p_value",
    ]
    rows = demo_build.query(f"select {', '.join(columns)} from rfm_marts.fct_campaign_performance")
    return [dict(zip(columns, row, strict=True)) for row in rows]


def test_uplift_statistics_match_scipy(demo_build: DbtProject) -> None:
    """The uplift and the sample-ratio check. The interval, p-value, q-value,
    detectable uplift and money intervals are checked against scipy and
    statsmodels in test_campaign_statistics.py."""
    checked = 0
    for cell in campaign_cells(demo_build):
        n_t, n_c = cell["treatment_members"], cell["control_members"]
        if n_t == 0 or n_c == 0:
            assert cell["conversion_uplift"] is None
            continue
        x_t, x_c = cell["treatment_conversions"], cell["control_conversions"]
        assert cell["conversion_uplift"] == pytest.approx(x_t / n_t - x_c / n_c, abs=1e-12)
        n = n_t + n_c
        expected_t = n * 0.8
        chi_square = (n_t - expected_t) ** 2 / expected_t + (n_c - (n - expected_t)) ** 2 / (
            n - expected_t
        )
        assert cell["sample_ratio_p_value"] == pytest.approx(
            2 * norm.sf(math.sqrt(chi_square)), abs=1e-6
        )
        checked += 1
    assert checked >= 15


def test_measured_uplift_recovers_the_planted_uplift(demo_build: DbtProject) -> None:
    """The planted uplift of each cell (the membership-weighted mean of its
    members' planted type uplift, planted_cells.py) should fall inside the
    measured 95 % Newcombe interval in about 95 % of cells. Cells are small,
    so a cell misses by chance one time in twenty; we require 80 %, as the
    issue asks (with 21 or more cells, 90 % would fail by chance too often)."""
    planted = planted_cells(demo_build.warehouse, TRUTH_DIR)
    planted["segment_at_send"] = planted["segment_at_send"].fillna("Unknown")
    uplift = {
        (row.campaign_id, row.segment_at_send): row.planted_uplift for row in planted.itertuples()
    }
    covered, missed = 0, []
    for cell in campaign_cells(demo_build):
        if cell["conversion_uplift_ci_lower"] is None:
            continue
        truth = uplift[(cell["campaign_id"], cell["segment_at_send"])]
        if cell["conversion_uplift_ci_lower"] <= truth <= cell["conversion_uplift_ci_upper"]:
            covered += 1
        else:
            missed.append((cell["campaign_id"], cell["segment_at_send"], truth))
    total = covered + len(missed)
    assert total >= 15
    assert covered / total >= 0.8, missed


# Anything shaped like an email address, anywhere inside a value.
def raw_seed_emails() -> set[str]:
    """Every email in the raw customers seed, clean and quarantined rows alike."""
    with (PROJECT_DIR / "seeds" / "demo" / "customers.csv").open() as handle:
        return {
            row["email"].strip().lower()
            for row in csv.DictReader(handle)
            if row["email"] and row["email"].strip()
        }


def test_no_raw_email_reaches_a_mart(demo_build: DbtProject) -> None:
    """No string value of any mart contains an email address: neither
    anything email-shaped nor any raw email of the seed as a substring (the
    quarantine mart keeps raw rows as text, which is how emails leaked)."""
    emails = raw_seed_emails()
    quarantined = {
        email
        for (email,) in demo_build.query(
            "select lower(email) from rfm_staging.stg_shop__customers "
            "where dq_reason is not null and email is not null"
        )
    }
    # The scan below must cover the quarantined customers, not only clean ones.
    assert quarantined and quarantined <= emails, quarantined - emails
    leaks = email_shaped_values_in_marts(demo_build, emails)
    assert not leaks, leaks[:10]
