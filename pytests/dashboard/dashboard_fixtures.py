"""Hand-made dashboard data, a hand-made mini warehouse with the marts' columns,
and helpers that read segment names back from a page, for the dashboard tests
(imported by name: conftest modules are not importable reliably when several
test folders have one)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import duckdb

from rfm_nbo.dashboard.data import (
    CampaignCell,
    CampaignsData,
    CopySourceRow,
    CrosstabCell,
    DashboardData,
    OfferMixRow,
    OffersData,
    OfferStatusRow,
    Overview,
    ProductRow,
    QuarantineCount,
    SampleOffer,
    ScoreCell,
    SegmentName,
    SegmentsData,
    SegmentStat,
    SegmentUplift,
    SegmentVocabulary,
    Transition,
)

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> & "quotes"'

# The order of dim_segments in these fixtures is deliberately neither alphabetical
# (At Risk, Champions, Lost) nor the classic best-first order (Champions, At Risk,
# Lost): a page that orders segments by anything but display_order fails the tests.
SEGMENT_ORDER = ("Lost", "At Risk", "Champions")
DESCRIPTIONS = {
    "Lost": "Few orders a very long time ago",
    "At Risk": "Used to buy often but have not come back",
    "Champions": "Bought recently, buy often and spend the most",
}


def segment_names(description: str | None = None) -> SegmentVocabulary:
    """dim_segments for the fixtures, in SEGMENT_ORDER; `description` replaces every
    description (say, with hostile text)."""
    return SegmentVocabulary(
        tuple(
            SegmentName(name, "both", order, description or DESCRIPTIONS[name])
            for order, name in enumerate(SEGMENT_ORDER, start=1)
        )
    )


def small_data(
    product_name: str = "Blue Mug",
    headline: str = "10% off Blue Mug",
    description: str | None = None,
) -> DashboardData:
    """A complete, tiny dashboard: two RFM segments, two clusters, one campaign, and
    dim_segments in SEGMENT_ORDER (every list here starts with Champions, so the page
    must reorder it)."""
    segments = SegmentsData(
        segments=[
            SegmentStat("rfm", "Champions", 2, 450.0, 0.4, 0.75, 10.0, 6.0, 225.0),
            SegmentStat("rfm", "Lost", 3, 150.0, 0.6, 0.25, 400.0, 1.0, 50.0),
            SegmentStat("kmeans", "Champions", 2, 450.0, 0.4, 0.75, 10.0, 6.0, 225.0),
            SegmentStat("kmeans", "Lost", 3, 150.0, 0.6, 0.25, 400.0, 1.0, 50.0),
        ],
        score_grid=[ScoreCell(5, 5, 2, 225.0), ScoreCell(1, 1, 3, 50.0)],
        crosstab=[
            CrosstabCell("Champions", "Champions", 2, 1.0),
            CrosstabCell("Lost", "Lost", 3, 1.0),
        ],
        migration_month=date(2026, 6, 30),
        transitions=[
            Transition("Champions", "Champions", 2, 1.0),
            Transition("Lost", "Lost", 2, 2 / 3),
            Transition("Lost", "Champions", 1, 1 / 3),
        ],
    )
    offers = OffersData(
        mix=[OfferMixRow("Champions", "upsell", 2), OfferMixRow("Lost", "win_back", 1)],
        products=[ProductRow(product_name, "kitchen", 3, 3)],
        copy_sources=[CopySourceRow("template", None, 3)],
        statuses=[
            OfferStatusRow("has_offers", None, 3),
            OfferStatusRow("not_contactable", "unsubscribed", 2),
        ],
        samples=[
            SampleOffer(
                "Champions",
                "C1",
                1,
                product_name,
                "kitchen",
                "upsell",
                "email",
                0.1,
                headline,
                "Body text",
                "SMS text",
                "template",
                None,
            )
        ],
    )
    campaigns = CampaignsData(
        by_segment=[
            SegmentUplift(
                "Champions", 100, 50, 0.2, 0.1, 0.1, 0.01, 0.19, 500.0, 200.0, 100.0, 1.0
            ),
            SegmentUplift(
                "Lost", 100, 50, 0.05, 0.06, -0.01, -0.08, 0.06, -20.0, -10.0, 100.0, -1.1
            ),
        ],
        cells=[
            CampaignCell(
                "Spring",
                "Champions",
                "email",
                date(2026, 3, 1),
                100,
                50,
                0.2,
                0.1,
                0.1,
                0.01,
                0.19,
                0.04,
                500.0,
                1.0,
                0.5,
            ),
            CampaignCell(
                "Spring",
                "Lost",
                "email",
                date(2026, 3, 1),
                100,
                50,
                0.05,
                0.06,
                -0.01,
                -0.08,
                0.06,
                0.8,
                -20.0,
                -1.1,
                0.0001,
            ),
        ],
    )
    return DashboardData(
        overview=Overview(date(2026, 7, 1), 6, 5, 4, 3, 3, 600.0),
        segments=segments,
        offers=offers,
        campaigns=campaigns,
        quarantine=[QuarantineCount("orders", "duplicate_key", 2)],
        segment_names=segment_names(description),
        source="mini.duckdb",
    )


def empty_data() -> DashboardData:
    """Marts that exist but hold no rows (say, a build on an empty orders file)."""
    return DashboardData(
        overview=Overview(None, 0, 0, 0, 0, 0, 0.0),
        segments=SegmentsData(),
        offers=OffersData(),
        campaigns=CampaignsData(),
    )


MINI_MARTS = {
    # In SEGMENT_ORDER, with one descriptive cluster name last (no mart uses it).
    "dim_segments": """
        select * from (values
            ('Lost', 'both', 1, 'Few orders a very long time ago', false),
            ('At Risk', 'both', 2, 'Used to buy often but have not come back', false),
            ('Champions', 'both', 3, 'Bought recently, buy often and spend the most', false),
            ('Recent Big Spenders', 'kmeans_descriptive', 14,
             'K-Means cluster 1 fits no prototype name', true)
        ) as t(segment_name, scheme, display_order, description, is_descriptive_cluster_name)""",
    "dim_customers": """
        select * from (values
            ('C1', true, true, 300.00, timestamp '2026-06-20 10:00:00', 11, 'Champions', 1,
             5, 5, 'has_offers', null),
            ('C2', true, false, 50.00, timestamp '2025-06-01 10:00:00', 395, 'Lost', 2,
             1, 1, 'not_contactable', 'no_marketing_opt_in'),
            ('C3', false, false, null, null, null, null, null, null, null, 'not_contactable',
             'no_customer_record')
        ) as t(customer_id, is_rfm_scored, is_contactable, monetary, last_ordered_at,
               recency_days, cluster_name, cluster_id, r_score, f_score, offer_status,
               not_contactable_reason)""",
    "fct_segment_summary": """
        select * from (values
            ('rfm', 'Champions', 1, 300.00, 0.5, 0.857, 11.0, 5.0, 300.0),
            ('rfm', 'Lost', 1, 50.00, 0.5, 0.143, 395.0, 1.0, 50.0),
            ('kmeans', 'Lost', 1, 50.00, 0.5, 0.143, 395.0, 1.0, 50.0),
            ('kmeans', 'Champions', 1, 300.00, 0.5, 0.857, 11.0, 5.0, 300.0)
        ) as t(segmentation_scheme, segment_name, customers, net_revenue, customer_share,
               revenue_share, avg_recency_days, avg_frequency, avg_monetary)""",
    "fct_segment_crosstab": """
        select * from (values ('Champions', 'Champions', 1, 1.0), ('Lost', 'Lost', 1, 1.0))
            as t(rfm_segment, cluster_name, customers, rfm_segment_share)""",
    "fct_segment_transitions": """
        select * from (values
            (date '2026-05-31', 'Lost', 'Lost', 5, 1.0),
            (date '2026-06-30', 'Champions', 'Champions', 1, 1.0),
            (date '2026-06-30', 'Lost', 'Lost', 1, 1.0)
        ) as t(month_end_date, from_rfm_segment, to_rfm_segment, customers, from_segment_rate)""",
    "fct_next_best_offers": """
        select * from (values
            ('C1', 1, 'Champions', 'P1', 'Mug <b>', 'kitchen', 'upsell', 'email', 0.1,
             'H1', 'B1', 'S1', 'template', null, date '2026-07-01'),
            ('C1', 2, 'Champions', 'P2', 'Plate', 'kitchen', 'upsell', 'email', 0.1,
             'H2', 'B2', 'S2', 'bedrock', null, date '2026-07-01'),
            ('C4', 1, 'Champions', 'P1', 'Mug <b>', 'kitchen', 'upsell', 'email', 0.1,
             'H3', 'B3', 'S3', 'template', 'too_long', date '2026-07-01')
        ) as t(customer_id, offer_rank, rfm_segment, product_id, product_name, category,
               offer_type, channel, discount_rate, headline, body, sms, copy_source,
               fallback_reason, as_of_date)""",
    # Two cells of one segment: pooled by hand in test_dashboard_queries.py.
    "fct_campaign_performance": """
        select * from (values
            ('K1', 'Spring', 'At Risk', 'email', timestamp '2026-03-01 09:00:00',
             100, 50, 20, 5, 0.2, 0.1, 0.1, 0.0, 0.2, 0.1, 50.0, 300.0, 100.0, 2.0, 0.5),
            ('K2', 'Summer', 'At Risk', 'sms', timestamp '2026-06-01 09:00:00',
             100, 50, 10, 5, 0.1, 0.1, 0.0, -0.1, 0.1, 1.0, 0.0, 100.0, 100.0, 0.0, 0.0001)
        ) as t(campaign_id, campaign_name, segment_at_send, channel, started_at,
               treatment_members, control_members, treatment_conversions, control_conversions,
               treatment_conversion_rate, control_conversion_rate, conversion_uplift,
               conversion_uplift_ci_lower, conversion_uplift_ci_upper, uplift_p_value,
               incremental_revenue, incremental_margin, allocated_cost, return_on_investment,
               sample_ratio_p_value)""",
    "fct_quarantined_rows": """
        select * from (values ('orders-1', 'orders', 'duplicate_key', 'a | b'),
                              ('orders-2', 'orders', 'duplicate_key', 'a | b'),
                              ('products-1', 'products', 'missing_key', ' | x'))
            as t(quarantined_row_id, source_table, dq_reason, raw_record)""",
}


def write_mini_warehouse(
    path: Path, marts: dict[str, str] | None = None, schema: str = "rfm_marts"
) -> Path:
    """A DuckDB file with the given marts (default: all of MINI_MARTS) in `schema`."""
    with duckdb.connect(str(path)) as con:
        con.execute(f"create schema if not exists {schema}")
        for name, select in (MINI_MARTS if marts is None else marts).items():
            con.execute(f"create table {schema}.{name} as {select}")
    return path


# --- reading the page back ---------------------------------------------------------------


def between(html: str, start: str, end: str) -> str:
    """The part of `html` from `start` to the next `end`."""
    head = html.index(start)
    return html[head : html.index(end, head)]


def chart_labels(html: str, chart_id: str) -> list[str]:
    """Category (row) labels of one chart, without the ' · count' suffix."""
    figure = between(html, f'data-chart="{chart_id}"', "</figure>")
    labels = re.findall(r'<text class="label"[^>]*><title>[^<]*</title>([^<]*)</text>', figure)
    return [label.split(" \u00b7 ")[0] for label in labels]


def profile_segments(html: str, scheme: str = "RFM segment") -> list[str]:
    """Segment names of the profile table's rows of one scheme."""
    table = between(html, 'data-table="segment-profiles"', "</table>")
    return re.findall(
        rf'<tr><td[^>]*>{scheme}</td><td><span class="segment-name"[^>]*>([^<]*)</span>', table
    )
