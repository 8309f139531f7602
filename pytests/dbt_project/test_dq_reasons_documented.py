"""The one list of quarantine reasons (seeds/reference/dq_reasons.csv) and
the page that explains them (docs/data_quality.md) say the same thing."""

from __future__ import annotations

import csv
import re

from dbt_runner import PROJECT_DIR

SEED = PROJECT_DIR / "seeds" / "reference" / "dq_reasons.csv"
DOC = PROJECT_DIR / "docs" / "data_quality.md"


def seed_reasons() -> set[str]:
    with SEED.open() as handle:
        return {row["dq_reason"] for row in csv.DictReader(handle)}


def documented_reasons() -> set[str]:
    """Every `reason` in the first column of the page's reasons table."""
    table = DOC.read_text().split("| dq_reason | tables | meaning |", 1)[1]
    reasons: set[str] = set()
    for line in table.splitlines()[2:]:
        if not line.startswith("|"):
            break
        reasons |= set(re.findall(r"`([a-z_]+)`", line.split("|")[1]))
    return reasons


def test_every_seeded_reason_is_documented_and_nothing_else() -> None:
    assert seed_reasons() == documented_reasons()
