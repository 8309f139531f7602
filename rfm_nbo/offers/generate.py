"""Offer copy for every product offered to every segment: one request per segment (never per
customer), cached per (segment, product, discount), budgeted, validated, with the template as
the default and as the fallback.

For the ``bedrock`` provider, per build:
1. per segment, the products the LLM writes for: the first ``products_per_segment``
   (var ``llm_products_per_segment``) by copy_priority; the rest get template
   copy with ``fallback_reason = 'beyond_llm_cap'`` (and no model id: nothing
   was asked about them);
2. each of those pairs' cache key (``prompt.pair_input``); look every key up;
3. check the budget against the number of segments with at least one uncached
   pair, before anything is sent (``LlmBudgetExceeded`` if too many);
4. per segment with uncached pairs, one request listing only those products:
   scan it for customer data (blocked -> ``privacy_blocked``), call Converse once
   (botocore retries inside), check the answer as a whole
   (``validation.validate_response``) and store one entry per listed product;
   after a few failed calls in a row, stop calling
   (``skipped_after_repeated_failures``);
5. check every pair's copy, cached or fresh (``validation.check_offer``); a
   rejected or missing one gives template copy for that product, with the reason
   in ``fallback_reason``;
6. log one WARNING line naming every segment with a fallback.

``fallback_reason`` is null when the LLM's copy is used, and also for the
``template`` provider, where the template is the choice, not a failure
(``copy_source`` says 'template' and ``model_id`` is null).
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pandas as pd

from rfm_nbo.offers.answer_schema import Offer
from rfm_nbo.offers.bedrock import build_converse_request, call_converse, make_bedrock_client
from rfm_nbo.offers.briefs import OfferedProduct, SegmentBrief, read_briefs
from rfm_nbo.offers.budget import check_llm_budget
from rfm_nbo.offers.cache import AnswerCache, cache_key, open_cache
from rfm_nbo.offers.output import BEYOND_LLM_CAP, fallback_summary, offer_copy_frame
from rfm_nbo.offers.privacy import find_customer_data
from rfm_nbo.offers.prompt import PROMPT_VERSION, build_request_input, pair_input
from rfm_nbo.offers.settings import OfferCopySettings
from rfm_nbo.offers.template import template_offer, template_rationale
from rfm_nbo.offers.validation import check_offer, validate_response

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Pair:
    """One (segment, product) the LLM writes for: its cache key and cached entry (or None)."""

    product: OfferedProduct
    key: str
    pair_input: dict[str, Any]
    entry: dict[str, Any] | None


def generate_offer_copy(
    briefs: pd.DataFrame,
    products: pd.DataFrame,
    settings: OfferCopySettings | None = None,
    *,
    client: Any = None,
    cache: AnswerCache | None = None,
) -> pd.DataFrame:
    """One row per segment and offered product (see ``output.OUTPUT_COLUMNS``).

    ``briefs`` is int_segment_offer_briefs, ``products`` int_segment_offered_products.
    ``client`` (a bedrock-runtime client) and ``cache`` default to ones built
    from ``settings``; tests pass a stubbed client and a temporary cache.
    """
    settings = settings or OfferCopySettings()
    segment_briefs = [brief for brief in read_briefs(briefs, products) if _has_products(brief)]
    if settings.provider == "template":
        rows = [
            _template_row(brief, product) for brief in segment_briefs for product in brief.products
        ]
    else:
        store = cache if cache is not None else open_cache(settings.cache_location)
        rows = _bedrock_rows(segment_briefs, settings, client, store)
    frame = offer_copy_frame(rows)
    summary = fallback_summary(frame)
    if summary:
        logger.warning(summary)
    return frame


def _bedrock_rows(
    briefs: list[SegmentBrief], settings: OfferCopySettings, client: Any, cache: AnswerCache
) -> list[dict[str, Any]]:
    """Rows for the bedrock provider: cached or fresh copy, checked, else template."""
    model_id = settings.bedrock.model_id
    cap = settings.products_per_segment
    plans = []
    for brief in briefs:
        pairs = []
        for product in brief.products[:cap]:
            material = pair_input(brief, product)
            key = cache_key(model_id, PROMPT_VERSION, material)
            pairs.append(_Pair(product, key, material, _usable(cache.get(key))))
        plans.append((brief, pairs))
    requests_needed = sum(1 for _, pairs in plans if any(pair.entry is None for pair in pairs))
    check_llm_budget(requests_needed, settings.max_calls_per_build)
    if requests_needed and client is None:
        client = make_bedrock_client(settings.bedrock)

    rows: list[dict[str, Any]] = []
    stats: Counter[str] = Counter()
    failures_in_a_row = 0
    for brief, pairs in plans:
        uncached = [pair for pair in pairs if pair.entry is None]
        fresh: dict[str, dict[str, Any]] = {}
        failure = None
        if uncached and failures_in_a_row >= settings.max_consecutive_failures:
            failure = "skipped_after_repeated_failures"
        elif uncached:
            fresh, failure = _ask(brief, uncached, settings, client, cache)
            if failure != "privacy_blocked":
                stats["Bedrock calls"] += 1
            failures_in_a_row = 0 if failure is None else failures_in_a_row + 1
        for pair in pairs:
            entry = pair.entry if pair.entry is not None else fresh.get(pair.product.product_id)
            meta = {"model_id": model_id, "prompt_version": PROMPT_VERSION, "cache_key": pair.key}
            is_cache_hit = pair.entry is not None
            stats["cache hits"] += is_cache_hit
            reason = failure if entry is None else entry.get("rejected")
            if entry is not None and reason is None:
                verdict = check_offer(entry.get("offer"), pair.product)
                if verdict.offer is not None:
                    rows.append(
                        _row(
                            brief,
                            pair.product,
                            verdict.offer,
                            str(entry.get("rationale") or ""),
                            meta=meta,
                            copy_source="bedrock",
                            is_cache_hit=is_cache_hit,
                        )
                    )
                    continue
                reason = verdict.reason
            stats["fallbacks"] += 1
            rows.append(_template_row(brief, pair.product, reason, meta, is_cache_hit))
        for product in brief.products[cap:]:
            stats["beyond cap"] += 1
            rows.append(_template_row(brief, product, BEYOND_LLM_CAP))
    logger.info(
        "Offer copy (%s, %s): %d segment(s), %d Bedrock call(s), %d cached pair(s), "
        "%d fallback(s), %d product(s) beyond llm_products_per_segment=%d",
        model_id,
        PROMPT_VERSION,
        len(plans),
        stats["Bedrock calls"],
        stats["cache hits"],
        stats["fallbacks"],
        stats["beyond cap"],
        cap,
    )
    return rows


def _ask(
    brief: SegmentBrief,
    pairs: list[_Pair],
    settings: OfferCopySettings,
    client: Any,
    cache: AnswerCache,
) -> tuple[dict[str, dict[str, Any]], str | None]:
    """One request listing the segment's uncached products (unless it holds customer data);
    returns one cache entry per listed product (also stored), or the call's failure."""
    request_input = build_request_input(brief, [pair.product for pair in pairs])
    request = build_converse_request(
        request_input, settings.bedrock.model_id, settings.bedrock.max_tokens
    )
    findings = find_customer_data(request)
    if findings:
        kinds = sorted({finding.split(":")[0] for finding in findings})
        logger.error(
            "Offer copy request for segment %r not sent: it looks like it holds customer data "
            "(%d finding(s): %s)",
            brief.segment_name,
            len(findings),
            ", ".join(kinds),
        )
        return {}, "privacy_blocked"
    outcome = call_converse(client, request)
    if outcome.response is None:
        return {}, outcome.failure
    verdict = validate_response(outcome.response, [pair.product.product_id for pair in pairs])
    entries = {}
    for pair in pairs:
        entry = {
            "cache_key": pair.key,
            "model_id": settings.bedrock.model_id,
            "prompt_version": PROMPT_VERSION,
            "pair_input": pair.pair_input,
            "offer": verdict.items.get(pair.product.product_id),
            "rationale": verdict.rationale,
            "rejected": verdict.reason,
            "products_in_request": len(pairs),
            "usage": outcome.response.get("usage", {}),
        }
        entries[pair.product.product_id] = entry
        try:
            cache.put(pair.key, entry)
        except Exception as error:  # a cache we cannot write must not cost the answer we paid for
            logger.warning(
                "Could not store the copy for segment %r, product %r in the LLM cache %r (%s); "
                "the next build will ask again",
                brief.segment_name,
                pair.product.product_id,
                cache,
                error,
            )
    return entries, None


def _template_row(
    brief: SegmentBrief,
    product: OfferedProduct,
    fallback_reason: str | None = None,
    meta: dict[str, Any] | None = None,
    is_cache_hit: bool = False,
) -> dict[str, Any]:
    """Template copy, as the chosen provider (no meta) or as a fallback (with reason)."""
    no_model = {"model_id": None, "prompt_version": None, "cache_key": None}
    return _row(
        brief,
        product,
        template_offer(brief, product),
        template_rationale(brief),
        meta=meta or no_model,
        copy_source="template",
        fallback_reason=fallback_reason,
        is_cache_hit=is_cache_hit,
    )


def _row(
    brief: SegmentBrief,
    product: OfferedProduct,
    offer: Offer,
    rationale: str,
    *,
    meta: dict[str, Any],
    copy_source: str,
    fallback_reason: str | None = None,
    is_cache_hit: bool = False,
) -> dict[str, Any]:
    """One output row."""
    return {
        "segment_name": brief.segment_name,
        "product_id": product.product_id,
        "copy_priority": product.copy_priority,
        "discount_rate": product.discount_rate,
        "headline": offer.headline,
        "body": offer.body,
        "sms": offer.sms,
        "rationale": rationale,
        "copy_source": copy_source,
        "fallback_reason": fallback_reason,
        "is_cache_hit": is_cache_hit,
        **meta,
    }


def _has_products(brief: SegmentBrief) -> bool:
    """False (with a warning) for a segment with a brief but no offered product."""
    if brief.products:
        return True
    logger.warning(
        "Offer copy: segment %r has a brief but no offered products; it gets no copy",
        brief.segment_name,
    )
    return False


def _usable(entry: Any) -> dict[str, Any] | None:
    """A cache entry of this layout (an offer item or None, a rejection or None), else None
    (treated as not cached)."""
    if not isinstance(entry, dict) or "offer" not in entry:
        return None
    if entry["offer"] is not None and not isinstance(entry["offer"], dict):
        return None
    if entry.get("rejected") is not None and not isinstance(entry.get("rejected"), str):
        return None
    return entry
