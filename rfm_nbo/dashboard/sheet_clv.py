"""The Churn and lifetime value sheet: expected customer lifetime value (CLV) by
segment for both schemes, customers per churn risk band in each RFM segment,
and the calibration of the purchase model (BG/NBD) against a holdout: does
it predict what customers then did?

Every figure is the marts' (fct_segment_summary, dim_customers,
fct_clv_calibration): CLV per segment is the mart's sum and mean, never
recomputed here. The expected series of the calibration is drawn only when
its fit converged (bgnbd_status); otherwise the sheet says so and shows what
customers did."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from rfm_nbo.dashboard.charts import PALETTE, Line, Series, bar_chart, line_chart
from rfm_nbo.dashboard.components import Context, Markup, badge, kpis, no_data, panel
from rfm_nbo.dashboard.data import (
    CHURN_RISK_BANDS,
    CLV_CALIBRATION,
    CUSTOMER_CLV_COLUMNS,
    DIM_CUSTOMERS,
    HIGH_CHURN_RISK_BANDS,
    REPEAT_BUYER_BANDS,
    SEGMENT_CLV_COLUMNS,
    SEGMENT_SUMMARY,
    ClvCalibration,
    ClvData,
    SegmentsData,
    SegmentStat,
)
from rfm_nbo.dashboard.formatting import (
    esc,
    fmt_date,
    fmt_int,
    fmt_money,
    fmt_number,
    fmt_pct,
    fmt_significant,
    humanize,
)
from rfm_nbo.dashboard.sheet_segments import scheme_segments

# Okabe-Ito colours from hot to cool; the bands without a P(alive) verdict in blue
# and grey. A band this list does not know is drawn grey.
BAND_COLORS = {
    "very_high": "#d55e00",
    "high": "#e69f00",
    "medium": "#f0e442",
    "low": "#009e73",
    "single_purchase": "#56b4e9",
    "unknown": "#999999",
}
OTHER_BAND_COLOR = "#999999"

CLV_NOTE = (
    "Bar: the segment's total expected CLV; value column: the total and the mean per "
    "customer (fct_segment_summary). Expected CLV is the margin (or revenue, when no "
    "product has a cost) a customer is expected to bring over the horizon "
    "(var clv_horizon_days), discounted to the as-of date: BG/NBD expected purchases "
    "times the Gamma-Gamma expected purchase value."
)
CHURN_NOTE = (
    "Customers with a purchase, by churn risk band: P(alive), the BG/NBD probability that "
    "the customer still buys, below 0.2 is very high risk, below 0.5 high, below 0.8 "
    "medium, otherwise low (var churn_risk_band_thresholds, these are its defaults). "
    "Single purchase: no repeat purchase yet, so P(alive) says nothing about them. "
    "Unknown: no usable fit. Value column: customers with a band."
)
CALIBRATION_NOTE = (
    "BG/NBD is fitted again on the purchases before the cut only, and its forecast of the "
    "holdout after the cut is set beside what the same customers did (Fader, Hardie and "
    "Lee, 2005). Left: mean repeat purchases in the holdout, by repeat purchases before "
    "the cut (7+ pooled). Right: repeat purchases since the cut, cumulated week by week. "
    "Where the dashed line (expected) follows the solid one (actual), the model predicts."
)


def count_tick(value: float | None) -> str:
    """An axis tick of a count: whole numbers as such, a step such as 2.5 with its
    decimal (fmt_int would print it as 2)."""
    if value is not None and value != round(value):
        return fmt_number(value, 1)
    return fmt_int(value)


def band_sort_key(band: str) -> tuple[int, int, str]:
    """Bands riskiest first (CHURN_RISK_BANDS), any other after, alphabetically."""
    if band in CHURN_RISK_BANDS:
        return (0, CHURN_RISK_BANDS.index(band), "")
    return (1, 0, band)


def _total(values: Iterable[float | None]) -> float | None:
    """The sum of the values that are not None; None when there is none."""
    present = [v for v in values if v is not None]
    return sum(present) if present else None


def high_risk_share(data: ClvData) -> tuple[int, float | None]:
    """Customers at high or very high churn risk, and their share of the repeat buyers
    (customers in one of the four P(alive) bands; None without any)."""
    high = sum(b.customers for b in data.bands if b.churn_risk_band in HIGH_CHURN_RISK_BANDS)
    repeat = sum(b.customers for b in data.bands if b.churn_risk_band in REPEAT_BUYER_BANDS)
    return high, (high / repeat if repeat else None)


def holdout_forecast_error(calibration: ClvCalibration) -> float | None:
    """Expected over actual repeat purchases in the whole holdout, minus 1 (+0.1: the
    calibration fit forecast 10 % too many); None without a converged fit."""
    if not calibration.is_converged or not calibration.by_week:
        return None
    last = calibration.by_week[-1]
    expected, actual = (
        last.cumulative_expected_repeat_purchases,
        last.cumulative_actual_repeat_purchases,
    )
    if expected is None or not actual:
        return None
    return expected / actual - 1


def clv_label(data: ClvData) -> str:
    """'expected CLV (margin)' when every customer's CLV has the same basis."""
    if len(data.clv_basis) == 1:
        return f"expected CLV ({data.clv_basis[0]})"
    return "expected CLV"


def headline(data: ClvData, ctx: Context) -> str:
    """Total expected CLV and CLV at risk, the share of repeat buyers at high churn
    risk, and how far the calibration fit's holdout forecast was off ('' when there
    is none of these)."""
    items: list[tuple[str, str]] = []
    if data.bands:
        high, share = high_risk_share(data)
        items += [
            (
                clv_label(data),
                fmt_money(_total(b.expected_clv for b in data.bands), ctx.currency, compact=True),
            ),
            (
                "CLV at risk of churn",
                fmt_money(_total(b.clv_at_risk for b in data.bands), ctx.currency, compact=True),
            ),
            (f"repeat buyers at high or very high churn risk ({fmt_int(high)})", fmt_pct(share)),
        ]
    error = holdout_forecast_error(data.calibration)
    if error is not None:
        items.append(("BG/NBD holdout forecast vs actual", fmt_pct(error, signed=True)))
    return kpis(items) if items else ""


def clv_chart(chart_id: str, title: str, stats: Sequence[SegmentStat], ctx: Context) -> str:
    """Total expected CLV per segment, its mean per customer in the value column; a
    label's tooltip gives the segment's description."""
    labels = [f"{s.segment_name} \u00b7 {fmt_int(s.customers)}" for s in stats]
    descriptions = [ctx.segment_names.description(s.segment_name) for s in stats]
    return bar_chart(
        chart_id,
        title,
        labels,
        [Series("Expected CLV", [s.total_expected_clv for s in stats], PALETTE[2])],
        fmt=lambda v: fmt_money(v, ctx.currency),
        axis_fmt=lambda v: fmt_money(v, ctx.currency, compact=True),
        value_labels=[
            f"{fmt_money(s.total_expected_clv, ctx.currency, compact=True)} \u00b7 "
            f"{fmt_money(s.avg_expected_clv, ctx.currency)} each"
            for s in stats
        ],
        label_tooltips=[
            f"{label}: {about}" if about else label
            for label, about in zip(labels, descriptions, strict=True)
        ],
    )


def clv_panel_body(chart_id: str, title: str, stats: list[SegmentStat], ctx: Context) -> str:
    """The CLV chart of one scheme, or why there is none."""
    if ctx.outdated(SEGMENT_SUMMARY, SEGMENT_CLV_COLUMNS) or not stats:
        return ctx.empty(
            SEGMENT_SUMMARY,
            "Are there completed orders in the lookback window?",
            columns=SEGMENT_CLV_COLUMNS,
        )
    if all(s.total_expected_clv is None for s in stats):
        return no_data(
            f"{ctx.schema}.{SEGMENT_SUMMARY} has no expected CLV: the BG/NBD fit was not "
            "usable (int_clv_parameters.bgnbd_status; the dbt build log says why)."
        )
    return clv_chart(chart_id, title, stats, ctx)


def churn_chart(data: ClvData, ctx: Context) -> str:
    """Customers per churn risk band in each RFM segment, stacked riskiest first."""
    segments = ctx.segment_names.ordered(b.rfm_segment for b in data.bands)
    bands = sorted({b.churn_risk_band for b in data.bands}, key=band_sort_key)
    counts = {(b.rfm_segment, b.churn_risk_band): b.customers for b in data.bands}
    return bar_chart(
        "churn-risk-by-segment",
        "Customers by churn risk band and RFM segment",
        segments,
        [
            Series(
                humanize(band),
                [counts.get((segment, band)) for segment in segments],
                BAND_COLORS.get(band, OTHER_BAND_COLOR),
            )
            for band in bands
        ],
        fmt=fmt_int,
        axis_fmt=count_tick,
        stacked=True,
    )


def fit_note(calibration: ClvCalibration) -> Markup:
    """Which model, calibrated before which cut, on which holdout, with its status and
    parameters; when the fit did not converge, a warning in their place."""
    cut = fmt_date(calibration.cut_date)
    cut_date = f'<strong data-cut-date="{esc(cut)}">{esc(cut)}</strong>'
    weeks = len(calibration.by_week)
    if not calibration.is_converged:
        status = humanize(calibration.bgnbd_status) if calibration.bgnbd_status else "no status"
        return Markup(
            f'<div class="fit-warning" role="note">{badge(status)} <strong>No expected '
            "series: the BG/NBD fit on the purchases before the cut did not converge</strong>"
            f" (bgnbd_status {esc(status)}; cut {cut_date}). The charts show only what "
            "customers did in the holdout. This is the calibration fit only: churn risk and "
            "CLV come from the fit on all purchases (int_clv_parameters).</div>"
        )
    return Markup(
        f'<p class="fit">{badge("BG/NBD converged", "ok")} Fitted on the purchases before '
        f"the cut, {cut_date}; holdout {esc(cut)} to {esc(fmt_date(calibration.as_of_date))}"
        f" ({esc(fmt_int(weeks))} weeks). Parameters: r {esc(fmt_significant(calibration.r))},"
        f" \u03b1 {esc(fmt_significant(calibration.alpha))} days, a "
        f"{esc(fmt_significant(calibration.a))}, b {esc(fmt_significant(calibration.b))}.</p>"
    )


def _actual_and_expected(
    calibration: ClvCalibration, actual: list[float | None], expected: list[float | None]
) -> list[Line]:
    """The actual line, and the expected one only when the fit converged."""
    lines = [Line("Actual", actual, PALETTE[0])]
    if calibration.is_converged:
        lines.append(Line("Expected (BG/NBD)", expected, PALETTE[1], dashed=True))
    return lines


def frequency_chart(calibration: ClvCalibration) -> str:
    """Mean holdout repeat purchases per customer, actual and expected, by repeat
    purchases before the cut (the conditional expectation chart)."""
    points = calibration.by_frequency
    return line_chart(
        "clv-calibration-frequency",
        "Holdout repeat purchases per customer by calibration frequency",
        [p.bucket_label for p in points],
        _actual_and_expected(
            calibration,
            [p.actual_per_customer for p in points],
            [p.expected_per_customer for p in points],
        ),
        fmt=lambda v: fmt_number(v, 2),
        x_title="Repeat purchases before the cut",
        y_title="Mean repeat purchases in the holdout",
        x_tooltips=[
            f"{p.bucket_label} repeat purchases before the cut; customers: {fmt_int(p.customers)}"
            for p in points
        ],
        point_names=[f"{p.bucket_label} repeat purchases before the cut" for p in points],
    )


def week_chart(calibration: ClvCalibration) -> str:
    """Repeat purchases since the cut, actual and expected, cumulated by holdout week
    (the tracking chart)."""
    points = calibration.by_week
    return line_chart(
        "clv-calibration-weeks",
        "Cumulative repeat purchases by holdout week",
        [str(p.bucket) for p in points],
        _actual_and_expected(
            calibration,
            [p.cumulative_actual_repeat_purchases for p in points],
            [p.cumulative_expected_repeat_purchases for p in points],
        ),
        fmt=fmt_int,
        axis_fmt=count_tick,
        x_title="Week after the cut",
        y_title="Repeat purchases since the cut",
        point_names=[p.bucket_label for p in points],
    )


def calibration_body(calibration: ClvCalibration, ctx: Context) -> str:
    """The fit note and both calibration charts side by side, or why there are none."""
    if not (calibration.by_frequency or calibration.by_week):
        return ctx.empty(
            CLV_CALIBRATION,
            "The calibration needs customers who bought before the cut "
            "(as_of_date minus var clv_holdout_days).",
        )

    def half(title: str, breakdown: str, drawn: bool, chart: Callable[[], str]) -> str:
        body = (
            chart()
            if drawn
            else no_data(f"{ctx.schema}.{CLV_CALIBRATION} has no {breakdown} rows.")
        )
        return f"<div><h4>{esc(title)}</h4>{body}</div>"

    pair = half(
        "By calibration frequency",
        "calibration_frequency",
        bool(calibration.by_frequency),
        lambda: frequency_chart(calibration),
    ) + half(
        "By holdout week",
        "holdout_week",
        bool(calibration.by_week),
        lambda: week_chart(calibration),
    )
    return f'{fit_note(calibration)}<div class="pair">{pair}</div>'


def clv_sheet(segments: SegmentsData, data: ClvData, ctx: Context) -> str:
    """All panels of the Churn and lifetime value sheet, in reading order."""
    rfm = scheme_segments(segments, "rfm", ctx)
    clusters = scheme_segments(segments, "kmeans", ctx)
    return "".join(
        [
            headline(data, ctx),
            panel(
                "Expected CLV by RFM segment",
                clv_panel_body("clv-by-rfm-segment", "RFM segments", rfm, ctx),
                note=CLV_NOTE,
            ),
            panel(
                "Expected CLV by K-Means cluster",
                clv_panel_body("clv-by-cluster", "K-Means clusters", clusters, ctx),
                note="The same for the behavioural clusters, best profile first.",
            ),
            panel(
                "Churn risk by RFM segment",
                churn_chart(data, ctx)
                if data.bands
                else ctx.empty(
                    DIM_CUSTOMERS, "No customer has a purchase.", columns=CUSTOMER_CLV_COLUMNS
                ),
                note=CHURN_NOTE,
                wide=True,
            ),
            panel(
                "Does the purchase model predict? BG/NBD against a holdout",
                calibration_body(data.calibration, ctx),
                note=CALIBRATION_NOTE,
                wide=True,
            ),
        ]
    )
