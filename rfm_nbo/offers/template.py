"""The offline copy writer: deterministic copy for one offered product, no network.

It is the default provider and the fallback for every product whose LLM copy
is missing or rejected, so its copy must pass the validator's rules; the tests
check its output against hand-written strings, including hostile catalogues.

The rules:
- discount: the one the product is offered at (the segment's chosen discount,
  from ``int_segment_offered_products``); the template does not choose it;
- copy: one set of headline/body/SMS sentences per objective, with a variant
  for a zero discount, which then mentions no discount;
- names: ``catalogue.display_name`` (a name that breaks a copy rule becomes
  "this <category> product") and ``display_category`` (else "latest"),
  shortened to fit the length limits.
"""

from __future__ import annotations

from rfm_nbo.offers.answer_schema import COPY_LIMITS, Offer
from rfm_nbo.offers.briefs import OfferedProduct, SegmentBrief
from rfm_nbo.offers.catalogue import (
    NEUTRAL_NAME,
    display_category,
    display_name,
    format_percent,
    shorten,
)
from rfm_nbo.offers.validation import copy_problem

TEMPLATE_VERSION = "template-v2"
NEUTRAL_CATEGORY = "latest"

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


def template_offer(brief: SegmentBrief, product: OfferedProduct) -> Offer:
    """The template's copy for one product of a segment, at the product's discount."""
    name = display_name(product)
    category = display_category(product) or NEUTRAL_CATEGORY
    offer = _offer(brief, product, name, category)
    if copy_problem(offer):  # cannot happen with safe names; never ship a broken line anyway
        offer = _offer(brief, product, NEUTRAL_NAME, NEUTRAL_CATEGORY)
    problem = copy_problem(offer)
    if problem:
        raise RuntimeError(f"template copy for {product.product_id!r} breaks {problem}: a bug")
    return offer


def template_rationale(brief: SegmentBrief) -> str:
    """Why the template wrote what it wrote, in one sentence."""
    return (
        f"Template copy ({TEMPLATE_VERSION}): the {brief.objective} sentences, at the "
        "discount each product is offered at."
    )


def _offer(brief: SegmentBrief, product: OfferedProduct, name: str, category: str) -> Offer:
    """Fill the objective's templates for one product."""
    with_discount, without_discount = COPY_TEMPLATES[brief.objective]
    templates = with_discount if product.discount_rate > 0 else without_discount
    copy = {
        field: _fit(templates[field], COPY_LIMITS[field], name, category, product.discount_rate)
        for field in ("headline", "body", "sms")
    }
    return Offer(product.product_id, product.discount_rate, **copy)


def _fit(template: str, limit: int, name: str, category: str, discount: float) -> str:
    """Fill a template, shortening the product name, then the category, until it fits."""
    pct = format_percent(discount)
    text = template.format(name=name, category=category, pct=pct)
    if len(text) <= limit:
        return text
    fixed = len(template.format(name="", category=category, pct=pct))
    name = shorten(name, max(limit - fixed, 12))
    text = template.format(name=name, category=category, pct=pct)
    if len(text) <= limit:
        return text
    category = shorten(category, 12)
    return template.format(name=name, category=category, pct=pct)[:limit].rstrip()
