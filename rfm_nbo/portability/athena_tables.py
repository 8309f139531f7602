"""How the project's tables are configured for Athena, checked offline on the compiled manifest.

``dbt compile --target athena`` resolves every model's configuration
(dbt_project.yml, YAML, ``config()``) into ``manifest.json``. These rules
catch, before any AWS call, what dbt-athena would only reject (or silently
do badly) at run time. The reasons cite dbt-athena 1.11's macros
(dbt/include/athena/macros/materializations/models/table/) and the Athena
documentation.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import yaml


@dataclass(frozen=True)
class TableRule:
    id: str
    rejects: str
    reason: str


TABLE_RULES: dict[str, TableRule] = {
    r.id: r
    for r in [
        TableRule(
            "mart-not-iceberg",
            "a model under models/marts/ materialized as a table that is not Iceberg",
            "QuickSight reads the marts while dbt rebuilds them: dbt-athena replaces an Iceberg "
            "table by building <name>__ha beside it and renaming (near-zero downtime); a Hive "
            "table is dropped, then re-created.",
        ),
        TableRule(
            "not-parquet",
            "a table or seed whose format is not parquet",
            "Parquet is columnar: Athena reads only the columns a query uses, and bills bytes "
            "scanned.",
        ),
        TableRule(
            "iceberg-location-not-unique",
            "Iceberg tables while profiles.yml's athena s3_data_naming lacks 'unique'",
            "the swap builds the new table before dropping the old one, so both need their own "
            "S3 location; dbt-athena raises 'You need to have an unique table location when "
            "creating Iceberg table' (create_table_as.sql).",
        ),
        TableRule(
            "iceberg-type",
            "a contract data_type Athena cannot store in Iceberg (tinyint, smallint, char, "
            "time, timestamp with time zone)",
            "Athena docs, 'Supported data types for Iceberg tables in Athena'.",
        ),
        TableRule(
            "partition-column",
            "partitioned_by naming a column the model's contract does not declare",
            "Athena CTAS fails on an unknown partition column; for Iceberg a transform such as "
            "month(col) must name a declared column too.",
        ),
        TableRule(
            "python-reads-iceberg",
            "a Python model (not itself Iceberg) reading an Iceberg table",
            "dbt-athena sets the Iceberg catalogue Spark properties only when the Python model's "
            "own table_type is iceberg (constants.py DEFAULT_SPARK_PROPERTIES); otherwise "
            "spark.table() cannot read an Iceberg table.",
        ),
        TableRule(
            "python-compression",
            "a Python model without write_compression",
            "dbt-athena's Spark writer passes option('compression', '<write_compression>'); "
            "unset it renders 'None', i.e. uncompressed Parquet.",
        ),
        TableRule(
            "spark-name",
            "a Python model, or a relation it reads, whose schema or name is not [0-9A-Za-z_]",
            "Spark on Athena cannot reference such tables (dbt-athena docs, Python models).",
        ),
    ]
}

ICEBERG_UNSUPPORTED = re.compile(r"^(tinyint|smallint|char\b|char\(|time\b|timestamp.*time zone)")
SPARK_NAME = re.compile(r"^[0-9A-Za-z_]+$")


@dataclass(frozen=True)
class TableProblem:
    node: str
    rule: str
    detail: str

    def render(self) -> str:
        return f"{self.node}: [{self.rule}] {self.detail}"


def athena_s3_data_naming(project_dir: Path, target: str = "athena") -> str:
    """The athena output's s3_data_naming in profiles.yml ('' when absent)."""
    profiles = yaml.safe_load((project_dir / "profiles.yml").read_text())
    for profile in profiles.values():
        output = (profile.get("outputs") or {}).get(target)
        if output:
            return str(output.get("s3_data_naming") or "")
    return ""


def _table_type(config: dict) -> str:
    return str(config.get("table_type") or "hive").lower()


def check_table_configs(manifest: dict, s3_data_naming: str) -> list[TableProblem]:
    """Every rule of ``TABLE_RULES`` on the compiled Athena manifest."""
    problems: list[TableProblem] = []
    nodes = {
        uid: node
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] in ("model", "seed")
    }
    has_iceberg = False
    for node in nodes.values():
        config = node.get("config") or {}
        name = node["name"]
        materialized = config.get("materialized")
        is_table = materialized in ("table", "incremental", "seed")
        table_type = _table_type(config)
        if not is_table:
            continue
        if str(config.get("format") or "parquet").lower() != "parquet":
            problems.append(TableProblem(name, "not-parquet", f"format={config.get('format')}"))
        is_mart = "/marts/" in "/" + node["original_file_path"]
        if is_mart and materialized == "table" and table_type != "iceberg":
            problems.append(TableProblem(name, "mart-not-iceberg", f"table_type={table_type}"))
        if table_type == "iceberg":
            has_iceberg = True
            for column in (node.get("columns") or {}).values():
                data_type = str(column.get("data_type") or "").strip().lower()
                if data_type and ICEBERG_UNSUPPORTED.match(data_type):
                    problems.append(
                        TableProblem(name, "iceberg-type", f"{column['name']} {data_type}")
                    )
        partitioned_by = config.get("partitioned_by") or []
        declared = set(node.get("columns") or {})
        for expression in partitioned_by:
            match = re.match(r"^\s*(?:\w+\s*\(\s*(?:\d+\s*,\s*)?)?(\w+)", str(expression))
            column = match.group(1) if match else str(expression)
            if column not in declared:
                problems.append(
                    TableProblem(
                        name, "partition-column", f"{expression} (declared: {sorted(declared)})"
                    )
                )
        if node.get("language") == "python":
            if not config.get("write_compression"):
                problems.append(TableProblem(name, "python-compression", "write_compression unset"))
            names = [(node["schema"], node.get("alias") or name)]
            for parent_id in (node.get("depends_on") or {}).get("nodes", []):
                parent = nodes.get(parent_id)
                if parent is None:
                    continue
                names.append((parent["schema"], parent.get("alias") or parent["name"]))
                if _table_type(parent.get("config") or {}) == "iceberg" and table_type != "iceberg":
                    problems.append(
                        TableProblem(name, "python-reads-iceberg", f"reads {parent['name']}")
                    )
            for schema, identifier in names:
                for part in (schema, identifier):
                    if not SPARK_NAME.match(part):
                        problems.append(TableProblem(name, "spark-name", f"{schema}.{identifier}"))
    if has_iceberg and "unique" not in s3_data_naming:
        problems.append(
            TableProblem(
                "profiles.yml", "iceberg-location-not-unique", f"s3_data_naming={s3_data_naming!r}"
            )
        )
    return problems


def check_target(target_path: Path, project_dir: Path) -> list[TableProblem]:
    """The rules on ``<target_path>/manifest.json`` and the project's profiles.yml."""
    manifest = json.loads((target_path / "manifest.json").read_text())
    return check_table_configs(manifest, athena_s3_data_naming(project_dir))


def table_summary(manifest: dict) -> dict[str, list[str]]:
    """Table type -> model names (what a person wants to see at a glance)."""
    summary: dict[str, list[str]] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] not in ("model", "seed"):
            continue
        config = node.get("config") or {}
        if config.get("materialized") == "view":
            kind = "view"
        else:
            kind = _table_type(config)
            if node.get("language") == "python":
                kind += " (Spark)"
        summary.setdefault(kind, []).append(node["name"])
    return {kind: sorted(names) for kind, names in sorted(summary.items())}
