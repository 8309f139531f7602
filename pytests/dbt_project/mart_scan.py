"""Scans every text column of every mart, keys included, for personal data."""

from __future__ import annotations

import re

from dbt_runner import DbtProject

EMAIL_PATTERN = re.compile(r"[a-z0-9._%+-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}", re.IGNORECASE)


def email_shaped_values_in_marts(
    project: DbtProject, raw_emails: set[str]
) -> list[tuple[str, str, str]]:
    """(mart, column, value) for every value that looks like an email address
    or contains one of `raw_emails` (lower-cased). The quarantine mart must be
    among the scanned tables: it keeps raw rows as text."""
    leaks, scanned = [], set()
    for table, column in project.query(
        "select table_name, column_name from information_schema.columns "
        "where table_schema = 'rfm_marts' and data_type like 'VARCHAR%'"
    ):
        scanned.add((table, column))
        for (value,) in project.query(
            f'select distinct "{column}" from rfm_marts."{table}" where "{column}" is not null'
        ):
            lowered = value.lower()
            if EMAIL_PATTERN.search(lowered) or any(email in lowered for email in raw_emails):
                leaks.append((table, column, value))
    assert ("fct_quarantined_rows", "raw_record") in scanned
    assert ("dim_customers", "customer_id") in scanned
    return leaks
