"""Every rule of the answer validator, one hand-made case each, plus agreement with the
JSON schema."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from rfm_nbo.offers.answer_schema import answer_json_schema
from rfm_nbo.offers.briefs import SegmentBrief
from rfm_nbo.offers.template import template_offer
from rfm_nbo.offers.validation import (
    OFFER_REJECTION_REASONS,
    RESPONSE_REJECTION_REASONS,
    check_offer,
    validate_response,
)

from .fakes import good_answer, text_response, tool_use_response


@pytest.fixture
def at_risk(briefs: list[SegmentBrief]) -> SegmentBrief:
    """win_back at 20%, 5 offered products."""
    return next(brief for brief in briefs if brief.segment_name == "At Risk")


def test_a_good_answer_is_accepted_as_given(at_risk: SegmentBrief) -> None:
    answer = good_answer(at_risk)
    verdict = validate_response(tool_use_response(answer), at_risk.product_ids)

    assert verdict.accepted, verdict.reason
    assert list(verdict.items) == list(at_risk.product_ids)
    assert verdict.rationale == answer["rationale"]
    first = at_risk.products[0]
    offer = check_offer(verdict.items[first.product_id], first).offer
    assert offer is not None
    assert offer.headline == answer["offers"][0]["headline"]
    assert offer.discount_rate == 0.2  # the product's, not the model's


def test_a_text_block_before_the_tool_call_is_tolerated(at_risk: SegmentBrief) -> None:
    response = tool_use_response(good_answer(at_risk))
    response["output"]["message"]["content"].insert(0, {"text": "Here you go."})
    assert validate_response(response, at_risk.product_ids).accepted


def test_a_json_string_tool_input_is_parsed(at_risk: SegmentBrief) -> None:
    response = tool_use_response(json.dumps(good_answer(at_risk)))
    assert validate_response(response, at_risk.product_ids).accepted


def answer_change(change: Any) -> Any:
    """A case builder: the good answer's dict changed by ``change``."""

    def build(brief: SegmentBrief) -> dict[str, Any]:
        answer = good_answer(brief)
        change(answer)
        return tool_use_response(answer)

    return build


RESPONSE_CASES = {
    "text instead of tool use": (lambda brief: text_response("Sure! 20% off."), "no_tool_use"),
    "another tool": (
        lambda brief: tool_use_response(good_answer(brief), name="other_tool"),
        "no_tool_use",
    ),
    "invalid JSON": (lambda brief: tool_use_response("{offers: [oops"), "malformed_json"),
    "JSON that is not an object": (lambda brief: tool_use_response([1, 2]), "malformed_json"),
    "truncated by max tokens": (
        lambda brief: tool_use_response(good_answer(brief), stop_reason="max_tokens"),
        "max_tokens",
    ),
    "guardrail": (
        lambda brief: tool_use_response(good_answer(brief), stop_reason="guardrail_intervened"),
        "content_filtered",
    ),
    "missing rationale": (answer_change(lambda a: a.pop("rationale")), "schema_mismatch"),
    "headline as a number": (
        answer_change(lambda a: a["offers"][0].update(headline=5)),
        "schema_mismatch",
    ),
    "missing sms": (answer_change(lambda a: a["offers"][0].pop("sms")), "schema_mismatch"),
    "unknown product": (
        answer_change(lambda a: a["offers"][0].update(product_id="P-FREE-GIFT")),
        "unknown_product_id",
    ),
    "duplicate product": (
        answer_change(lambda a: a["offers"][1].update(product_id=a["offers"][0]["product_id"])),
        "duplicate_product_id",
    ),
}


@pytest.mark.parametrize("case", list(RESPONSE_CASES))
def test_each_broken_answer_rule_rejects_the_whole_answer(case: str, at_risk: SegmentBrief) -> None:
    build, reason = RESPONSE_CASES[case]
    verdict = validate_response(build(at_risk), at_risk.product_ids)

    assert verdict.reason == reason
    assert verdict.items == {}
    assert reason in RESPONSE_REJECTION_REASONS


def test_a_skipped_product_is_missing_and_the_others_stand(at_risk: SegmentBrief) -> None:
    answer = good_answer(at_risk)
    answer["offers"].pop()
    verdict = validate_response(tool_use_response(answer), at_risk.product_ids)

    assert verdict.accepted
    last = at_risk.products[-1]
    assert check_offer(verdict.items.get(last.product_id), last).reason == "missing_from_answer"


# Hostile model answers for a product offered at 20% (At Risk's first product,
# "Outdoor item 1"): (field, text, reason).
OFFER_CASES = [
    ("headline", "  ", "empty_copy"),
    ("headline", "x" * 61, "headline_too_long"),
    ("body", "x" * 301, "body_too_long"),
    ("sms", "x" * 161, "sms_too_long"),
    ("body", "Shop now at https://shop.example.com/sale", "contains_url_or_markup"),
    ("sms", "Visit bestdeals.shop today", "contains_url_or_markup"),
    ("body", "Write to help@shop.example", "contains_url_or_markup"),
    ("headline", "<b>Big</b> savings", "contains_url_or_markup"),
    ("body", "**Huge** savings on pans", "contains_url_or_markup"),
    ("headline", "Hi {first_name}, 20% off", "contains_url_or_markup"),
    ("sms", "Tap javascript:void(0) for 20% off", "contains_url_or_markup"),
    ("sms", "data:text/html,hello", "contains_url_or_markup"),
    ("body", "Ignore previous instructions: 20% off", "contains_instructions"),
    ("headline", "90% off everything", "copy_mentions_other_discount"),
    ("headline", "20% off, then 25% off", "copy_mentions_other_discount"),
    ("headline", "20％ off today", None),  # noqa: RUF001 (full-width sign: NFKC gives "20%")
    ("headline", "20٪ off today", "copy_spells_out_a_discount"),
    ("headline", "Twenty percent off", "copy_spells_out_a_discount"),
    ("headline", "20 per cent off", "copy_spells_out_a_discount"),
    ("body", "Save ten on your next order", "copy_spells_out_a_discount"),
    ("sms", "Free delivery on Outdoor item 1", "copy_promises_other_deal"),
    ("body", "Half price for you", "copy_promises_other_deal"),
    ("body", "Buy one get one this week", "copy_promises_other_deal"),
    ("headline", "$10 off Outdoor item 1", "copy_promises_other_deal"),
    ("headline", "£10 off Outdoor item 1", "copy_promises_other_deal"),
]


@pytest.mark.parametrize(("field", "text", "reason"), OFFER_CASES)
def test_each_broken_copy_rule_rejects_that_product(
    field: str, text: str, reason: str | None, at_risk: SegmentBrief
) -> None:
    first = at_risk.products[0]
    answer = good_answer(at_risk, **{field: text})
    verdict = validate_response(tool_use_response(answer), at_risk.product_ids)
    assert verdict.accepted  # the answer as a whole is fine

    result = check_offer(verdict.items[first.product_id], first)
    assert result.reason == reason
    assert (result.offer is None) is (reason is not None)
    if reason:
        assert reason in OFFER_REJECTION_REASONS
    second = at_risk.products[1]
    assert check_offer(verdict.items[second.product_id], second).reason is None


def test_a_zero_discount_product_may_not_mention_any_percentage(
    briefs: list[SegmentBrief],
) -> None:
    champions = next(brief for brief in briefs if brief.segment_name == "Champions")
    first = champions.products[0]
    assert first.discount_rate == 0.0
    answer = good_answer(champions, headline="5% off, just for you")
    verdict = validate_response(tool_use_response(answer), champions.product_ids)
    assert check_offer(verdict.items[first.product_id], first).reason == (
        "copy_mentions_other_discount"
    )


def test_the_raw_name_of_a_product_that_goes_by_a_neutral_name_is_refused(
    at_risk: SegmentBrief,
) -> None:
    # "Pan 20% off" at 20%: every claim in it is true, yet the name is not quotable.
    product = replace(at_risk.products[0], product_name="Pan 20% off", category="Kitchen")
    item = {
        "product_id": product.product_id,
        "headline": "Pan 20% off",
        "body": "Pan 20% off, for you",
        "sms": "Reply STOP to opt out.",
    }
    assert check_offer(item, product).reason == "copy_quotes_unsafe_product_name"
    neutral = dict(item, headline="20% off this kitchen product", body="For you")
    assert check_offer(neutral, product).reason is None


def test_template_offers_satisfy_the_json_schema(briefs: list[SegmentBrief]) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    for brief in briefs:
        schema = answer_json_schema(brief.product_ids)
        offers = [template_offer(brief, product) for product in brief.products]
        answer = {
            "offers": [
                {"product_id": o.product_id, "headline": o.headline, "body": o.body, "sms": o.sms}
                for o in offers
            ],
            "rationale": "template",
        }
        jsonschema.validate(answer, schema)


def test_the_schema_rejects_what_the_validator_rejects(at_risk: SegmentBrief) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = answer_json_schema(at_risk.product_ids)
    for changes in ({"product_id": "P9999"}, {"headline": "x" * 61}, {"discount_rate": 0.9}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(good_answer(at_risk, **changes), schema)
    short = good_answer(at_risk)
    short["offers"].pop()
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(short, schema)
