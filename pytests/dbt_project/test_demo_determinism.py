"""Same input, same vars: identical marts and cluster assignments, build after build."""

from __future__ import annotations

import hashlib
from pathlib import Path

from dbt_runner import DbtProject

COMPARED_SCHEMAS = ("rfm_marts",)
COMPARED_TABLES = ("rfm_intermediate.int_customers_clustered",)


def table_fingerprints(project: DbtProject) -> dict[str, str]:
    """An order-independent hash of every row of every compared table."""
    tables = [
        f"{schema}.{table}"
        for (schema, table) in project.query(
            "select table_schema, table_name from information_schema.tables "
            f"where table_schema in {COMPARED_SCHEMAS!r}".replace(",)", ")")
        )
    ] + list(COMPARED_TABLES)
    fingerprints = {}
    for table in tables:
        rows = sorted(repr(row) for row in project.query(f"select * from {table}"))
        fingerprints[table] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    return fingerprints


def test_two_builds_give_identical_marts_and_clusters(
    demo_build: DbtProject, tmp_path: Path
) -> None:
    second = DbtProject(tmp_path)
    run = second.run("build", "--exclude", "resource_type:test", "resource_type:unit_test")
    assert run.returncode == 0, run.output[-3000:]

    first_prints = table_fingerprints(demo_build)
    assert "rfm_marts.fct_next_best_offers" in first_prints
    assert first_prints == table_fingerprints(second)
