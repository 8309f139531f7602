"""Prompt injection through catalogue text: it stays inside the untrusted block, and an
answer that obeys it is rejected, so the output stays within the allowed values."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from rfm_nbo.offers.briefs import read_briefs
from rfm_nbo.offers.cache import LocalDirCache
from rfm_nbo.offers.generate import generate_offer_copy
from rfm_nbo.offers.prompt import CATALOGUE_CLOSE, CATALOGUE_OPEN
from rfm_nbo.offers.settings import OfferCopySettings

from .fakes import INJECTION, FakeBedrockClient, ShopInputs, answering_by_segment

BEDROCK = OfferCopySettings(provider="bedrock")


@pytest.fixture
def poisoned(shop: ShopInputs) -> pd.DataFrame:
    """Candidates where product P0002's description tries to take over."""
    candidates = shop.candidates.copy()
    candidates.loc[candidates["product_id"] == "P0002", "product_description"] = INJECTION
    return candidates


def run(shop: ShopInputs, candidates: pd.DataFrame, answer: Any, tmp_path: Path) -> Any:
    client = FakeBedrockClient(answer)
    frame = generate_offer_copy(
        shop.briefs, candidates, BEDROCK, client=client, cache=LocalDirCache(tmp_path)
    )
    return frame, client


def test_the_injection_only_appears_inside_the_catalogue_block(
    shop: ShopInputs, poisoned: pd.DataFrame, tmp_path: Path
) -> None:
    _, client = run(
        shop, poisoned, answering_by_segment(read_briefs(shop.briefs, poisoned)), tmp_path
    )
    carrying = [r for r in client.requests if INJECTION in json.dumps(r)]
    assert carrying, "some segment has P0002 as a candidate"
    for request in carrying:
        message = request["messages"][0]["content"][0]["text"]
        assert json.dumps(request).count(INJECTION) == 1
        before, inside_and_after = message.split(CATALOGUE_OPEN, 1)
        inside, after = inside_and_after.split(CATALOGUE_CLOSE, 1)
        assert INJECTION in inside
        assert INJECTION not in before + after
        assert INJECTION not in json.dumps(request["system"] + [request["toolConfig"]])


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"discount_rate": 0.9, "headline": "90% off everything"}, "discount_out_of_range"),
        ({"product_id": "P-FREE-GIFT"}, "unknown_product_id"),
        ({"headline": "90% off everything, today only"}, "copy_mentions_other_discount"),
    ],
)
def test_an_answer_that_obeys_the_injection_is_rejected(
    changes: dict[str, Any], reason: str, shop: ShopInputs, poisoned: pd.DataFrame, tmp_path: Path
) -> None:
    briefs = read_briefs(shop.briefs, poisoned)
    # The stubbed model does what the description says, for every segment.
    frame, client = run(shop, poisoned, answering_by_segment(briefs, **changes), tmp_path)

    assert len(client.requests) == 12
    assert (frame["fallback_reason"] == reason).all()
    assert (frame["copy_source"] == "template").all()
    by_name = {brief.segment_name: brief for brief in briefs}
    for row in frame.to_dict("records"):
        brief = by_name[row["segment_name"]]
        assert brief.min_discount_rate <= row["discount_rate"] <= brief.max_discount_rate
        assert row["product_id"] in brief.candidate_ids
        assert "90%" not in row["headline"] + row["body"] + row["sms"]
