"""The three dashboard sheets: Segments, Next Best Offers, Campaign performance.

Each builder reads one mart (the data set identifier is the mart's name) and
checks that the columns its visuals use exist, so a renamed column fails here
with its name rather than as a broken visual in QuickSight. A sheet whose mart
is not in the manifest is left out, with a note. The Segments sheet also shows
the clusters mart and dim_segments (the segment names, in display order, with
their descriptions) when the manifest has them; QuickSight cannot order one
data set's bars by another's column, so the bar charts keep their own sort.

Aggregates are chosen to be right at the mart's grain: the segment summary has
one row per segment (SUM of one row is the value); campaign uplift and ROI are
*pooled* over campaigns with calculated fields (sums of counts, then rates),
because averaging per-campaign rates or intervals would be wrong.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rfm_nbo.quicksight.errors import DashboardError
from rfm_nbo.quicksight.manifest import Mart
from rfm_nbo.quicksight.visuals import (
    aggregated_table,
    bar_chart,
    count,
    dimension,
    grid_layout,
    measure,
    pie_chart,
    unaggregated_table,
)

SEGMENT_SUMMARY = "fct_rfm_segment_summary"
SEGMENT_NAMES = "dim_segments"
SEGMENT_NAME_COLUMNS = ("display_order", "segment_name", "description", "scheme")
NEXT_BEST_OFFERS = "fct_next_best_offers"
CAMPAIGN_PERFORMANCE = "fct_campaign_performance"
CLUSTER_DIMENSIONS = ("cluster_name", "cluster_label", "cluster_id")
# The pooled-by-segment Wald interval below is QuickSight's own; the mart's cells
# use Newcombe intervals and q-values (issue 16 moves this visual onto them).
Z_95 = "1.96"

CAMPAIGN_TABLE_COLUMNS = (
    "campaign_name",
    "segment_at_send",
    "channel",
    "treatment_members",
    "control_members",
    "treatment_conversion_rate",
    "control_conversion_rate",
    "conversion_uplift",
    "conversion_uplift_ci_lower",
    "conversion_uplift_ci_upper",
    "uplift_p_value",
    "uplift_q_value",
    "minimum_detectable_uplift",
    "incremental_margin",
    "allocated_cost",
    "return_on_investment",
    "sample_ratio_p_value",
)


@dataclass(frozen=True)
class SheetBuild:
    """One SheetDefinition plus what the dashboard must declare for it."""

    sheet: dict[str, Any]
    data_sets: tuple[str, ...]
    calculated_fields: tuple[dict[str, str], ...] = field(default=())


def require(mart: Mart, columns: Sequence[str], sheet: str) -> None:
    """Raise DashboardError naming every column of ``columns`` that ``mart`` lacks."""
    missing = [name for name in columns if mart.column(name) is None]
    if missing:
        raise DashboardError(
            f"The '{sheet}' sheet reads {', '.join(missing)} from {mart.name}, which the "
            f"manifest does not declare. Restore the column(s) in the mart, or change "
            f"rfm_nbo/quicksight/sheets.py to match the new names."
        )


def _sheet(sheet_id: str, name: str, visuals: list[dict[str, Any]], wide: Sequence[str]) -> dict:
    """A SheetDefinition with a grid layout."""
    return {
        "SheetId": sheet_id,
        "Name": name,
        "Title": name,
        "ContentType": "INTERACTIVE",
        "Visuals": visuals,
        "Layouts": grid_layout(visuals, wide=wide),
    }


def cluster_mart(marts: Mapping[str, Mart]) -> tuple[Mart, str] | None:
    """A clusters mart and its cluster column, preferring one with a ``customers`` count."""
    candidates: list[tuple[bool, str, Mart, str]] = []
    for mart in marts.values():
        column = next((name for name in CLUSTER_DIMENSIONS if mart.column(name)), None)
        countable = mart.has_columns("customers") or mart.has_columns("customer_id")
        if "cluster" in mart.name and column and countable:
            candidates.append((not mart.has_columns("customers"), mart.name, mart, column))
    if not candidates:
        return None
    _, _, mart, column = min(candidates, key=lambda candidate: candidate[:2])
    return mart, column


def _cluster_visual(mart: Mart, column: str) -> dict[str, Any]:
    """Customers per K-Means cluster: SUM(customers) on a summary, COUNT(customer_id) otherwise."""
    size = (
        measure("clusters-size", mart.name, "customers")
        if mart.has_columns("customers")
        else count("clusters-size", mart.name, "customer_id")
    )
    return bar_chart(
        "clusters-customers",
        "Customers by behavioural cluster (K-Means)",
        category=dimension("clusters-name", mart.name, column),
        values=[size],
        subtitle=mart.grain,
    )


def _segment_names_visual(mart: Mart) -> dict[str, Any]:
    """Every segment name of dim_segments with its description, in display order (best
    customers first), so readers of the sheet share one vocabulary."""
    require(mart, ("segment_name", "display_order", "description"), "Segments")
    return unaggregated_table(
        "segments-names",
        "What the segment names mean",
        mart.name,
        [name for name in SEGMENT_NAME_COLUMNS if mart.column(name)],
        subtitle="Listed best customers first; scheme says which segmentation gives the name.",
        sort_by="display_order",
    )


def segments_sheet(marts: Mapping[str, Mart]) -> SheetBuild | None:
    """Segment sizes and revenue share, the segment profile table, clusters if present,
    and the segment names with their descriptions (dim_segments) if present."""
    summary = marts.get(SEGMENT_SUMMARY)
    if summary is None:
        return None
    require(summary, ("rfm_segment", "customers", "customer_share", "revenue_share"), "Segments")
    data_set = summary.name
    visuals = [
        bar_chart(
            "segments-customers",
            "Customers by RFM segment",
            category=dimension("segments-customers-segment", data_set, "rfm_segment"),
            values=[measure("segments-customers-count", data_set, "customers")],
            subtitle=summary.grain,
        ),
        bar_chart(
            "segments-shares",
            "Share of customers vs share of revenue",
            category=dimension("segments-shares-segment", data_set, "rfm_segment"),
            values=[
                measure("segments-shares-customers", data_set, "customer_share"),
                measure("segments-shares-revenue", data_set, "revenue_share"),
            ],
            subtitle="A segment whose revenue share exceeds its customer share is worth more "
            "than its size.",
        ),
        unaggregated_table("segments-table", "Segment profile", data_set, summary.column_names),
    ]
    data_sets = [data_set]
    clusters = cluster_mart(marts)
    if clusters is not None:
        visuals.insert(2, _cluster_visual(*clusters))
        data_sets.append(clusters[0].name)
    names = marts.get(SEGMENT_NAMES)
    if names is not None:
        visuals.append(_segment_names_visual(names))
        data_sets.append(names.name)
    sheet = _sheet("segments", "Segments", visuals, wide=("segments-table", "segments-names"))
    return SheetBuild(sheet, tuple(data_sets))


def offers_sheet(marts: Mapping[str, Mart]) -> SheetBuild | None:
    """Offers by segment, type and product, and the share of copy by source."""
    offers = marts.get(NEXT_BEST_OFFERS)
    if offers is None:
        return None
    require(
        offers,
        ("customer_id", "rfm_segment", "product_name", "offer_type", "copy_source"),
        "Next Best Offers",
    )
    data_set = offers.name
    averages = [
        measure(f"offers-table-{name}", data_set, name, "AVERAGE")
        for name in ("discount_rate", "predicted_conversion_rate", "expected_margin")
        if offers.column(name)
    ]
    visuals = [
        bar_chart(
            "offers-by-segment",
            "Offers by segment and offer type",
            category=dimension("offers-by-segment-segment", data_set, "rfm_segment"),
            values=[count("offers-by-segment-count", data_set, "customer_id")],
            colors=[dimension("offers-by-segment-type", data_set, "offer_type")],
            arrangement="STACKED",
            subtitle=offers.grain,
        ),
        pie_chart(
            "offers-copy-source",
            "Where the offer copy came from",
            category=dimension("offers-copy-source-source", data_set, "copy_source"),
            value=count("offers-copy-source-count", data_set, "customer_id"),
            subtitle="template = offline template engine; bedrock = LLM copy that passed "
            "validation (rejected answers fall back to the template, see fallback_reason).",
        ),
        bar_chart(
            "offers-top-products",
            "Most offered products",
            category=dimension("offers-top-products-product", data_set, "product_name"),
            values=[count("offers-top-products-count", data_set, "customer_id")],
            limit=15,
        ),
        aggregated_table(
            "offers-by-product",
            "Offers by segment and product",
            group_by=[
                dimension("offers-table-segment", data_set, "rfm_segment"),
                dimension("offers-table-product", data_set, "product_name"),
            ],
            values=[count("offers-table-offers", data_set, "customer_id"), *averages],
        ),
    ]
    sheet = _sheet("next-best-offers", "Next Best Offers", visuals, wide=())
    return SheetBuild(sheet, (data_set,))


def _safe(denominator: str) -> str:
    """A QuickSight denominator that is NULL instead of 0 (no division by zero)."""
    return f"ifelse({denominator} = 0, NULL, {denominator})"


def pooled_uplift_fields() -> dict[str, str]:
    """Calculated fields: pooled conversion uplift, its 95 % Wald interval, pooled ROI.

    Rates are sums of conversions over sums of members across the rows in view,
    so a segment's uplift weighs every campaign by its size. ``1.0 *`` keeps the
    division decimal whatever the engine does with integer sums.
    """
    members_t = _safe("sum({treatment_members})")
    members_c = _safe("sum({control_members})")
    rate_t = f"(1.0 * sum({{treatment_conversions}}) / {members_t})"
    rate_c = f"(1.0 * sum({{control_conversions}}) / {members_c})"
    uplift = f"({rate_t} - {rate_c})"
    variance_t = f"{rate_t} * (1 - {rate_t}) / {members_t}"
    variance_c = f"{rate_c} * (1 - {rate_c}) / {members_c}"
    error = f"sqrt({variance_t} + {variance_c})"
    cost = "sum({allocated_cost})"
    return {
        "pooled_conversion_uplift": uplift,
        "pooled_uplift_ci_lower": f"{uplift} - {Z_95} * {error}",
        "pooled_uplift_ci_upper": f"{uplift} + {Z_95} * {error}",
        "pooled_return_on_investment": f"(sum({{incremental_margin}}) - {cost}) / {_safe(cost)}",
    }


def campaigns_sheet(marts: Mapping[str, Mart]) -> SheetBuild | None:
    """Uplift with its confidence interval and ROI by segment, and the per-campaign table."""
    campaigns = marts.get(CAMPAIGN_PERFORMANCE)
    if campaigns is None:
        return None
    require(
        campaigns,
        (
            "segment_at_send",
            "treatment_members",
            "control_members",
            "treatment_conversions",
            "control_conversions",
            "incremental_margin",
            "allocated_cost",
        ),
        "Campaign performance",
    )
    data_set = campaigns.name
    expressions = pooled_uplift_fields()
    clashes = [name for name in expressions if campaigns.column(name)]
    if clashes:
        raise DashboardError(
            f"{data_set} now has column(s) {', '.join(clashes)}, the names of the dashboard's "
            "calculated fields; rename the calculated fields in rfm_nbo/quicksight/sheets.py."
        )
    calculated = tuple(
        {"DataSetIdentifier": data_set, "Name": name, "Expression": expression}
        for name, expression in expressions.items()
    )

    def calculated_percent(field_id: str, name: str) -> dict[str, Any]:
        """A self-aggregating calculated field, shown as a percentage."""
        return measure(field_id, data_set, name, None, percent=True)

    uplift = calculated_percent("campaign-uplift-point", "pooled_conversion_uplift")
    visuals = [
        bar_chart(
            "campaign-uplift",
            "Conversion uplift by segment, with 95 % confidence interval",
            category=dimension("campaign-uplift-segment", data_set, "segment_at_send"),
            values=[
                calculated_percent("campaign-uplift-lower", "pooled_uplift_ci_lower"),
                uplift,
                calculated_percent("campaign-uplift-upper", "pooled_uplift_ci_upper"),
            ],
            sort_by=uplift,
            subtitle="Treatment minus control conversion rate, pooled over the campaigns in "
            "view; bars: lower bound, uplift, upper bound. An interval that spans 0 is no "
            "evidence of an effect.",
        ),
        bar_chart(
            "campaign-roi",
            "Return on investment by segment",
            category=dimension("campaign-roi-segment", data_set, "segment_at_send"),
            values=[calculated_percent("campaign-roi-value", "pooled_return_on_investment")],
            subtitle="(incremental margin - allocated cost) / allocated cost, pooled over the "
            "campaigns in view.",
        ),
        unaggregated_table(
            "campaign-table",
            "Campaign x segment x channel results",
            data_set,
            [name for name in CAMPAIGN_TABLE_COLUMNS if campaigns.column(name)],
            subtitle=campaigns.grain,
        ),
    ]
    sheet = _sheet(
        "campaign-performance", "Campaign performance", visuals, wide=("campaign-table",)
    )
    return SheetBuild(sheet, (data_set,), calculated)


def build_sheets(marts: Sequence[Mart]) -> tuple[list[SheetBuild], list[str]]:
    """The sheets whose marts exist, in dashboard order, and a note for each one left out."""
    by_name = {mart.name: mart for mart in marts}
    sheets: list[SheetBuild] = []
    notes: list[str] = []
    for builder, title, mart_name in (
        (segments_sheet, "Segments", SEGMENT_SUMMARY),
        (offers_sheet, "Next Best Offers", NEXT_BEST_OFFERS),
        (campaigns_sheet, "Campaign performance", CAMPAIGN_PERFORMANCE),
    ):
        built = builder(by_name)
        if built is None:
            notes.append(f"dashboard sheet '{title}' left out: {mart_name} is not in the manifest")
        else:
            sheets.append(built)
    return sheets, notes
