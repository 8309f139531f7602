"""The page builder on hand-made data: four sheets, escaping of untrusted text,
"no data" panels instead of crashes, nothing that could reach the network,
segments in the order (with the descriptions) of dim_segments, and churn risk,
lifetime value and the calibration of the purchase model."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from dashboard_fixtures import (
    DESCRIPTIONS,
    HOSTILE,
    SPRING_CHAMPIONS,
    between,
    campaign_cell,
    chart_labels,
    empty_data,
    failed_calibration,
    profile_segments,
    small_data,
)

from rfm_nbo.dashboard.assets import CSS, JS, csp_hash
from rfm_nbo.dashboard.data import (
    CHURN_RISK_BANDS,
    CLV_CALIBRATION,
    CUSTOMER_CLV_COLUMNS,
    DIM_CUSTOMERS,
    DIM_SEGMENTS,
    NEXT_BEST_OFFERS,
    SEGMENT_CLV_COLUMNS,
    SEGMENT_SUMMARY,
    SEGMENT_TRANSITIONS,
    ClvData,
    SegmentVocabulary,
)
from rfm_nbo.dashboard.page import build_page

CHARTS = (
    "rfm-segment-share",
    "cluster-share",
    "rfm-heatmap",
    "cluster-profile",
    "segment-crosstab",
    "segment-migration",
    "clv-by-rfm-segment",
    "clv-by-cluster",
    "churn-risk-by-segment",
    "clv-calibration-frequency",
    "clv-calibration-weeks",
    "offers-by-segment",
    "offer-categories",
    "top-products",
    "offer-status",
    "copy-source",
    "backtest-hit-at-3",
    "uplift-by-cell",
    "roi-by-segment",
    "incremental-revenue",
)


def test_four_sheets_every_chart_and_the_footer() -> None:
    html = build_page(small_data())
    for sheet in ("sheet-segments", "sheet-clv", "sheet-offers", "sheet-campaigns"):
        assert f'id="{sheet}" role="tabpanel"' in html
        assert f'aria-controls="{sheet}"' in html
    assert re.findall(r'data-chart="([^"]+)"', html) == list(CHARTS)
    assert 'id="data-quality"' in html
    assert 'data-as-of="2026-07-01"' in html
    assert 'class="no-data"' not in html


def test_numbers_are_formatted_for_people() -> None:
    html = build_page(small_data(), currency="\u20ac")
    assert "\u20ac600" in html  # net revenue KPI
    assert "+15.0\u00a0pp" in html  # uplift of Champions
    assert "\u2212110\u00a0%" in html  # ROI of Lost
    assert "\u2212150 to \u221270\u00a0%" in html  # its interval


def test_text_from_the_data_is_escaped() -> None:
    html = build_page(small_data(product_name=HOSTILE, headline=HOSTILE))
    assert "<img" not in html
    assert html.count("<script") == 1  # only the page's own script
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "onerror=alert(1)&gt;" in html


def test_hostile_currency_symbol_is_escaped() -> None:
    html = build_page(small_data(), currency="<b>")
    assert "<b>" not in html


def test_empty_marts_give_explanatory_panels_not_a_crash() -> None:
    html = build_page(empty_data())
    assert "data-chart=" not in html
    assert html.count('class="no-data"') >= 8
    assert f"rfm_marts.{NEXT_BEST_OFFERS} has no rows" in html
    assert "No raw row was quarantined" in html
    assert 'data-as-of="\u2013"' in html


def test_a_missing_mart_says_to_rebuild() -> None:
    data = replace(empty_data(), missing_marts=frozenset({SEGMENT_TRANSITIONS}))
    html = build_page(data)
    assert f"rfm_marts.{SEGMENT_TRANSITIONS} is not in the warehouse" in html
    assert "dbt build" in html


def test_sample_ratio_flags_are_shown() -> None:
    html = build_page(small_data())
    assert "1 cell(s) deviate from the planned split" in html
    assert 'class="badge warn"' in html


def test_self_contained_with_a_strict_content_security_policy() -> None:
    html = build_page(small_data())
    assert not re.search(r'(src|href)="(?!data:|#)', html)  # nothing to load
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1)
    assert "default-src &#x27;none&#x27;" in policy
    assert csp_hash(CSS).replace("'", "&#x27;") in policy
    assert csp_hash(JS).replace("'", "&#x27;") in policy
    assert f"<style>{CSS}</style>" in html and f"<script>{JS}</script>" in html


def test_same_data_same_page() -> None:
    assert build_page(small_data()) == build_page(small_data())


# --- segment order and descriptions from dim_segments -----------------------------------


def test_segments_are_listed_in_dim_segments_order() -> None:
    # dim_segments says Lost, At Risk, Champions; every list of small_data starts with
    # Champions, and alphabetical or classic best-first order would too.
    html = build_page(small_data())
    expected = ["Lost", "Champions"]
    for chart in (
        "rfm-segment-share",
        "segment-crosstab",
        "segment-migration",
        "offers-by-segment",
    ):
        assert chart_labels(html, chart) == expected, chart
    for chart in ("roi-by-segment", "incremental-revenue"):
        assert chart_labels(html, chart) == ["Lost", "At Risk", "Champions"], chart
    # Cells campaign by campaign (Spring, then Summer), segments in that order within.
    assert chart_labels(html, "uplift-by-cell") == ["Lost", "Champions", "At Risk"]
    assert profile_segments(html) == expected
    # Clusters keep their own order (cluster_id, best profile first).
    assert chart_labels(html, "cluster-share") == ["Champions", "Lost"]


def test_names_dim_segments_does_not_list_follow_alphabetically() -> None:
    names = small_data().segment_names
    assert names.ordered(["Zeta", "Champions", "(none)", "Lost", "Abc", "Lost"]) == [
        "Lost",
        "Champions",
        "(none)",
        "Abc",
        "Zeta",
    ]
    assert names.description("Zeta") is None


def test_segment_descriptions_reach_the_page() -> None:
    html = build_page(small_data())
    table = between(html, 'data-table="segment-profiles"', "</table>")
    about = f'<span class="segment-about">{DESCRIPTIONS["Lost"]}</span>'
    assert table.count(about) == 2  # the RFM segment and the cluster
    assert f'title="{DESCRIPTIONS["Champions"]}"' in table
    share = between(html, 'data-chart="rfm-segment-share"', "</figure>")
    assert f"<title>Lost \u00b7 3: {DESCRIPTIONS['Lost']}</title>" in share
    assert "in the order of dim_segments" in html


def test_segment_descriptions_are_escaped() -> None:
    html = build_page(small_data(description=HOSTILE))
    assert "<img" not in html
    assert html.count("<script") == 1
    assert '<span class="segment-about">&lt;script&gt;alert(&quot;x&quot;)' in html


def test_without_dim_segments_segments_are_alphabetical_and_the_page_says_why() -> None:
    data = replace(
        small_data(),
        segment_names=SegmentVocabulary(),
        missing_marts=frozenset({DIM_SEGMENTS}),
    )
    html = build_page(data)
    assert chart_labels(html, "rfm-segment-share") == ["Champions", "Lost"]
    assert 'class="segment-about"' not in html
    assert f"rfm_marts.{DIM_SEGMENTS} is not in the warehouse" in html


# --- campaign statistics: significance from the q-value only ---------------------------


def _cell_markers(html: str) -> list[str]:
    """The marker style (filled or hollow) of each cell of the uplift chart, in order."""
    figure = between(html, 'data-chart="uplift-by-cell"', "</figure>")
    return re.findall(r'<circle class="mark (filled|hollow)"', figure)


def _cell_rows(html: str) -> dict[tuple[str, str], str]:
    """The campaign-cells table's rows as HTML, keyed by (campaign, segment)."""
    table = between(html, 'data-table="campaign-cells"', "</table>")
    rows = re.findall(
        r"<tr><td[^>]*>([^<]*)</td><td[^>]*>[^<]*</td><td[^>]*>([^<]*)</td>(.*?)</tr>", table
    )
    return {(campaign, segment): rest for campaign, segment, rest in rows}


def test_an_interval_excluding_zero_with_q_above_005_is_not_called_significant() -> None:
    # Spring/Champions: 95 % CI +1.4 to +25.9 pp excludes zero, but q = 0.061 (BH over
    # Spring's two cells): hollow marker, no "significant" badge.
    assert SPRING_CHAMPIONS.ci_lower > 0 and SPRING_CHAMPIONS.uplift_q_value >= 0.05
    html = build_page(small_data())
    # Chart rows: Spring/Lost, Spring/Champions, Summer/At Risk.
    assert _cell_markers(html) == ["hollow", "hollow", "filled"]
    rows = _cell_rows(html)
    assert "+1.4 to +25.9\u00a0pp" in rows[("Spring", "Champions")]
    assert "0.061" in rows[("Spring", "Champions")]
    assert "significant" not in rows[("Spring", "Champions")]
    assert 'class="badge ok">significant<' in rows[("Summer", "At Risk")]
    assert html.count('class="badge ok">significant<') == 1


def test_significance_follows_is_significant_not_the_interval() -> None:
    # Flip the verdicts while keeping every interval: the markers follow is_significant.
    data = small_data()
    flipped = [replace(c, is_significant=not c.is_significant) for c in data.campaigns.cells]
    html = build_page(replace(data, campaigns=replace(data.campaigns, cells=flipped)))
    assert _cell_markers(html) == ["filled", "filled", "hollow"]
    # A missing verdict (no p-value) is not significant.
    unknown = [replace(c, is_significant=None) for c in data.campaigns.cells]
    html = build_page(replace(data, campaigns=replace(data.campaigns, cells=unknown)))
    assert _cell_markers(html) == ["hollow", "hollow", "hollow"]
    assert "significant cells (q &lt; 0.05)" in html


def test_cell_table_shows_test_q_value_detectable_uplift_and_small_cells() -> None:
    html = build_page(small_data())
    table = between(html, 'data-table="campaign-cells"', "</table>")
    for header in ("Test", "p-value", "q-value", "Detectable uplift", "ROI 95 % CI"):
        assert f">{header}</th>" in table
    rows = _cell_rows(html)
    lost, summer = rows[("Spring", "Lost")], rows[("Summer", "At Risk")]
    assert "Fisher exact" in lost and "z test" in rows[("Spring", "Champions")]
    assert "13.2\u00a0pp" in lost  # detectable uplift, unsigned
    assert "+40 to +360\u00a0%" in summer  # ROI interval
    assert 'title="95 % CI $120 to $480"' in summer  # revenue interval as tooltip
    assert table.count('class="badge warn">small cell<') == 2
    assert "small cell" not in rows[("Spring", "Champions")]
    assert '<td class="num">40\u00a0%</td>' in rows[("Spring", "Champions")]  # label agreement


def test_the_notes_explain_q_values_detectable_uplift_and_small_cells() -> None:
    html = build_page(small_data())
    text = re.sub(r"<[^>]+>", " ", html)
    assert "q is the Benjamini-Hochberg adjusted p-value within the campaign" in text
    assert "a cell is significant when q &lt; 0.05" in text
    assert "An interval that excludes zero is not enough on its own" in text
    assert "an uplift smaller than this would usually go unseen" in text
    assert "Small cell" in text
    # The old rule (an interval crossing 0 decides significance) is gone.
    assert "crosses 0" not in text and "not significant at the 5 % level" not in text
    # Label agreement over both cells that report it: (0.4 x 150 + 0.8 x 150) / 300.
    assert "segment label matched our RFM segment at send for 60\u00a0% of members" in text


def test_a_cell_without_controls_is_listed_without_a_marker() -> None:
    data = small_data()
    lonely = campaign_cell(
        campaign_name="Summer",
        segment_name="Lost",
        channel="sms",
        started_on=date(2026, 6, 1),
        treatment_members=3,
        control_members=0,
        treatment_conversion_rate=1 / 3,
        is_significant=False,
        is_small_cell=True,
    )
    cells = [*data.campaigns.cells, lonely]
    html = build_page(replace(data, campaigns=replace(data.campaigns, cells=cells)))
    figure = between(html, 'data-chart="uplift-by-cell"', "</figure>")
    assert chart_labels(html, "uplift-by-cell") == ["Lost", "Champions", "Lost", "At Risk"]
    assert _cell_markers(html) == ["hollow", "hollow", "filled"]
    assert 'data-marks="3"' in figure
    assert ">no control members</text>" in figure
    assert ("Summer", "Lost") in _cell_rows(html)


# --- churn risk and lifetime value -----------------------------------------------------


def _clv_sheet(html: str) -> str:
    return between(html, 'id="sheet-clv"', 'id="sheet-offers"')


def _kpis(html: str) -> dict[str, str]:
    """Headline figures of one sheet: label -> value."""
    pairs = re.findall(
        r'<span class="kpi-value">([^<]*)</span><span class="kpi-label">([^<]*)</span>', html
    )
    return {label: value for value, label in pairs}


def _legend(figure: str) -> list[str]:
    return re.findall(r"</svg>([^<]*)</li>", figure)


def test_clv_headline_figures_worked_out_by_hand() -> None:
    # CHURN_BANDS: expected CLV 300 + 40 + 15 + 5 = 360, at risk 10 + 0 + 25 + 45 = 80;
    # high or very high: 1 + 1 of the 2 + 1 + 1 = 4 repeat buyers (single purchase is
    # not one). CALIBRATION: 9 expected against 10 actual repeat purchases: -10 %.
    figures = _kpis(_clv_sheet(build_page(small_data())))
    assert figures == {
        "expected CLV (margin)": "$360",
        "CLV at risk of churn": "$80",
        "repeat buyers at high or very high churn risk (2)": "50.0\u00a0%",
        "BG/NBD holdout forecast vs actual": "\u221210.0\u00a0%",
    }


def test_clv_by_segment_for_both_schemes_in_their_order() -> None:
    html = build_page(small_data())
    assert chart_labels(html, "clv-by-rfm-segment") == ["Lost", "Champions"]  # dim_segments
    assert chart_labels(html, "clv-by-cluster") == ["Champions", "Lost"]  # cluster_id
    figure = between(html, 'data-chart="clv-by-rfm-segment"', "</figure>")
    values = re.findall(r'<text class="value"[^>]*>([^<]*)</text>', figure)
    assert values == ["$60 \u00b7 $20 each", "$300 \u00b7 $150 each"]
    table = between(html, 'data-table="segment-profiles"', "</table>")
    assert ">Expected CLV</th>" in table and ">Avg exp. CLV</th>" in table
    assert '<td class="num">$300</td><td class="num">$150</td></tr>' in table


def test_churn_bands_stack_riskiest_first_per_rfm_segment() -> None:
    html = build_page(small_data())
    figure = between(html, 'data-chart="churn-risk-by-segment"', "</figure>")
    assert chart_labels(html, "churn-risk-by-segment") == ["Lost", "Champions"]
    assert _legend(figure) == ["very high", "high", "low", "single purchase"]
    assert re.findall(r'class="mark"[^>]*><title>([^<]*)</title>', figure) == [
        "Lost \u00b7 very high: 1",
        "Lost \u00b7 high: 1",
        "Lost \u00b7 single purchase: 1",
        "Champions \u00b7 low: 2",
    ]
    assert re.findall(r'<text class="value"[^>]*>([^<]*)</text>', figure) == ["3", "2"]


def test_the_churn_risk_bands_are_those_the_scoring_assigns() -> None:
    from rfm_nbo.clv.scoring import BANDS, SINGLE_PURCHASE_BAND, UNKNOWN_BAND

    assert (*BANDS, SINGLE_PURCHASE_BAND, UNKNOWN_BAND) == CHURN_RISK_BANDS


def test_calibration_shows_the_fit_the_cut_and_both_series() -> None:
    sheet = _clv_sheet(build_page(small_data()))
    assert 'data-cut-date="2026-06-17"' in sheet
    text = re.sub(r"<[^>]+>", "", sheet)
    assert "BG/NBD converged Fitted on the purchases before the cut, 2026-06-17" in text
    assert "holdout 2026-06-17 to 2026-07-01 (2 weeks)" in text
    assert "r 0.25, \u03b1 4 days, a 0.8, b 2.4" in text
    frequency = between(sheet, 'data-chart="clv-calibration-frequency"', "</figure>")
    weeks = between(sheet, 'data-chart="clv-calibration-weeks"', "</figure>")
    assert 'data-marks="6"' in frequency and 'data-marks="4"' in weeks
    assert _legend(frequency) == _legend(weeks) == ["Actual", "Expected (BG/NBD)"]
    labels = re.findall(r'<text class="x-label"[^>]*>(?:<title>[^<]*</title>)?([^<]*)<', frequency)
    assert labels == ["0", "1", "7+"]
    assert "<title>7+ repeat purchases before the cut \u00b7 Expected (BG/NBD): 4.40</title>" in (
        frequency
    )
    assert "<title>week 2 \u00b7 Actual: 10</title>" in weeks
    assert 'class="fit-warning"' not in sheet


def test_a_calibration_fit_that_did_not_converge_says_so_instead_of_an_expected_line() -> None:
    data = small_data()
    failed = replace(data, clv=replace(data.clv, calibration=failed_calibration()))
    sheet = _clv_sheet(build_page(failed))
    warning = between(sheet, 'class="fit-warning"', "</div>")
    assert 'class="badge warn">not converged<' in warning
    assert "No expected series: the BG/NBD fit on the purchases before the cut did not " in (
        warning
    )
    assert 'data-cut-date="2026-06-17"' in warning
    frequency = between(sheet, 'data-chart="clv-calibration-frequency"', "</figure>")
    weeks = between(sheet, 'data-chart="clv-calibration-weeks"', "</figure>")
    assert 'data-marks="3"' in frequency and 'data-marks="2"' in weeks  # actual only
    assert "Expected (BG/NBD)" not in sheet and "mark hollow" not in sheet
    assert "BG/NBD holdout forecast vs actual" not in sheet  # no forecast, no error
    assert "BG/NBD converged" not in sheet


def test_a_warehouse_from_before_clv_explains_each_empty_panel() -> None:
    # What queries.py reads from a warehouse built before churn risk and CLV: no CLV in
    # the segment summary, no band in dim_customers, no calibration mart.
    data = small_data()
    segments = [
        replace(s, total_expected_clv=None, avg_expected_clv=None) for s in data.segments.segments
    ]
    old = replace(
        data,
        segments=replace(data.segments, segments=segments),
        clv=ClvData(),
        missing_marts=frozenset({CLV_CALIBRATION}),
        outdated_marts={
            SEGMENT_SUMMARY: SEGMENT_CLV_COLUMNS,
            DIM_CUSTOMERS: CUSTOMER_CLV_COLUMNS,
        },
    )
    html = build_page(old)
    sheet = _clv_sheet(html)
    assert 'class="kpis"' not in sheet and "data-chart=" not in sheet
    assert (
        sheet.count(
            "rfm_marts.fct_segment_summary has no column total_expected_clv, avg_expected_clv: "
            "an older version of the project built it. Rebuild it with `.venv/bin/dbt build`."
        )
        == 2
    )  # both schemes
    assert "rfm_marts.dim_customers has no column churn_risk_band, expected_clv" in sheet
    assert "rfm_marts.fct_clv_calibration is not in the warehouse" in sheet
    # The other sheets are whole; the profile table says why its CLV columns are empty.
    assert re.findall(r'data-chart="([^"]+)"', html) == [
        chart for chart in CHARTS if not chart.startswith(("clv-", "churn-"))
    ]
    table_note = between(html, "<h3>Segment profiles</h3>", "</p>")
    assert "Expected CLV: rfm_marts.fct_segment_summary has no column total_expected_clv" in (
        table_note
    )


def test_a_fit_without_expected_clv_says_so() -> None:
    # The mart is current, but the BG/NBD fit on all purchases was not usable.
    data = small_data()
    segments = [
        replace(s, total_expected_clv=None, avg_expected_clv=None) for s in data.segments.segments
    ]
    sheet = _clv_sheet(
        build_page(replace(data, segments=replace(data.segments, segments=segments)))
    )
    assert sheet.count("has no expected CLV: the BG/NBD fit was not usable") == 2
