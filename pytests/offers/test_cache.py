"""The answer cache: keys, the local and S3 stores, and rebuilds that call no model."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import boto3
import pandas as pd
import pytest
from botocore.stub import Stubber
from moto.server import ThreadedMotoServer

from rfm_nbo.offers.briefs import SegmentBrief, read_briefs
from rfm_nbo.offers.cache import LocalDirCache, S3Cache, cache_key, open_cache
from rfm_nbo.offers.generate import generate_offer_copy
from rfm_nbo.offers.prompt import PROMPT_VERSION, pair_input
from rfm_nbo.offers.settings import OfferCopySettings

from .fakes import FakeBedrockClient, ShopInputs, answering_by_segment, listed_ids

BEDROCK = OfferCopySettings(provider="bedrock")
KEY = "ab" + "0" * 62


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    """A local moto server (S3) on a free port of 127.0.0.1."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(moto_endpoint: str) -> Any:
    """An S3 client on the moto server with a fresh bucket 'llm-cache'."""
    client = boto3.client(
        "s3",
        endpoint_url=moto_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.create_bucket(Bucket="llm-cache")
    yield client
    for item in client.list_objects_v2(Bucket="llm-cache").get("Contents", []):
        client.delete_object(Bucket="llm-cache", Key=item["Key"])
    client.delete_bucket(Bucket="llm-cache")


def build(
    shop: ShopInputs,
    client: Any,
    cache: Any,
    offered: pd.DataFrame | None = None,
    settings: OfferCopySettings = BEDROCK,
) -> Any:
    """One bedrock build of every segment."""
    chosen = shop.offered if offered is None else offered
    return generate_offer_copy(shop.briefs, chosen, settings, client=client, cache=cache)


def test_cache_key_is_stable_and_covers_model_prompt_and_the_pair(
    briefs: list[SegmentBrief],
) -> None:
    brief = briefs[0]
    material = pair_input(brief, brief.products[0])
    key = cache_key("model-a", PROMPT_VERSION, material)

    assert key == cache_key("model-a", PROMPT_VERSION, dict(reversed(list(material.items()))))
    assert len(key) == 64
    assert key != cache_key("model-b", PROMPT_VERSION, material)
    assert key != cache_key("model-a", "offer-copy-v0", material)
    assert key != cache_key("model-a", PROMPT_VERSION, pair_input(brief, brief.products[1]))
    other_discount = replace(brief.products[0], discount_rate=0.3)
    assert key != cache_key("model-a", PROMPT_VERSION, pair_input(brief, other_discount))
    # What the segment's customers look like today is not part of the key.
    assert set(material["segment"]) == {"segment_name", "objective", "channel"}


def test_local_cache_round_trip_and_unreadable_entries(tmp_path: Path) -> None:
    cache = LocalDirCache(tmp_path)
    assert cache.get(KEY) is None
    cache.put(KEY, {"response": {"a": 1}})
    assert cache.get(KEY) == {"response": {"a": 1}}
    assert (tmp_path / "ab" / f"{KEY}.json").is_file()

    (tmp_path / "ab" / f"{KEY}.json").write_text("{not json")
    assert cache.get(KEY) is None
    with pytest.raises(ValueError, match="not a cache key"):
        cache.get("../../etc/passwd")


def test_default_location_is_the_env_var_then_warehouse(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("RFM_LLM_CACHE_DIR", str(tmp_path / "from-env"))
    assert open_cache(None).root == tmp_path / "from-env"  # type: ignore[attr-defined]
    assert open_cache(str(tmp_path / "var")).root == tmp_path / "var"  # type: ignore[attr-defined]
    monkeypatch.delenv("RFM_LLM_CACHE_DIR")
    assert open_cache(None).root == Path("warehouse/llm_cache")  # type: ignore[attr-defined]


def test_a_rebuild_with_unchanged_inputs_makes_no_call_and_the_same_output(
    shop: ShopInputs, briefs: list[SegmentBrief], tmp_path: Path, bedrock_client: Any
) -> None:
    cache = LocalDirCache(tmp_path)
    client = FakeBedrockClient(answering_by_segment(briefs))
    first = build(shop, client, cache)
    assert len(client.requests) == len(briefs) == 12
    assert len(list(tmp_path.rglob("*.json"))) == 60  # one entry per offered pair

    with Stubber(bedrock_client):  # nothing queued: any call would fail the test
        second = build(shop, bedrock_client, cache)
        third = build(shop, bedrock_client, cache)

    assert (first["copy_source"] == "bedrock").all()
    assert not first["is_cache_hit"].any() and second["is_cache_hit"].all()
    pd.testing.assert_frame_equal(
        first.drop(columns="is_cache_hit"), second.drop(columns="is_cache_hit")
    )
    pd.testing.assert_frame_equal(second, third)


def test_a_daily_rebuild_asks_only_for_the_new_pairs(
    shop: ShopInputs, briefs: list[SegmentBrief], tmp_path: Path
) -> None:
    cache = LocalDirCache(tmp_path)
    build(shop, FakeBedrockClient(answering_by_segment(briefs)), cache)

    # The next day: Lost is offered one more product, At Risk's first product a new
    # discount; every other pair is unchanged.
    product = shop.products.set_index("product_id").loc["P0019"]
    new_pair = pd.DataFrame(
        [
            {
                "segment_name": "Lost",
                "product_id": "P0019",
                "product_name": product["product_name"],
                "category": product["category"],
                "unit_price": product["unit_price"],
                "product_description": product["description"],
                "discount_rate": 0.30,
                "customers_offered": 5,
                "copy_priority": 5,
            }
        ]
    )
    offered = pd.concat([shop.offered, new_pair], ignore_index=True)
    at_risk_p1 = (offered["segment_name"] == "At Risk") & (offered["product_id"] == "P0001")
    offered.loc[at_risk_p1, "discount_rate"] = 0.25
    briefs_frame = shop.briefs.copy()
    at_risk = briefs_frame["segment_name"] == "At Risk"
    briefs_frame.loc[at_risk, ["min_discount_rate", "max_discount_rate"]] = [0.2, 0.25]
    new_briefs = read_briefs(briefs_frame, offered)
    client = FakeBedrockClient(answering_by_segment(new_briefs))
    frame = generate_offer_copy(briefs_frame, offered, BEDROCK, client=client, cache=cache)

    asked = {
        request["messages"][0]["content"][0]["text"]
        .split('"segment_name": "')[1]
        .split('"')[0]: listed_ids(request)
        for request in client.requests
    }
    assert asked == {"At Risk": ["P0001"], "Lost": ["P0019"]}
    hits = frame.set_index(["segment_name", "product_id"])["is_cache_hit"]
    assert not hits[("Lost", "P0019")] and not hits[("At Risk", "P0001")]
    assert hits.sum() == 59  # the 60 pairs of the first build, less the one re-priced
    assert (frame["copy_source"] == "bedrock").all()


def test_products_beyond_the_cap_get_template_copy_and_are_never_asked_about(
    shop: ShopInputs, briefs: list[SegmentBrief], tmp_path: Path
) -> None:
    capped = OfferCopySettings(provider="bedrock", products_per_segment=4)
    client = FakeBedrockClient(answering_by_segment(briefs))
    frame = build(shop, client, LocalDirCache(tmp_path), settings=capped)

    assert len(client.requests) == 12
    assert all(len(listed_ids(request)) <= 4 for request in client.requests)
    beyond = frame[frame["copy_priority"] > 4]
    # Segments offered 5 or 6 products (fakes.PLAYBOOK): 2+2+1+1+1+1+1+1+2 = 12 rows.
    assert len(beyond) == 12
    assert (beyond["fallback_reason"] == "beyond_llm_cap").all()
    assert (beyond["copy_source"] == "template").all()
    assert beyond["model_id"].isna().all() and beyond["cache_key"].isna().all()
    within = frame[frame["copy_priority"] <= 4]
    assert (within["copy_source"] == "bedrock").all() and within["fallback_reason"].isna().all()


def test_failed_calls_are_not_cached_but_rejected_answers_are(
    shop: ShopInputs, briefs: list[SegmentBrief], tmp_path: Path, bedrock_client: Any
) -> None:
    cache = LocalDirCache(tmp_path)
    with Stubber(bedrock_client) as stubber:
        for _ in briefs:
            stubber.add_client_error("converse", "ThrottlingException", http_status_code=429)
        build(shop, bedrock_client, cache)  # 3 throttled calls, then the rest skipped
    assert list(tmp_path.iterdir()) == []

    rejecting = FakeBedrockClient(answering_by_segment(briefs, product_id="P-FREE"))
    first = build(shop, rejecting, cache)
    assert len(rejecting.requests) == 12
    assert (first["fallback_reason"] == "unknown_product_id").all()

    with Stubber(bedrock_client):
        again = build(shop, bedrock_client, cache)  # from the cache, no call
    assert (again["fallback_reason"] == "unknown_product_id").all()
    assert again["is_cache_hit"].all()


def test_a_rule_added_later_applies_to_cached_copy(
    shop: ShopInputs, briefs: list[SegmentBrief], tmp_path: Path, bedrock_client: Any
) -> None:
    cache = LocalDirCache(tmp_path)
    build(shop, FakeBedrockClient(answering_by_segment(briefs)), cache)
    # Tamper with one cached item as if an older, laxer validator had let it through.
    entry_path = next(tmp_path.rglob("*.json"))
    entry = json.loads(entry_path.read_text())
    entry["offer"]["sms"] = "Free gift inside. Reply STOP to opt out."
    entry_path.write_text(json.dumps(entry))

    with Stubber(bedrock_client):
        frame = build(shop, bedrock_client, cache)
    row = frame[frame["cache_key"] == entry["cache_key"]].iloc[0]
    assert row["fallback_reason"] == "copy_promises_other_deal"
    assert row["copy_source"] == "template" and row["is_cache_hit"]


def test_s3_cache_round_trip(s3: Any) -> None:
    cache = open_cache("s3://llm-cache/offers/v1", s3_client=s3)
    assert isinstance(cache, S3Cache)
    assert cache.get(KEY) is None
    cache.put(KEY, {"response": {"answer": "ok"}})

    assert cache.get(KEY) == {"response": {"answer": "ok"}}
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket="llm-cache")["Contents"]]
    assert keys == [f"offers/v1/{KEY}.json"]


def test_s3_cache_rebuild_makes_no_call(
    s3: Any, shop: ShopInputs, briefs: list[SegmentBrief], bedrock_client: Any
) -> None:
    cache = S3Cache("llm-cache", "offer-copy", client=s3)
    client = FakeBedrockClient(answering_by_segment(briefs))
    first = build(shop, client, cache)
    assert len(client.requests) == 12

    with Stubber(bedrock_client):
        second = build(shop, bedrock_client, cache)
    assert second["is_cache_hit"].all()
    pd.testing.assert_frame_equal(
        first.drop(columns="is_cache_hit"), second.drop(columns="is_cache_hit")
    )


def test_an_unreachable_s3_cache_says_what_to_check(s3: Any) -> None:
    cache = S3Cache("no-such-bucket", "x", client=s3)
    with pytest.raises(RuntimeError, match="s3:GetObject"):
        cache.get(KEY)
