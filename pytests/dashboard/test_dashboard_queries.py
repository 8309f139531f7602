"""Reading a hand-made warehouse: values, pooled uplift worked out by hand, the
segment order of dim_segments, missing marts, and clear errors for unbuilt or
outdated warehouses."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb
import pytest
from dashboard_fixtures import (
    DESCRIPTIONS,
    MINI_MARTS,
    SEGMENT_ORDER,
    between,
    chart_labels,
    profile_segments,
)

from rfm_nbo.dashboard.data import DIM_SEGMENTS, SEGMENT_CROSSTAB
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
