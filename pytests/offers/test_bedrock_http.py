"""botocore's retries and timeouts, for real: a tiny HTTP server on 127.0.0.1 plays Bedrock.

The Stubber answers before botocore's retry handler runs, so retries are
tested here over HTTP instead: the server answers 429 (throttling) and 503,
then a valid Converse response, and the client's retry configuration decides
how many requests it makes. Backoff sleeps are set to zero (the attempt count
is still botocore's own decision).
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pandas as pd
import pytest
from botocore.retries import standard

from rfm_nbo.offers.bedrock import BedrockSettings
from rfm_nbo.offers.briefs import SegmentBrief
from rfm_nbo.offers.cache import LocalDirCache
from rfm_nbo.offers.generate import generate_offer_copy
from rfm_nbo.offers.settings import OfferCopySettings

from .fakes import ShopInputs, good_answer, one_segment, tool_use_response

THROTTLED = (429, "ThrottlingException", {"message": "Too many requests, please wait."})
UNAVAILABLE = (503, "ServiceUnavailableException", {"message": "Service unavailable."})


@dataclass
class ScriptedBedrock:
    """Answers POSTs from a script of (status, error type, body); the last entry repeats."""

    script: list[tuple[int, str | None, Any]]
    delay_seconds: float = 0.0
    paths: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def respond(self, handler: BaseHTTPRequestHandler) -> None:
        handler.rfile.read(int(handler.headers.get("Content-Length", 0)))
        self.paths.append(handler.path)
        status, error_type, body = self.script[min(len(self.paths), len(self.script)) - 1]
        if self.delay_seconds:
            self.stop.wait(self.delay_seconds)
        payload = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(payload)))
        if error_type:
            handler.send_header("x-amzn-ErrorType", f"{error_type}:http://internal.amazon.com/")
        handler.end_headers()
        handler.wfile.write(payload)


@pytest.fixture
def serve() -> Iterator[Any]:
    """Yields start(script, delay) -> (ScriptedBedrock, url) on a free port; stops them all."""
    servers: list[tuple[ThreadingHTTPServer, ScriptedBedrock]] = []

    def start(script: list[tuple[int, str | None, Any]], delay: float = 0.0) -> Any:
        bedrock = ScriptedBedrock(script, delay)

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                # The client may have given up already (read timeout test).
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    bedrock.respond(self)

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append((server, bedrock))
        return bedrock, f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server, bedrock in servers:
        bedrock.stop.set()
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retry immediately: the test is about how many attempts, not how long they wait."""
    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0.0)


def run(
    shop: ShopInputs, url: str, tmp_path: Any, max_attempts: int, read_timeout: float = 5.0
) -> pd.DataFrame:
    settings = OfferCopySettings(
        provider="bedrock",
        bedrock=BedrockSettings(
            region="us-east-1",
            endpoint_url=url,
            max_attempts=max_attempts,
            connect_timeout=2.0,
            read_timeout=read_timeout,
        ),
    )
    briefs, offered = one_segment(shop, "At Risk")
    return generate_offer_copy(briefs, offered, settings, cache=LocalDirCache(tmp_path))


def valid(brief: SegmentBrief) -> tuple[int, None, Any]:
    return (200, None, tool_use_response(good_answer(brief)))


def at_risk(briefs: list[SegmentBrief]) -> SegmentBrief:
    return next(brief for brief in briefs if brief.segment_name == "At Risk")


def test_throttling_and_503_are_retried_then_the_answer_is_used(
    serve: Any, shop: ShopInputs, briefs: list[SegmentBrief], tmp_path: Any
) -> None:
    bedrock, url = serve([THROTTLED, UNAVAILABLE, valid(at_risk(briefs))])
    frame = run(shop, url, tmp_path, max_attempts=3)

    assert len(bedrock.paths) == 3
    assert set(bedrock.paths) == {"/model/amazon.nova-lite-v1%3A0/converse"}
    assert (frame["copy_source"] == "bedrock").all()
    assert frame["fallback_reason"].isna().all()


def test_without_retries_throttling_falls_back(
    serve: Any, shop: ShopInputs, briefs: list[SegmentBrief], tmp_path: Any
) -> None:
    bedrock, url = serve([THROTTLED, valid(at_risk(briefs))])
    frame = run(shop, url, tmp_path, max_attempts=1)

    assert len(bedrock.paths) == 1
    assert (frame["fallback_reason"] == "throttled").all()
    assert (frame["copy_source"] == "template").all()


def test_retries_stop_at_max_attempts(serve: Any, shop: ShopInputs, tmp_path: Any) -> None:
    bedrock, url = serve([THROTTLED])
    frame = run(shop, url, tmp_path, max_attempts=4)

    assert len(bedrock.paths) == 4
    assert (frame["fallback_reason"] == "throttled").all()


def test_a_read_timeout_falls_back(
    serve: Any, shop: ShopInputs, briefs: list[SegmentBrief], tmp_path: Any
) -> None:
    bedrock, url = serve([valid(at_risk(briefs))], delay=2.0)
    frame = run(shop, url, tmp_path, max_attempts=1, read_timeout=0.2)

    assert len(bedrock.paths) == 1
    assert (frame["fallback_reason"] == "timeout").all()
    assert (frame["copy_source"] == "template").all()
