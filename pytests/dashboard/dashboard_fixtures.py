"""Hand-made dashboard data, a hand-made mini warehouse with the marts' columns,
and helpers that read segment names back from a page, for the dashboard tests
(imported by name: conftest modules are not importable reliably when several
test folders have one)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import duckdb

from rfm_nbo.dashboard.data import (
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


def campaign_cell(**values: object) -> CampaignCell:
    """A campaign cell of fct_campaign_performance: the values given, the rest None
    (counts 0)."""
    defaults = {name: None for name in CampaignCell.__dataclass_fields__}
    defaults.update(treatment_members=0, control_members=0)
    return CampaignCell(**{**defaults, **values})


# Three campaign cells whose statistics are consistent (computed with statsmodels'
# confint_proportions_2indep(method='newcomb'), scipy's fisher_exact and the pooled z
# test, and multipletests(method='fdr_bh') per campaign):
#
# Spring, Champions: 25/100 treated vs 5/50 control convert. Newcombe 95 % CI
#   [0.0141, 0.2589] EXCLUDES ZERO, z test p = 0.0304; but Spring tests two cells, so
#   BH gives q = min(0.0304 x 2 / 1, 1.0) = 0.0608 >= 0.05: NOT significant. The page
#   must not call it significant.
# Spring, Lost: 5/100 vs 3/50; smallest expected count 50 x 8/150 = 2.67 < 5: Fisher
#   p = 1.0, small cell; q = 1.0 x 2 / 2 = 1.0.
# Summer, At Risk: 20/40 vs 1/10 (control below 30 members, expected 10 x 21/50 = 4.2 < 5:
#   small cell); Fisher p = 0.0313, the only cell of Summer so q = p: significant.
# Detectable uplift (80 % power, alpha 0.05) at the campaign's control rate p0:
#   (1.959964 + 0.841621) x sqrt(p0 (1 - p0) (1/n_t + 1/n_c)); Spring p0 = 8/100:
#   0.1316; Summer p0 = 1/10: 0.2972.
SPRING_CHAMPIONS = campaign_cell(
    campaign_name="Spring",
    segment_name="Champions",
    channel="email",
    started_on=date(2026, 3, 1),
    treatment_members=100,
    control_members=50,
    treatment_conversion_rate=0.25,
    control_conversion_rate=0.10,
    conversion_uplift=0.15,
    ci_lower=0.014121844306722392,
    ci_upper=0.2588682384433386,
    uplift_p_value=0.0303828219765775,
    uplift_test="z_test",
    uplift_q_value=0.060765643953155,
    is_significant=False,
    minimum_detectable_uplift=0.1316,
    is_small_cell=False,
    incremental_revenue=500.0,
    incremental_revenue_ci_lower=100.0,
    incremental_revenue_ci_upper=900.0,
    return_on_investment=1.0,
    return_on_investment_ci_lower=0.2,
    return_on_investment_ci_upper=1.8,
    sample_ratio_p_value=0.5,
    segment_label_agreement_rate=0.4,
)
SPRING_LOST = campaign_cell(
    campaign_name="Spring",
    segment_name="Lost",
    channel="email",
    started_on=date(2026, 3, 1),
    treatment_members=100,
    control_members=50,
    treatment_conversion_rate=0.05,
    control_conversion_rate=0.06,
    conversion_uplift=-0.01,
    ci_lower=-0.11605969288038769,
    ci_upper=0.06324138864722866,
    uplift_p_value=1.0,
    uplift_test="fisher_exact",
    uplift_q_value=1.0,
    is_significant=False,
    minimum_detectable_uplift=0.1316,
    is_small_cell=True,
    incremental_revenue=-20.0,
    incremental_revenue_ci_lower=-90.0,
    incremental_revenue_ci_upper=50.0,
    return_on_investment=-1.1,
    return_on_investment_ci_lower=-1.5,
    return_on_investment_ci_upper=-0.7,
    sample_ratio_p_value=0.0001,
    segment_label_agreement_rate=0.8,
)
SUMMER_AT_RISK = campaign_cell(
    campaign_name="Summer",
    segment_name="At Risk",
    channel="sms",
    started_on=date(2026, 6, 1),
    treatment_members=40,
    control_members=10,
    treatment_conversion_rate=0.5,
    control_conversion_rate=0.1,
    conversion_uplift=0.4,
    ci_lower=0.06175062587069585,
    ci_upper=0.56926227185917,
    uplift_p_value=0.03133080468361187,
    uplift_test="fisher_exact",
    uplift_q_value=0.03133080468361187,
    is_significant=True,
    minimum_detectable_uplift=0.2972,
    is_small_cell=True,
    incremental_revenue=300.0,
    incremental_revenue_ci_lower=120.0,
    incremental_revenue_ci_upper=480.0,
    return_on_investment=2.0,
    return_on_investment_ci_lower=0.4,
    return_on_investment_ci_upper=3.6,
    sample_ratio_p_value=0.8,
    segment_label_agreement_rate=None,
)


# The calibration of both fixtures (hand-made data and the mini warehouse): three
# calibration-frequency buckets (0, 1 and 7+) and two holdout weeks, consistent:
# 2 + 3 + 5 = 4 + 6 = 10 repeat purchases in the holdout, 2.4 + 2.2 + 4.4 = 3 + 6 = 9
# expected. The fit forecast 9 / 10 - 1 = -10 % of what happened.
CALIBRATION_BY_FREQUENCY = [
    CalibrationPoint(0, "0", 4, 2.0, 2.4, 0.5, 0.6, 2.0, 2.4),
    CalibrationPoint(1, "1", 2, 3.0, 2.2, 1.5, 1.1, 5.0, 4.6),
    CalibrationPoint(7, "7+", 1, 5.0, 4.4, 5.0, 4.4, 10.0, 9.0),
]
CALIBRATION_BY_WEEK = [
    CalibrationPoint(1, "week 1", 7, 4.0, 3.0, 4 / 7, 3 / 7, 4.0, 3.0),
    CalibrationPoint(2, "week 2", 7, 6.0, 6.0, 6 / 7, 6 / 7, 10.0, 9.0),
]
CALIBRATION = ClvCalibration(
    bgnbd_status="converged",
    r=0.25,
    alpha=4.0,
    a=0.8,
    b=2.4,
    cut_date=date(2026, 6, 17),
    as_of_date=date(2026, 7, 1),
    by_frequency=CALIBRATION_BY_FREQUENCY,
    by_week=CALIBRATION_BY_WEEK,
)


def failed_calibration() -> ClvCalibration:
    """CALIBRATION after a calibration fit that did not converge: no expectation, no
    parameters."""

    def without_expectation(point: CalibrationPoint) -> CalibrationPoint:
        return replace(
            point,
            expected_repeat_purchases=None,
            expected_per_customer=None,
            cumulative_expected_repeat_purchases=None,
        )

    return replace(
        CALIBRATION,
        bgnbd_status="not_converged",
        r=None,
        alpha=None,
        a=None,
        b=None,
        by_frequency=[without_expectation(p) for p in CALIBRATION_BY_FREQUENCY],
        by_week=[without_expectation(p) for p in CALIBRATION_BY_WEEK],
    )


# Customers per RFM segment and churn risk band, listed neither in dim_segments'
# order nor riskiest first: expected CLV 300 + 5 + 15 + 40 = 360, at risk
# 10 + 45 + 25 + 0 = 80; 2 of the 4 repeat buyers (single purchase left out) are at
# high or very high risk: 50 %.
CHURN_BANDS = [
    ChurnBandCount("Champions", "low", 2, 300.0, 10.0),
    ChurnBandCount("Lost", "single_purchase", 1, 40.0, 0.0),
    ChurnBandCount("Lost", "high", 1, 15.0, 25.0),
    ChurnBandCount("Lost", "very_high", 1, 5.0, 45.0),
]


def small_data(
    product_name: str = "Blue Mug",
    headline: str = "10% off Blue Mug",
    description: str | None = None,
) -> DashboardData:
    """A complete, tiny dashboard: two RFM segments, two clusters, two campaigns (three
    cells, one of them with an interval that excludes zero but q >= 0.05), churn risk
    bands and a converged calibration, and dim_segments in SEGMENT_ORDER (every list
    here starts with Champions, so the page must reorder it)."""
    segments = SegmentsData(
        segments=[
            SegmentStat("rfm", "Champions", 2, 450.0, 0.4, 0.75, 10.0, 6.0, 225.0, 300.0, 150.0),
            SegmentStat("rfm", "Lost", 3, 150.0, 0.6, 0.25, 400.0, 1.0, 50.0, 60.0, 20.0),
            SegmentStat("kmeans", "Champions", 2, 450.0, 0.4, 0.75, 10.0, 6.0, 225.0, 300.0, 150.0),
            SegmentStat("kmeans", "Lost", 3, 150.0, 0.6, 0.25, 400.0, 1.0, 50.0, 60.0, 20.0),
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
        categories=[CategoryOffers("kitchen", 3, 1)],
        backtest=[
            BacktestMethod(
                "with_history",
                "nbo",
                True,
                100,
                0.1,
                0.3,
                0.2,
                0.25,
                0.4,
                1.5,
                0.3,
                0.1,
                "item_to_item",
                False,
                0.02,
                0.005,
                0.035,
            ),
            BacktestMethod(
                "with_history",
                "item_to_item",
                True,
                100,
                0.08,
                0.28,
                0.18,
                0.2,
                0.35,
                1.2,
                0.5,
                0.05,
                "item_to_item",
                True,
                0.0,
                0.0,
                0.0,
            ),
        ],
    )
    campaigns = CampaignsData(
        by_segment=[
            SegmentUplift("Champions", 100, 50, 500.0, 100.0, 900.0, 200.0, 100.0, 1.0, 0.2, 1.8),
            SegmentUplift("Lost", 100, 50, -20.0, -90.0, 50.0, -10.0, 100.0, -1.1, -1.5, -0.7),
            SegmentUplift("At Risk", 40, 10, 300.0, 120.0, 480.0, 150.0, 50.0, 2.0, 0.4, 3.6),
        ],
        cells=[SPRING_CHAMPIONS, SPRING_LOST, SUMMER_AT_RISK],
    )
    return DashboardData(
        overview=Overview(date(2026, 7, 1), 6, 5, 4, 3, 3, 600.0),
        segments=segments,
        offers=offers,
        campaigns=campaigns,
        quarantine=[QuarantineCount("orders", "duplicate_key", 2)],
        segment_names=segment_names(description),
        source="mini.duckdb",
        clv=ClvData(bands=CHURN_BANDS, clv_basis=("margin",), calibration=CALIBRATION),
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
             5, 5, 'has_offers', null, 'Champions', 'low', 120.0, 5.0, 'margin'),
            ('C2', true, false, 50.00, timestamp '2025-06-01 10:00:00', 395, 'Lost', 2,
             1, 1, 'not_contactable', 'no_marketing_opt_in', 'Lost', 'very_high', 10.0,
             40.0, 'margin'),
            ('C3', false, false, null, null, null, null, null, null, null, 'not_contactable',
             'no_customer_record', null, null, null, null, null)
        ) as t(customer_id, is_rfm_scored, is_contactable, monetary, last_ordered_at,
               recency_days, cluster_name, cluster_id, r_score, f_score, offer_status,
               not_contactable_reason, rfm_segment, churn_risk_band, expected_clv,
               clv_at_risk, clv_basis)""",
    "fct_segment_summary": """
        select * from (values
            ('rfm', 'Champions', 1, 300.00, 0.5, 0.857, 11.0, 5.0, 300.0, 120.0, 120.0),
            ('rfm', 'Lost', 1, 50.00, 0.5, 0.143, 395.0, 1.0, 50.0, 10.0, 10.0),
            ('kmeans', 'Lost', 1, 50.00, 0.5, 0.143, 395.0, 1.0, 50.0, 10.0, 10.0),
            ('kmeans', 'Champions', 1, 300.00, 0.5, 0.857, 11.0, 5.0, 300.0, 120.0, 120.0)
        ) as t(segmentation_scheme, segment_name, customers, net_revenue, customer_share,
               revenue_share, avg_recency_days, avg_frequency, avg_monetary,
               total_expected_clv, avg_expected_clv)""",
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
    # The backtest pooled over folds (fold 0) plus one fold row the dashboard must
    # not read. The ranking beats the best filtered baseline (item to item) by
    # +2.0 pp, interval +0.5 to +3.5 pp.
    "fct_offer_backtest": """
        select * from (values
            (0, 'with_history', 'nbo', true, 100, 0.1, 0.3, 0.2, 0.25, 0.4, 1.5, 0.3, 0.1,
             'item_to_item', false, 0.02, 0.005, 0.035),
            (0, 'with_history', 'item_to_item', true, 100, 0.08, 0.28, 0.18, 0.2, 0.35, 1.2,
             0.5, 0.05, 'item_to_item', true, 0.0, 0.0, 0.0),
            (0, 'with_history', 'global_popularity', false, 100, 0.05, 0.2, 0.1, 0.15, 0.3,
             1.0, 0.02, 0.6, 'item_to_item', false, -0.08, -0.1, -0.06),
            (0, 'no_history', 'nbo', true, 10, 0.0, 0.1, 0.05, 0.05, 0.2, 0.5, 0.01, 0.9,
             'item_to_item', false, 0.0, -0.1, 0.1),
            (1, 'with_history', 'nbo', true, 50, 0.77, 0.77, 0.77, 0.77, 0.77, 7.7, 0.77,
             0.77, 'item_to_item', false, 0.5, 0.4, 0.6)
        ) as t(fold_number, customer_group, ranking_method, is_filtered, customers_evaluated,
               hit_at_1_rate, hit_at_3_rate, ndcg_at_3, mean_reciprocal_rank,
               category_hit_at_3_rate, margin_weighted_hit_at_3, catalogue_coverage_rate,
               top_product_offer_share, compared_with_method, is_best_filtered_baseline,
               hit_at_3_difference, hit_at_3_difference_ci_lower,
               hit_at_3_difference_ci_upper)""",
    # Two campaigns of two cells each; At Risk is pooled by hand in
    # test_dashboard_queries.py. The statistics are consistent (statsmodels
    # confint_proportions_2indep(method='newcomb'), the pooled z test, multipletests
    # (method='fdr_bh') within each campaign; MDE = 2.801585 x sqrt(p0 (1 - p0)
    # (1/n_t + 1/n_c)) at the campaign's control rate p0 = 0.09 (K1), 0.10 (K2)):
    #   K1 At Risk: 25/100 vs 5/50, CI [0.0141, 0.2589] excludes zero, p 0.0304, but
    #     BH over K1's two cells gives q = 0.0304 x 2 = 0.0608: not significant.
    #   K1 Lost: 12/100 vs 4/50, p 0.4544 = q.
    #   K2 At Risk: 10/100 vs 5/50, p 1.0 = q.
    #   K2 Lost: 60/200 vs 5/50, p 0.00393, q = 0.00393 x 2 = 0.00786: significant.
    # Money intervals are symmetric with half-widths 40/30 (revenue) and 60/80
    # (margin) for At Risk, so the pooled ones have 50 and 100 (3-4-5 triangles).
    "fct_campaign_performance": """
        select * from (values
            ('K1', 'Spring', 'At Risk', 'email', timestamp '2026-03-01 09:00:00',
             100, 50, 25, 5, 0.25, 0.1, 0.15, 0.014121844306722392, 0.2588682384433386,
             0.0303828219765775, 'z_test', 0.060765643953155, false, 0.09,
             0.1388693540913202, false,
             50.0, 10.0, 90.0, 300.0, 240.0, 360.0, 100.0, 2.0, 1.4, 2.6, 0.5, 0.5),
            ('K1', 'Spring', 'Lost', 'email', timestamp '2026-03-01 09:00:00',
             100, 50, 12, 4, 0.12, 0.08, 0.04, -0.07936227722571741, 0.13192572724941556,
             0.45438054075566836, 'z_test', 0.45438054075566836, false, 0.09,
             0.1388693540913202, false,
             20.0, -40.0, 80.0, 40.0, -20.0, 100.0, 100.0, -0.6, -1.2, 0.0, 0.5, 0.25),
            ('K2', 'Summer', 'At Risk', 'sms', timestamp '2026-06-01 09:00:00',
             100, 50, 10, 5, 0.1, 0.1, 0.0, -0.12210616691896412, 0.09340899721706834,
             1.0, 'z_test', 1.0, false, 0.1, 0.1455746381792979, false,
             0.0, -30.0, 30.0, 100.0, 20.0, 180.0, 100.0, 0.0, -0.8, 0.8, 0.0001, null),
            ('K2', 'Summer', 'Lost', 'sms', timestamp '2026-06-01 09:00:00',
             200, 50, 60, 5, 0.3, 0.1, 0.2, 0.07187369165850943, 0.2874984833170312,
             0.003929718309600111, 'z_test', 0.00785944, true, 0.1,
             0.1328908552190904, false,
             400.0, 200.0, 600.0, 250.0, 150.0, 350.0, 100.0, 1.5, 0.5, 2.5, 0.3, 0.9)
        ) as t(campaign_id, campaign_name, segment_at_send, channel, started_at,
               treatment_members, control_members, treatment_conversions, control_conversions,
               treatment_conversion_rate, control_conversion_rate, conversion_uplift,
               conversion_uplift_ci_lower, conversion_uplift_ci_upper, uplift_p_value,
               uplift_test, uplift_q_value, is_significant, campaign_control_conversion_rate,
               minimum_detectable_uplift, is_small_cell,
               incremental_revenue, incremental_revenue_ci_lower, incremental_revenue_ci_upper,
               incremental_margin, incremental_margin_ci_lower, incremental_margin_ci_upper,
               allocated_cost, return_on_investment, return_on_investment_ci_lower,
               return_on_investment_ci_upper, sample_ratio_p_value,
               segment_label_agreement_rate)""",
    # CALIBRATION as the mart has it, rows shuffled (the reader orders them by bucket).
    "fct_clv_calibration": """
        select *, 'converged' as bgnbd_status, 0.25 as r, 4.0 as alpha, 0.8 as a, 2.4 as b,
            date '2026-06-17' as cut_date, date '2026-07-01' as as_of_date
        from (values
            ('holdout_week', 2, 'week 2', 7, 6.0, 6.0, 6 / 7, 6 / 7, 10.0, 9.0),
            ('calibration_frequency', 7, '7+', 1, 5.0, 4.4, 5.0, 4.4, 10.0, 9.0),
            ('calibration_frequency', 0, '0', 4, 2.0, 2.4, 0.5, 0.6, 2.0, 2.4),
            ('holdout_week', 1, 'week 1', 7, 4.0, 3.0, 4 / 7, 3 / 7, 4.0, 3.0),
            ('calibration_frequency', 1, '1', 2, 3.0, 2.2, 1.5, 1.1, 5.0, 4.6)
        ) as t(breakdown, bucket, bucket_label, customers, actual_repeat_purchases,
               expected_repeat_purchases, actual_per_customer, expected_per_customer,
               cumulative_actual_repeat_purchases, cumulative_expected_repeat_purchases)""",
    "fct_quarantined_rows": """
        select * from (values ('orders-1', 'orders', 'duplicate_key', 'a | b'),
                              ('orders-2', 'orders', 'duplicate_key', 'a | b'),
                              ('products-1', 'products', 'missing_key', ' | x'))
            as t(quarantined_row_id, source_table, dq_reason, raw_record)""",
}


# dim_customers with more churn risk bands than MINI_MARTS (the other columns as
# there, constant): per RFM segment and band, by hand,
#   Champions / low              C1, C2   2 customers, CLV 120 + 80 = 200, at risk 5 + 15 = 20
#   Lost / very_high             C3       1, CLV 10, at risk 40
#   Lost / single_purchase       C4       1, CLV 30, at risk 0
#   Lost / unknown               C5       1, no CLV (no usable fit)
#   (none) / unknown             C6       1, no RFM segment
# and C7, without a purchase (no band), left out. Expected CLV 240, at risk 60; one of the
# three repeat buyers (C1, C2, C3) is at high or very high risk.
CLV_CUSTOMERS = """
    select
        customer_id,
        true as is_rfm_scored,
        true as is_contactable,
        100.00 as monetary,
        timestamp '2026-06-20 10:00:00' as last_ordered_at,
        11 as recency_days,
        cast(null as varchar) as cluster_name,
        cast(null as integer) as cluster_id,
        3 as r_score,
        3 as f_score,
        'has_offers' as offer_status,
        cast(null as varchar) as not_contactable_reason,
        rfm_segment,
        churn_risk_band,
        expected_clv,
        clv_at_risk,
        clv_basis
    from (values
        ('C1', 'Champions', 'low', 120.0, 5.0, 'margin'),
        ('C2', 'Champions', 'low', 80.0, 15.0, 'margin'),
        ('C3', 'Lost', 'very_high', 10.0, 40.0, 'margin'),
        ('C4', 'Lost', 'single_purchase', 30.0, 0.0, 'margin'),
        ('C5', 'Lost', 'unknown', null, null, 'margin'),
        ('C6', null, 'unknown', null, null, 'margin'),
        ('C7', 'No Recent Purchases', null, null, null, null)
    ) as t(customer_id, rfm_segment, churn_risk_band, expected_clv, clv_at_risk, clv_basis)"""

# MINI_MARTS as a warehouse built before churn risk and lifetime value had them.
PRE_CLV_MARTS = {
    **{name: select for name, select in MINI_MARTS.items() if name != "fct_clv_calibration"},
    "fct_segment_summary": "select * exclude (total_expected_clv, avg_expected_clv) "
    f"from ({MINI_MARTS['fct_segment_summary']})",
    "dim_customers": "select * exclude (churn_risk_band, expected_clv, clv_at_risk, "
    f"clv_basis) from ({MINI_MARTS['dim_customers']})",
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
