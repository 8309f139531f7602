"""The non-default scoring paths compile for Athena and give the DuckDB answer.

The shared portability check runs the default vars (quantile scores, lowest
ties). Here the other SQL paths of macros/rfm_scoring.sql: threshold scores
(hybrid: recency by the seed's days) and spread ties (dense ranks from both
ends), compiled for Athena, emulated on DuckDB and compared with a DuckDB
build under the same vars.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rfm_nbo.portability import builds, transpile_check

PROJECT_DIR = Path(__file__).resolve().parents[2]
RUN_VARS = "{rfm_scoring_method: hybrid, rfm_quantile_ties: spread}"


@pytest.mark.slow
def test_hybrid_scores_with_spread_ties_on_athena_equal_duckdb(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    compiled = builds.athena_compile(
        PROJECT_DIR, tmp_path_factory.mktemp("athena_hybrid"), run_vars=RUN_VARS
    )
    assert compiled.returncode == 0, compiled.output[-5000:]
    reference = builds.build_reference(
        PROJECT_DIR, tmp_path_factory.mktemp("reference_hybrid"), run_vars=RUN_VARS
    )
    report = transpile_check.run_check(
        compiled.target_path,
        reference.warehouse,
        PROJECT_DIR,
        transpile_check.reference_relations_of(reference.manifest()),
    )
    assert report.ok, transpile_check.format_report(report)
    compared = {comparison.model for comparison in report.comparisons}
    assert {"int_customers_rfm_scored", "int_customer_snapshots_rfm_scored"} <= compared
    # The vars reached the Athena SQL: threshold cases and dense ranks.
    scored = next(
        node
        for node in compiled.manifest()["nodes"].values()
        if node["name"] == "int_customers_rfm_scored"
    )
    assert "recency_days_threshold_5" in scored["compiled_code"]
    assert "dense_rank()" in scored["compiled_code"]
