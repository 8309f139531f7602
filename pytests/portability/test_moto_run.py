"""dbt-athena's real materializations, run offline against moto: the DDL a rebuild sends.

A rebuild (every relation already in Glue, the marts as Iceberg) is the case
that matters for QuickSight: each mart must be built beside the live table and
swapped in by two renames, never dropped first. About 30 s;
``python -m rfm_nbo.portability.moto_run`` also runs a first deployment.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rfm_nbo.portability.moto_run import (
    DDL_RULES,
    RunResult,
    Statement,
    check_statements,
    run_against_moto,
)
from rfm_nbo.portability.sql_check import check_sql, is_error

PROJECT_DIR = Path(__file__).resolve().parents[2]
DATA_DIR = "s3://rfm-data/"  # moto_env's ATHENA_S3_DATA_DIR


@pytest.fixture(scope="module")
def manifest(athena_compile: tuple[Path, str, int]) -> dict:
    import json

    target, output, status = athena_compile
    assert status == 0, output
    return json.loads((target / "manifest.json").read_text())


@pytest.fixture(scope="module")
def rebuild(manifest: dict, tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    return run_against_moto(PROJECT_DIR, manifest, "rebuild", tmp_path_factory.mktemp("moto_run"))


@pytest.mark.slow
def test_a_rebuild_against_moto_succeeds_and_sends_the_expected_ddl(
    rebuild: RunResult, manifest: dict
) -> None:
    assert rebuild.returncode == 0, rebuild.output[-4000:]
    findings = check_statements(rebuild, manifest, DATA_DIR)
    assert findings == [], "\n".join(f.render() for f in findings)


@pytest.mark.slow
def test_marts_are_swapped_in_never_dropped_first(rebuild: RunResult, manifest: dict) -> None:
    statements = rebuild.for_node("model.rfm_nbo.dim_customers")
    steps = [s.split("*/")[-1].strip().splitlines()[0] for s in statements]
    ha = next(i for i, s in enumerate(steps) if s.startswith("create table") and "__ha" in s)
    to_bkp = next(
        i for i, s in enumerate(steps) if "rename to `rfm_marts`.`dim_customers__bkp`" in s
    )
    to_live = next(i for i, s in enumerate(steps) if "rename to `rfm_marts`.`dim_customers`" in s)
    assert ha < to_bkp < to_live
    assert not any(re.search(r"\bdrop table\b", s, re.I) for s in steps)
    marts = [
        n
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n["original_file_path"].startswith("models/marts/")
    ]
    assert len(marts) == 15  # fct_offer_backtest (issue 13) 14th, fct_clv_calibration 15th


@pytest.mark.slow
def test_the_migration_mart_is_partitioned_by_month_end(rebuild: RunResult) -> None:
    (ctas,) = [
        s for s in rebuild.for_node("model.rfm_nbo.fct_segment_migration") if "create table" in s
    ]
    assert "table_type='iceberg'" in ctas
    assert "partitioning=ARRAY['month_end_date']" in ctas
    assert re.search(
        r"location='s3://rfm-data/rfm_marts/fct_segment_migration/[0-9a-f-]{36}'", ctas
    )


@pytest.mark.slow
def test_intermediates_and_seeds_are_hive_parquet_zstd(rebuild: RunResult) -> None:
    for node_id in ("model.rfm_nbo.int_customers_rfm_scored", "seed.rfm_nbo.orders"):
        ctas = [s for s in rebuild.for_node(node_id) if re.search(r"create table \"", s)][-1]
        assert "table_type='hive'" in ctas, node_id
        assert "format='parquet'" in ctas and "write_compression='zstd'" in ctas, node_id
        assert "external_location='s3://rfm-data/" in ctas, node_id


@pytest.mark.slow
@pytest.mark.parametrize("model", ["int_orders_checked", "int_order_items_checked"])
def test_checked_event_tables_are_merged_with_portable_sql(rebuild: RunResult, model: str) -> None:
    """A rebuild is an incremental build: the loads are read with SQL that is
    Trino, and the result is merged into the live Iceberg table by order key
    and row ordinal (one source row per target row, as MERGE requires)."""
    statements = rebuild.for_node(f"model.rfm_nbo.{model}")
    (ctas,) = [s for s in statements if f'"{model}__dbt_tmp"' in s and "create table" in s]
    assert "table_type='iceberg'" in ctas
    body = ctas.split(")\n    as\n", 1)[1]
    assert "load_order >= " in body  # only the newest loads are read
    assert [v for v in check_sql(body) if is_error(v)] == []
    (merge,) = [s for s in statements if "merge into" in s]
    on_clause = " ".join(merge.split())
    assert "target.order_key = src.order_key and target.row_ordinal = src.row_ordinal" in on_clause
    assert not any(re.search(r"\bdrop table\b|\brename to\b", s, re.I) for s in statements)


# ---------------------------------------------------------------------------
# The DDL checker on hand-written statements
# ---------------------------------------------------------------------------

MINI = {
    "nodes": {
        "model.p.dim_x": {
            "resource_type": "model",
            "name": "dim_x",
            "alias": "dim_x",
            "schema": "rfm_marts",
            "language": "sql",
            "config": {
                "materialized": "table",
                "table_type": "iceberg",
                "write_compression": "zstd",
                "partitioned_by": ["month_end_date"],
            },
        }
    }
}
UUID = "0f8fad5b-d9cb-469f-a165-70867728950e"
CTAS = (
    '-- /* {"node_id": "model.p.dim_x"} */\ncreate table "awsdatacatalog"."rfm_marts"."dim_x__ha"\n'
    "    with (\n      table_type='iceberg',\n      is_external=false,"
    f"location='s3://rfm-data/rfm_marts/dim_x/{UUID}',\n"
    "      partitioning=ARRAY['month_end_date'],\n      write_compression='zstd',\n"
    "      format='parquet'\n    )\n    as\n select 1"
)
RENAMES = [
    "alter table `rfm_marts`.`dim_x` rename to `rfm_marts`.`dim_x__bkp`",
    "alter table `rfm_marts`.`dim_x__ha` rename to `rfm_marts`.`dim_x`",
]


def _result(*sqls: str) -> RunResult:
    return RunResult("rebuild", 0, "", [Statement("model.p.dim_x", sql) for sql in sqls])


INCREMENTAL = {
    "nodes": {
        "model.p.int_x": {
            "resource_type": "model",
            "name": "int_x",
            "alias": "int_x",
            "schema": "rfm_intermediate",
            "language": "sql",
            "config": {
                "materialized": "incremental",
                "table_type": "iceberg",
                "write_compression": "zstd",
                "unique_key": ["order_id", "row_ordinal"],
            },
        }
    }
}
TMP_CTAS = (
    CTAS.replace('"rfm_marts"."dim_x__ha"', '"rfm_intermediate"."int_x__dbt_tmp"')
    .replace(f"rfm_marts/dim_x/{UUID}", f"rfm_intermediate/int_x__dbt_tmp/{UUID}")
    .replace("      partitioning=ARRAY['month_end_date'],\n", "")
)
MERGE = (
    'merge into "awsdatacatalog"."rfm_intermediate"."int_x" as target using '
    '"awsdatacatalog"."rfm_intermediate"."int_x__dbt_tmp" as src on ('
    "target.order_id = src.order_id and target.row_ordinal = src.row_ordinal) "
    "when matched then update set x = src.x when not matched then insert (x) values (src.x)"
)


def _incremental_result(*sqls: str) -> RunResult:
    return RunResult("rebuild", 0, "", [Statement("model.p.int_x", sql) for sql in sqls])


def test_checker_accepts_a_proper_merge() -> None:
    assert check_statements(_incremental_result(TMP_CTAS, MERGE), INCREMENTAL, DATA_DIR) == []


@pytest.mark.parametrize(
    "sqls",
    [
        (TMP_CTAS,),
        (TMP_CTAS, MERGE.replace(" and target.row_ordinal = src.row_ordinal", "")),
        (TMP_CTAS, MERGE, "drop table `rfm_intermediate`.`int_x`"),
    ],
)
def test_checker_rejects_a_bad_merge(sqls: tuple[str, ...]) -> None:
    rules = {f.rule for f in check_statements(_incremental_result(*sqls), INCREMENTAL, DATA_DIR)}
    assert rules == {"merge"}


def test_checker_accepts_a_proper_swap() -> None:
    assert check_statements(_result(CTAS, *RENAMES), MINI, DATA_DIR) == []


@pytest.mark.parametrize(
    ("sqls", "rule"),
    [
        ((CTAS, "drop table `rfm_marts`.`dim_x`", *RENAMES), "swap"),
        ((CTAS,), "swap"),
        ((CTAS.replace("iceberg", "hive"), *RENAMES), "ctas-table-type"),
        ((CTAS.replace("'zstd'", "'gzip'"), *RENAMES), "ctas-format"),
        ((CTAS.replace(f"dim_x/{UUID}", "dim_x"), *RENAMES), "location"),
        ((CTAS.replace("partitioning=ARRAY['month_end_date'],", ""), *RENAMES), "partitioning"),
        ((), "ctas-missing"),
    ],
)
def test_checker_rejects(sqls: tuple[str, ...], rule: str) -> None:
    rules = {f.rule for f in check_statements(_result(*sqls), MINI, DATA_DIR)}
    assert rule in rules, rules
    assert rule in DDL_RULES
