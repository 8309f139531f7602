"""Reading the marts into the plain data of data.py.

Only marts are read (the public interface; DESIGN.md). Aggregation happens
here in SQL, at the mart's grain: incremental revenue, margin and ROI per
segment are sums over the campaign cells, with intervals that combine the
cells' intervals (independent cells: variances add), because averaging
per-campaign ratios or intervals would be wrong. Conversion uplift is shown per
cell with the mart's own interval, p-value, q-value and significance: the
dashboard never recomputes a statistic the mart has (one source of truth).
Segment names are listed in the order of dim_segments (display_order,
best customers first; names it does not list follow alphabetically) and carry
its descriptions. A mart missing from the warehouse reads as empty and is
reported in DashboardData.missing_marts, so its panels can say why they are
empty. Columns added to a mart after it first shipped (expected CLV and churn
risk) are read only when the mart has them: an older warehouse lacking them is
reported in DashboardData.outdated_marts and its other columns still show. Any
other missing column is an error that says to rebuild.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import duckdb

from rfm_nbo.dashboard.data import (
    CAMPAIGN_PERFORMANCE,
    CLV_CALIBRATION,
    CUSTOMER_CLV_COLUMNS,
    DIM_CUSTOMERS,
    DIM_SEGMENTS,
    MARTS,
    NEXT_BEST_OFFERS,
    OFFER_BACKTEST,
    QUARANTINED_ROWS,
    SEGMENT_CLV_COLUMNS,
    SEGMENT_CROSSTAB,
    SEGMENT_SUMMARY,
    SEGMENT_TRANSITIONS,
    BacktestMethod,
    CalibrationPoint,
    CampaignCell,
    CampaignsData,
    CategoryOffers,
    ChurnBandCount,
    ClvCalibration,
    ClvData,
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
from rfm_nbo.dashboard.errors import DashboardError
from rfm_nbo.dashboard.warehouse import existing_tables, table_columns

TOP_PRODUCTS = 15


def _scalar(value: Any) -> Any:
    """DuckDB values as plain Python: decimals become floats, timestamps dates."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.date()
    return value


class MartReader:
    """Runs queries against the marts of one schema, knowing which marts exist."""

    def __init__(self, con: duckdb.DuckDBPyConnection, schema: str) -> None:
        self.con = con
        self.schema = schema
        present = existing_tables(con, schema)
        if not present & set(MARTS):
            raise DashboardError(
                f"The warehouse has no marts in schema {schema!r}: it has not been built yet. "
                "Run `.venv/bin/dbt build` (or `make demo`); if you built with RFM_SCHEMA=NAME, "
                "pass --marts-schema NAME_marts."
            )
        self.missing = frozenset(set(MARTS) - present)
        self.outdated: dict[str, tuple[str, ...]] = {}

    def has_columns(self, mart: str, columns: Sequence[str]) -> bool:
        """Whether `mart` has every one of `columns` (columns an older build of the
        mart lacks). The ones it lacks are recorded in `outdated`, so the panels
        that need them can say to rebuild; False too when the mart is missing."""
        if mart in self.missing:
            return False
        present = table_columns(self.con, self.schema, mart)
        lacking = tuple(column for column in columns if column not in present)
        if lacking:
            self.outdated[mart] = tuple(dict.fromkeys([*self.outdated.get(mart, ()), *lacking]))
        return not lacking

    def table(self, mart: str) -> str:
        """The quoted, schema-qualified name of a mart."""
        quoted_schema = self.schema.replace('"', '""')
        return f'"{quoted_schema}"."{mart}"'

    def rows(self, mart: str, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run `sql` (with `{t}` standing for the mart's table) and return plain rows;
        no rows when the mart is missing."""
        if mart in self.missing:
            return []
        try:
            fetched = self.con.execute(sql.format(t=self.table(mart)), list(params)).fetchall()
        except duckdb.Error as error:
            first_line = str(error).strip().splitlines()[0]
            raise DashboardError(
                f"Cannot read {self.schema}.{mart}: {first_line} The warehouse may come from an "
                "older version of the project: rebuild it with `.venv/bin/dbt build`."
            ) from error
        return [tuple(_scalar(value) for value in row) for row in fetched]


def _scheme_order(stat: SegmentStat, cluster_ids: dict[str, int]) -> tuple[int, int]:
    """Sort key: RFM segments first (kept in query order: the sort is stable), then
    clusters by cluster_id (1 = best profile)."""
    if stat.scheme == "rfm":
        return (0, 0)
    return (1, cluster_ids.get(stat.segment_name, 10**9))


def read_segment_names(reader: MartReader) -> SegmentVocabulary:
    """Every segment name of dim_segments with its display order and description."""
    return SegmentVocabulary(
        tuple(
            SegmentName(name, scheme, int(order), description, bool(descriptive))
            for name, scheme, order, description, descriptive in reader.rows(
                DIM_SEGMENTS,
                """
                select segment_name, scheme, display_order, description,
                    is_descriptive_cluster_name
                from {t}
                order by display_order, segment_name
                """,
            )
        )
    )


def read_overview(reader: MartReader) -> Overview:
    """Headline counts and the as-of date (from the offers mart, or else derived
    from dim_customers: last completed order date + recency days)."""
    customers = reader.rows(
        DIM_CUSTOMERS,
        """
        select
            count(*),
            count(*) filter (where is_rfm_scored),
            count(*) filter (where is_contactable),
            coalesce(sum(monetary), 0),
            max(cast(last_ordered_at as date) + recency_days) filter (where is_rfm_scored)
        from {t}
        """,
    )
    total, scored, contactable, revenue, derived_as_of = customers[0] if customers else (0,) * 5
    offers = reader.rows(
        NEXT_BEST_OFFERS, "select count(*), count(distinct customer_id), max(as_of_date) from {t}"
    )
    offer_count, offer_customers, offers_as_of = offers[0] if offers else (0, 0, None)
    as_of: date | None = offers_as_of or derived_as_of
    return Overview(
        as_of_date=as_of,
        customers=int(total or 0),
        rfm_scored=int(scored or 0),
        contactable=int(contactable or 0),
        offers=int(offer_count or 0),
        customers_with_offers=int(offer_customers or 0),
        net_revenue=float(revenue or 0),
    )


def read_segments(reader: MartReader) -> SegmentsData:
    """Segment sizes for both schemes, the R x F grid, the RFM x cluster crosstab and
    the transition matrix of the newest month."""
    cluster_ids = dict(
        reader.rows(
            DIM_CUSTOMERS,
            "select cluster_name, min(cluster_id) from {t} "
            "where cluster_name is not null group by cluster_name",
        )
    )
    clv = (
        ", ".join(SEGMENT_CLV_COLUMNS)
        if reader.has_columns(SEGMENT_SUMMARY, SEGMENT_CLV_COLUMNS)
        else "null, null"
    )
    summary = reader.rows(
        SEGMENT_SUMMARY,
        f"""
        select segmentation_scheme, segment_name, customers, net_revenue, customer_share,
            revenue_share, avg_recency_days, avg_frequency, avg_monetary, {clv}
        from {{t}}
        order by segmentation_scheme desc, customers desc, segment_name
        """,
    )
    segments = [
        SegmentStat(
            scheme=row[0],
            segment_name=row[1],
            customers=int(row[2] or 0),
            net_revenue=float(row[3] or 0),
            customer_share=row[4],
            revenue_share=row[5],
            avg_recency_days=row[6],
            avg_frequency=row[7],
            avg_monetary=row[8],
            total_expected_clv=row[9],
            avg_expected_clv=row[10],
        )
        for row in summary
    ]
    # Clusters in cluster_id order (1 = best profile); RFM segments stay by size here
    # and are put in dim_segments' order by the page.
    segments.sort(key=lambda stat: _scheme_order(stat, cluster_ids))
    grid = [
        ScoreCell(int(r), int(f), int(n), avg)
        for r, f, n, avg in reader.rows(
            DIM_CUSTOMERS,
            """
            select r_score, f_score, count(*), avg(monetary)
            from {t}
            where is_rfm_scored and r_score is not null and f_score is not null
            group by r_score, f_score
            order by r_score, f_score
            """,
        )
    ]
    crosstab = [
        CrosstabCell(segment, cluster, int(n or 0), share)
        for segment, cluster, n, share in reader.rows(
            SEGMENT_CROSSTAB,
            "select rfm_segment, cluster_name, customers, rfm_segment_share from {t} "
            "where rfm_segment is not null and cluster_name is not null",
        )
    ]
    latest = reader.rows(
        SEGMENT_TRANSITIONS,
        """
        select month_end_date, coalesce(from_rfm_segment, '(none)'),
            coalesce(to_rfm_segment, '(none)'), customers, from_segment_rate
        from {t}
        where month_end_date = (select max(month_end_date) from {t})
        """,
    )
    return SegmentsData(
        segments=segments,
        score_grid=grid,
        crosstab=crosstab,
        migration_month=latest[0][0] if latest else None,
        transitions=[Transition(f, to, int(n or 0), rate) for _, f, to, n, rate in latest],
    )


def read_offers(reader: MartReader, sample_size: int) -> OffersData:
    """Offer mix, top products, copy sources, customer offer status and a sample of
    rank-1 offers (one per segment and offer type, by customer id: deterministic)."""
    mix = [
        OfferMixRow(segment, offer_type, int(n))
        for segment, offer_type, n in reader.rows(
            NEXT_BEST_OFFERS,
            "select coalesce(rfm_segment, 'Unknown'), coalesce(offer_type, 'unknown'), count(*) "
            "from {t} group by all",
        )
    ]
    products = [
        ProductRow(name, category, int(n), int(customers))
        for _, name, category, n, customers in reader.rows(
            NEXT_BEST_OFFERS,
            """
            select product_id, coalesce(max(product_name), product_id), max(category),
                count(*) as offers, count(distinct customer_id)
            from {t}
            group by product_id
            order by offers desc, product_id
            limit ?
            """,
            [TOP_PRODUCTS],
        )
    ]
    sources = [
        CopySourceRow(source, reason, int(n))
        for source, reason, n in reader.rows(
            NEXT_BEST_OFFERS,
            "select coalesce(copy_source, 'unknown'), fallback_reason, count(*) from {t} "
            "group by all order by count(*) desc, 1, 2",
        )
    ]
    statuses = [
        OfferStatusRow(status, reason, int(n))
        for status, reason, n in reader.rows(
            DIM_CUSTOMERS,
            "select coalesce(offer_status, 'unknown'), not_contactable_reason, count(*) from {t} "
            "group by all order by count(*) desc, 1, 2",
        )
    ]
    samples = [
        SampleOffer(*row)
        for row in reader.rows(
            NEXT_BEST_OFFERS,
            """
            with first_offers as (
                select
                    *,
                    row_number() over (
                        partition by rfm_segment, offer_type order by customer_id
                    ) as nth_in_group
                from {t}
                where offer_rank = 1
            )
            select rfm_segment, customer_id, offer_rank, product_name, category, offer_type,
                channel, discount_rate, headline, body, sms, copy_source, fallback_reason
            from first_offers
            where nth_in_group = 1
            order by rfm_segment, offer_type
            limit ?
            """,
            [sample_size],
        )
    ]
    categories = [
        CategoryOffers(category, int(n), int(distinct))
        for category, n, distinct in reader.rows(
            NEXT_BEST_OFFERS,
            "select coalesce(category, '(none)'), count(*), count(distinct product_id) "
            "from {t} group by 1 order by count(*) desc, 1",
        )
    ]
    backtest = [
        BacktestMethod(
            row[0], row[1], bool(row[2]), int(row[3] or 0), *row[4:13], bool(row[13]), *row[14:]
        )
        for row in reader.rows(
            OFFER_BACKTEST,
            """
            select customer_group, ranking_method, is_filtered, customers_evaluated,
                hit_at_1_rate, hit_at_3_rate, ndcg_at_3, mean_reciprocal_rank,
                category_hit_at_3_rate, margin_weighted_hit_at_3, catalogue_coverage_rate,
                top_product_offer_share, compared_with_method, is_best_filtered_baseline,
                hit_at_3_difference, hit_at_3_difference_ci_lower, hit_at_3_difference_ci_upper
            from {t}
            where fold_number = 0
            order by customer_group desc, ranking_method <> 'nbo', hit_at_3_rate desc,
                ranking_method, is_filtered desc
            """,
        )
    ]
    return OffersData(
        mix=mix,
        products=products,
        copy_sources=sources,
        statuses=statuses,
        samples=samples,
        categories=categories,
        backtest=backtest,
    )


def read_campaigns(reader: MartReader) -> CampaignsData:
    """Incremental revenue, margin and ROI pooled per segment at send, with 95 %
    intervals, and every campaign x segment x channel cell as the mart has it
    (its uplift interval, p-, q-value and significance are the mart's, never
    recomputed here)."""
    pooled = reader.rows(
        CAMPAIGN_PERFORMANCE,
        """
        with cells as (
            select
                segment_at_send as segment_name,
                treatment_members,
                control_members,
                incremental_revenue,
                incremental_margin,
                allocated_cost,
                -- The mart's money intervals are normal (Welch) intervals, symmetric
                -- around the estimate: half their width is z x the standard error.
                (incremental_revenue_ci_upper - incremental_revenue_ci_lower) / 2
                    as revenue_half_width,
                (incremental_margin_ci_upper - incremental_margin_ci_lower) / 2
                    as margin_half_width
            from {t}
        ),
        pooled as (
            -- Cells are independent samples, so the variances of their incremental
            -- results add: the pooled half-width is the root of the summed squared
            -- half-widths (z cancels). A cell with an estimate but no interval
            -- leaves the segment without one.
            select
                segment_name,
                sum(treatment_members) as treated,
                sum(control_members) as controls,
                sum(incremental_revenue) as incremental_revenue,
                case when count(incremental_revenue) = count(revenue_half_width)
                    then sqrt(sum(revenue_half_width * revenue_half_width))
                end as revenue_half_width,
                sum(incremental_margin) as incremental_margin,
                case when count(incremental_margin) = count(margin_half_width)
                    then sqrt(sum(margin_half_width * margin_half_width))
                end as margin_half_width,
                sum(allocated_cost) as allocated_cost
            from cells
            group by segment_name
        )
        select
            segment_name, treated, controls,
            incremental_revenue,
            incremental_revenue - revenue_half_width,
            incremental_revenue + revenue_half_width,
            incremental_margin, allocated_cost,
            (incremental_margin - allocated_cost) / nullif(allocated_cost, 0),
            -- Cost is fixed, so ROI's interval follows from the margin's.
            (incremental_margin - margin_half_width - allocated_cost) / nullif(allocated_cost, 0),
            (incremental_margin + margin_half_width - allocated_cost) / nullif(allocated_cost, 0)
        from pooled
        order by segment_name
        """,
    )
    cells = reader.rows(
        CAMPAIGN_PERFORMANCE,
        """
        select campaign_name, segment_at_send, channel, started_at, treatment_members,
            control_members, treatment_conversion_rate, control_conversion_rate,
            conversion_uplift, conversion_uplift_ci_lower, conversion_uplift_ci_upper,
            uplift_p_value, incremental_revenue, return_on_investment, sample_ratio_p_value,
            uplift_test, uplift_q_value, is_significant, minimum_detectable_uplift,
            is_small_cell, incremental_revenue_ci_lower, incremental_revenue_ci_upper,
            return_on_investment_ci_lower, return_on_investment_ci_upper,
            segment_label_agreement_rate
        from {t}
        order by started_at, campaign_id, segment_at_send, channel
        """,
    )
    return CampaignsData(
        by_segment=[
            SegmentUplift(row[0], int(row[1] or 0), int(row[2] or 0), *row[3:]) for row in pooled
        ],
        cells=[
            CampaignCell(
                row[0] or "(unnamed)",
                row[1],
                row[2],
                row[3],
                int(row[4] or 0),
                int(row[5] or 0),
                *row[6:],
            )
            for row in cells
        ],
    )


def read_clv_calibration(reader: MartReader) -> ClvCalibration:
    """fct_clv_calibration as it is: both breakdowns in bucket order, with the fit's
    status, parameters and dates (the same on every row)."""
    rows = reader.rows(
        CLV_CALIBRATION,
        """
        select breakdown, bucket, bucket_label, customers, actual_repeat_purchases,
            expected_repeat_purchases, actual_per_customer, expected_per_customer,
            cumulative_actual_repeat_purchases, cumulative_expected_repeat_purchases,
            bgnbd_status, r, alpha, a, b, cut_date, as_of_date
        from {t}
        order by breakdown, bucket
        """,
    )
    if not rows:
        return ClvCalibration()
    points: dict[str, list[CalibrationPoint]] = {"calibration_frequency": [], "holdout_week": []}
    for row in rows:
        point = CalibrationPoint(int(row[1]), row[2] or str(row[1]), int(row[3] or 0), *row[4:10])
        points.setdefault(row[0], []).append(point)
    status, r, alpha, a, b, cut_date, as_of_date = rows[0][10:]
    return ClvCalibration(
        bgnbd_status=status,
        r=r,
        alpha=alpha,
        a=a,
        b=b,
        cut_date=cut_date,
        as_of_date=as_of_date,
        by_frequency=points["calibration_frequency"],
        by_week=points["holdout_week"],
    )


def read_clv(reader: MartReader) -> ClvData:
    """Customers, expected CLV and CLV at risk per RFM segment and churn risk band
    (customers without a purchase have no band and are left out), the CLV basis and
    the calibration."""
    if not reader.has_columns(DIM_CUSTOMERS, CUSTOMER_CLV_COLUMNS):
        return ClvData(calibration=read_clv_calibration(reader))
    bands = [
        ChurnBandCount(segment, band, int(n or 0), clv, at_risk)
        for segment, band, n, clv, at_risk in reader.rows(
            DIM_CUSTOMERS,
            """
            select coalesce(rfm_segment, '(none)'), churn_risk_band, count(*),
                sum(expected_clv), sum(clv_at_risk)
            from {t}
            where churn_risk_band is not null
            group by all
            order by 1, 2
            """,
        )
    ]
    basis = reader.rows(
        DIM_CUSTOMERS,
        "select distinct clv_basis from {t} where clv_basis is not null order by clv_basis",
    )
    return ClvData(
        bands=bands,
        clv_basis=tuple(value for (value,) in basis),
        calibration=read_clv_calibration(reader),
    )


def read_quarantine(reader: MartReader) -> list[QuarantineCount]:
    """Quarantined raw rows by table and reason."""
    return [
        QuarantineCount(table, reason, int(n))
        for table, reason, n in reader.rows(
            QUARANTINED_ROWS,
            "select source_table, dq_reason, count(*) from {t} group by all "
            "order by source_table, count(*) desc, dq_reason",
        )
    ]


def read_dashboard(
    con: duckdb.DuckDBPyConnection, schema: str, *, sample_size: int = 20, source: str = ""
) -> DashboardData:
    """Everything the dashboard shows, read from the marts in `schema`."""
    reader = MartReader(con, schema)
    return DashboardData(
        overview=read_overview(reader),
        segments=read_segments(reader),
        offers=read_offers(reader, sample_size),
        campaigns=read_campaigns(reader),
        quarantine=read_quarantine(reader),
        segment_names=read_segment_names(reader),
        missing_marts=reader.missing,
        source=source,
        clv=read_clv(reader),
        outdated_marts=dict(reader.outdated),
    )
