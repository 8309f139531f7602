"""The answer cache: keys, the local and S3 stores, and rebuilds that call no model."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pandas as pd
import pytest
from botocore.stub import Stubber
from moto.server import ThreadedMotoServer

from rfm_nbo.offers.briefs import SegmentBrief
from rfm_nbo.offers.cache import LocalDirCache, S3Cache, cache_key, open_cache
from rfm_nbo.offers.generate import generate_offer_copy
from rfm_nbo.offers.prompt import PROMPT_VERSION, build_request_input
from rfm_nbo.offers.settings import OfferCopySettings

from .fakes import FakeBedrockClient, ShopInputs, answering_by_segment

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


def build(shop: ShopInputs, client: Any, cache: Any, candidates: pd.DataFrame | None = None) -> Any:
    """One bedrock build of every segment."""
    chosen = shop.candidates if candidates is None else candidates
    return generate_offer_copy(shop.briefs, chosen, BEDROCK, client=client, cache=cache)


def test_cache_key_is_stable_and_covers_model_prompt_and_input(briefs: list[SegmentBrief]) -> None:
    request_input = build_request_input(briefs[0])
    key = cache_key("model-a", PROMPT_VERSION, request_input)

    assert key == cache_key("model-a", PROMPT_VERSION, dict(reversed(list(request_input.items()))))
    assert len(key) == 64
    assert key != cache_key("model-b", PROMPT_VERSION, request_input)
    assert key != cache_key("model-a", "offer-copy-v0", request_input)
    assert key != cache_key("model-a", PROMPT_VERSION, build_request_input(briefs[1]))


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

    with Stubber(bedrock_client):  # nothing queued: any call would fail the test
        second = build(shop, bedrock_client, cache)
        third = build(shop, bedrock_client, cache)

    assert (first["copy_source"] == "bedrock").all()
    assert not first["is_cache_hit"].any() and second["is_cache_hit"].all()
    pd.testing.assert_frame_equal(
        first.drop(columns="is_cache_hit"), second.drop(columns="is_cache_hit")
    )
    pd.testing.assert_frame_equal(second, third)


def test_a_changed_segment_is_the_only_one_asked_again(
    shop: ShopInputs, briefs: list[SegmentBrief], tmp_path: Path
) -> None:
    cache = LocalDirCache(tmp_path)
    build(shop, FakeBedrockClient(answering_by_segment(briefs)), cache)

    changed = shop.candidates.copy()
    changed.loc[changed["segment_name"] == "Lost", "unit_price"] += 1.0
    client = FakeBedrockClient(answering_by_segment(briefs))
    frame = build(shop, client, cache, candidates=changed)

    assert len(client.requests) == 1
    assert '"segment_name": "Lost"' in client.requests[0]["messages"][0]["content"][0]["text"]
    hits = frame.groupby("segment_name")["is_cache_hit"].first()
    assert not hits["Lost"] and hits.drop("Lost").all()


def test_failed_calls_are_not_cached_but_rejected_answers_are(
    shop: ShopInputs, briefs: list[SegmentBrief], tmp_path: Path, bedrock_client: Any
) -> None:
    cache = LocalDirCache(tmp_path)
    with Stubber(bedrock_client) as stubber:
        for _ in briefs:
            stubber.add_client_error("converse", "ThrottlingException", http_status_code=429)
        build(shop, bedrock_client, cache)  # 3 throttled calls, then the rest skipped
    assert list(tmp_path.iterdir()) == []

    rejecting = FakeBedrockClient(answering_by_segment(briefs, discount_rate=0.99))
    first = build(shop, rejecting, cache)
    assert len(rejecting.requests) == 12
    assert (first["fallback_reason"] == "discount_out_of_range").all()

    with Stubber(bedrock_client):
        again = build(shop, bedrock_client, cache)  # re-validated from the cache, no call
    assert (again["fallback_reason"] == "discount_out_of_range").all()
    assert again["is_cache_hit"].all()


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
