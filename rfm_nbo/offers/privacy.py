"""Scan an outgoing request for customer-level data before it leaves the build.

The prompt is built from segment aggregates only, so this should never find
anything; it exists to prove that (tests feed it the whole customer table) and
to stop a request at run time if a future change lets a customer id or an
e-mail address slip into catalogue text or a brief. Three kinds of finding:
text shaped like the project's customer ids (``C`` and seven digits), text
shaped like an e-mail address, and any of a given set of forbidden strings
(e.g. every customer_id and email of the customer table).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from rfm_nbo.offers.text_rules import EMAIL_PATTERN

CUSTOMER_ID_PATTERN = re.compile(r"\bC\d{7}\b")
CUSTOMER_COLUMNS = ("customer_id", "email")
# Shorter forbidden values match too much ordinary text to mean anything.
MIN_FORBIDDEN_LENGTH = 4


def payload_text(payload: Any) -> str:
    """The payload as one JSON text (what would be sent), so nested fields are scanned too."""
    if isinstance(payload, str):
        return payload
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str)


def forbidden_values(customers: Any, columns: Sequence[str] = CUSTOMER_COLUMNS) -> set[str]:
    """Every non-empty value of the given columns of a customers DataFrame, as strings."""
    values: set[str] = set()
    for column in columns:
        if column in customers.columns:
            values.update(str(value) for value in customers[column].dropna() if str(value))
    return values


def find_customer_data(
    payload: Any,
    customers: Any = None,
    forbidden: Iterable[str] = (),
    customer_id_pattern: re.Pattern[str] = CUSTOMER_ID_PATTERN,
) -> list[str]:
    """What in ``payload`` looks like customer-level data; empty when clean.

    ``customers`` (a DataFrame with customer_id and/or email columns) and
    ``forbidden`` add exact strings that must not appear anywhere.
    """
    text = payload_text(payload)
    findings = [f"customer id pattern: {match}" for match in customer_id_pattern.findall(text)]
    findings += [f"e-mail address: {match}" for match in EMAIL_PATTERN.findall(text)]
    exact = set(forbidden)
    if customers is not None:
        exact |= forbidden_values(customers)
    lowered = text.lower()
    findings += [
        f"forbidden value: {value}"
        for value in sorted(exact)
        if len(value) >= MIN_FORBIDDEN_LENGTH and value.lower() in lowered
    ]
    return findings
