"""Every LLM answer is checked before it is used: per product, accepted copy or the rule it broke.

Pure functions of (Converse response, the request's products): no I/O, no
model, so the same cached answer always gets the same verdict, and a rule
added later applies to cached answers too.

Two levels, in the order they are checked (reason in brackets):

``validate_response`` (the whole answer; a failure rejects every product of
the request):
1. the model finished normally [max_tokens, content_filtered] and answered by
   calling the answer tool [no_tool_use], once [multiple_tool_uses];
2. the tool input is a JSON object [malformed_json] of the answer's shape:
   ``offers`` (objects with string product_id, headline, body, sms) and a
   string ``rationale`` [schema_mismatch];
3. only the listed products [unknown_product_id], each at most once
   [duplicate_product_id]: an answer that invents a product went off the rails.

``check_offer`` (one product's copy; a listed product the answer skipped is
[missing_from_answer]):
4. non-empty copy [empty_copy]; headline <= 60, body <= 300, sms <= 160
   characters [headline_too_long, body_too_long, sms_too_long];
5. no link, URI scheme (``javascript:``, ``data:``...), e-mail address,
   HTML/Markdown markup or brace [contains_url_or_markup];
6. no text addressed to a model ("ignore previous instructions")
   [contains_instructions];
7. the copy claims only the discount the product carries: any "N%" equals it
   (none at all with a zero discount) [copy_mentions_other_discount]; no other
   way of writing a percentage or a number (U+066A, "percent", "per cent",
   "ten", "twenty") [copy_spells_out_a_discount]; no other deal ("free", "half
   price", "buy one get one", "$5 off", a price) [copy_promises_other_deal];
8. a product name that may not be quoted (see ``catalogue.display_name``) does
   not appear verbatim [copy_quotes_unsafe_product_name].
The rationale is internal: it is kept (cut to 500 characters), not judged.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rfm_nbo.offers.answer_schema import COPY_LIMITS, RATIONALE_MAX_CHARS, TOOL_NAME, Offer
from rfm_nbo.offers.briefs import OfferedProduct
from rfm_nbo.offers.catalogue import NAME_MAX_CHARS, display_name, sanitize_untrusted
from rfm_nbo.offers.text_rules import claim_problem, forbidden_content, normalise

RESPONSE_REJECTION_REASONS = (
    "max_tokens",
    "content_filtered",
    "no_tool_use",
    "multiple_tool_uses",
    "malformed_json",
    "schema_mismatch",
    "unknown_product_id",
    "duplicate_product_id",
)
OFFER_REJECTION_REASONS = (
    "missing_from_answer",
    "empty_copy",
    "headline_too_long",
    "body_too_long",
    "sms_too_long",
    "contains_url_or_markup",
    "contains_instructions",
    "copy_mentions_other_discount",
    "copy_spells_out_a_discount",
    "copy_promises_other_deal",
    "copy_quotes_unsafe_product_name",
)
REJECTION_REASONS = RESPONSE_REJECTION_REASONS + OFFER_REJECTION_REASONS

TEXT_FIELDS = ("headline", "body", "sms")
_STOP_REASONS = {
    "max_tokens": "max_tokens",
    "model_context_window_exceeded": "max_tokens",
    "guardrail_intervened": "content_filtered",
    "content_filtered": "content_filtered",
    "malformed_model_output": "malformed_json",
    "malformed_tool_use": "malformed_json",
}


@dataclass(frozen=True)
class ResponseVerdict:
    """The whole answer: the raw offer items by product id and the rationale, or a reason."""

    items: dict[str, dict[str, Any]]
    rationale: str
    reason: str | None

    @property
    def accepted(self) -> bool:
        """True when the answer as a whole is usable (its offers are checked one by one)."""
        return self.reason is None


@dataclass(frozen=True)
class OfferVerdict:
    """One product's copy when accepted, else the reason."""

    offer: Offer | None
    reason: str | None


def validate_response(response: Mapping[str, Any], product_ids: Sequence[str]) -> ResponseVerdict:
    """Check a Converse response to a request that listed ``product_ids`` (rules 1-3)."""
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
    items, rationale = payload.get("offers"), payload.get("rationale")
    if not isinstance(items, list) or not isinstance(rationale, str):
        return _reject("schema_mismatch")
    if not all(_has_offer_shape(item) for item in items):
        return _reject("schema_mismatch")
    listed = set(product_ids)
    by_id: dict[str, dict[str, Any]] = {}
    for item in items:
        if item["product_id"] not in listed:
            return _reject("unknown_product_id")
        if item["product_id"] in by_id:
            return _reject("duplicate_product_id")
        by_id[item["product_id"]] = {field: item[field] for field in ("product_id", *TEXT_FIELDS)}
    return ResponseVerdict(by_id, rationale.strip()[:RATIONALE_MAX_CHARS], None)


def check_offer(item: Any, product: OfferedProduct) -> OfferVerdict:
    """Check one product's raw answer item (rules 4-8); None means the answer skipped it."""
    if item is None:
        return OfferVerdict(None, "missing_from_answer")
    if not _has_offer_shape(item) or item["product_id"] != product.product_id:
        return OfferVerdict(None, "schema_mismatch")
    offer = Offer(
        product_id=product.product_id,
        discount_rate=product.discount_rate,
        headline=item["headline"].strip(),
        body=item["body"].strip(),
        sms=item["sms"].strip(),
    )
    reason = copy_problem(offer) or _quotes_unsafe_name(offer, product)
    return OfferVerdict(None, reason) if reason else OfferVerdict(offer, None)


def copy_problem(offer: Offer) -> str | None:
    """The first text rule the offer's copy breaks (rules 4-7), or None."""
    texts = [getattr(offer, field) for field in TEXT_FIELDS]
    if not all(text.strip() for text in texts):
        return "empty_copy"
    for field in TEXT_FIELDS:
        if len(getattr(offer, field)) > COPY_LIMITS[field]:
            return f"{field}_too_long"
    if any(forbidden_content(text) for text in texts):
        return "contains_url_or_markup"
    for text in texts:
        problem = claim_problem(text, offer.discount_rate)
        if problem:
            return problem
    return None


def _quotes_unsafe_name(offer: Offer, product: OfferedProduct) -> str | None:
    """Rule 8: the raw name of a product that must go by a neutral name is not in the copy."""
    raw = sanitize_untrusted(product.product_name, NAME_MAX_CHARS)
    if display_name(product) == raw or len(raw) < 4:
        return None
    needle = normalise(raw)
    if any(needle in normalise(getattr(offer, field)) for field in TEXT_FIELDS):
        return "copy_quotes_unsafe_product_name"
    return None


def _has_offer_shape(item: Any) -> bool:
    """True for an object with a string product id and three strings."""
    if not isinstance(item, Mapping) or not isinstance(item.get("product_id"), str):
        return False
    return all(isinstance(item.get(field), str) for field in TEXT_FIELDS)


def _content_blocks(response: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The assistant message's content blocks, tolerating a missing or odd structure."""
    output = response.get("output")
    message = output.get("message") if isinstance(output, Mapping) else None
    content = message.get("content") if isinstance(message, Mapping) else None
    if not isinstance(content, list):
        return []
    return [block for block in content if isinstance(block, Mapping)]


def _reject(reason: str) -> ResponseVerdict:
    """A rejection of the whole answer."""
    return ResponseVerdict({}, "", reason)
