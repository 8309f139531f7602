"""Every LLM answer is checked before it is used: accepted offers, or the reason it was rejected.

A pure function of (Converse response, brief): no I/O, no model, so the same
cached answer always gets the same verdict, and a rule added later applies to
cached answers too. The first failed rule names the rejection; the generator
then writes template copy for that segment and reports the reason in
``fallback_reason``.

Rules, in the order they are checked (reason in brackets):
1. the model finished normally [max_tokens, content_filtered] and answered by
   calling the answer tool [no_tool_use], once [multiple_tool_uses];
2. the tool input is a JSON object [malformed_json] of the answer's shape:
   ``offers`` (objects with product_id, discount_rate, headline, body, sms)
   and ``rationale`` [schema_mismatch];
3. exactly the brief's offer count [wrong_offer_count];
4. per offer: a candidate product [unknown_product_id], each at most once
   [duplicate_product_id]; discount within the playbook range
   [discount_out_of_range]; non-empty copy [empty_copy]; headline <= 60,
   body <= 300, sms <= 160 characters [headline_too_long, body_too_long,
   sms_too_long]; no link, e-mail address, HTML/Markdown markup or template
   brace [contains_url_or_markup]; any percentage in the copy equals the
   offer's discount [copy_mentions_other_discount].
The rationale is internal: it is kept (cut to 500 characters), not judged.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rfm_nbo.offers.answer_schema import COPY_LIMITS, RATIONALE_MAX_CHARS, TOOL_NAME, Offer
from rfm_nbo.offers.briefs import SegmentBrief
from rfm_nbo.offers.text_rules import forbidden_content, percentages

DISCOUNT_TOLERANCE = 1e-9
PERCENT_TOLERANCE = 0.05  # percentage points: "15%" matches 0.1504, not 0.151

REJECTION_REASONS = (
    "max_tokens",
    "content_filtered",
    "no_tool_use",
    "multiple_tool_uses",
    "malformed_json",
    "schema_mismatch",
    "wrong_offer_count",
    "unknown_product_id",
    "duplicate_product_id",
    "discount_out_of_range",
    "empty_copy",
    "headline_too_long",
    "body_too_long",
    "sms_too_long",
    "contains_url_or_markup",
    "copy_mentions_other_discount",
)

_TEXT_FIELDS = ("headline", "body", "sms")
_STOP_REASONS = {
    "max_tokens": "max_tokens",
    "model_context_window_exceeded": "max_tokens",
    "guardrail_intervened": "content_filtered",
    "content_filtered": "content_filtered",
    "malformed_model_output": "malformed_json",
    "malformed_tool_use": "malformed_json",
}


@dataclass(frozen=True)
class ValidationResult:
    """The verdict on one answer: offers and rationale when accepted, else a reason."""

    offers: tuple[Offer, ...]
    rationale: str
    reason: str | None

    @property
    def accepted(self) -> bool:
        """True when every rule held."""
        return self.reason is None


def validate_answer(response: Mapping[str, Any], brief: SegmentBrief) -> ValidationResult:
    """Check a Converse response for one segment (see the module docstring for the rules)."""
    stop_reason = _STOP_REASONS.get(str(response.get("stopReason", "")))
    if stop_reason:
        return _reject(stop_reason)
    tool_uses = [
        block["toolUse"]
        for block in _content_blocks(response)
        if isinstance(block.get("toolUse"), Mapping) and block["toolUse"].get("name") == TOOL_NAME
    ]
    if not tool_uses:
        return _reject("no_tool_use")
    if len(tool_uses) > 1:
        return _reject("multiple_tool_uses")
    payload = tool_uses[0].get("input")
    if isinstance(payload, str):
        try:
            payload = json.loads(payload)
        except ValueError:
            return _reject("malformed_json")
    if not isinstance(payload, Mapping):
        return _reject("malformed_json")
    return check_answer(payload, brief)


def check_answer(payload: Mapping[str, Any], brief: SegmentBrief) -> ValidationResult:
    """Check the tool input (already a JSON object) against the brief's rules."""
    items, rationale = payload.get("offers"), payload.get("rationale")
    if not isinstance(items, list) or not isinstance(rationale, str):
        return _reject("schema_mismatch")
    if not all(_has_offer_shape(item) for item in items):
        return _reject("schema_mismatch")
    if len(items) != brief.offer_count:
        return _reject("wrong_offer_count")
    allowed = set(brief.candidate_ids)
    seen: set[str] = set()
    offers = []
    for item in items:
        offer = Offer(
            product_id=item["product_id"],
            discount_rate=float(item["discount_rate"]),
            headline=item["headline"].strip(),
            body=item["body"].strip(),
            sms=item["sms"].strip(),
        )
        reason = _offer_problem(offer, brief, allowed, seen)
        if reason:
            return _reject(reason)
        seen.add(offer.product_id)
        offers.append(offer)
    return ValidationResult(tuple(offers), rationale.strip()[:RATIONALE_MAX_CHARS], None)


def copy_problem(offer: Offer) -> str | None:
    """The first text rule the offer's copy breaks (lengths, content, percentages), or None."""
    texts = [getattr(offer, field) for field in _TEXT_FIELDS]
    if not all(texts):
        return "empty_copy"
    for field in _TEXT_FIELDS:
        if len(getattr(offer, field)) > COPY_LIMITS[field]:
            return f"{field}_too_long"
    if any(forbidden_content(text) for text in texts):
        return "contains_url_or_markup"
    offered = offer.discount_rate * 100
    for text in texts:
        if any(abs(percent - offered) > PERCENT_TOLERANCE for percent in percentages(text)):
            return "copy_mentions_other_discount"
    return None


def _offer_problem(
    offer: Offer, brief: SegmentBrief, allowed: set[str], seen: set[str]
) -> str | None:
    """The first rule one offer breaks, or None."""
    if offer.product_id not in allowed:
        return "unknown_product_id"
    if offer.product_id in seen:
        return "duplicate_product_id"
    if not (
        math.isfinite(offer.discount_rate)
        and brief.min_discount_rate - DISCOUNT_TOLERANCE
        <= offer.discount_rate
        <= brief.max_discount_rate + DISCOUNT_TOLERANCE
    ):
        return "discount_out_of_range"
    return copy_problem(offer)


def _has_offer_shape(item: Any) -> bool:
    """True for an object with a string id, a numeric discount and three strings."""
    if not isinstance(item, Mapping) or not isinstance(item.get("product_id"), str):
        return False
    discount = item.get("discount_rate")
    if isinstance(discount, bool) or not isinstance(discount, (int, float)):
        return False
    return all(isinstance(item.get(field), str) for field in _TEXT_FIELDS)


def _content_blocks(response: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The assistant message's content blocks, tolerating a missing or odd structure."""
    output = response.get("output")
    message = output.get("message") if isinstance(output, Mapping) else None
    content = message.get("content") if isinstance(message, Mapping) else None
    if not isinstance(content, list):
        return []
    return [block for block in content if isinstance(block, Mapping)]


def _reject(reason: str) -> ValidationResult:
    """A rejection with no offers."""
    return ValidationResult((), "", reason)
