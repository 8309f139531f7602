"""The Campaign performance sheet: conversion uplift against the control group
with its 95 % confidence interval, ROI and incremental revenue by segment
(pooled over campaigns), the sample-ratio check, and every campaign cell."""

from __future__ import annotations

from rfm_nbo.dashboard.charts import PALETTE, Series, bar_chart
from rfm_nbo.dashboard.components import Column, Context, badge, kpis, panel, table
from rfm_nbo.dashboard.data import CAMPAIGN_PERFORMANCE, CampaignsData, SegmentUplift
from rfm_nbo.dashboard.formatting import (
    esc,
    fmt_date,
    fmt_int,
    fmt_money,
    fmt_p_value,
    fmt_pct,
    fmt_pp,
    fmt_ratio,
)

SAMPLE_RATIO_ALPHA = 0.001  # fct_campaign_performance: below this the assignment is suspect


def _pooled_roi(data: CampaignsData) -> float | None:
    margin = sum(s.incremental_margin or 0 for s in data.by_segment)
    cost = sum(s.allocated_cost or 0 for s in data.by_segment)
    return (margin - cost) / cost if cost else None


def headline(data: CampaignsData, ctx: Context) -> str:
    """Campaigns, treated members, incremental revenue, ROI and sample-ratio flags."""
    flagged = [c for c in data.cells if _suspect(c.sample_ratio_p_value)]
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
            ("sample-ratio flags", fmt_int(len(flagged))),
        ]
    )


def _suspect(p_value: float | None) -> bool:
    return p_value is not None and p_value < SAMPLE_RATIO_ALPHA


def _by_segment(data: CampaignsData, ctx: Context) -> list[SegmentUplift]:
    """The pooled results in dim_segments' order of the segments at send."""
    return sorted(data.by_segment, key=lambda s: ctx.segment_names.sort_key(s.segment_name))


def uplift_chart(data: CampaignsData, ctx: Context) -> str:
    """Uplift per segment as a bar with its 95 % interval as an error bar."""
    rows = _by_segment(data, ctx)
    return bar_chart(
        "uplift-by-segment",
        "Conversion uplift by segment with 95 % confidence interval",
        [s.segment_name for s in rows],
        [Series("Uplift", [s.conversion_uplift for s in rows], PALETTE[0])],
        fmt=fmt_pp,
        axis_fmt=lambda v: fmt_pp(v, 0),
        intervals=[(s.ci_lower, s.ci_upper) for s in rows],
        value_labels=[
            f"{fmt_pp(s.conversion_uplift)} ({fmt_pp(s.ci_lower)} to {fmt_pp(s.ci_upper)})"
            for s in rows
        ],
    )


def roi_chart(data: CampaignsData, ctx: Context) -> str:
    """Return on investment per segment; losses are drawn left of zero."""
    rows = _by_segment(data, ctx)
    return bar_chart(
        "roi-by-segment",
        "Return on investment by segment",
        [s.segment_name for s in rows],
        [Series("ROI", [s.return_on_investment for s in rows], PALETTE[2])],
        fmt=fmt_ratio,
    )


def revenue_chart(data: CampaignsData, ctx: Context) -> str:
    """Incremental revenue per segment (treated minus control, per member, x treated)."""
    rows = _by_segment(data, ctx)
    return bar_chart(
        "incremental-revenue",
        "Incremental revenue by segment",
        [s.segment_name for s in rows],
        [Series("Incremental revenue", [s.incremental_revenue for s in rows], PALETTE[4])],
        fmt=lambda v: fmt_money(v, ctx.currency),
        axis_fmt=lambda v: fmt_money(v, ctx.currency, compact=True),
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
            fmt_pct(c.treatment_conversion_rate),
            fmt_pct(c.control_conversion_rate),
            fmt_pp(c.conversion_uplift),
            f"{fmt_pp(c.ci_lower)} to {fmt_pp(c.ci_upper)}",
            fmt_p_value(c.uplift_p_value),
            fmt_money(c.incremental_revenue, ctx.currency),
            fmt_ratio(c.return_on_investment),
            badge(fmt_p_value(c.sample_ratio_p_value))
            if _suspect(c.sample_ratio_p_value)
            else fmt_p_value(c.sample_ratio_p_value),
        ]
        for c in data.cells
    ]
    columns = [
        Column("Campaign", nowrap=True),
        Column("Started", nowrap=True),
        Column("Segment at send", nowrap=True),
        Column("Channel"),
        Column("Treated", True),
        Column("Control", True),
        Column("Treated conv.", True),
        Column("Control conv.", True),
        Column("Uplift", True),
        Column("95 % CI", True),
        Column("p-value", True),
        Column("Incr. revenue", True),
        Column("ROI", True),
        Column("Sample-ratio p", True),
    ]
    return table("campaign-cells", columns, rows)


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
                "Conversion uplift by segment",
                uplift_chart(data, ctx),
                note="Treatment minus control conversion rate, pooled over all campaigns, "
                "with its 95 % confidence interval (whiskers). An interval that crosses 0 "
                "is not significant at the 5 % level.",
            ),
            panel(
                "Return on investment",
                roi_chart(data, ctx),
                note="(Incremental margin \u2212 allocated cost) / allocated cost, pooled.",
            ),
            panel(
                "Incremental revenue",
                revenue_chart(data, ctx),
                note="(Revenue per treated \u2212 per control member) \u00d7 treated members.",
            ),
            panel("Sample-ratio check", sample_ratio_note(data)),
            panel(
                "Campaigns by segment and channel",
                cells_table(data, ctx),
                note="One row per campaign, segment at send and channel, as in "
                "fct_campaign_performance.",
                wide=True,
            ),
        ]
    )
