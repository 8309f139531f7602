"""Every rule of the answer validator, one case each, plus agreement with the JSON schema."""

from __future__ import annotations

import json
from typing import Any

import pytest

from rfm_nbo.offers.answer_schema import answer_json_schema
from rfm_nbo.offers.briefs import SegmentBrief
from rfm_nbo.offers.template import template_offers
from rfm_nbo.offers.validation import REJECTION_REASONS, validate_answer

from .fakes import good_answer, text_response, tool_use_response


@pytest.fixture
def at_risk(briefs: list[SegmentBrief]) -> SegmentBrief:
    """win_back, discounts 15-25%, 5 offers."""
    return next(brief for brief in briefs if brief.segment_name == "At Risk")


def test_a_good_answer_is_accepted_as_given(at_risk: SegmentBrief) -> None:
    answer = good_answer(at_risk)
    verdict = validate_answer(tool_use_response(answer), at_risk)

    assert verdict.accepted, verdict.reason
    assert [offer.product_id for offer in verdict.offers] == list(at_risk.candidate_ids[:5])
    assert verdict.offers[0].headline == answer["offers"][0]["headline"]
    assert verdict.rationale == answer["rationale"]


def test_a_text_block_before_the_tool_call_is_tolerated(at_risk: SegmentBrief) -> None:
    response = tool_use_response(good_answer(at_risk))
    response["output"]["message"]["content"].insert(0, {"text": "Here you go."})
    assert validate_answer(response, at_risk).accepted


def test_a_json_string_tool_input_is_parsed(at_risk: SegmentBrief) -> None:
    response = tool_use_response(json.dumps(good_answer(at_risk)))
    assert validate_answer(response, at_risk).accepted


def offer_change(**changes: Any) -> Any:
    """A case builder: the good answer with the first offer changed."""
    return lambda brief: tool_use_response(good_answer(brief, **changes))


def answer_change(change: Any) -> Any:
    """A case builder: the good answer's dict changed by ``change``."""

    def build(brief: SegmentBrief) -> dict[str, Any]:
        answer = good_answer(brief)
        change(answer, brief)
        return tool_use_response(answer)

    return build


CASES = {
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
    "missing rationale": (
        answer_change(lambda answer, brief: answer.pop("rationale")),
        "schema_mismatch",
    ),
    "discount as text": (offer_change(discount_rate="0.2"), "schema_mismatch"),
    "missing sms": (answer_change(lambda a, b: a["offers"][0].pop("sms")), "schema_mismatch"),
    "too few offers": (answer_change(lambda a, b: a["offers"].pop()), "wrong_offer_count"),
    "unknown product": (offer_change(product_id="P9999"), "unknown_product_id"),
    "duplicate product": (
        answer_change(lambda a, b: a["offers"][1].update(product_id=a["offers"][0]["product_id"])),
        "duplicate_product_id",
    ),
    "discount above range": (offer_change(discount_rate=0.9), "discount_out_of_range"),
    "discount below range": (offer_change(discount_rate=0.05), "discount_out_of_range"),
    "discount in percent": (offer_change(discount_rate=20), "discount_out_of_range"),
    "empty headline": (offer_change(headline="  "), "empty_copy"),
    "headline too long": (offer_change(headline="x" * 61), "headline_too_long"),
    "body too long": (offer_change(body="x" * 301), "body_too_long"),
    "sms too long": (offer_change(sms="x" * 161), "sms_too_long"),
    "URL": (
        offer_change(body="Shop now at https://shop.example.com/sale"),
        "contains_url_or_markup",
    ),
    "bare domain": (offer_change(sms="Visit bestdeals.shop today"), "contains_url_or_markup"),
    "e-mail address": (offer_change(body="Write to help@shop.example"), "contains_url_or_markup"),
    "HTML": (offer_change(headline="<b>Big</b> savings"), "contains_url_or_markup"),
    "Markdown": (offer_change(body="**Huge** savings on pans"), "contains_url_or_markup"),
    "Markdown link": (offer_change(body="See [deals](x) now"), "contains_url_or_markup"),
    "template braces": (
        offer_change(headline="Hi {first_name}, 15% off"),
        "contains_url_or_markup",
    ),
    "copy promises another discount": (
        offer_change(headline="90% off everything"),
        "copy_mentions_other_discount",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_broken_rule_is_rejected_with_its_reason(case: str, at_risk: SegmentBrief) -> None:
    build, reason = CASES[case]
    verdict = validate_answer(build(at_risk), at_risk)

    assert verdict.reason == reason
    assert verdict.offers == ()
    assert reason in REJECTION_REASONS


def test_discounts_on_the_range_edges_are_accepted(at_risk: SegmentBrief) -> None:
    for edge in (at_risk.min_discount_rate, at_risk.max_discount_rate):
        answer = good_answer(at_risk, discount=edge)
        assert validate_answer(tool_use_response(answer), at_risk).accepted


def test_template_offers_satisfy_the_json_schema(briefs: list[SegmentBrief]) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    for brief in briefs:
        schema = answer_json_schema(
            brief.candidate_ids, brief.min_discount_rate, brief.max_discount_rate, brief.offer_count
        )
        answer = {
            "offers": [
                {
                    "product_id": offer.product_id,
                    "discount_rate": offer.discount_rate,
                    "headline": offer.headline,
                    "body": offer.body,
                    "sms": offer.sms,
                }
                for offer in template_offers(brief)
            ],
            "rationale": "template",
        }
        jsonschema.validate(answer, schema)
        assert validate_answer(tool_use_response(answer), brief).accepted


def test_the_schema_rejects_what_the_validator_rejects(at_risk: SegmentBrief) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = answer_json_schema(at_risk.candidate_ids, 0.15, 0.25, at_risk.offer_count)
    for changes in ({"product_id": "P9999"}, {"discount_rate": 0.9}, {"headline": "x" * 61}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(good_answer(at_risk, **changes), schema)
