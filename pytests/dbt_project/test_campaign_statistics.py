"""fct_campaign_performance's statistics against independent implementations.

Every cell of the demo build is recomputed from the member rows of
int_campaign_members_attributed in the same warehouse with scipy, statsmodels
and numpy: the Newcombe interval, the Fisher / z p-value and which test is
used, the Benjamini-Hochberg q-value, the detectable uplift, the small-cell
flag, the Welch intervals of incremental revenue, margin and ROI, and the
segment label agreement. The SQL macros behind them (macros/statistics.sql,
macros/fisher_exact_test.sql) are also run directly on hand-built 2 x 2
tables that the demo does not reach: zero or all conversions, thousands of
members with two conversions, mirror-image ties, and a seeded sweep.
"""

from __future__ import annotations

import json
import math

import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml
from dbt_runner import PROJECT_DIR, DbtProject
from scipy.stats import contingency, fisher_exact, norm
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

MART = "rfm_marts.fct_campaign_performance"
MEMBERS = "rfm_intermediate.int_campaign_members_attributed"
CAMPAIGNS = "rfm_intermediate.int_campaigns_validated"
KEYS = ["campaign_id", "segment_at_send"]
SMALL_CELL_MEMBERS = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"][
    "campaign_small_cell_members"
]
Z_95 = norm.ppf(0.975)
# The z test's p-value goes through the erf approximation on DuckDB
# (macros/statistics.sql, absolute error < 1.5e-7); everything else is exact
# to rounding, so 1e-9 is used there.
P_VALUE_TOLERANCE = 1e-6
EXACT = 1e-9


def table(counts: pd.Series) -> list[list[int]]:
    """The 2 x 2 table (treatment, control) x (converted, not converted)."""
    return [
        [
            int(counts.treatment_conversions),
            int(counts.treatment_members - counts.treatment_conversions),
        ],
        [int(counts.control_conversions), int(counts.control_members - counts.control_conversions)],
    ]


def welch_interval(treated: np.ndarray, control: np.ndarray) -> tuple[float, float]:
    """95 % normal interval of mean(treated) - mean(control) with unequal variances."""
    difference = treated.mean() - control.mean()
    error = math.sqrt(treated.var(ddof=1) / len(treated) + control.var(ddof=1) / len(control))
    return difference - Z_95 * error, difference + Z_95 * error


@pytest.fixture(scope="module")
def cells(demo_build: DbtProject) -> pd.DataFrame:
    """One row per mart cell, with the reference values computed from the member rows."""
    with duckdb.connect(str(demo_build.warehouse), read_only=True) as con:
        mart = con.sql(f"select * from {MART}").df()
        members = con.sql(
            "select campaign_id, coalesce(segment_at_send, 'Unknown') as segment_at_send,"
            " segment_at_send as segment_at_send_raw, segment_label_in_file, is_treatment,"
            " is_converted, cast(attributed_revenue as double) as revenue,"
            f" cast(attributed_margin as double) as margin from {MEMBERS}"
        ).df()
        costs = dict(
            con.sql(f"select campaign_id, cast(cost as double) from {CAMPAIGNS}").fetchall()
        )
    members["agrees"] = (members.segment_label_in_file == members.segment_at_send_raw).fillna(False)

    reference = []
    for (campaign_id, segment), cell in members.groupby(KEYS):
        treated, control = cell[cell.is_treatment], cell[~cell.is_treatment]
        reference.append(
            {
                "campaign_id": campaign_id,
                "segment_at_send": segment,
                "ref_treatment_members": len(treated),
                "ref_control_members": len(control),
                "ref_treatment_conversions": int(treated.is_converted.sum()),
                "ref_control_conversions": int(control.is_converted.sum()),
                "ref_revenue": (treated.revenue.to_numpy(), control.revenue.to_numpy()),
                "ref_margin": (treated.margin.to_numpy(), control.margin.to_numpy()),
                "ref_agreement_rate": cell.agrees.mean(),
            }
        )
    reference = pd.DataFrame(reference)
    campaign_treated = members[members.is_treatment].groupby("campaign_id").size()
    control_rows = members[~members.is_treatment]
    campaign_control_rate = control_rows.groupby("campaign_id").is_converted.mean()
    reference["ref_allocated_cost"] = [
        costs[row.campaign_id] * row.ref_treatment_members / campaign_treated[row.campaign_id]
        for row in reference.itertuples()
    ]
    reference["ref_campaign_control_rate"] = reference.campaign_id.map(campaign_control_rate)
    merged = mart.merge(reference, on=KEYS, how="outer", indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"][KEYS]
    return merged


@pytest.fixture(scope="module")
def tested(cells: pd.DataFrame) -> pd.DataFrame:
    """The cells with both groups, with the reference test, p-value and q-value."""
    both = cells[(cells.ref_treatment_members > 0) & (cells.ref_control_members > 0)].copy()
    tests, p_values = [], []
    for _, cell in both.iterrows():
        counts = table(cell)
        if contingency.expected_freq(np.array(counts)).min() < 5:
            tests.append("fisher_exact")
            p_values.append(fisher_exact(counts, alternative="two-sided").pvalue)
        else:
            tests.append("z_test")
            p_values.append(
                proportions_ztest(
                    [cell.ref_treatment_conversions, cell.ref_control_conversions],
                    [cell.ref_treatment_members, cell.ref_control_members],
                )[1]
            )
    both["ref_test"], both["ref_p_value"] = tests, p_values
    both["ref_q_value"] = both.groupby("campaign_id").ref_p_value.transform(
        lambda p: multipletests(p, method="fdr_bh")[1]
    )
    return both


def test_cells_count_the_member_rows(cells: pd.DataFrame) -> None:
    for column in [
        "treatment_members",
        "control_members",
        "treatment_conversions",
        "control_conversions",
    ]:
        assert (cells[column] == cells[f"ref_{column}"]).all(), column
    assert len(cells) >= 20


def test_uplift_interval_is_statsmodels_newcombe(cells: pd.DataFrame) -> None:
    checked = 0
    for _, cell in cells.iterrows():
        if cell.ref_treatment_members == 0 or cell.ref_control_members == 0:
            assert pd.isna(cell.conversion_uplift_ci_lower)
            assert pd.isna(cell.conversion_uplift_ci_upper)
            continue
        lower, upper = confint_proportions_2indep(
            cell.ref_treatment_conversions,
            cell.ref_treatment_members,
            cell.ref_control_conversions,
            cell.ref_control_members,
            method="newcomb",
            compare="diff",
        )
        assert cell.conversion_uplift_ci_lower == pytest.approx(lower, abs=EXACT)
        assert cell.conversion_uplift_ci_upper == pytest.approx(upper, abs=EXACT)
        checked += 1
    assert checked >= 15


def test_p_values_are_scipy_fisher_or_the_pooled_z_test(
    cells: pd.DataFrame, tested: pd.DataFrame
) -> None:
    untested = cells[~cells.index.isin(tested.index)]
    assert untested.uplift_test.isna().all() and untested.uplift_p_value.isna().all()
    assert (tested.uplift_test == tested.ref_test).all(), tested[[*KEYS, "uplift_test", "ref_test"]]
    for _, cell in tested.iterrows():
        tolerance = EXACT if cell.ref_test == "fisher_exact" else P_VALUE_TOLERANCE
        assert cell.uplift_p_value == pytest.approx(cell.ref_p_value, abs=tolerance), cell[KEYS]
    # The demo's cells are small: most use Fisher's test. The z test is
    # covered here when the demo has such a cell, and its formula always by
    # test_z_test_p_value_is_the_pooled_two_proportion_z_test.
    assert (tested.ref_test == "fisher_exact").sum() >= 10


def test_q_values_are_benjamini_hochberg_within_each_campaign(
    cells: pd.DataFrame, tested: pd.DataFrame
) -> None:
    untested = cells[~cells.index.isin(tested.index)]
    assert untested.uplift_q_value.isna().all()
    for _, cell in tested.iterrows():
        # m p-values, each within P_VALUE_TOLERANCE: q moves by at most m times that
        campaign_cells = (tested.campaign_id == cell.campaign_id).sum()
        assert cell.uplift_q_value == pytest.approx(
            cell.ref_q_value, abs=campaign_cells * P_VALUE_TOLERANCE
        ), cell[KEYS]
    # BH must have changed something, or this test checks nothing beyond p
    assert (tested.ref_q_value > tested.ref_p_value + 1e-3).any()


def test_significance_is_the_q_value_and_nothing_else(cells: pd.DataFrame) -> None:
    assert cells.is_significant.notna().all()
    expected = cells.uplift_q_value.notna() & (cells.uplift_q_value < 0.05)
    assert (cells.is_significant == expected).all()
    assert not (cells.is_significant & ~(cells.uplift_q_value < 0.05)).any()


def test_detectable_uplift_and_small_cells(cells: pd.DataFrame) -> None:
    power = norm.ppf(0.975) + norm.ppf(0.8)
    for _, cell in cells.iterrows():
        n_t, n_c = cell.ref_treatment_members, cell.ref_control_members
        p0 = cell.ref_campaign_control_rate
        assert cell.campaign_control_conversion_rate == pytest.approx(p0, abs=EXACT)
        if n_t == 0 or n_c == 0:
            assert pd.isna(cell.minimum_detectable_uplift)
            assert cell.is_small_cell
            continue
        expected = power * math.sqrt(p0 * (1 - p0) * (1 / n_t + 1 / n_c))
        assert cell.minimum_detectable_uplift == pytest.approx(expected, abs=EXACT)
        smallest_expected = contingency.expected_freq(np.array(table(cell))).min()
        small = min(n_t, n_c) < SMALL_CELL_MEMBERS or smallest_expected < 5
        assert cell.is_small_cell == small, cell[KEYS]


def test_money_intervals_are_welch_intervals(cells: pd.DataFrame) -> None:
    checked = 0
    for _, cell in cells.iterrows():
        n_t = cell.ref_treatment_members
        if n_t < 2 or cell.ref_control_members < 2:
            assert pd.isna(cell.incremental_margin_ci_lower)
            assert pd.isna(cell.return_on_investment_ci_upper)
            continue
        assert cell.allocated_cost == pytest.approx(cell.ref_allocated_cost, abs=EXACT)
        for measure in ["revenue", "margin"]:
            lower, upper = welch_interval(*cell[f"ref_{measure}"])
            assert cell[f"incremental_{measure}_ci_lower"] == pytest.approx(n_t * lower, abs=1e-6)
            assert cell[f"incremental_{measure}_ci_upper"] == pytest.approx(n_t * upper, abs=1e-6)
        lower, upper = welch_interval(*cell.ref_margin)
        cost = cell.ref_allocated_cost
        assert cell.return_on_investment_ci_lower == pytest.approx(
            (n_t * lower - cost) / cost, abs=1e-8
        )
        assert cell.return_on_investment_ci_upper == pytest.approx(
            (n_t * upper - cost) / cost, abs=1e-8
        )
        assert (
            cell.return_on_investment_ci_lower
            <= cell.return_on_investment
            <= cell.return_on_investment_ci_upper
        )
        checked += 1
    assert checked >= 15


def test_segment_label_agreement_rate(cells: pd.DataFrame) -> None:
    assert np.allclose(cells.segment_label_agreement_rate, cells.ref_agreement_rate, atol=EXACT)


# ---------------------------------------------------------------------------
# The macros on hand-built tables
# ---------------------------------------------------------------------------

# (treatment conversions, treatment members, control conversions, control members)
EDGE_TABLES = [
    (20, 100, 0, 25),  # no control conversion: Wald would give the control no variance
    (30, 30, 10, 10),  # everybody converted: one possible table, p = 1
    (0, 50, 0, 20),  # nobody converted
    (0, 4000, 2, 1000),  # 5,000 members, 2 conversions: p = C(1000,2)/C(5000,2) = 999/24995
    (2, 4000, 0, 1000),  # the same margins, the most likely table: p = 1
    (0, 2500, 2, 2500),  # mirror tables tie: P(0) = P(2) both count
    (1, 10, 4, 10),  # mirror tie in a small table
    (3, 100000, 4, 1000),  # a huge treatment group (support 0..7)
    (1, 1, 0, 1),
    (480, 4000, 100, 1000),  # a big cell: every expected count >= 5 (the z test's ground)
    (9, 12, 1, 4),  # the unit test's Champions cell (_campaigns__models.yml)
]


def seeded_tables(count: int) -> list[tuple[int, int, int, int]]:
    """Random small tables (most with an expected count below 5), seeded."""
    rng = np.random.default_rng(20260312)
    tables = []
    for _ in range(count):
        n_t, n_c = int(rng.integers(1, 120)), int(rng.integers(1, 40))
        rate = rng.uniform(0, 0.4)
        tables.append((int(rng.binomial(n_t, rate)), n_t, int(rng.binomial(n_c, rate)), n_c))
    return tables


def compiled_sql(output: str) -> str:
    """The SQL in the JSON that `dbt compile --inline --output json --quiet` prints."""
    return json.loads(output[output.index("{") : output.rindex("}") + 1])["compiled"]


def run_macros(dbt_project: DbtProject, tables: list[tuple[int, int, int, int]]) -> pd.DataFrame:
    """Compile a query of the macros over `tables` with dbt and run it on DuckDB."""
    rows = ", ".join(f"({i}, {a}, {b}, {c}, {d})" for i, (a, b, c, d) in enumerate(tables))
    sql = f"""
        with tables as (
            select * from (values {rows}) as t (table_id, s1, n1, s2, n2)
        ),
        fisher as (
            {{{{ fisher_exact_two_sided('tables', ['table_id'], 's1', 'n1', 's2', 'n2') }}}}
        )
        select
            tables.table_id,
            fisher.p_value as fisher_p_value,
            {{{{ newcombe_difference_bound('s1', 'n1', 's2', 'n2', 'lower') }}}} as newcombe_lower,
            {{{{ newcombe_difference_bound('s1', 'n1', 's2', 'n2', 'upper') }}}} as newcombe_upper,
            {{{{ wilson_score_bound('s1', 'n1', 'lower') }}}} as wilson_lower,
            {{{{ wilson_score_bound('s1', 'n1', 'upper') }}}} as wilson_upper,
            {{{{ two_sided_p_value(
                '(cast(s1 as double) / n1 - cast(s2 as double) / n2) / sqrt('
                ~ '(cast(s1 + s2 as double) / (n1 + n2))'
                ~ ' * (1 - cast(s1 + s2 as double) / (n1 + n2))'
                ~ ' * (1.0 / n1 + 1.0 / n2))'
            ) }}}} as z_test_p_value
        from tables
        inner join fisher on tables.table_id = fisher.table_id
    """
    run = dbt_project.run("compile", "--inline", sql, "--output", "json", "--quiet")
    assert run.returncode == 0, run.output[-3000:]
    with duckdb.connect() as con:
        return con.sql(compiled_sql(run.output)).df().set_index("table_id").sort_index()


@pytest.fixture(scope="module")
def macro_tables(tmp_path_factory: pytest.TempPathFactory) -> tuple[list, pd.DataFrame]:
    tables = EDGE_TABLES + seeded_tables(300)
    project = DbtProject(tmp_path_factory.mktemp("campaign_statistics_macros"))
    return tables, run_macros(project, tables)


def test_fisher_macro_is_scipy_fisher_exact(macro_tables: tuple[list, pd.DataFrame]) -> None:
    tables, results = macro_tables
    assert len(results) == len(tables)
    for table_id, (s1, n1, s2, n2) in enumerate(tables):
        expected = fisher_exact([[s1, n1 - s1], [s2, n2 - s2]], alternative="two-sided").pvalue
        assert results.fisher_p_value[table_id] == pytest.approx(expected, abs=1e-12, rel=1e-9), (
            s1,
            n1,
            s2,
            n2,
        )


def test_fisher_macro_on_the_worked_tables(macro_tables: tuple[list, pd.DataFrame]) -> None:
    _, results = macro_tables
    # 0 of 4,000 vs 2 of 1,000: only the observed table is as unlikely,
    # P(X = 0) = C(1000, 2) / C(5000, 2) = 999 / 24995.
    assert results.fisher_p_value[3] == pytest.approx(999 / 24995, rel=1e-12)
    # 0 of 2,500 vs 2 of 2,500: P(0) = P(2) = C(2500, 2) / C(5000, 2), both count.
    assert results.fisher_p_value[5] == pytest.approx(2 * 2500 * 2499 / (5000 * 4999), rel=1e-12)
    for table_id in (1, 2, 4):
        assert results.fisher_p_value[table_id] == 1.0
    # 9 of 12 vs 1 of 4, worked in the YAML comment of the unit test: 946 / 8008.
    assert results.fisher_p_value[10] == pytest.approx(946 / 8008, rel=1e-12)


def test_newcombe_and_wilson_macros_are_statsmodels(
    macro_tables: tuple[list, pd.DataFrame],
) -> None:
    from statsmodels.stats.proportion import proportion_confint

    tables, results = macro_tables
    for table_id, (s1, n1, s2, n2) in enumerate(tables):
        lower, upper = confint_proportions_2indep(s1, n1, s2, n2, method="newcomb", compare="diff")
        assert results.newcombe_lower[table_id] == pytest.approx(lower, abs=1e-12)
        assert results.newcombe_upper[table_id] == pytest.approx(upper, abs=1e-12)
        wilson = proportion_confint(s1, n1, method="wilson")
        assert results.wilson_lower[table_id] == pytest.approx(wilson[0], abs=1e-12)
        assert results.wilson_upper[table_id] == pytest.approx(wilson[1], abs=1e-12)
    # no control conversion: the interval still has width on the control side
    assert results.newcombe_upper[0] - 0.2 > 0.05


def test_z_test_p_value_is_the_pooled_two_proportion_z_test(
    macro_tables: tuple[list, pd.DataFrame],
) -> None:
    tables, results = macro_tables
    checked = 0
    for table_id, (s1, n1, s2, n2) in enumerate(tables):
        if s1 + s2 in (0, n1 + n2):
            continue  # no variance: the model uses Fisher's test there
        expected = proportions_ztest([s1, s2], [n1, n2])[1]
        assert results.z_test_p_value[table_id] == pytest.approx(expected, abs=P_VALUE_TOLERANCE)
        checked += 1
    assert checked > 250
    # the big cell: 12 % vs 10 % of 4,000 and 1,000, z = 1.8409..., p = 0.0656
    assert results.z_test_p_value[9] == pytest.approx(
        2 * norm.sf(0.02 / math.sqrt(0.116 * 0.884 * (1 / 4000 + 1 / 1000))), abs=P_VALUE_TOLERANCE
    )


def test_log_factorial_is_lgamma(tmp_path) -> None:
    ks = [*range(0, 40), 100, 1000, 12345, 10**5, 10**6, 10**7]
    values = ", ".join(f"({k})" for k in ks)
    sql = f"select k, {{{{ log_factorial('k') }}}} as lf from (values {values}) as t (k)"
    run = DbtProject(tmp_path).run("compile", "--inline", sql, "--output", "json", "--quiet")
    assert run.returncode == 0, run.output[-3000:]
    with duckdb.connect() as con:
        for k, lf in con.sql(compiled_sql(run.output)).fetchall():
            assert lf == pytest.approx(math.lgamma(k + 1), rel=1e-14, abs=1e-14), k
