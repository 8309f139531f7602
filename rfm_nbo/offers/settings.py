"""Run parameters of the copy writer, read once from the dbt model's config and checked.

dbt Python models cannot call ``var()``; the model's YAML puts each var under
``config.meta`` (rendered by dbt at parse time) and the model reads them with
``dbt.config.meta_get``. Values may arrive as strings, numbers or None, so
this module coerces them and holds the defaults in one place:

| var                       | default                      |
|---------------------------|------------------------------|
| llm_provider              | template                     |
| bedrock_model_id          | amazon.nova-lite-v1:0        |
| bedrock_region            | the AWS default chain        |
| llm_max_calls_per_build   | 20                           |
| llm_products_per_segment  | 20                           |
| llm_cache_dir             | env RFM_LLM_CACHE_DIR, else warehouse/llm_cache |
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rfm_nbo.offers.bedrock import DEFAULT_MODEL_ID, BedrockSettings
from rfm_nbo.offers.budget import DEFAULT_MAX_CALLS_PER_BUILD

PROVIDERS = ("template", "bedrock")
CONFIG_KEYS = (
    "llm_provider",
    "bedrock_model_id",
    "bedrock_region",
    "llm_max_calls_per_build",
    "llm_products_per_segment",
    "llm_cache_dir",
)
DEFAULT_PRODUCTS_PER_SEGMENT = 20


@dataclass(frozen=True)
class OfferCopySettings:
    """Which writer, how many calls and products at most, where answers are cached, how to
    reach Bedrock."""

    provider: str = "template"
    max_calls_per_build: int = DEFAULT_MAX_CALLS_PER_BUILD
    # The LLM writes for at most this many products per segment (best copy_priority
    # first); the rest get template copy. Bounds a request's size and its answer.
    products_per_segment: int = DEFAULT_PRODUCTS_PER_SEGMENT
    cache_location: str | None = None
    bedrock: BedrockSettings = field(default_factory=BedrockSettings)
    # Stop calling after this many failed calls in a row (e.g. no model access):
    # the remaining segments fall back at once instead of each waiting for errors.
    max_consecutive_failures: int = 3

    def __post_init__(self) -> None:
        """Refuse an unknown provider or a negative budget with the var to fix."""
        if self.provider not in PROVIDERS:
            raise ValueError(
                f"var llm_provider is {self.provider!r}; expected one of {', '.join(PROVIDERS)}"
            )
        if self.max_calls_per_build < 0:
            raise ValueError(
                f"var llm_max_calls_per_build must be 0 or more, got {self.max_calls_per_build}"
            )
        if self.products_per_segment < 1:
            raise ValueError(
                f"var llm_products_per_segment must be 1 or more, got {self.products_per_segment}"
            )


def settings_from_config(values: Mapping[str, Any]) -> OfferCopySettings:
    """Settings from the model's config values (missing, None, '' and 'none' mean default)."""
    provider = _text(values.get("llm_provider")) or "template"
    budget = _text(values.get("llm_max_calls_per_build"))
    per_segment = _text(values.get("llm_products_per_segment"))
    return OfferCopySettings(
        provider=provider.lower(),
        max_calls_per_build=_integer(budget, "llm_max_calls_per_build")
        if budget
        else DEFAULT_MAX_CALLS_PER_BUILD,
        products_per_segment=_integer(per_segment, "llm_products_per_segment")
        if per_segment
        else DEFAULT_PRODUCTS_PER_SEGMENT,
        cache_location=_text(values.get("llm_cache_dir")),
        bedrock=BedrockSettings(
            model_id=_text(values.get("bedrock_model_id")) or DEFAULT_MODEL_ID,
            region=_text(values.get("bedrock_region")),
        ),
    )


def _text(value: Any) -> str | None:
    """A stripped string, or None for empty and null-like values."""
    if value is None:
        return None
    text = str(value).strip()
    return None if text.lower() in ("", "none", "null") else text


def _integer(text: str, name: str) -> int:
    """An int from text, or an error naming the var."""
    try:
        return int(float(text)) if float(text).is_integer() else int(text)
    except ValueError as error:
        raise ValueError(f"var {name} must be a whole number, got {text!r}") from error
