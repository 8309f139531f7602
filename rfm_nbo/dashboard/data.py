"""Plain data the dashboard shows: what queries.py reads from the marts and
page.py renders.

Frozen dataclasses of Python scalars (no DuckDB or pandas types), so the page
builder can be tested on small hand-made values without a warehouse. Rates are
fractions 0..1 and money is in currency units, as in the marts; None means the
mart has no value (say, a rate with a zero denominator).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

# Mart names, as in models/marts/**.
DIM_CUSTOMERS = "dim_customers"
DIM_SEGMENTS = "dim_segments"
SEGMENT_SUMMARY = "fct_segment_summary"
SEGMENT_CROSSTAB = "fct_segment_crosstab"
SEGMENT_TRANSITIONS = "fct_segment_transitions"
NEXT_BEST_OFFERS = "fct_next_best_offers"
OFFER_BACKTEST = "fct_offer_backtest"
CAMPAIGN_PERFORMANCE = "fct_campaign_performance"
QUARANTINED_ROWS = "fct_quarantined_rows"
CLV_CALIBRATION = "fct_clv_calibration"

MARTS = (
    DIM_CUSTOMERS,
    DIM_SEGMENTS,
    SEGMENT_SUMMARY,
    SEGMENT_CROSSTAB,
    SEGMENT_TRANSITIONS,
    NEXT_BEST_OFFERS,
    OFFER_BACKTEST,
    CAMPAIGN_PERFORMANCE,
    QUARANTINED_ROWS,
    CLV_CALIBRATION,
)

# Columns that came with churn risk and lifetime value: a warehouse built before
# them still shows everything else, and the panels that need them say to rebuild.
# Those of fct_segment_summary, then those of dim_customers the dashboard reads.
SEGMENT_CLV_COLUMNS = ("total_expected_clv", "avg_expected_clv")
CUSTOMER_CLV_COLUMNS = ("churn_risk_band", "expected_clv", "clv_at_risk", "clv_basis")

# dim_customers.churn_risk_band, riskiest first (rfm_nbo.clv.scoring.BANDS, then the
# two bands without a P(alive) verdict); a test keeps this list in step with it.
CHURN_RISK_BANDS = ("very_high", "high", "medium", "low", "single_purchase", "unknown")
HIGH_CHURN_RISK_BANDS = ("very_high", "high")
REPEAT_BUYER_BANDS = ("very_high", "high", "medium", "low")


@dataclass(frozen=True)
class SegmentName:
    """One row of dim_segments: a segment name, where it goes in lists (display_order,
    best customers first) and what its customers did, in one line."""

    segment_name: str
    scheme: str
    display_order: int
    description: str | None
    is_descriptive_cluster_name: bool = False


@dataclass(frozen=True)
class SegmentVocabulary:
    """The segment names of dim_segments, which set the order and the descriptions of
    segments on every sheet (the project's one list of names lives in seed segments,
    not here).

    Names the mart does not list (a warehouse built before dim_segments existed, or
    a placeholder such as '(none)' in the migration matrix) sort after its names,
    alphabetically, and have no description."""

    names: tuple[SegmentName, ...] = ()

    @cached_property
    def _by_name(self) -> dict[str, SegmentName]:
        return {row.segment_name: row for row in self.names}

    def sort_key(self, name: str | None) -> tuple[int, int, str]:
        """Listed names by display_order, then the others alphabetically."""
        row = self._by_name.get(name or "")
        if row is not None:
            return (0, row.display_order, "")
        return (1, 0, name or "")

    def ordered(self, names: Iterable[str]) -> list[str]:
        """The distinct `names` in display order."""
        return sorted(set(names), key=self.sort_key)

    def description(self, name: str | None) -> str | None:
        """The one-line description of a segment, or None when the mart has none."""
        row = self._by_name.get(name or "")
        return row.description if row is not None else None


@dataclass(frozen=True)
class Overview:
    """Headline numbers for the page header."""

    as_of_date: date | None
    customers: int
    rfm_scored: int
    contactable: int
    offers: int
    customers_with_offers: int
    net_revenue: float


@dataclass(frozen=True)
class SegmentStat:
    """One segment of one scheme ('rfm' classic segments or 'kmeans' clusters)."""

    scheme: str
    segment_name: str
    customers: int
    net_revenue: float
    customer_share: float | None
    revenue_share: float | None
    avg_recency_days: float | None
    avg_frequency: float | None
    avg_monetary: float | None
    total_expected_clv: float | None = None
    avg_expected_clv: float | None = None


@dataclass(frozen=True)
class ScoreCell:
    """Customers with one (R score, F score) pair and their average monetary value."""

    r_score: int
    f_score: int
    customers: int
    avg_monetary: float | None


@dataclass(frozen=True)
class CrosstabCell:
    """Customers shared by a classic RFM segment and a K-Means cluster."""

    rfm_segment: str
    cluster_name: str
    customers: int
    rfm_segment_share: float | None


@dataclass(frozen=True)
class Transition:
    """Customers who moved from one segment to another in one month."""

    from_segment: str
    to_segment: str
    customers: int
    from_segment_rate: float | None


@dataclass(frozen=True)
class SegmentsData:
    """Everything on the Segments sheet."""

    segments: list[SegmentStat] = field(default_factory=list)
    score_grid: list[ScoreCell] = field(default_factory=list)
    crosstab: list[CrosstabCell] = field(default_factory=list)
    migration_month: date | None = None
    transitions: list[Transition] = field(default_factory=list)


@dataclass(frozen=True)
class OfferMixRow:
    """Offers for one segment and offer type."""

    rfm_segment: str
    offer_type: str
    offers: int


@dataclass(frozen=True)
class ProductRow:
    """How often a product is offered."""

    product_name: str
    category: str | None
    offers: int
    customers: int


@dataclass(frozen=True)
class CopySourceRow:
    """Offers whose copy came from one source, with one fallback reason (or None)."""

    copy_source: str
    fallback_reason: str | None
    offers: int


@dataclass(frozen=True)
class OfferStatusRow:
    """Customers with one offer status (and, for the not contactable, why)."""

    offer_status: str
    reason: str | None
    customers: int


@dataclass(frozen=True)
class SampleOffer:
    """One offer with its copy, for the sample table."""

    rfm_segment: str | None
    customer_id: str
    offer_rank: int
    product_name: str | None
    category: str | None
    offer_type: str | None
    channel: str | None
    discount_rate: float | None
    headline: str | None
    body: str | None
    sms: str | None
    copy_source: str | None
    fallback_reason: str | None


@dataclass(frozen=True)
class CategoryOffers:
    """Offers of one product category: how many, and over how many distinct products."""

    category: str
    offers: int
    products: int


@dataclass(frozen=True)
class BacktestMethod:
    """One method of fct_offer_backtest, all folds pooled, for one customer group
    (with_history is the headline; no_history the cold start, reported apart).
    The difference and its interval are the mart's (paired, clustered by
    customer), against compared_with_method, never recomputed here."""

    customer_group: str
    ranking_method: str
    is_filtered: bool
    customers_evaluated: int
    hit_at_1_rate: float | None
    hit_at_3_rate: float | None
    ndcg_at_3: float | None
    mean_reciprocal_rank: float | None
    category_hit_at_3_rate: float | None
    margin_weighted_hit_at_3: float | None
    catalogue_coverage_rate: float | None
    top_product_offer_share: float | None
    compared_with_method: str | None
    is_best_filtered_baseline: bool
    hit_at_3_difference: float | None
    hit_at_3_difference_ci_lower: float | None
    hit_at_3_difference_ci_upper: float | None


@dataclass(frozen=True)
class OffersData:
    """Everything on the Next Best Offers sheet."""

    mix: list[OfferMixRow] = field(default_factory=list)
    products: list[ProductRow] = field(default_factory=list)
    copy_sources: list[CopySourceRow] = field(default_factory=list)
    statuses: list[OfferStatusRow] = field(default_factory=list)
    samples: list[SampleOffer] = field(default_factory=list)
    categories: list[CategoryOffers] = field(default_factory=list)
    backtest: list[BacktestMethod] = field(default_factory=list)


@dataclass(frozen=True)
class SegmentUplift:
    """Campaign results pooled over every campaign for one segment at send: sums of
    members, incremental revenue, margin and cost, and their 95 % intervals (the
    cells' intervals combined; queries.read_campaigns says how)."""

    segment_name: str
    treatment_members: int
    control_members: int
    incremental_revenue: float | None
    incremental_revenue_ci_lower: float | None
    incremental_revenue_ci_upper: float | None
    incremental_margin: float | None
    allocated_cost: float | None
    return_on_investment: float | None
    return_on_investment_ci_lower: float | None
    return_on_investment_ci_upper: float | None


@dataclass(frozen=True)
class CampaignCell:
    """One campaign x segment at send x channel row of fct_campaign_performance.

    `ci_lower`/`ci_upper` are the mart's Newcombe (Wilson score) interval of the
    uplift. `is_significant` is the mart's verdict (Benjamini-Hochberg q < 0.05
    within the campaign): the page shows it and never infers significance from
    the interval, which can exclude zero while q >= 0.05. None (no p-value, say a
    cell without controls) reads as not significant."""

    campaign_name: str
    segment_name: str
    channel: str | None
    started_on: date | None
    treatment_members: int
    control_members: int
    treatment_conversion_rate: float | None
    control_conversion_rate: float | None
    conversion_uplift: float | None
    ci_lower: float | None
    ci_upper: float | None
    uplift_p_value: float | None
    incremental_revenue: float | None
    return_on_investment: float | None
    sample_ratio_p_value: float | None
    uplift_test: str | None
    uplift_q_value: float | None
    is_significant: bool | None
    minimum_detectable_uplift: float | None
    is_small_cell: bool | None
    incremental_revenue_ci_lower: float | None
    incremental_revenue_ci_upper: float | None
    return_on_investment_ci_lower: float | None
    return_on_investment_ci_upper: float | None
    segment_label_agreement_rate: float | None


@dataclass(frozen=True)
class CampaignsData:
    """Everything on the Campaign performance sheet."""

    by_segment: list[SegmentUplift] = field(default_factory=list)
    cells: list[CampaignCell] = field(default_factory=list)


@dataclass(frozen=True)
class ChurnBandCount:
    """Customers of one RFM segment in one churn risk band, with their summed expected
    CLV and CLV at risk (None when no customer of the group has one: an unusable fit)."""

    rfm_segment: str
    churn_risk_band: str
    customers: int
    expected_clv: float | None
    clv_at_risk: float | None


@dataclass(frozen=True)
class CalibrationPoint:
    """One row of fct_clv_calibration: a calibration-frequency bucket (0..7, 7 = 7 or
    more) or a holdout week, with what its customers did in the holdout and what
    the calibration fit expected (None when that fit is not usable)."""

    bucket: int
    bucket_label: str
    customers: int
    actual_repeat_purchases: float | None
    expected_repeat_purchases: float | None
    actual_per_customer: float | None
    expected_per_customer: float | None
    cumulative_actual_repeat_purchases: float | None
    cumulative_expected_repeat_purchases: float | None


@dataclass(frozen=True)
class ClvCalibration:
    """The BG/NBD calibration: the fit on purchases before `cut_date`, its status and
    parameters, and its forecast of the holdout [cut_date, as_of_date) beside what
    happened, by calibration frequency and by holdout week."""

    bgnbd_status: str | None = None
    r: float | None = None
    alpha: float | None = None
    a: float | None = None
    b: float | None = None
    cut_date: date | None = None
    as_of_date: date | None = None
    by_frequency: list[CalibrationPoint] = field(default_factory=list)
    by_week: list[CalibrationPoint] = field(default_factory=list)

    @property
    def is_converged(self) -> bool:
        """Only a converged fit has an expected series worth drawing."""
        return self.bgnbd_status == "converged"


@dataclass(frozen=True)
class ClvData:
    """Everything on the Churn and lifetime value sheet besides the segment summary:
    customers per RFM segment and churn risk band, the basis of expected CLV
    ('margin' or 'revenue'; empty when unknown) and the calibration."""

    bands: list[ChurnBandCount] = field(default_factory=list)
    clv_basis: tuple[str, ...] = ()
    calibration: ClvCalibration = field(default_factory=ClvCalibration)


@dataclass(frozen=True)
class QuarantineCount:
    """Raw rows quarantined from one table for one reason."""

    source_table: str
    dq_reason: str
    rows: int


@dataclass(frozen=True)
class DashboardData:
    """The whole dashboard. `segment_names` (dim_segments) orders and describes the
    segments of every sheet; `missing_marts` names marts absent from the warehouse
    and `outdated_marts` the columns a mart lacks because an older version of the
    project built it, so their panels can say why they are empty."""

    overview: Overview
    segments: SegmentsData
    offers: OffersData
    campaigns: CampaignsData
    segment_names: SegmentVocabulary = field(default_factory=SegmentVocabulary)
    quarantine: list[QuarantineCount] = field(default_factory=list)
    missing_marts: frozenset[str] = frozenset()
    source: str = ""
    clv: ClvData = field(default_factory=ClvData)
    outdated_marts: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
