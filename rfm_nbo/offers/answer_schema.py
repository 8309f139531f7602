"""The shape of an answer: the offer record, the copy limits and the tool the model must call.

Bedrock's Converse API returns structured output when the request offers one
tool and forces it (``toolChoice: {tool: {name}}``): the model's answer is the
tool's input, a JSON document that should match ``inputSchema.json``. The
schema is built per segment, so it already carries the segment's rules
(the listed product ids as an enum, one offer per product, the length
limits). Models do not always honour a schema, so
``validation.py`` checks every rule again; the schema is the request, the
validator is the guarantee.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

TOOL_NAME = "write_offer_copy"
TOOL_DESCRIPTION = (
    "Return the offer copy for one customer segment: one offer for each listed product, "
    "quoting only that product's given discount."
)

HEADLINE_MAX_CHARS = 60
BODY_MAX_CHARS = 300
SMS_MAX_CHARS = 160
RATIONALE_MAX_CHARS = 500

COPY_LIMITS = {"headline": HEADLINE_MAX_CHARS, "body": BODY_MAX_CHARS, "sms": SMS_MAX_CHARS}


@dataclass(frozen=True)
class Offer:
    """One product's copy and the discount (fraction 0..1) it quotes."""

    product_id: str
    discount_rate: float
    headline: str
    body: str
    sms: str


def answer_json_schema(product_ids: Sequence[str]) -> dict[str, Any]:
    """JSON schema of the answer to one request (the tool's ``inputSchema.json``): one
    offer per listed product. The discount is not part of the answer: it is given."""
    offer = {
        "type": "object",
        "properties": {
            "product_id": {
                "type": "string",
                "enum": list(product_ids),
                "description": "One of the listed product ids, each exactly once.",
            },
            "headline": {"type": "string", "minLength": 1, "maxLength": HEADLINE_MAX_CHARS},
            "body": {"type": "string", "minLength": 1, "maxLength": BODY_MAX_CHARS},
            "sms": {"type": "string", "minLength": 1, "maxLength": SMS_MAX_CHARS},
        },
        "required": ["product_id", "headline", "body", "sms"],
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "properties": {
            "offers": {
                "type": "array",
                "items": offer,
                "minItems": len(product_ids),
                "maxItems": len(product_ids),
            },
            "rationale": {
                "type": "string",
                "maxLength": RATIONALE_MAX_CHARS,
                "description": "One or two sentences: how the copy suits the segment.",
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
