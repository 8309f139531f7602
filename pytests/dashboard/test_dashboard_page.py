"""The page builder on hand-made data: three sheets, escaping of untrusted text,
"no data" panels instead of crashes, nothing that could reach the network, and
segments in the order (with the descriptions) of dim_segments."""

from __future__ import annotations

import re
from dataclasses import replace

from dashboard_fixtures import (
    DESCRIPTIONS,
    HOSTILE,
    between,
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
    "top-products",
    "offer-status",
    "copy-source",
    "uplift-by-segment",
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
    assert "+10.0\u00a0pp" in html  # uplift of Champions
    assert "\u2212110\u00a0%" in html  # ROI of Lost


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
        "uplift-by-segment",
        "roi-by-segment",
        "incremental-revenue",
    ):
        assert chart_labels(html, chart) == expected, chart
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
