"""Reading a hand-made warehouse: values, pooled uplift and churn risk bands worked
out by hand, the segment order of dim_segments, the calibration, missing marts,
warehouses built before churn risk and lifetime value, and clear errors for
unbuilt or outdated warehouses."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb
import pytest
from dashboard_fixtures import (
    CALIBRATION,
    CALIBRATION_BY_FREQUENCY,
    CALIBRATION_BY_WEEK,
    CLV_CUSTOMERS,
    DESCRIPTIONS,
    MINI_MARTS,
    PRE_CLV_MARTS,
    SEGMENT_ORDER,
    between,
    chart_labels,
    failed_calibration,
    profile_segments,
)

from rfm_nbo.dashboard.data import (
    CLV_CALIBRATION,
    DIM_CUSTOMERS,
    DIM_SEGMENTS,
    SEGMENT_CROSSTAB,
    SEGMENT_SUMMARY,
)
from rfm_nbo.dashboard.errors import DashboardError
from rfm_nbo.dashboard.page import build_page
from rfm_nbo.dashboard.queries import read_dashboard


def _read(path: Path, schema: str = "rfm_marts"):
    with duckdb.connect(str(path), read_only=True) as con:
        return read_dashboard(con, schema, sample_size=10)


def test_overview_and_as_of_date(mini_warehouse: Path) -> None:
    data = _read(mini_warehouse)
    o = data.overview
    assert (o.customers, o.rfm_scored, o.contactable) == (3, 2, 1)
    assert (o.offers, o.customers_with_offers) == (3, 2)
    assert o.net_revenue == pytest.approx(350.0)
    assert o.as_of_date == date(2026, 7, 1)
    assert data.missing_marts == frozenset()


def test_as_of_date_without_offers_comes_from_recency(
    warehouse_factory: Callable[..., Path],
) -> None:
    # 2026-06-20 + 11 days and 2025-06-01 + 395 days are both 2026-07-01.
    path = warehouse_factory("no_offers.duckdb", {"dim_customers": MINI_MARTS["dim_customers"]})
    assert _read(path).overview.as_of_date == date(2026, 7, 1)


def test_segments_clusters_in_cluster_id_order_and_latest_migration(mini_warehouse: Path) -> None:
    segments = _read(mini_warehouse).segments
    assert [s.segment_name for s in segments.segments if s.scheme == "kmeans"] == [
        "Champions",
        "Lost",
    ]
    assert {(c.r_score, c.f_score, c.customers) for c in segments.score_grid} == {
        (5, 5, 1),
        (1, 1, 1),
    }
    assert segments.migration_month == date(2026, 6, 30)
    assert len(segments.transitions) == 2


def test_offers_are_counted_and_sampled_deterministically(mini_warehouse: Path) -> None:
    offers = _read(mini_warehouse).offers
    top = offers.products[0]
    assert (top.product_name, top.offers, top.customers) == ("Mug <b>", 2, 2)
    assert {(r.copy_source, r.fallback_reason, r.offers) for r in offers.copy_sources} == {
        ("template", None, 1),
        ("template", "too_long", 1),
        ("bedrock", None, 1),
    }
    assert [(s.customer_id, s.offer_rank) for s in offers.samples] == [("C1", 1)]
    assert {(s.offer_status, s.reason) for s in offers.statuses} == {
        ("has_offers", None),
        ("not_contactable", "no_marketing_opt_in"),
        ("not_contactable", "no_customer_record"),
    }


def test_money_is_pooled_over_campaigns_with_combined_intervals(mini_warehouse: Path) -> None:
    campaigns = _read(mini_warehouse).campaigns
    by_name = {s.segment_name: s for s in campaigns.by_segment}
    assert set(by_name) == {"At Risk", "Lost"}
    at_risk = by_name["At Risk"]
    assert (at_risk.treatment_members, at_risk.control_members) == (200, 100)
    # Revenue 50 + 0 with half-widths 40 and 30: independent cells, so the pooled
    # half-width is sqrt(40^2 + 30^2) = 50.
    assert at_risk.incremental_revenue == pytest.approx(50.0)
    assert at_risk.incremental_revenue_ci_lower == pytest.approx(0.0)
    assert at_risk.incremental_revenue_ci_upper == pytest.approx(100.0)
    # Margin 300 + 100 = 400 with half-widths 60 and 80: sqrt(3600 + 6400) = 100;
    # cost 200: ROI (400 - 200) / 200 = 1.0, interval (300 - 200) / 200 = 0.5 to
    # (500 - 200) / 200 = 1.5.
    assert at_risk.return_on_investment == pytest.approx(1.0)
    assert at_risk.return_on_investment_ci_lower == pytest.approx(0.5)
    assert at_risk.return_on_investment_ci_upper == pytest.approx(1.5)
    assert [c.campaign_name for c in campaigns.cells] == ["Spring", "Spring", "Summer", "Summer"]
    assert campaigns.cells[0].started_on == date(2026, 3, 1)


def test_a_segment_with_a_cell_without_an_interval_has_no_pooled_interval(
    warehouse_factory: Callable[..., Path],
) -> None:
    # K2 Lost loses its margin interval (say, one control member: no variance).
    cells = MINI_MARTS["fct_campaign_performance"].replace(
        "250.0, 150.0, 350.0", "250.0, null, null"
    )
    data = _read(warehouse_factory("no_interval.duckdb", {"fct_campaign_performance": cells}))
    lost = {s.segment_name: s for s in data.campaigns.by_segment}["Lost"]
    assert lost.return_on_investment == pytest.approx((40 + 250 - 200) / 200)
    assert lost.return_on_investment_ci_lower is None
    assert lost.return_on_investment_ci_upper is None
    assert lost.incremental_revenue_ci_lower is not None  # revenue still has every interval


def test_cells_carry_the_marts_statistics_as_they_are(mini_warehouse: Path) -> None:
    cells = {(c.campaign_name, c.segment_name): c for c in _read(mini_warehouse).campaigns.cells}
    spring = cells[("Spring", "At Risk")]
    # The interval excludes zero, but q = 0.0608 >= 0.05: the mart says not significant,
    # and the reader keeps that verdict (it never recomputes one from the interval).
    assert spring.ci_lower > 0
    assert spring.uplift_q_value == pytest.approx(0.060765643953155)
    assert spring.is_significant is False
    assert spring.uplift_test == "z_test"
    assert spring.minimum_detectable_uplift == pytest.approx(0.1388693540913202)
    assert spring.is_small_cell is False
    assert (spring.return_on_investment_ci_lower, spring.return_on_investment_ci_upper) == (
        pytest.approx(1.4),
        pytest.approx(2.6),
    )
    assert spring.incremental_revenue_ci_upper == pytest.approx(90.0)
    assert spring.segment_label_agreement_rate == pytest.approx(0.5)
    assert cells[("Summer", "Lost")].is_significant is True
    assert cells[("Summer", "At Risk")].segment_label_agreement_rate is None


def test_the_page_from_a_warehouse_marks_only_the_significant_cell(mini_warehouse: Path) -> None:
    html = build_page(_read(mini_warehouse))
    figure = between(html, 'data-chart="uplift-by-cell"', "</figure>")
    # Spring: Lost, At Risk (dim_segments order); Summer: Lost, At Risk.
    assert chart_labels(html, "uplift-by-cell") == ["Lost", "At Risk", "Lost", "At Risk"]
    assert re.findall(r'<circle class="mark (filled|hollow)"', figure) == [
        "hollow",
        "hollow",
        "filled",
        "hollow",
    ]


def test_a_mart_without_the_new_statistics_says_to_rebuild(
    warehouse_factory: Callable[..., Path],
) -> None:
    old = "select * exclude (uplift_q_value, is_significant) from ({})".format(
        MINI_MARTS["fct_campaign_performance"]
    )
    with pytest.raises(DashboardError, match=r"fct_campaign_performance.*rebuild"):
        _read(warehouse_factory("old_campaigns.duckdb", {"fct_campaign_performance": old}))


def test_quarantine_by_table_and_reason(mini_warehouse: Path) -> None:
    rows = _read(mini_warehouse).quarantine
    assert [(r.source_table, r.dq_reason, r.rows) for r in rows] == [
        ("orders", "duplicate_key", 2),
        ("products", "missing_key", 1),
    ]


def test_a_missing_mart_reads_as_empty_and_is_reported(
    warehouse_factory: Callable[..., Path],
) -> None:
    marts = {k: v for k, v in MINI_MARTS.items() if k != SEGMENT_CROSSTAB}
    data = _read(warehouse_factory("partial.duckdb", marts))
    assert data.missing_marts == frozenset({SEGMENT_CROSSTAB})
    assert data.segments.crosstab == []
    assert data.segments.segments


def test_no_marts_schema_says_to_run_dbt_build(tmp_path: Path) -> None:
    path = tmp_path / "empty.duckdb"
    duckdb.connect(str(path)).close()
    with pytest.raises(DashboardError, match=r"has not been built yet.*dbt build"):
        _read(path)


def test_other_schema_name_is_honoured(warehouse_factory: Callable[..., Path]) -> None:
    path = warehouse_factory("custom.duckdb", schema="shop_marts")
    assert _read(path, "shop_marts").overview.customers == 3


def test_an_outdated_mart_says_to_rebuild(warehouse_factory: Callable[..., Path]) -> None:
    marts = {**MINI_MARTS, "fct_segment_crosstab": "select 'Lost' as rfm_segment"}
    with pytest.raises(DashboardError, match=r"fct_segment_crosstab.*rebuild"):
        _read(warehouse_factory("old.duckdb", marts))


def test_marts_without_rows_read_as_empty_data(warehouse_factory: Callable[..., Path]) -> None:
    empty = {name: f"select * from ({select}) where false" for name, select in MINI_MARTS.items()}
    data = _read(warehouse_factory("empty_marts.duckdb", empty))
    assert data.overview.customers == 0
    assert data.overview.as_of_date is None
    assert data.segments.segments == [] and data.segments.migration_month is None
    assert data.offers.samples == [] and data.campaigns.by_segment == []
    assert data.missing_marts == frozenset()


def test_segment_names_come_from_dim_segments(mini_warehouse: Path) -> None:
    names = _read(mini_warehouse).segment_names
    assert [row.segment_name for row in names.names] == [*SEGMENT_ORDER, "Recent Big Spenders"]
    assert names.description("At Risk") == DESCRIPTIONS["At Risk"]
    assert names.names[-1].is_descriptive_cluster_name
    # The mart's order, not alphabetical (Champions, Lost) nor by size (a tie here).
    assert names.ordered(s.segment_name for s in _read(mini_warehouse).segments.segments) == [
        "Lost",
        "Champions",
    ]


def test_the_page_lists_segments_in_dim_segments_order(mini_warehouse: Path) -> None:
    html = build_page(_read(mini_warehouse))
    assert chart_labels(html, "rfm-segment-share") == ["Lost", "Champions"]
    assert chart_labels(html, "segment-migration") == ["Lost", "Champions"]
    assert profile_segments(html) == ["Lost", "Champions"]
    assert f'<span class="segment-about">{DESCRIPTIONS["Champions"]}</span>' in html


def test_without_dim_segments_the_order_is_alphabetical(
    warehouse_factory: Callable[..., Path],
) -> None:
    marts = {k: v for k, v in MINI_MARTS.items() if k != DIM_SEGMENTS}
    data = _read(warehouse_factory("no_dim_segments.duckdb", marts))
    assert data.missing_marts == frozenset({DIM_SEGMENTS})
    assert data.segment_names.names == ()
    assert profile_segments(build_page(data)) == ["Champions", "Lost"]


def test_offer_mix_and_pooled_backtest_are_read_as_the_marts_have_them(
    mini_warehouse: Path,
) -> None:
    data = _read(mini_warehouse)
    # Three offers, all kitchen, of two distinct products (P1 twice, P2 once).
    assert [(c.category, c.offers, c.products) for c in data.offers.categories] == [
        ("kitchen", 3, 2)
    ]
    # Only the pooled rows (fold 0), history first, the ranking first in its group;
    # the fold-1 row (every rate 0.77) is never read.
    rows = [(r.customer_group, r.ranking_method, r.is_filtered) for r in data.offers.backtest]
    assert rows == [
        ("with_history", "nbo", True),
        ("with_history", "item_to_item", True),
        ("with_history", "global_popularity", False),
        ("no_history", "nbo", True),
    ]
    nbo = data.offers.backtest[0]
    assert (nbo.hit_at_3_rate, nbo.hit_at_3_difference) == (0.3, 0.02)
    assert (nbo.hit_at_3_difference_ci_lower, nbo.hit_at_3_difference_ci_upper) == (0.005, 0.035)
    html = build_page(data)
    sheet = between(html, 'id="sheet-offers"', 'id="sheet-campaigns"')
    # The verdict follows the mart's interval: +0.5 to +3.5 pp lies above zero.
    assert "The ranking beats the best filtered baseline (item to item)" in sheet
    assert chart_labels(sheet, "backtest-hit-at-3") == [
        "NBO ranking",
        "item to item (filtered)",
        "global popularity (unfiltered)",
    ]
    table = between(sheet, 'data-table="backtest-methods"', "</table>")
    assert "77.0\u00a0%" not in table


# --- churn risk and lifetime value -----------------------------------------------------


def test_segment_summary_carries_expected_clv(mini_warehouse: Path) -> None:
    data = _read(mini_warehouse)
    clv = {
        (s.scheme, s.segment_name): (s.total_expected_clv, s.avg_expected_clv)
        for s in data.segments.segments
    }
    assert clv == {
        ("rfm", "Champions"): (120.0, 120.0),
        ("rfm", "Lost"): (10.0, 10.0),
        ("kmeans", "Champions"): (120.0, 120.0),
        ("kmeans", "Lost"): (10.0, 10.0),
    }
    assert data.outdated_marts == {}


def test_churn_bands_are_counted_per_rfm_segment(
    warehouse_factory: Callable[..., Path],
) -> None:
    path = warehouse_factory("bands.duckdb", {**MINI_MARTS, "dim_customers": CLV_CUSTOMERS})
    data = _read(path)
    # Worked out by hand beside CLV_CUSTOMERS; C7 (no purchase, no band) is left out.
    assert [
        (b.rfm_segment, b.churn_risk_band, b.customers, b.expected_clv, b.clv_at_risk)
        for b in data.clv.bands
    ] == [
        ("(none)", "unknown", 1, None, None),
        ("Champions", "low", 2, pytest.approx(200.0), pytest.approx(20.0)),
        ("Lost", "single_purchase", 1, pytest.approx(30.0), pytest.approx(0.0)),
        ("Lost", "unknown", 1, None, None),
        ("Lost", "very_high", 1, pytest.approx(10.0), pytest.approx(40.0)),
    ]
    assert data.clv.clv_basis == ("margin",)
    sheet = between(build_page(data), 'id="sheet-clv"', 'id="sheet-offers"')
    # Expected CLV 240, at risk 60; 1 of the 3 repeat buyers at very high risk.
    assert '<span class="kpi-value">$240</span><span class="kpi-label">expected CLV (margin)' in (
        sheet
    )
    assert '<span class="kpi-value">$60</span><span class="kpi-label">CLV at risk' in sheet
    assert (
        '<span class="kpi-value">33.3\u00a0%</span>'
        '<span class="kpi-label">repeat buyers at high or very high churn risk (1)'
    ) in sheet
    # Segments in dim_segments' order (Lost, Champions), then names it does not list.
    assert chart_labels(sheet, "churn-risk-by-segment") == ["Lost", "Champions", "(none)"]


def test_calibration_is_read_in_bucket_order_with_the_fit(mini_warehouse: Path) -> None:
    calibration = _read(mini_warehouse).clv.calibration
    # The mart's rows are shuffled; the reader returns each breakdown in bucket order.
    assert calibration.by_frequency == CALIBRATION_BY_FREQUENCY
    assert calibration.by_week == CALIBRATION_BY_WEEK
    assert calibration == CALIBRATION
    assert calibration.is_converged


def test_a_calibration_fit_that_did_not_converge_draws_only_what_happened(
    warehouse_factory: Callable[..., Path],
) -> None:
    failed = """
        select * replace (
            'not_converged' as bgnbd_status,
            cast(null as double) as expected_repeat_purchases,
            cast(null as double) as expected_per_customer,
            cast(null as double) as cumulative_expected_repeat_purchases,
            cast(null as double) as r, cast(null as double) as alpha,
            cast(null as double) as a, cast(null as double) as b
        )
        from ({})""".format(MINI_MARTS["fct_clv_calibration"])
    path = warehouse_factory("failed_fit.duckdb", {**MINI_MARTS, "fct_clv_calibration": failed})
    data = _read(path)
    assert data.clv.calibration == failed_calibration()
    html = build_page(data)
    frequency = between(html, 'data-chart="clv-calibration-frequency"', "</figure>")
    assert 'data-marks="3"' in frequency and "Expected (BG/NBD)" not in frequency
    assert "did not converge" in between(html, 'class="fit-warning"', "</div>")


def test_a_warehouse_built_before_clv_still_shows_everything_else(
    warehouse_factory: Callable[..., Path],
) -> None:
    data = _read(warehouse_factory("pre_clv.duckdb", PRE_CLV_MARTS))
    assert data.missing_marts == frozenset({CLV_CALIBRATION})
    assert data.outdated_marts == {
        SEGMENT_SUMMARY: ("total_expected_clv", "avg_expected_clv"),
        DIM_CUSTOMERS: ("churn_risk_band", "expected_clv", "clv_at_risk", "clv_basis"),
    }
    # Everything the marts did have is read as before.
    assert [(s.scheme, s.segment_name, s.customers) for s in data.segments.segments] == [
        ("rfm", "Champions", 1),
        ("rfm", "Lost", 1),
        ("kmeans", "Champions", 1),
        ("kmeans", "Lost", 1),
    ]
    assert all(s.total_expected_clv is None for s in data.segments.segments)
    assert data.overview.customers == 3 and data.campaigns.cells
    assert data.clv.bands == [] and data.clv.calibration.by_week == []
    html = build_page(data)
    assert chart_labels(html, "rfm-segment-share") == ["Lost", "Champions"]
    sheet = between(html, 'id="sheet-clv"', 'id="sheet-offers"')
    assert "rfm_marts.fct_segment_summary has no column total_expected_clv" in sheet
    assert "rfm_marts.dim_customers has no column churn_risk_band" in sheet
    assert "rfm_marts.fct_clv_calibration is not in the warehouse" in sheet


def test_a_missing_mart_is_not_reported_as_outdated(
    warehouse_factory: Callable[..., Path],
) -> None:
    marts = {k: v for k, v in MINI_MARTS.items() if k != SEGMENT_SUMMARY}
    data = _read(warehouse_factory("no_summary.duckdb", marts))
    assert data.missing_marts == frozenset({SEGMENT_SUMMARY})
    assert data.outdated_marts == {}
    assert "fct_segment_summary is not in the warehouse" in build_page(data)
