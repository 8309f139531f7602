"""The Next Best Offers sheet: offers by segment and type, the offer mix by
category, top products, which customers got offers (and why not), where the
copy came from, how the ranking did against the baselines in the backtest, and
a sample of offers with their copy."""

from __future__ import annotations

from collections import Counter

from rfm_nbo.dashboard.charts import PALETTE, Series, bar_chart
from rfm_nbo.dashboard.components import Column, Context, kpis, no_data, panel, table
from rfm_nbo.dashboard.data import (
    DIM_CUSTOMERS,
    NEXT_BEST_OFFERS,
    OFFER_BACKTEST,
    BacktestMethod,
    OffersData,
)
from rfm_nbo.dashboard.formatting import (
    MISSING,
    fmt_int,
    fmt_money,
    fmt_number,
    fmt_pct,
    fmt_pp,
    fmt_range,
    humanize,
)

STATUS_LABELS = {
    "has_offers": "has offers",
    "not_contactable": "not contactable",
    "no_allowed_candidate": "no allowed product",
}
REASON_LABELS = {"no_marketing_opt_in": "no opt-in", "no_customer_record": "no customer record"}


def offer_mix_chart(data: OffersData, ctx: Context) -> str:
    """Offers per segment (in dim_segments' order), stacked by offer type (most
    frequent type first)."""
    totals = Counter[str]()
    for row in data.mix:
        totals[row.offer_type] += row.offers
    types = sorted(totals, key=lambda t: (-totals[t], t))
    segments = ctx.segment_names.ordered(row.rfm_segment for row in data.mix)
    counts = {(row.rfm_segment, row.offer_type): row.offers for row in data.mix}
    series = [
        Series(humanize(t), [counts.get((s, t)) for s in segments], PALETTE[i % len(PALETTE)])
        for i, t in enumerate(types)
    ]
    return bar_chart(
        "offers-by-segment",
        "Offers by segment and offer type",
        segments,
        series,
        fmt=fmt_int,
        stacked=True,
    )


def top_products_chart(data: OffersData) -> str:
    """The most offered products, with how many customers get each."""
    return bar_chart(
        "top-products",
        "Most offered products",
        [p.product_name for p in data.products],
        [Series("Offers", [p.offers for p in data.products], PALETTE[2])],
        fmt=fmt_int,
        value_labels=[f"{fmt_int(p.offers)} \u00b7 {p.category or MISSING}" for p in data.products],
    )


def category_mix_panel(data: OffersData) -> str:
    """Share of offers by product category, then how spread the offers are: distinct
    products and the most offered product's share of all offers."""
    total = sum(c.offers for c in data.categories)
    chart = bar_chart(
        "offer-categories",
        "Share of offers by category",
        [c.category for c in data.categories],
        [Series("Share of offers", [c.offers / total for c in data.categories], PALETTE[1])],
        fmt=fmt_pct,
        value_labels=[
            f"{fmt_pct(c.offers / total)} \u00b7 {fmt_int(c.products)} products"
            for c in data.categories
        ],
    )
    distinct = sum(c.products for c in data.categories)
    top = max((p.offers for p in data.products), default=0)
    return chart + kpis(
        [
            ("Distinct products offered", fmt_int(distinct)),
            ("Most offered product's share", fmt_pct(top / total if total else None)),
        ]
    )


def method_label(row: BacktestMethod) -> str:
    """'NBO ranking', or a baseline with its rules: 'item to item (filtered)'."""
    if row.ranking_method == "nbo":
        return "NBO ranking"
    return f"{humanize(row.ranking_method)} ({'filtered' if row.is_filtered else 'unfiltered'})"


def backtest_chart(rows: list[BacktestMethod]) -> str:
    """hit@3 of every method over customers with history, all folds pooled."""
    return bar_chart(
        "backtest-hit-at-3",
        "hit@3 by method, customers with history, all folds",
        [method_label(r) for r in rows],
        [Series("hit@3", [r.hit_at_3_rate for r in rows], PALETTE[0])],
        fmt=fmt_pct,
    )


def backtest_table(rows: list[BacktestMethod], ctx: Context) -> str:
    """Every method's metrics, and its hit@3 difference against the best filtered
    baseline with the mart's 95 % interval (paired, clustered by customer)."""
    columns = [
        Column("Customers"),
        Column("Method"),
        Column("Scored", True),
        Column("hit@1", True),
        Column("hit@3", True),
        Column("NDCG@3", True),
        Column("MRR", True),
        Column("Category hit@3", True),
        Column("Margin per customer", True),
        Column("Catalogue coverage", True),
        Column("Top product share", True),
        Column("hit@3 vs best filtered baseline (95 % CI)", True, nowrap=True),
    ]
    body = [
        [
            "with history" if r.customer_group == "with_history" else "no history",
            method_label(r) + (" \u2605" if r.is_best_filtered_baseline else ""),
            fmt_int(r.customers_evaluated),
            fmt_pct(r.hit_at_1_rate),
            fmt_pct(r.hit_at_3_rate),
            fmt_number(r.ndcg_at_3, 3),
            fmt_number(r.mean_reciprocal_rank, 3),
            fmt_pct(r.category_hit_at_3_rate),
            fmt_money(r.margin_weighted_hit_at_3, ctx.currency, decimals=2),
            fmt_pct(r.catalogue_coverage_rate),
            fmt_pct(r.top_product_offer_share),
            "reference"
            if r.is_best_filtered_baseline
            else f"{fmt_pp(r.hit_at_3_difference)} ("
            f"{fmt_range(r.hit_at_3_difference_ci_lower, r.hit_at_3_difference_ci_upper, fmt_pp)})",
        ]
        for r in rows
    ]
    return table("backtest-methods", columns, body)


def backtest_panel(data: OffersData, ctx: Context) -> str:
    """The headline sentence, the hit@3 chart and the full table."""
    headline_rows = [r for r in data.backtest if r.customer_group == "with_history"]
    nbo = next((r for r in headline_rows if r.ranking_method == "nbo"), None)
    if nbo is None:
        return ctx.empty(OFFER_BACKTEST, "The backtest needs at least one closed monthly fold.")
    low, high = nbo.hit_at_3_difference_ci_lower, nbo.hit_at_3_difference_ci_upper
    if low is not None and low > 0:
        verdict = "beats"
    elif high is not None and high < 0:
        verdict = "loses to"
    else:
        verdict = "cannot be told apart from"
    sentence = (
        f'<p class="note">The ranking {verdict} the best filtered baseline '
        f"({humanize(nbo.compared_with_method)}) on hit@3: "
        f"{fmt_pp(nbo.hit_at_3_difference)} (95 % interval {fmt_range(low, high, fmt_pp)}).</p>"
    )
    return sentence + backtest_chart(headline_rows) + backtest_table(data.backtest, ctx)


def status_chart(data: OffersData) -> str:
    """Customers by offer status; the not contactable split by reason."""
    labels = [
        STATUS_LABELS.get(s.offer_status, humanize(s.offer_status))
        + (f" ({REASON_LABELS.get(s.reason, humanize(s.reason))})" if s.reason else "")
        for s in data.statuses
    ]
    total = sum(s.customers for s in data.statuses)
    return bar_chart(
        "offer-status",
        "Customers by offer status",
        labels,
        [Series("Customers", [s.customers for s in data.statuses], PALETTE[4])],
        fmt=fmt_int,
        value_labels=[
            f"{fmt_int(s.customers)} ({fmt_pct(s.customers / total if total else None, 0)})"
            for s in data.statuses
        ],
    )


def copy_source_panel(data: OffersData) -> str:
    """Offers by copy source, then the fallbacks (LLM answers rejected for the
    template) by reason, or a sentence saying why there are none."""
    by_source = Counter[str]()
    for row in data.copy_sources:
        by_source[row.copy_source] += row.offers
    total = sum(by_source.values())
    sources = sorted(by_source, key=lambda s: (-by_source[s], s))
    chart = bar_chart(
        "copy-source",
        "Offers by copy source",
        sources,
        [Series("Offers", [by_source[s] for s in sources], PALETTE[3])],
        fmt=fmt_int,
        value_labels=[
            f"{fmt_int(by_source[s])} ({fmt_pct(by_source[s] / total)})" for s in sources
        ],
    )
    fallbacks = [row for row in data.copy_sources if row.fallback_reason]
    if fallbacks:
        detail = table(
            "copy-fallbacks",
            [Column("Source used"), Column("Fallback reason"), Column("Offers", True)],
            [[r.copy_source, humanize(r.fallback_reason), fmt_int(r.offers)] for r in fallbacks],
        )
    elif "bedrock" in by_source:
        detail = '<p class="note">No fallbacks: every LLM answer passed validation.</p>'
    else:
        detail = (
            '<p class="note">No fallbacks: all copy came from the offline template engine '
            "(no LLM was configured for this build).</p>"
        )
    return chart + "<h4>Fallbacks to the template</h4>" + detail


def samples_table(data: OffersData, ctx: Context) -> str:
    """The sample offers with their full copy (escaped: it is model output), in
    dim_segments' order of their segments."""
    rows = [
        [
            o.rfm_segment,
            o.customer_id,
            f"{o.product_name or MISSING} ({o.category or MISSING})",
            humanize(o.offer_type),
            fmt_pct(o.discount_rate, 0),
            o.channel,
            o.headline,
            o.body,
            o.sms,
            o.copy_source if not o.fallback_reason else f"{o.copy_source} (fallback)",
        ]
        for o in sorted(data.samples, key=lambda o: ctx.segment_names.sort_key(o.rfm_segment))
    ]
    columns = [
        Column("Segment"),
        Column("Customer"),
        Column("Product"),
        Column("Offer"),
        Column("Discount", True),
        Column("Channel"),
        Column("Headline"),
        Column("Body"),
        Column("SMS"),
        Column("Copy"),
    ]
    return table("sample-offers", columns, rows)


def offers_sheet(data: OffersData, ctx: Context) -> str:
    """All panels of the Next Best Offers sheet, in reading order."""
    no_offers = ctx.empty(
        NEXT_BEST_OFFERS, "No customer is contactable, or no product passes the offer rules."
    )
    return "".join(
        [
            panel(
                "Offers by segment and offer type",
                offer_mix_chart(data, ctx) if data.mix else no_offers,
                note="Every ranked offer, stacked by the playbook objective.",
            ),
            panel(
                "Offer mix by category",
                category_mix_panel(data) if data.categories else no_offers,
                note="Share of all offers per product category, with the distinct products "
                "offered in it.",
            ),
            panel(
                "Most offered products",
                top_products_chart(data) if data.products else no_offers,
                note="Top products by offers; right: offers and category.",
            ),
            panel(
                "Who gets offers",
                status_chart(data) if data.statuses else ctx.empty(DIM_CUSTOMERS),
                note="Customers by offer status; not contactable customers by reason.",
            ),
            panel(
                "Where the copy came from",
                copy_source_panel(data) if data.copy_sources else no_offers,
                note="template: offline engine; bedrock: LLM answer that passed validation.",
            ),
            panel(
                "How good are the offers? The backtest",
                backtest_panel(data, ctx),
                note="Monthly folds, every input before each cut; held-out purchases in the "
                "following month. Baselines get lists of the same length; filtered ones follow "
                "the ranking's rules, unfiltered ones show what the rules cost. Differences: "
                "points of hit@3 against the starred baseline, paired per customer, 95 % "
                "interval clustered by customer.",
                wide=True,
            ),
            panel(
                "Sample offers",
                samples_table(data, ctx)
                if data.samples
                else (no_offers if not data.mix else no_data("Sample table turned off.")),
                note="The first-ranked offer of one customer per segment and offer type. "
                "Copy is shown as text, never as markup.",
                wide=True,
            ),
        ]
    )
