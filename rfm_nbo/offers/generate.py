"""Offer copy for every segment: one request per segment (never per customer), validated,
cached, budgeted, with the template as the default and as the fallback.

For the ``bedrock`` provider, per build:
1. build each segment's request input and cache key; look every key up;
2. check the budget against the number of segments without a cached answer,
   before anything is sent (``LlmBudgetExceeded`` if too many);
3. for each uncached segment: scan the request for customer data (blocked ->
   fallback ``privacy_blocked``), call Converse once (botocore retries inside),
   store a successful answer in the cache; after a few failed calls in a row,
   stop calling (``skipped_after_repeated_failures``);
4. validate every answer, cached or fresh; a rejected or missing answer gives
   template copy for that segment with the reason in ``fallback_reason``;
5. log one WARNING line naming every segment that fell back.

``fallback_reason`` is null when the LLM's answer is used, and also for the
``template`` provider, where the template is the choice, not a failure
(``copy_source`` says 'template' and ``model_id`` is null).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from rfm_nbo.offers.answer_schema import Offer
from rfm_nbo.offers.bedrock import build_converse_request, call_converse, make_bedrock_client
from rfm_nbo.offers.briefs import SegmentBrief, read_briefs
from rfm_nbo.offers.budget import check_llm_budget
from rfm_nbo.offers.cache import AnswerCache, cache_key, open_cache
from rfm_nbo.offers.output import fallback_summary, offer_copy_frame
from rfm_nbo.offers.privacy import find_customer_data
from rfm_nbo.offers.prompt import PROMPT_VERSION, build_request_input
from rfm_nbo.offers.settings import OfferCopySettings
from rfm_nbo.offers.template import template_offers, template_rationale
from rfm_nbo.offers.validation import validate_answer

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Plan:
    """One segment's request input, cache key and cached entry (None when not cached)."""

    brief: SegmentBrief
    request_input: dict[str, Any]
    key: str
    entry: dict[str, Any] | None


def generate_offer_copy(
    briefs: pd.DataFrame,
    candidates: pd.DataFrame,
    settings: OfferCopySettings | None = None,
    *,
    client: Any = None,
    cache: AnswerCache | None = None,
) -> pd.DataFrame:
    """One row per segment and offer slot (see ``output.OUTPUT_COLUMNS``).

    ``client`` (a bedrock-runtime client) and ``cache`` default to ones built
    from ``settings``; tests pass a stubbed client and a temporary cache.
    """
    settings = settings or OfferCopySettings()
    segment_briefs = [brief for brief in read_briefs(briefs, candidates) if _has_slots(brief)]
    if settings.provider == "template":
        rows = [row for brief in segment_briefs for row in _template_rows(brief)]
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
    """Rows for the bedrock provider: cached or fresh answers, validated, else template."""
    model_id = settings.bedrock.model_id
    plans = []
    for brief in briefs:
        request_input = build_request_input(brief)
        key = cache_key(model_id, PROMPT_VERSION, request_input)
        plans.append(_Plan(brief, request_input, key, _usable(cache.get(key))))
    calls_needed = sum(1 for plan in plans if plan.entry is None)
    check_llm_budget(calls_needed, settings.max_calls_per_build)
    if calls_needed and client is None:
        client = make_bedrock_client(settings.bedrock)

    rows: list[dict[str, Any]] = []
    stats: Counter[str] = Counter()
    failures_in_a_row = 0
    for plan in plans:
        meta = {"model_id": model_id, "prompt_version": PROMPT_VERSION, "cache_key": plan.key}
        is_cache_hit = plan.entry is not None
        response, reason = None, None
        if plan.entry is not None:
            response = plan.entry["response"]
            stats["cache hits"] += 1
        elif failures_in_a_row >= settings.max_consecutive_failures:
            reason = "skipped_after_repeated_failures"
        else:
            response, reason = _ask(plan, settings, client, cache)
            if reason != "privacy_blocked":
                stats["Bedrock calls"] += 1
            failures_in_a_row = 0 if response is not None else failures_in_a_row + 1
        if response is not None:
            verdict = validate_answer(response, plan.brief)
            if verdict.accepted:
                rows += _rows(
                    plan.brief,
                    verdict.offers,
                    verdict.rationale,
                    meta=meta,
                    copy_source="bedrock",
                    is_cache_hit=is_cache_hit,
                )
                continue
            reason = verdict.reason
        stats["fallbacks"] += 1
        rows += _template_rows(plan.brief, reason, meta, is_cache_hit)
    logger.info(
        "Offer copy (%s, %s): %d segment(s), %d Bedrock call(s), %d cache hit(s), %d fallback(s)",
        model_id,
        PROMPT_VERSION,
        len(plans),
        stats["Bedrock calls"],
        stats["cache hits"],
        stats["fallbacks"],
    )
    return rows


def _ask(
    plan: _Plan, settings: OfferCopySettings, client: Any, cache: AnswerCache
) -> tuple[dict[str, Any] | None, str | None]:
    """Send one segment's request (unless it holds customer data); cache a successful answer."""
    request = build_converse_request(
        plan.request_input, settings.bedrock.model_id, settings.bedrock.max_tokens
    )
    findings = find_customer_data(request)
    if findings:
        kinds = sorted({finding.split(":")[0] for finding in findings})
        logger.error(
            "Offer copy request for segment %r not sent: it looks like it holds customer data "
            "(%d finding(s): %s)",
            plan.brief.segment_name,
            len(findings),
            ", ".join(kinds),
        )
        return None, "privacy_blocked"
    outcome = call_converse(client, request)
    if outcome.response is None:
        return None, outcome.failure
    entry = {
        "cache_key": plan.key,
        "model_id": settings.bedrock.model_id,
        "prompt_version": PROMPT_VERSION,
        "request_input": plan.request_input,
        "response": outcome.response,
    }
    try:
        cache.put(plan.key, entry)
    except Exception as error:  # a cache we cannot write must not cost the answer we paid for
        logger.warning(
            "Could not store the answer for segment %r in the LLM cache %r (%s); "
            "the next build will ask again",
            plan.brief.segment_name,
            cache,
            error,
        )
    return outcome.response, None


def _template_rows(
    brief: SegmentBrief,
    fallback_reason: str | None = None,
    meta: dict[str, Any] | None = None,
    is_cache_hit: bool = False,
) -> list[dict[str, Any]]:
    """Template copy rows, as the chosen provider (no meta) or as a fallback (with reason)."""
    no_model = {"model_id": None, "prompt_version": None, "cache_key": None}
    return _rows(
        brief,
        template_offers(brief),
        template_rationale(brief),
        meta=meta or no_model,
        copy_source="template",
        fallback_reason=fallback_reason,
        is_cache_hit=is_cache_hit,
    )


def _rows(
    brief: SegmentBrief,
    offers: Sequence[Offer],
    rationale: str,
    *,
    meta: dict[str, Any],
    copy_source: str,
    fallback_reason: str | None = None,
    is_cache_hit: bool = False,
) -> list[dict[str, Any]]:
    """One output row per offer slot (1-based, in the answer's order)."""
    return [
        {
            "segment_name": brief.segment_name,
            "offer_slot": slot,
            "product_id": offer.product_id,
            "discount_rate": offer.discount_rate,
            "headline": offer.headline,
            "body": offer.body,
            "sms": offer.sms,
            "rationale": rationale,
            "copy_source": copy_source,
            "fallback_reason": fallback_reason,
            "is_cache_hit": is_cache_hit,
            **meta,
        }
        for slot, offer in enumerate(offers, start=1)
    ]


def _has_slots(brief: SegmentBrief) -> bool:
    """False (with a warning) for a segment that cannot get any offer."""
    if brief.offer_count > 0:
        return True
    logger.warning(
        "Offer copy: segment %r has no candidate products (or zero offers to write); "
        "it gets no offers",
        brief.segment_name,
    )
    return False


def _usable(entry: dict[str, Any] | None) -> dict[str, Any] | None:
    """A cache entry with a response, else None (treated as not cached)."""
    if isinstance(entry, dict) and isinstance(entry.get("response"), dict):
        return entry
    return None
