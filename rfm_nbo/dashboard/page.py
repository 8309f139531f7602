"""Assembling the one-file HTML page: header with the as-of date and headline
figures, four tabbed sheets, and the data-quality footer.

Pure function of DashboardData (no warehouse, no clock), so the same marts
always give the same file and the builder can be tested on hand-made data.
"""

from __future__ import annotations

from collections import defaultdict

from rfm_nbo.dashboard.assets import CONTENT_SECURITY_POLICY, CSS, JS
from rfm_nbo.dashboard.components import Column, Context, kpis, table
from rfm_nbo.dashboard.data import QUARANTINED_ROWS, DashboardData, QuarantineCount
from rfm_nbo.dashboard.formatting import (
    MISSING,
    esc,
    fmt_date,
    fmt_int,
    fmt_money,
    fmt_pct,
    humanize,
)
from rfm_nbo.dashboard.sheet_campaigns import campaigns_sheet
from rfm_nbo.dashboard.sheet_clv import clv_sheet
from rfm_nbo.dashboard.sheet_offers import offers_sheet
from rfm_nbo.dashboard.sheet_segments import segments_sheet

TITLE = "RFM segments and Next Best Offers"
SHEETS = (
    ("sheet-segments", "Segments"),
    ("sheet-clv", "Churn and lifetime value"),
    ("sheet-offers", "Next Best Offers"),
    ("sheet-campaigns", "Campaign performance"),
)


def _header(data: DashboardData, ctx: Context) -> str:
    o = data.overview
    scored = fmt_pct(o.rfm_scored / o.customers, 0) if o.customers else None
    source = f" \u00b7 from {data.source}" if data.source else ""
    figures = kpis(
        [
            ("customers", fmt_int(o.customers)),
            (f"with RFM scores ({scored or MISSING})", fmt_int(o.rfm_scored)),
            ("contactable", fmt_int(o.contactable)),
            ("net revenue in lookback", fmt_money(o.net_revenue, ctx.currency, compact=True)),
            ("next best offers", fmt_int(o.offers)),
            ("customers with offers", fmt_int(o.customers_with_offers)),
        ]
    )
    tabs = "".join(
        f'<button type="button" role="tab" id="tab-{sheet_id}" aria-controls="{sheet_id}" '
        f'aria-selected="{"true" if i == 0 else "false"}">{esc(label)}</button>'
        for i, (sheet_id, label) in enumerate(SHEETS)
    )
    return (
        f'<header class="top"><h1>{esc(TITLE)}</h1>'
        f'<p class="subtitle">As of <strong data-as-of="{esc(fmt_date(o.as_of_date))}">'
        f"{esc(fmt_date(o.as_of_date))}</strong> \u00b7 marts in "
        f"<code>{esc(ctx.schema)}</code>{esc(source)}</p>"
        f'{figures}<nav role="tablist" aria-label="Sheets">{tabs}</nav></header>'
    )


def quality_footer(rows: list[QuarantineCount], ctx: Context, as_of: str) -> str:
    """Quarantined raw rows per table with the reasons, so a reader sees what the
    numbers above leave out."""
    by_table: dict[str, list[QuarantineCount]] = defaultdict(list)
    for row in rows:
        by_table[row.source_table].append(row)
    total = sum(r.rows for r in rows)
    if QUARANTINED_ROWS in ctx.missing_marts:
        body = f"<p>{esc(ctx.schema)}.{QUARANTINED_ROWS} is not in the warehouse.</p>"
    elif not rows:
        body = "<p>No raw row was quarantined: every row passed the data-quality checks.</p>"
    else:
        intro = (
            f"<p>{esc(fmt_int(total))} raw rows were quarantined: they are left out of every "
            "figure above (reasons: docs/data_quality.md).</p>"
        )
        body = intro + table(
            "quarantine",
            [Column("Raw table", nowrap=True), Column("Rows", True), Column("Reasons")],
            [
                [
                    name,
                    fmt_int(sum(r.rows for r in reasons)),
                    ", ".join(f"{humanize(r.dq_reason)} {fmt_int(r.rows)}" for r in reasons),
                ]
                for name, reasons in sorted(by_table.items())
            ],
        )
    return (
        f'<footer id="data-quality"><h2>Data quality</h2>{body}'
        f"<p>Data as of {esc(as_of)}. Built from the dbt marts only; open this file "
        "offline, it loads nothing from the network.</p></footer>"
    )


def build_page(data: DashboardData, *, currency: str = "$", schema: str = "rfm_marts") -> str:
    """The complete HTML document for `data`."""
    ctx = Context(
        currency=currency,
        schema=schema,
        missing_marts=data.missing_marts,
        segment_names=data.segment_names,
        outdated_marts=data.outdated_marts,
    )
    sheets = {
        "sheet-segments": segments_sheet(data.segments, ctx),
        "sheet-clv": clv_sheet(data.segments, data.clv, ctx),
        "sheet-offers": offers_sheet(data.offers, ctx),
        "sheet-campaigns": campaigns_sheet(data.campaigns, ctx),
    }
    body = "".join(
        f'<section class="sheet" id="{sheet_id}" role="tabpanel" aria-labelledby="tab-{sheet_id}">'
        f'<h2 class="sheet-title">{esc(label)}</h2>{sheets[sheet_id]}</section>'
        for sheet_id, label in SHEETS
    )
    as_of = fmt_date(data.overview.as_of_date)
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{esc(CONTENT_SECURITY_POLICY)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="icon" href="data:,">'
        f"<title>{esc(TITLE)} \u00b7 as of {esc(as_of)}</title>"
        f"<style>{CSS}</style></head><body>"
        f"{_header(data, ctx)}<main>{body}</main>"
        f"{quality_footer(data.quarantine, ctx, as_of)}"
        f"<script>{JS}</script></body></html>\n"
    )
