"""The Athena table layout: Iceberg marts, Hive Parquet intermediates, Spark-written
Python models, a partitioned migration mart; and DuckDB untouched by any of it."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from rfm_nbo.portability.athena_tables import (
    TABLE_RULES,
    athena_s3_data_naming,
    check_table_configs,
    check_target,
)
from rfm_nbo.portability.builds import ReferenceBuild

PROJECT_DIR = Path(__file__).resolve().parents[2]
ATHENA_KEYS = ("table_type", "format", "write_compression", "partitioned_by", "engine_config")


def _models(manifest: dict) -> dict[str, dict]:
    return {
        node["name"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] in ("model", "seed")
    }


@pytest.fixture(scope="module")
def athena_manifest(athena_compile: tuple[Path, str, int]) -> dict:
    target, output, status = athena_compile
    assert status == 0, output
    return json.loads((target / "manifest.json").read_text())


@pytest.mark.slow
def test_athena_table_configuration_passes_every_rule(
    athena_compile: tuple[Path, str, int],
) -> None:
    assert check_target(athena_compile[0], PROJECT_DIR) == []
    assert "table configuration: 0 problem(s)" in athena_compile[1]


@pytest.mark.slow
def test_marts_and_incremental_tables_iceberg_others_hive_all_parquet(
    athena_manifest: dict,
) -> None:
    models = _models(athena_manifest)
    # Athena Spark cannot read Athena views: whatever a Python model reads is a table.
    read_by_python = {
        parent.split(".")[-1]
        for node in models.values()
        if node.get("language") == "python"
        for parent in node["depends_on"]["nodes"]
    }
    for name, node in models.items():
        config = node["config"]
        if config["materialized"] == "view":
            assert name not in read_by_python, name
            assert not node["original_file_path"].startswith("models/marts/"), name
            continue
        assert config["format"] == "parquet", name
        if node["original_file_path"].startswith("models/marts/"):
            assert config["table_type"] == "iceberg", name
            assert config["write_compression"] == "zstd", name
        elif config["materialized"] == "incremental":
            # MERGE needs Iceberg; no Python model may read it (Spark reads Hive).
            assert config["table_type"] == "iceberg", name
            assert name not in read_by_python, name
        elif node["resource_type"] == "model":
            assert config["table_type"] == "hive", name
        if node.get("language") == "python":
            assert config["write_compression"] == "snappy", name


@pytest.mark.slow
def test_only_the_migration_mart_is_partitioned(athena_manifest: dict) -> None:
    partitioned = {
        name: node["config"]["partitioned_by"]
        for name, node in _models(athena_manifest).items()
        if node["config"].get("partitioned_by")
    }
    assert partitioned == {"fct_segment_migration": ["month_end_date"]}


@pytest.mark.slow
def test_spark_models_share_one_engine_configuration(athena_manifest: dict) -> None:
    models = _models(athena_manifest)
    kmeans = [
        models[name]["config"]
        for name in ("int_kmeans_diagnostics", "int_kmeans_centroids", "int_customers_clustered")
    ]
    # dbt-athena starts one Spark session per distinct engine configuration.
    assert all(config["engine_config"] == kmeans[0]["engine_config"] for config in kmeans)
    assert kmeans[0]["engine_config"]["MaxConcurrentDpus"] >= 2  # Athena's minimum
    python_models = {name for name, node in models.items() if node.get("language") == "python"}
    assert {"int_clv_parameters", "int_customers_clv", "int_clv_calibration_expected"} < (
        python_models
    )
    # Every Spark calculation stops before dbt-athena's 12-hour default.
    for name in python_models:
        timeout = models[name]["config"]["timeout"]
        assert isinstance(timeout, int) and 0 < timeout < 12 * 3600, name


@pytest.mark.slow
def test_duckdb_build_sees_none_of_the_athena_configs(reference_build: ReferenceBuild) -> None:
    for name, node in _models(reference_build.manifest()).items():
        for key in ATHENA_KEYS:
            assert node["config"].get(key) is None, (name, key)


def test_the_athena_profile_names_unique_locations() -> None:
    assert "unique" in athena_s3_data_naming(PROJECT_DIR)


# ---------------------------------------------------------------------------
# Each rule on a small manifest
# ---------------------------------------------------------------------------

BASE = {
    "nodes": {
        "model.p.int_scores": {
            "resource_type": "model",
            "name": "int_scores",
            "language": "sql",
            "schema": "rfm_intermediate",
            "alias": "int_scores",
            "original_file_path": "models/intermediate/int_scores.sql",
            "config": {"materialized": "table", "table_type": "hive", "format": "parquet"},
            "columns": {},
            "depends_on": {"nodes": []},
        },
        "model.p.dim_things": {
            "resource_type": "model",
            "name": "dim_things",
            "language": "sql",
            "schema": "rfm_marts",
            "alias": "dim_things",
            "original_file_path": "models/marts/dim_things.sql",
            "config": {
                "materialized": "table",
                "table_type": "iceberg",
                "format": "parquet",
                "partitioned_by": ["month(month_end_date)"],
            },
            "columns": {
                "thing_id": {"name": "thing_id", "data_type": "varchar"},
                "month_end_date": {"name": "month_end_date", "data_type": "date"},
            },
            "depends_on": {"nodes": ["model.p.int_scores"]},
        },
        "model.p.int_clusters": {
            "resource_type": "model",
            "name": "int_clusters",
            "language": "python",
            "schema": "rfm_intermediate",
            "alias": "int_clusters",
            "original_file_path": "python_models/int_clusters.py",
            "config": {
                "materialized": "table",
                "table_type": "hive",
                "format": "parquet",
                "write_compression": "snappy",
            },
            "columns": {},
            "depends_on": {"nodes": ["model.p.int_scores"]},
        },
    }
}


def _rules(manifest: dict, naming: str = "schema_table_unique") -> list[str]:
    return [problem.rule for problem in check_table_configs(manifest, naming)]


def test_the_small_manifest_passes() -> None:
    assert _rules(BASE) == []


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        (lambda m: m["model.p.dim_things"]["config"].update(table_type="hive"), "mart-not-iceberg"),
        (lambda m: m["model.p.int_scores"]["config"].update(format="textfile"), "not-parquet"),
        (
            lambda m: m["model.p.dim_things"]["columns"]["thing_id"].update(data_type="smallint"),
            "iceberg-type",
        ),
        (
            lambda m: m["model.p.dim_things"]["config"].update(partitioned_by=["day(ordered_at)"]),
            "partition-column",
        ),
        (
            lambda m: m["model.p.int_clusters"]["depends_on"].update(nodes=["model.p.dim_things"]),
            "python-reads-iceberg",
        ),
        (
            lambda m: m["model.p.int_clusters"]["config"].pop("write_compression"),
            "python-compression",
        ),
        (lambda m: m["model.p.int_scores"].update(schema="rfm-intermediate"), "spark-name"),
    ],
)
def test_each_rule_catches_its_mistake(change, rule: str) -> None:
    manifest = copy.deepcopy(BASE)
    change(manifest["nodes"])
    assert rule in _rules(manifest)


def test_iceberg_needs_unique_locations() -> None:
    assert _rules(BASE, naming="schema_table") == ["iceberg-location-not-unique"]


def test_every_rule_is_tested() -> None:
    tested = {
        "mart-not-iceberg",
        "not-parquet",
        "iceberg-type",
        "partition-column",
        "python-reads-iceberg",
        "python-compression",
        "spark-name",
        "iceberg-location-not-unique",
    }
    assert set(TABLE_RULES) == tested
