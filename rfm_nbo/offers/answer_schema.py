"""The shape of an answer: the offer record, the copy limits and the tool the model must call.

Bedrock's Converse API returns structured output when the request offers one
tool and forces it (``toolChoice: {tool: {name}}``): the model's answer is the
tool's input, a JSON document that should match ``inputSchema.json``. The
schema is built per segment, so it already carries the segment's rules
(product ids as an enum, the discount range as minimum/maximum, the offer
count, the length limits). Models do not always honour a schema, so
``validation.py`` checks every rule again; the schema is the request, the
validator is the guarantee.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

TOOL_NAME = "write_offer_copy"
TOOL_DESCRIPTION = (
    "Return the offer copy for one customer segment: one offer per slot, each for a "
    "different candidate product, with a discount inside the allowed range."
)

HEADLINE_MAX_CHARS = 60
BODY_MAX_CHARS = 300
SMS_MAX_CHARS = 160
RATIONALE_MAX_CHARS = 500

COPY_LIMITS = {"headline": HEADLINE_MAX_CHARS, "body": BODY_MAX_CHARS, "sms": SMS_MAX_CHARS}


@dataclass(frozen=True)
class Offer:
    """One offer slot's product, discount (fraction 0..1) and copy."""

    product_id: str
    discount_rate: float
    headline: str
    body: str
    sms: str


def answer_json_schema(
    product_ids: Sequence[str],
    min_discount_rate: float,
    max_discount_rate: float,
    offer_count: int,
) -> dict[str, Any]:
    """JSON schema of the answer for one segment (the tool's ``inputSchema.json``)."""
    offer = {
        "type": "object",
        "properties": {
            "product_id": {
                "type": "string",
                "enum": list(product_ids),
                "description": "One of the candidate product ids, each used at most once.",
            },
            "discount_rate": {
                "type": "number",
                "minimum": min_discount_rate,
                "maximum": max_discount_rate,
                "description": "Fraction 0..1, e.g. 0.15 for 15%.",
            },
            "headline": {"type": "string", "minLength": 1, "maxLength": HEADLINE_MAX_CHARS},
            "body": {"type": "string", "minLength": 1, "maxLength": BODY_MAX_CHARS},
            "sms": {"type": "string", "minLength": 1, "maxLength": SMS_MAX_CHARS},
        },
        "required": ["product_id", "discount_rate", "headline", "body", "sms"],
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "properties": {
            "offers": {
                "type": "array",
                "items": offer,
                "minItems": offer_count,
                "maxItems": offer_count,
            },
            "rationale": {
                "type": "string",
                "maxLength": RATIONALE_MAX_CHARS,
                "description": "One or two sentences: why these products and discounts.",
            },
        },
        "required": ["offers", "rationale"],
        "additionalProperties": False,
    }


def tool_config(schema: dict[str, Any]) -> dict[str, Any]:
    """Converse ``toolConfig``: the one answer tool, and the model is made to call it."""
    return {
        "tools": [
            {
                "toolSpec": {
                    "name": TOOL_NAME,
                    "description": TOOL_DESCRIPTION,
                    "inputSchema": {"json": schema},
                }
            }
        ],
        "toolChoice": {"tool": {"name": TOOL_NAME}},
    }
