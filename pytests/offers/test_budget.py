"""The call budget is checked before the first call, against segments with uncached pairs."""

from __future__ import annotations

from pathlib import Path

import pytest

from rfm_nbo.offers.briefs import SegmentBrief
from rfm_nbo.offers.budget import LlmBudgetExceeded, check_llm_budget
from rfm_nbo.offers.cache import LocalDirCache
from rfm_nbo.offers.generate import generate_offer_copy
from rfm_nbo.offers.settings import OfferCopySettings

from .fakes import FakeBedrockClient, ShopInputs, answering_by_segment, one_segment


def test_over_budget_stops_before_any_call_and_says_what_to_do(
    shop: ShopInputs, briefs: list[SegmentBrief], tmp_path: Path
) -> None:
    client = FakeBedrockClient(answering_by_segment(briefs))
    settings = OfferCopySettings(provider="bedrock", max_calls_per_build=5)

    with pytest.raises(LlmBudgetExceeded) as raised:
        generate_offer_copy(
            shop.briefs, shop.offered, settings, client=client, cache=LocalDirCache(tmp_path)
        )

    assert client.requests == []
    message = str(raised.value)
    assert "needs 12 Bedrock call(s)" in message
    assert "llm_max_calls_per_build is 5" in message
    assert "--vars '{llm_max_calls_per_build: 12}'" in message
    assert "llm_provider: template" in message


def test_cached_segments_do_not_count(
    shop: ShopInputs, briefs: list[SegmentBrief], tmp_path: Path
) -> None:
    cache = LocalDirCache(tmp_path)
    warm = FakeBedrockClient(answering_by_segment(briefs))
    for segment in ("At Risk", "Lost"):
        one_briefs, one_offered = one_segment(shop, segment)
        generate_offer_copy(
            one_briefs,
            one_offered,
            OfferCopySettings(provider="bedrock"),
            client=warm,
            cache=cache,
        )

    client = FakeBedrockClient(answering_by_segment(briefs))
    settings = OfferCopySettings(provider="bedrock", max_calls_per_build=10)
    frame = generate_offer_copy(shop.briefs, shop.offered, settings, client=client, cache=cache)

    assert len(client.requests) == 10
    assert frame.groupby("segment_name")["is_cache_hit"].all().sum() == 2


def test_a_segment_with_one_new_pair_counts_once(
    shop: ShopInputs, briefs: list[SegmentBrief], tmp_path: Path
) -> None:
    cache = LocalDirCache(tmp_path)
    generate_offer_copy(
        shop.briefs,
        shop.offered,
        OfferCopySettings(provider="bedrock"),
        client=FakeBedrockClient(answering_by_segment(briefs)),
        cache=cache,
    )
    renamed = shop.offered.copy()
    for segment in ("At Risk", "Lost"):  # one product of each changes its listing
        first = renamed.index[renamed["segment_name"] == segment][0]
        renamed.loc[first, "product_name"] = "Renamed item"
    one_call_short = OfferCopySettings(provider="bedrock", max_calls_per_build=1)
    client = FakeBedrockClient(answering_by_segment(briefs))
    with pytest.raises(LlmBudgetExceeded, match="needs 2 Bedrock call"):
        generate_offer_copy(shop.briefs, renamed, one_call_short, client=client, cache=cache)
    assert client.requests == []


def test_a_zero_budget_allows_a_fully_cached_build_only(
    shop: ShopInputs, briefs: list[SegmentBrief], tmp_path: Path
) -> None:
    cache = LocalDirCache(tmp_path)
    generate_offer_copy(
        shop.briefs,
        shop.offered,
        OfferCopySettings(provider="bedrock"),
        client=FakeBedrockClient(answering_by_segment(briefs)),
        cache=cache,
    )
    zero = OfferCopySettings(provider="bedrock", max_calls_per_build=0)
    frame = generate_offer_copy(shop.briefs, shop.offered, zero, client=None, cache=cache)
    assert frame["is_cache_hit"].all()


def test_the_template_provider_ignores_the_budget(shop: ShopInputs) -> None:
    frame = generate_offer_copy(shop.briefs, shop.offered, OfferCopySettings(max_calls_per_build=0))
    assert (frame["copy_source"] == "template").all()


def test_check_llm_budget_edges() -> None:
    check_llm_budget(3, 3)
    with pytest.raises(LlmBudgetExceeded):
        check_llm_budget(4, 3)
    with pytest.raises(ValueError):
        check_llm_budget(0, -1)
