"""The page builder on hand-made data: three sheets, escaping of untrusted text,
"no data" panels instead of crashes, nothing that could reach the network, and
segments in the order (with the descriptions) of dim_segments."""

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
    profile_segments,
    small_data,
)

from rfm_nbo.dashboard.assets import CSS, JS, csp_hash
from rfm_nbo.dashboard.data import (
    DIM_SEGMENTS,
    NEXT_BEST_OFFERS,
    SEGMENT_TRANSITIONS,
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


def test_three_sheets_every_chart_and_the_footer() -> None:
    html = build_page(small_data())
    for sheet in ("sheet-segments", "sheet-offers", "sheet-campaigns"):
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
