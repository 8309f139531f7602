"""Fixtures for the offer copy tests: no real AWS, no real cache directory, realistic inputs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from rfm_nbo.offers.briefs import SegmentBrief, read_briefs

from .fakes import ShopInputs, shop_inputs


@pytest.fixture(autouse=True)
def offline_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Dummy credentials, no profile or config files, and an LLM cache under tmp_path,
    so no test can reach AWS or write into the project's warehouse/."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_BEDROCK_RUNTIME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("RFM_LLM_CACHE_DIR", str(tmp_path / "llm_cache"))


@pytest.fixture(scope="session")
def shop() -> ShopInputs:
    """The realistic inputs (built once; tests must not modify the frames)."""
    return shop_inputs()


@pytest.fixture(scope="session")
def briefs(shop: ShopInputs) -> list[SegmentBrief]:
    """The shop's typed briefs, sorted by segment name."""
    return read_briefs(shop.briefs, shop.offered)


@pytest.fixture
def bedrock_client() -> Iterator[Any]:
    """A real bedrock-runtime client (dummy credentials) for botocore's Stubber."""
    yield boto3.client(
        "bedrock-runtime",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
