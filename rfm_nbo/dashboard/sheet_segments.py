"""The Segments sheet: sizes and revenue share of both schemes, the R x F heat
map, cluster profiles, how RFM segments fall into clusters, last month's
segment migration, and every segment's figures (expected CLV included) in one
table."""

from __future__ import annotations

from rfm_nbo.dashboard.charts import PALETTE, HeatCell, Series, bar_chart, heatmap
from rfm_nbo.dashboard.components import Column, Context, panel, segment_label, table
from rfm_nbo.dashboard.data import (
    DIM_CUSTOMERS,
    DIM_SEGMENTS,
    SEGMENT_CLV_COLUMNS,
    SEGMENT_CROSSTAB,
    SEGMENT_SUMMARY,
    SEGMENT_TRANSITIONS,
    SegmentsData,
    SegmentStat,
)
from rfm_nbo.dashboard.formatting import (
    fmt_date,
    fmt_int,
    fmt_money,
    fmt_number,
    fmt_pct,
)

SCHEMES = {"rfm": "RFM segment", "kmeans": "K-Means cluster"}


def scheme_segments(data: SegmentsData, scheme: str, ctx: Context) -> list[SegmentStat]:
    """One scheme's segments: RFM segments in dim_segments' order, clusters as read
    (cluster_id order, best profile first)."""
    stats = [s for s in data.segments if s.scheme == scheme]
    if scheme != "rfm":
        return stats
    return sorted(stats, key=lambda s: ctx.segment_names.sort_key(s.segment_name))


def share_chart(chart_id: str, title: str, stats: list[SegmentStat], ctx: Context) -> str:
    """Share of customers against share of revenue, a pair of bars per segment: a
    segment whose revenue bar is longer is worth more than its size. A label's
    tooltip gives the segment's description."""
    labels = [f"{s.segment_name} \u00b7 {fmt_int(s.customers)}" for s in stats]
    descriptions = [ctx.segment_names.description(s.segment_name) for s in stats]
    return bar_chart(
        chart_id,
        title,
        labels,
        [
            Series("Share of customers", [s.customer_share for s in stats], PALETTE[0]),
            Series("Share of revenue", [s.revenue_share for s in stats], PALETTE[1]),
        ],
        fmt=fmt_pct,
        axis_fmt=lambda v: fmt_pct(v, 0),
        label_tooltips=[
            f"{label}: {about}" if about else label
            for label, about in zip(labels, descriptions, strict=True)
        ],
    )


def score_heatmap(data: SegmentsData, ctx: Context) -> str:
    """Customers per (R, F) score pair, F rows top-down from the best score."""
    top_score = max((max(c.r_score, c.f_score) for c in data.score_grid), default=0)
    scores = list(range(1, top_score + 1))
    f_rows = list(reversed(scores))
    cells = {
        (f_rows.index(c.f_score), c.r_score - 1): HeatCell(
            value=c.customers,
            label=fmt_int(c.customers),
            sublabel=fmt_money(c.avg_monetary, ctx.currency, compact=True),
            tooltip=f"R {c.r_score}, F {c.f_score}: {fmt_int(c.customers)} customers, "
            f"average monetary {fmt_money(c.avg_monetary, ctx.currency)}",
        )
        for c in data.score_grid
        if 1 <= c.r_score <= top_score and 1 <= c.f_score <= top_score
    }
    return heatmap(
        "rfm-heatmap",
        "Customers by recency and frequency score",
        [f"F {s}" for s in f_rows],
        [f"R {s}" for s in scores],
        cells,
        x_title="Recency score (higher = more recent)",
        y_title="Frequency score",
        cell_width=74,
        cell_height=40,
    )


def cluster_profile(stats: list[SegmentStat], ctx: Context) -> str:
    """Cluster sizes and average recency, frequency and monetary value, coloured
    within each column (the units differ)."""
    columns = ["Customers", "Recency (days)", "Frequency", "Monetary"]
    cells: dict[tuple[int, int], HeatCell] = {}
    for row, s in enumerate(stats):
        values = [
            (s.customers, fmt_int(s.customers)),
            (s.avg_recency_days, fmt_number(s.avg_recency_days, 0)),
            (s.avg_frequency, fmt_number(s.avg_frequency)),
            (s.avg_monetary, fmt_money(s.avg_monetary, ctx.currency, compact=True)),
        ]
        for col, (value, text) in enumerate(values):
            cells[(row, col)] = HeatCell(
                value, text, tooltip=f"{s.segment_name}: {columns[col]} {text}"
            )
    return heatmap(
        "cluster-profile",
        "Cluster profiles",
        [s.segment_name for s in stats],
        columns,
        cells,
        x_title="Average per customer",
        y_title="Cluster",
        cell_width=112,
        cell_height=34,
        column_scaled=True,
    )


def crosstab_heatmap(data: SegmentsData, ctx: Context) -> str:
    """Share of each RFM segment's customers in each cluster."""
    segments = ctx.segment_names.ordered(c.rfm_segment for c in data.crosstab)
    cluster_order = [s.segment_name for s in data.segments if s.scheme == "kmeans"]
    clusters = sorted(
        {c.cluster_name for c in data.crosstab},
        key=lambda n: (cluster_order.index(n) if n in cluster_order else len(cluster_order), n),
    )
    cells = {
        (segments.index(c.rfm_segment), clusters.index(c.cluster_name)): HeatCell(
            c.rfm_segment_share,
            fmt_pct(c.rfm_segment_share, 0),
            fmt_int(c.customers),
            f"{c.rfm_segment} in {c.cluster_name}: {fmt_int(c.customers)} customers "
            f"({fmt_pct(c.rfm_segment_share)} of the segment)",
        )
        for c in data.crosstab
    }
    return heatmap(
        "segment-crosstab",
        "RFM segments by K-Means cluster",
        segments,
        clusters,
        cells,
        x_title="K-Means cluster",
        y_title="RFM segment",
        cell_width=78,
    )


def migration_heatmap(data: SegmentsData, ctx: Context) -> str:
    """The newest month's transition matrix: share of each from-segment per to-segment."""
    order = ctx.segment_names.ordered(
        [t.from_segment for t in data.transitions] + [t.to_segment for t in data.transitions]
    )
    cells = {
        (order.index(t.from_segment), order.index(t.to_segment)): HeatCell(
            t.from_segment_rate,
            fmt_pct(t.from_segment_rate, 0),
            fmt_int(t.customers),
            f"{t.from_segment} \u2192 {t.to_segment}: {fmt_int(t.customers)} customers "
            f"({fmt_pct(t.from_segment_rate)} of {t.from_segment})",
        )
        for t in data.transitions
    }
    return heatmap(
        "segment-migration",
        f"Segment migration, month ending {fmt_date(data.migration_month)}",
        order,
        order,
        cells,
        x_title="Segment at month end",
        y_title="Segment a month before",
        cell_width=58,
        cell_height=34,
    )


def profile_table(data: SegmentsData, ctx: Context) -> str:
    """Both schemes' segments with every summary figure; under each name, its
    description from dim_segments."""
    rows = [
        [
            SCHEMES.get(s.scheme, s.scheme),
            segment_label(s.segment_name, ctx.segment_names.description(s.segment_name)),
            fmt_int(s.customers),
            fmt_pct(s.customer_share),
            fmt_money(s.net_revenue, ctx.currency),
            fmt_pct(s.revenue_share),
            fmt_number(s.avg_recency_days, 0),
            fmt_number(s.avg_frequency),
            fmt_money(s.avg_monetary, ctx.currency),
            fmt_money(s.total_expected_clv, ctx.currency),
            fmt_money(s.avg_expected_clv, ctx.currency),
        ]
        for scheme in SCHEMES
        for s in scheme_segments(data, scheme, ctx)
    ]
    columns = [
        Column("Scheme", nowrap=True),
        Column("Segment"),
        Column("Customers", True),
        Column("Share of customers", True),
        Column("Net revenue", True),
        Column("Share of revenue", True),
        Column("Avg recency (days)", True),
        Column("Avg frequency", True),
        Column("Avg monetary", True),
        Column("Expected CLV", True),
        Column("Avg exp. CLV", True),
    ]
    return table("segment-profiles", columns, rows)


def segment_order_note(ctx: Context) -> str:
    """Where the order and the descriptions of segments come from (or why they are
    missing), and what expected CLV is (or why it is missing)."""
    if DIM_SEGMENTS in ctx.missing_marts:
        order = (
            f"{ctx.schema}.{DIM_SEGMENTS} is not in the warehouse, so segments are listed "
            "alphabetically and without descriptions: rebuild it with `.venv/bin/dbt build`."
        )
    else:
        order = (
            f"RFM segments in the order of {DIM_SEGMENTS} (best customers first; names it "
            "does not list follow alphabetically), clusters best profile first; under each "
            "name, its description."
        )
    clv = ctx.outdated(SEGMENT_SUMMARY, SEGMENT_CLV_COLUMNS) or (
        "the segment's summed and mean expected customer lifetime value (sheet Churn and "
        "lifetime value)."
    )
    return f"{order} Expected CLV: {clv}"


def segments_sheet(data: SegmentsData, ctx: Context) -> str:
    """All panels of the Segments sheet, in reading order."""
    rfm, clusters = scheme_segments(data, "rfm", ctx), scheme_segments(data, "kmeans", ctx)
    no_summary = ctx.empty(SEGMENT_SUMMARY, "Are there completed orders in the lookback window?")
    return "".join(
        [
            panel(
                "RFM segments: size and revenue share",
                share_chart("rfm-segment-share", "RFM segments", rfm, ctx) if rfm else no_summary,
                note="Label: segment and customers. A revenue bar longer than the customer "
                "bar means the segment is worth more than its size.",
            ),
            panel(
                "K-Means clusters: size and revenue share",
                share_chart("cluster-share", "K-Means clusters", clusters, ctx)
                if clusters
                else no_summary,
                note="Behavioural clusters, best profile first.",
            ),
            panel(
                "RFM heat map",
                score_heatmap(data, ctx)
                if data.score_grid
                else ctx.empty(DIM_CUSTOMERS, "No customer has RFM scores."),
                note="Customers per recency x frequency score (top right = best); "
                "second line: average monetary value.",
            ),
            panel(
                "Cluster centroid profiles",
                cluster_profile(clusters, ctx) if clusters else no_summary,
                note="Average recency, frequency and monetary value per cluster; colour "
                "compares clusters within a column (darker = higher; low recency is good).",
            ),
            panel(
                "How RFM segments fall into clusters",
                crosstab_heatmap(data, ctx) if data.crosstab else ctx.empty(SEGMENT_CROSSTAB),
                note="Share of each RFM segment's customers in each cluster; second line: "
                "customers.",
                wide=True,
            ),
            panel(
                "Segment migration, latest month",
                migration_heatmap(data, ctx)
                if data.transitions
                else ctx.empty(SEGMENT_TRANSITIONS, "Migration needs a month of history."),
                note=f"Month ending {fmt_date(data.migration_month)}: where each segment's "
                "customers of a month before are now (row shares sum to 100 %); the diagonal "
                "stayed put.",
                wide=True,
            ),
            panel(
                "Segment profiles",
                profile_table(data, ctx) if data.segments else no_summary,
                note=segment_order_note(ctx),
                wide=True,
            ),
        ]
    )
