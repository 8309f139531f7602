"""Offer copy per segment and offered product: one LLM request per segment, never per customer.

The dbt model ``python_models/offers/int_segment_offer_copy.py`` is thin glue
around ``generate_offer_copy``. The modules, one job each:

- ``briefs``         the two input tables as typed briefs with their offered products.
- ``text_rules``     what copy must not contain (links, markup, other discounts, deals...).
- ``catalogue``      catalogue text made safe: sanitized, neutral names, cleaned descriptions.
- ``prompt``         system prompt, per-pair input, request input, user message.
- ``answer_schema``  the offer record, copy limits, the answer tool and its JSON schema.
- ``bedrock``        the Converse request, the client (retries, timeouts), one guarded call.
- ``validation``     accept an answer and each product's copy, or name the rule broken.
- ``template``       the offline, deterministic copy writer (default and fallback).
- ``cache``          copy keyed by sha256(model, prompt version, pair input): local or S3.
- ``budget``         the per-build call limit, checked before the first call.
- ``privacy``        scan a request for customer ids, e-mail addresses, forbidden strings.
- ``settings``       the dbt vars, coerced and defaulted in one place.
- ``output``         the output columns and types (pandas, DuckDB, Spark).
- ``generate``       the whole flow for every segment.

Compatibility: this code also runs on Athena for Apache Spark (PySpark engine
v3: Python 3.9, pandas 1.4), shipped in the zip built by
``scripts/build_spark_deps.py``. So: ``from __future__ import annotations``
everywhere, no ``match``, no ``zip(strict=)``, no ``X | Y`` outside
annotations, no pandas 2-only API.
"""

from __future__ import annotations

from rfm_nbo.offers.budget import LlmBudgetExceeded, check_llm_budget
from rfm_nbo.offers.cache import LocalDirCache, S3Cache, cache_key, open_cache
from rfm_nbo.offers.generate import generate_offer_copy
from rfm_nbo.offers.output import (
    OUTPUT_COLUMN_NAMES,
    SPARK_SCHEMA_DDL,
    fallback_summary,
    spark_rows,
)
from rfm_nbo.offers.privacy import find_customer_data
from rfm_nbo.offers.prompt import PROMPT_VERSION
from rfm_nbo.offers.settings import OfferCopySettings, settings_from_config
from rfm_nbo.offers.validation import check_offer, validate_response

__all__ = [
    "OUTPUT_COLUMN_NAMES",
    "PROMPT_VERSION",
    "SPARK_SCHEMA_DDL",
    "LlmBudgetExceeded",
    "LocalDirCache",
    "OfferCopySettings",
    "S3Cache",
    "cache_key",
    "check_llm_budget",
    "check_offer",
    "fallback_summary",
    "find_customer_data",
    "generate_offer_copy",
    "open_cache",
    "settings_from_config",
    "spark_rows",
    "validate_response",
]
