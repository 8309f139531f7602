"""The Campaign performance sheet: conversion uplift per campaign cell with its
95 % interval and the mart's verdict on significance (Benjamini-Hochberg
q-value), ROI and incremental revenue by segment (pooled over campaigns, with
intervals), the sample-ratio check, and every campaign cell.

Significance is read from fct_campaign_performance.is_significant (q < 0.05),
never from whether an interval excludes zero: with several cells tested per
campaign, an interval can exclude zero while q >= 0.05."""

from __future__ import annotations

from collections.abc import Sequence

from rfm_nbo.dashboard.charts import (
    PALETTE,
    Formatter,
    IntervalRow,
    Series,
    bar_chart,
    interval_chart,
)
from rfm_nbo.dashboard.components import Column, Context, Markup, badge, kpis, panel, table
from rfm_nbo.dashboard.data import (
    CAMPAIGN_PERFORMANCE,
    CampaignCell,
    CampaignsData,
    SegmentUplift,
)
from rfm_nbo.dashboard.formatting import (
    MISSING,
    esc,
    fmt_date,
    fmt_int,
    fmt_money,
    fmt_p_value,
    fmt_pct,
    fmt_pp,
    fmt_q_value,
    fmt_range,
    fmt_ratio,
    humanize,
)

SAMPLE_RATIO_ALPHA = 0.001  # fct_campaign_performance: below this the assignment is suspect
CELL_CHART_WIDTH = 960  # the cell chart sits in a full-width panel
TEST_NAMES = {"fisher_exact": "Fisher exact", "z_test": "z test"}  # uplift_test codes
MISSING_CHANNEL = "no channel"

SIGNIFICANCE_NOTE = (
    "Treatment minus control conversion rate per campaign cell, with its 95 % "
    "confidence interval (Newcombe, from Wilson score intervals). q is the "
    "Benjamini-Hochberg adjusted p-value within the campaign; a cell is significant when "
    "q < 0.05 (filled dot), otherwise not (hollow dot). An interval that excludes zero is "
    "not enough on its own when several cells are tested: a cell can have one and still "
    "not be significant. Small cell (dashed interval): a group has too few members or an "
    "expected count is below 5, so the estimate is rough (with an expected count below 5 "
    "the p-value comes from Fisher's exact test). The detectable uplift in the table is "
    "the uplift these group sizes would detect 80 % of the time: an uplift smaller than "
    "this would usually go unseen with these group sizes, so 'not significant' there is no "
    "evidence of no effect."
)


def _pooled_roi(data: CampaignsData) -> float | None:
    margin = sum(s.incremental_margin or 0 for s in data.by_segment)
    cost = sum(s.allocated_cost or 0 for s in data.by_segment)
    return (margin - cost) / cost if cost else None


def headline(data: CampaignsData, ctx: Context) -> str:
    """Campaigns, treated members, incremental revenue, ROI, significant cells and
    sample-ratio flags."""
    flagged = [c for c in data.cells if _suspect(c.sample_ratio_p_value)]
    tested = [c for c in data.cells if c.uplift_q_value is not None]
    significant = [c for c in data.cells if c.is_significant]
    return kpis(
        [
            ("campaigns", fmt_int(len({c.campaign_name for c in data.cells}))),
            ("treated members", fmt_int(sum(s.treatment_members for s in data.by_segment))),
            (
                "incremental revenue",
                fmt_money(
                    sum(s.incremental_revenue or 0 for s in data.by_segment),
                    ctx.currency,
                    compact=True,
                ),
            ),
            ("return on investment", fmt_ratio(_pooled_roi(data))),
            (
                "significant cells (q < 0.05)",
                f"{fmt_int(len(significant))} of {fmt_int(len(tested))}",
            ),
            ("sample-ratio flags", fmt_int(len(flagged))),
        ]
    )


def _suspect(p_value: float | None) -> bool:
    return p_value is not None and p_value < SAMPLE_RATIO_ALPHA


def _by_segment(data: CampaignsData, ctx: Context) -> list[SegmentUplift]:
    """The pooled results in dim_segments' order of the segments at send."""
    return sorted(data.by_segment, key=lambda s: ctx.segment_names.sort_key(s.segment_name))


def ordered_cells(data: CampaignsData, ctx: Context) -> list[CampaignCell]:
    """Cells campaign by campaign (in the mart's order: by start), and within a
    campaign in dim_segments' order of the segments, then by channel."""
    first_seen: dict[tuple[str, object], int] = {}
    for index, c in enumerate(data.cells):
        first_seen.setdefault((c.campaign_name, c.started_on), index)
    return sorted(
        data.cells,
        key=lambda c: (
            first_seen[(c.campaign_name, c.started_on)],
            ctx.segment_names.sort_key(c.segment_name),
            c.channel or "",
        ),
    )


def significance(cell: CampaignCell) -> str:
    """'significant' or 'not significant', from the mart's is_significant only."""
    return "significant" if cell.is_significant else "not significant"


def uplift_test_name(code: str | None) -> str:
    """The uplift_test code for people: 'Fisher exact' or 'z test'."""
    return TEST_NAMES.get(code or "", humanize(code))


def uplift_label(cell: CampaignCell) -> str:
    """The chart's value text: uplift, interval and q-value (or why there is none)."""
    if cell.conversion_uplift is None:
        return "no control members" if not cell.control_members else MISSING
    return (
        f"{fmt_pp(cell.conversion_uplift)} ({fmt_range(cell.ci_lower, cell.ci_upper, fmt_pp)})"
        f" \u00b7 q {fmt_q_value(cell.uplift_q_value)}"
    )


def _cell_tooltip(cell: CampaignCell) -> str:
    small = "; small cell" if cell.is_small_cell else ""
    return (
        f"{cell.campaign_name} \u00b7 {cell.segment_name} \u00b7 {cell.channel or ''}: "
        f"uplift {fmt_pp(cell.conversion_uplift)}, 95 % CI "
        f"{fmt_range(cell.ci_lower, cell.ci_upper, fmt_pp)}, p {fmt_p_value(cell.uplift_p_value)}"
        f" ({uplift_test_name(cell.uplift_test)}), q {fmt_q_value(cell.uplift_q_value)}: "
        f"{significance(cell)}{small}; detectable uplift "
        f"{fmt_pp(cell.minimum_detectable_uplift, signed=False)}"
    )


def uplift_chart(data: CampaignsData, ctx: Context) -> str:
    """Uplift per campaign cell with its interval: a filled dot when the mart calls
    the cell significant, hollow otherwise; a dashed interval for a small cell."""
    rows = [
        IntervalRow(
            label=f"{c.segment_name} \u00b7 {c.channel or MISSING_CHANNEL}",
            estimate=c.conversion_uplift,
            low=c.ci_lower,
            high=c.ci_upper,
            filled=bool(c.is_significant),
            dashed=bool(c.is_small_cell),
            value_label=uplift_label(c),
            tooltip=_cell_tooltip(c),
            group=f"{c.campaign_name} \u00b7 {fmt_date(c.started_on)}",
        )
        for c in ordered_cells(data, ctx)
    ]
    return interval_chart(
        "uplift-by-cell",
        "Conversion uplift by campaign cell with 95 % confidence interval",
        rows,
        fmt=fmt_pp,
        axis_fmt=lambda v: fmt_pp(v, 0),
        width=CELL_CHART_WIDTH,
        legend_items=[
            ("filled", "significant (q < 0.05)"),
            ("hollow", "not significant"),
            ("dashed", "small cell"),
        ],
    )


def _value_with_range(
    value: float | None, low: float | None, high: float | None, fmt: Formatter
) -> str:
    return f"{fmt(value)} ({fmt_range(low, high, fmt)})"


def roi_chart(data: CampaignsData, ctx: Context) -> str:
    """Return on investment per segment with its 95 % interval; losses are drawn
    left of zero."""
    rows = _by_segment(data, ctx)
    return bar_chart(
        "roi-by-segment",
        "Return on investment by segment with 95 % confidence interval",
        [s.segment_name for s in rows],
        [Series("ROI", [s.return_on_investment for s in rows], PALETTE[2])],
        fmt=fmt_ratio,
        intervals=[
            (s.return_on_investment_ci_lower, s.return_on_investment_ci_upper) for s in rows
        ],
        value_labels=[
            _value_with_range(
                s.return_on_investment,
                s.return_on_investment_ci_lower,
                s.return_on_investment_ci_upper,
                fmt_ratio,
            )
            for s in rows
        ],
    )


def revenue_chart(data: CampaignsData, ctx: Context) -> str:
    """Incremental revenue per segment (treated minus control, per member, x treated)
    with its 95 % interval."""
    rows = _by_segment(data, ctx)

    def money(value: float | None) -> str:
        return fmt_money(value, ctx.currency)

    return bar_chart(
        "incremental-revenue",
        "Incremental revenue by segment with 95 % confidence interval",
        [s.segment_name for s in rows],
        [Series("Incremental revenue", [s.incremental_revenue for s in rows], PALETTE[4])],
        fmt=money,
        axis_fmt=lambda v: fmt_money(v, ctx.currency, compact=True),
        intervals=[(s.incremental_revenue_ci_lower, s.incremental_revenue_ci_upper) for s in rows],
        value_labels=[
            _value_with_range(
                s.incremental_revenue,
                s.incremental_revenue_ci_lower,
                s.incremental_revenue_ci_upper,
                money,
            )
            for s in rows
        ],
    )


def sample_ratio_note(data: CampaignsData) -> str:
    """A sentence on the sample-ratio check: all fine, or which cells are suspect."""
    flagged = [c for c in data.cells if _suspect(c.sample_ratio_p_value)]
    if not flagged:
        return (
            f'<p class="srm ok">{badge("OK", "ok")} All {fmt_int(len(data.cells))} campaign '
            "cells match the planned treatment/control split (sample-ratio p \u2265 0.001).</p>"
        )
    items = "".join(
        f"<li>{badge('check')} {esc(c.campaign_name)} \u00b7 {esc(c.segment_name)}"
        f" \u00b7 {esc(c.channel)}: p {esc(fmt_p_value(c.sample_ratio_p_value))}</li>"
        for c in flagged
    )
    return (
        f'<p class="srm warn">{len(flagged)} cell(s) deviate from the planned split '
        "(sample-ratio p &lt; 0.001): their assignment is suspect, do not trust their uplift."
        f'</p><ul class="srm-list">{items}</ul>'
    )


def q_value_cell(cell: CampaignCell) -> Markup:
    """The q-value, with a "significant" badge only when the mart says so."""
    text = esc(fmt_q_value(cell.uplift_q_value))
    if cell.is_significant:
        return Markup(f"{text} {badge('significant', 'ok')}")
    return Markup(text)


def _revenue_cell(cell: CampaignCell, currency: str) -> Markup:
    """Incremental revenue, its 95 % interval as the tooltip."""
    interval = fmt_range(
        cell.incremental_revenue_ci_lower,
        cell.incremental_revenue_ci_upper,
        lambda v: fmt_money(v, currency),
    )
    return Markup(
        f'<span title="95 % CI {esc(interval)}">'
        f"{esc(fmt_money(cell.incremental_revenue, currency))}</span>"
    )


def label_agreement(cells: Sequence[CampaignCell]) -> float | None:
    """The share of members (both groups) whose campaign-file segment label equals
    our RFM segment at send, over the cells that report it."""
    weighted = [
        (c.segment_label_agreement_rate, c.treatment_members + c.control_members)
        for c in cells
        if c.segment_label_agreement_rate is not None
    ]
    members = sum(n for _, n in weighted)
    return sum(rate * n for rate, n in weighted) / members if members else None


def cells_table(data: CampaignsData, ctx: Context) -> str:
    """Every campaign x segment x channel row as the mart has it."""
    rows = [
        [
            c.campaign_name,
            fmt_date(c.started_on),
            c.segment_name,
            c.channel,
            fmt_int(c.treatment_members),
            fmt_int(c.control_members),
            badge("small cell") if c.is_small_cell else "",
            fmt_pct(c.treatment_conversion_rate),
            fmt_pct(c.control_conversion_rate),
            fmt_pp(c.conversion_uplift),
            fmt_range(c.ci_lower, c.ci_upper, fmt_pp),
            uplift_test_name(c.uplift_test),
            fmt_p_value(c.uplift_p_value),
            q_value_cell(c),
            fmt_pp(c.minimum_detectable_uplift, signed=False),
            _revenue_cell(c, ctx.currency),
            fmt_ratio(c.return_on_investment),
            fmt_range(c.return_on_investment_ci_lower, c.return_on_investment_ci_upper, fmt_ratio),
            fmt_pct(c.segment_label_agreement_rate, 0),
            badge(fmt_p_value(c.sample_ratio_p_value))
            if _suspect(c.sample_ratio_p_value)
            else fmt_p_value(c.sample_ratio_p_value),
        ]
        for c in ordered_cells(data, ctx)
    ]
    columns = [
        Column("Campaign", nowrap=True),
        Column("Started", nowrap=True),
        Column("Segment at send", nowrap=True),
        Column("Channel"),
        Column("Treated", True),
        Column("Control", True),
        Column("Cell", nowrap=True),
        Column("Treated conv.", True),
        Column("Control conv.", True),
        Column("Uplift", True),
        Column("95 % CI", True),
        Column("Test", nowrap=True),
        Column("p-value", True),
        Column("q-value", True),
        Column("Detectable uplift", True),
        Column("Incr. revenue", True),
        Column("ROI", True),
        Column("ROI 95 % CI", True),
        Column("Label agreement", True),
        Column("Sample-ratio p", True),
    ]
    return table("campaign-cells", columns, rows)


def table_note(data: CampaignsData) -> str:
    """How to read the cell table, with the overall segment-label agreement."""
    agreement = label_agreement(data.cells)
    agreement_text = (
        f" Overall, the campaign files' segment label matched our RFM segment at send for "
        f"{fmt_pct(agreement, 0)} of members."
        if agreement is not None
        else ""
    )
    return (
        "One row per campaign, segment at send and channel, as in fct_campaign_performance. "
        "Test: Fisher's exact test when an expected count is below 5, else the pooled z test. "
        "Significant means q < 0.05 (q: Benjamini-Hochberg within the campaign); the p-value "
        "alone is not the verdict. Detectable uplift: the smallest uplift these group sizes "
        "would detect 80 % of the time at the campaign's control conversion rate (5 % level); "
        "an uplift smaller than this would usually go unseen. Hover the revenue for its 95 % "
        "interval. Label agreement: share of the cell's members whose campaign-file segment "
        "label equals our RFM segment at send (the segment shown here)." + agreement_text
    )


def campaigns_sheet(data: CampaignsData, ctx: Context) -> str:
    """All panels of the Campaign performance sheet, in reading order."""
    if not data.cells:
        return panel(
            "Campaign performance",
            ctx.empty(CAMPAIGN_PERFORMANCE, "Campaign results need campaigns and members data."),
            wide=True,
        )
    return "".join(
        [
            headline(data, ctx),
            panel(
                "Conversion uplift by campaign cell",
                uplift_chart(data, ctx),
                note=SIGNIFICANCE_NOTE,
                wide=True,
            ),
            panel(
                "Return on investment",
                roi_chart(data, ctx),
                note="(Incremental margin \u2212 allocated cost) / allocated cost, pooled over "
                "campaigns, with its 95 % confidence interval (whiskers): the cells' margin "
                "intervals combined, cost is fixed. An interval that straddles 0 means the "
                "data cannot tell a gain from a loss.",
            ),
            panel(
                "Incremental revenue",
                revenue_chart(data, ctx),
                note="(Revenue per treated \u2212 per control member) \u00d7 treated members, "
                "pooled over campaigns, with its 95 % confidence interval (whiskers).",
            ),
            panel("Sample-ratio check", sample_ratio_note(data)),
            panel(
                "Campaigns by segment and channel",
                cells_table(data, ctx),
                note=table_note(data),
                wide=True,
            ),
        ]
    )
