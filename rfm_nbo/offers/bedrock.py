"""Amazon Bedrock: the Converse request for one segment, the client, and one guarded call.

- ``build_converse_request`` is pure: system prompt, the user message built
  from the request input, the answer tool (forced), temperature 0 and a
  ``maxTokens`` sized to the number of listed products (``OUTPUT_TOKENS_BASE``
  plus ``OUTPUT_TOKENS_PER_PRODUCT`` each), never above the settings' bound.
  Tests pass it through ``botocore.stub.Stubber``, which checks it against
  the real API model.
- ``make_bedrock_client`` sets botocore's retry mode and attempt count and the
  connect/read timeouts, so throttling and transient 5xx are retried by
  botocore itself, with backoff, a bounded number of times.
- ``call_converse`` never raises for service or network trouble: it returns the
  response or a short reason (``throttled``, ``timeout``, ``api_error: <Code>``)
  so the generator can fall back to the template for that segment.

boto3/botocore are imported inside the functions: the template provider never
needs them, and on Athena for Apache Spark they must come from the dependency
zip, loaded before first use (see docs/offer_copy.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rfm_nbo.offers.answer_schema import answer_json_schema, tool_config
from rfm_nbo.offers.prompt import SYSTEM_PROMPT, render_user_message

# Amazon Nova Lite: Converse tool use with a forced tool choice, cheap, on-demand
# in us-east-1. Any Converse model that supports toolChoice.tool works.
DEFAULT_MODEL_ID = "amazon.nova-lite-v1:0"
MAX_TOKENS_LIMIT = 4096
# One product's copy is at most 520 characters of text plus its JSON keys and id:
# about 160 tokens at ~3.5 characters per token; 180 leaves room. The base covers the
# rationale and the answer's frame. 20 products (llm_products_per_segment) need 3,800.
OUTPUT_TOKENS_BASE = 200
OUTPUT_TOKENS_PER_PRODUCT = 180
RETRY_MODES = ("standard", "adaptive")
THROTTLING_CODES = frozenset(
    {
        "ThrottlingException",
        "TooManyRequestsException",
        "ThrottledException",
        "RequestLimitExceeded",
    }
)
TIMEOUT_CODES = frozenset({"ModelTimeoutException", "RequestTimeout", "RequestTimeoutException"})


@dataclass(frozen=True)
class BedrockSettings:
    """How to reach the model: id, region, retries, timeouts, output bound.

    ``max_attempts`` is the total number of HTTP requests per call, the first included.
    """

    model_id: str = DEFAULT_MODEL_ID
    region: str | None = None
    endpoint_url: str | None = None
    max_attempts: int = 4
    retry_mode: str = "standard"
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    max_tokens: int = MAX_TOKENS_LIMIT

    def __post_init__(self) -> None:
        """Refuse settings that would make calls unbounded or fail on every call."""
        if not self.model_id:
            raise ValueError("bedrock model id is empty: set var bedrock_model_id")
        if self.retry_mode not in RETRY_MODES:
            raise ValueError(f"retry_mode must be one of {RETRY_MODES}, got {self.retry_mode!r}")
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be >= 1, got {self.max_attempts}")
        if not 1 <= self.max_tokens <= MAX_TOKENS_LIMIT:
            raise ValueError(f"max_tokens must be in 1..{MAX_TOKENS_LIMIT}, got {self.max_tokens}")
        if self.connect_timeout <= 0 or self.read_timeout <= 0:
            raise ValueError("connect_timeout and read_timeout must be positive")


@dataclass(frozen=True)
class CallOutcome:
    """One Converse call: the response, or why there is none."""

    response: dict[str, Any] | None
    failure: str | None


def make_bedrock_client(settings: BedrockSettings) -> Any:
    """A bedrock-runtime client with bounded retries and timeouts (credentials: the usual chain).

    Stops with what to do when the installed botocore predates Bedrock's Converse API
    (as on Athena for Apache Spark without the dependency zip).
    """
    import boto3
    import botocore
    from botocore.config import Config
    from botocore.exceptions import UnknownServiceError

    # total_max_attempts counts the first request; botocore's "max_attempts" key would
    # count only the retries (max_attempts=1 means two requests).
    config = Config(
        retries={"mode": settings.retry_mode, "total_max_attempts": settings.max_attempts},
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
    )
    try:
        client = boto3.client(
            "bedrock-runtime",
            region_name=settings.region,
            endpoint_url=settings.endpoint_url,
            config=config,
        )
    except UnknownServiceError:
        client = None
    if client is None or not hasattr(client, "converse"):
        raise RuntimeError(
            f"botocore {botocore.__version__} has no Bedrock Converse API (needs 1.34.116 or "
            "later). On Athena for Apache Spark, build the dependency zip "
            "(scripts/build_spark_deps.py) and set var spark_python_deps_s3_uri; elsewhere, "
            "upgrade boto3. Or use --vars '{llm_provider: template}'."
        )
    return client


def build_converse_request(
    request_input: Mapping[str, Any], model_id: str, max_tokens: int
) -> dict[str, Any]:
    """The keyword arguments of ``client.converse`` for one segment's listed products."""
    product_ids = [product["product_id"] for product in request_input["products"]]
    schema = answer_json_schema(product_ids)
    output_tokens = OUTPUT_TOKENS_BASE + OUTPUT_TOKENS_PER_PRODUCT * len(product_ids)
    return {
        "modelId": model_id,
        "system": [{"text": SYSTEM_PROMPT}],
        "messages": [
            {"role": "user", "content": [{"text": render_user_message(dict(request_input))}]}
        ],
        "inferenceConfig": {"maxTokens": min(max_tokens, output_tokens), "temperature": 0.0},
        "toolConfig": tool_config(schema),
    }


def call_converse(client: Any, request: Mapping[str, Any]) -> CallOutcome:
    """Call Converse once (botocore retries inside); turn every service or network error
    into a reason instead of an exception."""
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        ConnectTimeoutError,
        ReadTimeoutError,
    )

    try:
        response = client.converse(**request)
    except ClientError as error:
        code = str(error.response.get("Error", {}).get("Code") or "Unknown")
        if code in THROTTLING_CODES:
            return CallOutcome(None, "throttled")
        if code in TIMEOUT_CODES:
            return CallOutcome(None, "timeout")
        return CallOutcome(None, f"api_error: {code}")
    except (ReadTimeoutError, ConnectTimeoutError):
        return CallOutcome(None, "timeout")
    except BotoCoreError as error:
        return CallOutcome(None, f"api_error: {type(error).__name__}")
    return CallOutcome(cacheable_response(response), None)


def cacheable_response(response: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a Converse response worth keeping: the message, stop reason and usage
    (not the HTTP metadata, which changes on every call)."""
    return {
        "output": response.get("output", {}),
        "stopReason": response.get("stopReason"),
        "usage": response.get("usage", {}),
    }
