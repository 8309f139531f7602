"""The offline copy writer: deterministic offers from the brief alone, no network.

It is the default provider and the fallback for every segment whose LLM answer
is missing or rejected, so it must always produce offers that pass the same
checks as an LLM answer (a test runs the validator's text rules over it).

The rules:
- products: the best-ranked candidates, one per slot, in rank order;
- discount: a fixed position inside the playbook range by objective, rounded
  down to a whole percent and never below the minimum (see
  ``DISCOUNT_POSITION``): upsell takes the minimum (best customers need the
  least push; protect margin), retain and onboard the midpoint, win_back and
  clear_stock the maximum (they need the strongest reason to act);
- copy: one set of headline/body/SMS sentences per objective, with a variant
  for a zero discount; product names are cleaned like catalogue text and
  shortened to fit the length limits.
"""

from __future__ import annotations

import math

from rfm_nbo.offers.answer_schema import COPY_LIMITS, Offer
from rfm_nbo.offers.briefs import Candidate, SegmentBrief
from rfm_nbo.offers.prompt import sanitize_untrusted
from rfm_nbo.offers.text_rules import forbidden_content, percentages

TEMPLATE_VERSION = "template-v1"

# Where inside [min_discount_rate, max_discount_rate] each objective sits: 0 = min, 1 = max.
DISCOUNT_POSITION = {
    "upsell": 0.0,
    "retain": 0.5,
    "onboard": 0.5,
    "win_back": 1.0,
    "clear_stock": 1.0,
}
_POSITION_WORDS = {0.0: "minimum", 0.5: "midpoint", 1.0: "maximum"}

STOP = " Reply STOP to opt out."

# objective -> (copy with a discount, copy without one); fields: name, category, pct.
COPY_TEMPLATES: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "upsell": (
        {
            "headline": "{pct}% off {name}, picked for you",
            "body": "You are one of our best customers, so you see it first: {name} from "
            "our {category} range, now {pct}% off for you.",
            "sms": "{pct}% off {name}, picked for our best customers." + STOP,
        },
        {
            "headline": "{name}, picked for you",
            "body": "You are one of our best customers, so you see it first: {name} from "
            "our {category} range.",
            "sms": "Picked for you: {name} from our {category} range." + STOP,
        },
    ),
    "retain": (
        {
            "headline": "{pct}% off {name} for you",
            "body": "Thank you for shopping with us. Enjoy {pct}% off {name} from our "
            "{category} range on your next order.",
            "sms": "Thank you for shopping with us: {pct}% off {name} on your next order." + STOP,
        },
        {
            "headline": "{name}, chosen for you",
            "body": "Thank you for shopping with us. We think you will like {name} from our "
            "{category} range.",
            "sms": "Chosen for you: {name} from our {category} range." + STOP,
        },
    ),
    "win_back": (
        {
            "headline": "We miss you: {pct}% off {name}",
            "body": "It has been a while. Come back and save {pct}% on {name} from our "
            "{category} range.",
            "sms": "We miss you! {pct}% off {name} when you come back." + STOP,
        },
        {
            "headline": "We miss you: see {name}",
            "body": "It has been a while. Come back and see {name} from our {category} range.",
            "sms": "We miss you! Come back and see {name}." + STOP,
        },
    ),
    "onboard": (
        {
            "headline": "Welcome gift: {pct}% off {name}",
            "body": "Thanks for joining us. Make your next order {name} from our {category} "
            "range and save {pct}%.",
            "sms": "Welcome! {pct}% off {name} on your next order." + STOP,
        },
        {
            "headline": "Welcome: meet {name}",
            "body": "Thanks for joining us. Your next favourite could be {name} from our "
            "{category} range.",
            "sms": "Welcome! Meet {name} from our {category} range." + STOP,
        },
    ),
    "clear_stock": (
        {
            "headline": "Last chance: {pct}% off {name}",
            "body": "Grab {name} from our {category} range at {pct}% off before it is gone.",
            "sms": "Last chance: {pct}% off {name} while stock lasts." + STOP,
        },
        {
            "headline": "Last chance: {name}",
            "body": "Grab {name} from our {category} range before it is gone.",
            "sms": "Last chance: {name} while stock lasts." + STOP,
        },
    ),
}


def template_discount(brief: SegmentBrief) -> float:
    """The template's discount for a segment: see ``DISCOUNT_POSITION`` (whole percent, >= min)."""
    low, high = brief.min_discount_rate, brief.max_discount_rate
    target = low + DISCOUNT_POSITION[brief.objective] * (high - low)
    whole_percent = math.floor(target * 100 + 1e-9) / 100
    return min(high, max(low, whole_percent))


def template_offers(brief: SegmentBrief) -> list[Offer]:
    """One offer per slot: the best-ranked candidates with the template discount and copy."""
    discount = template_discount(brief)
    with_discount, without_discount = COPY_TEMPLATES[brief.objective]
    templates = with_discount if discount > 0 else without_discount
    offers = []
    for candidate in brief.candidates[: brief.offer_count]:
        name, category = _display_name(candidate), _display_category(candidate)
        copy = {
            field: _fit(templates[field], COPY_LIMITS[field], name, category, discount)
            for field in ("headline", "body", "sms")
        }
        offers.append(Offer(candidate.product_id, discount, **copy))
    return offers


def template_rationale(brief: SegmentBrief) -> str:
    """Why the template chose what it chose, in one sentence."""
    position = _POSITION_WORDS.get(DISCOUNT_POSITION[brief.objective], "rule")
    low, high = format_percent(brief.min_discount_rate), format_percent(brief.max_discount_rate)
    return (
        f"Template copy ({TEMPLATE_VERSION}): the {brief.offer_count} best-ranked candidates; "
        f"discount {format_percent(template_discount(brief))}% is the {position} of the playbook "
        f"range {low}-{high}% for objective {brief.objective}."
    )


def format_percent(rate: float) -> str:
    """A fraction as a percentage for copy: 0.15 -> '15', 0.125 -> '12.5'."""
    percent = round(rate * 100, 1)
    return str(int(percent)) if percent == int(percent) else str(percent)


def _fit(template: str, limit: int, name: str, category: str, discount: float) -> str:
    """Fill a template, shortening the product name, then the category, until it fits."""
    pct = format_percent(discount)
    text = template.format(name=name, category=category, pct=pct)
    if len(text) <= limit:
        return text
    fixed = len(template.format(name="", category=category, pct=pct))
    name = _shorten(name, max(limit - fixed, 12))
    text = template.format(name=name, category=category, pct=pct)
    if len(text) <= limit:
        return text
    category = _shorten(category, 12)
    return template.format(name=name, category=category, pct=pct)[:limit].rstrip()


def _shorten(text: str, max_chars: int) -> str:
    """Cut on a word boundary and mark the cut with '...'."""
    if len(text) <= max_chars:
        return text
    return text[: max_chars - 3].rsplit(" ", 1)[0].rstrip(" ,.;:-") + "..."


def _display_name(candidate: Candidate) -> str:
    """The product name fit for copy, else the category, else a neutral phrase."""
    for text in (candidate.product_name, candidate.category):
        cleaned = _clean_for_copy(text, 60)
        if cleaned:
            return cleaned
    return "this product"


def _display_category(candidate: Candidate) -> str:
    """The category fit for copy, else a neutral word."""
    return _clean_for_copy(candidate.category, 40) or "latest"


def _clean_for_copy(text: str, max_chars: int) -> str:
    """Catalogue text cleaned for copy, or '' when it still holds anything copy must not
    (a link, markup, a percentage that would contradict the offer's discount)."""
    cleaned = sanitize_untrusted(text, max_chars)
    if forbidden_content(cleaned) or "removed)" in cleaned or percentages(cleaned):
        return ""
    return cleaned
