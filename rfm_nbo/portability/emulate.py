"""Run the Athena-compiled project on DuckDB: the emulation half of the transpile check.

Reads ``manifest.json`` of ``dbt compile --target athena`` and rebuilds every
relation it names, in dependency order, in a DuckDB catalogue named like the
Athena one (``awsdatacatalog``), so the compiled SQL runs unchanged apart
from ``transpile.translate``:

- demo seeds (``seeds/demo/*.csv``): every column text, as on Athena (the
  seeds declare ``string`` for every column) and as a raw export arrives;
- reference seeds: the ``column_types`` the seed declares (a column without
  one is an error: the Athena type would be the adapter's guess);
- Python models: copied from a DuckDB build of the same project and vars
  (they are Python, not SQL; ``pytests/spark`` runs their Spark path);
- SQL models: translated and run as views or tables, as materialized.

Nothing is skipped: every node ends in ``EmulationResult.runs``.
"""

from __future__ import annotations

import graphlib
import json
import math
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from rfm_nbo.portability.transpile import (
    Finding,
    TranslationError,
    schema_from_columns,
    translate,
)

RAW_SEED_PREFIX = "seeds/demo/"

# Athena seed column types (column_types in YAML) -> DuckDB types.
_SEED_TYPES = {
    "string": "VARCHAR",
    "varchar": "VARCHAR",
    "int": "INTEGER",
    "integer": "INTEGER",
    "bigint": "BIGINT",
    "double": "DOUBLE",
    "float": "DOUBLE",  # Athena's float in DDL is a 4-byte REAL; we use no float seed column
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
}


@dataclass(frozen=True)
class ManifestNode:
    """A model or seed of the Athena manifest."""

    unique_id: str
    resource_type: str
    name: str
    language: str
    materialized: str
    database: str
    schema: str
    alias: str
    relation_name: str
    original_file_path: str
    code: str
    column_types: dict[str, str]
    depends_on: tuple[str, ...]

    @property
    def is_mart(self) -> bool:
        return "/marts/" in f"/{self.original_file_path}"


@dataclass
class NodeRun:
    """How one node got into the emulation database."""

    node: ManifestNode
    how: str  # "raw seed (text)", "reference seed (declared types)", "copied ...", "sql"
    seconds: float = 0.0
    translations: set[str] = field(default_factory=set)
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None
    duckdb_sql: str = ""


@dataclass
class EmulationResult:
    """Every node, in the order it was built."""

    runs: list[NodeRun]

    def run_of(self, name: str) -> NodeRun:
        for run in self.runs:
            if run.node.name == name:
                return run
        raise KeyError(name)

    @property
    def errors(self) -> list[NodeRun]:
        return [run for run in self.runs if run.error]


def read_manifest_nodes(target_path: Path) -> list[ManifestNode]:
    """Models and seeds of the compiled manifest, in dependency order (ties by id)."""
    manifest_file = target_path / "manifest.json"
    if not manifest_file.exists():
        raise FileNotFoundError(f"{manifest_file} does not exist: compile for Athena first")
    manifest = json.loads(manifest_file.read_text())
    nodes: dict[str, ManifestNode] = {}
    for unique_id, node in manifest["nodes"].items():
        if node["resource_type"] not in ("model", "seed"):
            continue
        config = node.get("config") or {}
        nodes[unique_id] = ManifestNode(
            unique_id=unique_id,
            resource_type=node["resource_type"],
            name=node["name"],
            language=node.get("language") or "sql",
            materialized=config.get("materialized", ""),
            database=node["database"],
            schema=node["schema"],
            alias=node.get("alias") or node["name"],
            relation_name=node["relation_name"],
            original_file_path=node["original_file_path"],
            code=node.get("compiled_code") or "",
            column_types=dict(config.get("column_types") or {}),
            depends_on=tuple((node.get("depends_on") or {}).get("nodes", [])),
        )
    sorter = graphlib.TopologicalSorter(
        {uid: [d for d in n.depends_on if d in nodes] for uid, n in nodes.items()}
    )
    sorter.prepare()
    ordered: list[str] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready())
        ordered.extend(ready)
        sorter.done(*ready)
    return [nodes[uid] for uid in ordered]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def normal_cdf(mean: float | None, sd: float | None, value: float | None) -> float | None:
    """Trino's normal_cdf(mean, sd, x), exactly (math.erf)."""
    if mean is None or sd is None or value is None:
        return None
    return 0.5 * (1.0 + math.erf((value - mean) / (sd * math.sqrt(2.0))))


def _double_type() -> Any:
    try:
        from duckdb import sqltypes  # duckdb >= 1.4

        return sqltypes.DOUBLE
    except ImportError:  # older duckdb
        from duckdb import typing

        return typing.DOUBLE


def connect_emulation(catalog: str = "awsdatacatalog") -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with an attached catalogue named like Athena's and Trino's
    normal_cdf as a UDF."""
    con = duckdb.connect()
    con.execute(f"attach ':memory:' as {_quote(catalog)}")
    double = _double_type()
    con.create_function("normal_cdf", normal_cdf, [double, double, double], double)
    return con


class Emulator:
    """Builds the nodes of an Athena manifest in a DuckDB database."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        project_dir: Path,
        reference_relation: Callable[[ManifestNode], str],
    ) -> None:
        self.con = con
        self.project_dir = project_dir
        self.reference_relation = reference_relation
        self._schemas: set[tuple[str, str]] = set()

    def _ensure_schema(self, node: ManifestNode) -> None:
        key = (node.database, node.schema)
        if key not in self._schemas:
            self.con.execute(
                f"create schema if not exists {_quote(node.database)}.{_quote(node.schema)}"
            )
            self._schemas.add(key)

    def columns(self) -> list[tuple[str, str, str, str, str]]:
        """(catalog, schema, table, column, type) of everything built so far."""
        databases = sorted({database for database, _ in self._schemas})
        if not databases:
            return []
        return self.con.execute(
            "select table_catalog, table_schema, table_name, column_name, data_type "
            "from information_schema.columns where table_catalog in "
            f"({', '.join(_literal(d) for d in databases)}) order by ordinal_position"
        ).fetchall()

    def load_seed(self, node: ManifestNode) -> NodeRun:
        csv_path = self.project_dir / node.original_file_path
        self._ensure_schema(node)
        if node.original_file_path.startswith(RAW_SEED_PREFIX):
            self.con.execute(
                f"create table {node.relation_name} as select * from read_csv("
                f"{_literal(str(csv_path))}, header = true, all_varchar = true)"
            )
            return NodeRun(node, "raw seed (all text)")
        header = self.con.execute(
            f"select * from read_csv({_literal(str(csv_path))}, header = true, "
            "all_varchar = true) limit 0"
        ).description
        names = [column[0] for column in header]
        undeclared = [name for name in names if name not in node.column_types]
        if undeclared:
            return NodeRun(
                node,
                "reference seed",
                error=f"columns without column_types (Athena would guess): {undeclared}",
            )
        unknown = {
            name: kind
            for name, kind in node.column_types.items()
            if kind.lower() not in _SEED_TYPES and not kind.lower().startswith("decimal")
        }
        if unknown:
            return NodeRun(node, "reference seed", error=f"unmapped seed types: {unknown}")
        casts = ", ".join(
            f"cast(nullif({_quote(name)}, '') as "
            f"{_SEED_TYPES.get(node.column_types[name].lower(), node.column_types[name])}) "
            f"as {_quote(name)}"
            for name in names
        )
        self.con.execute(
            f"create table {node.relation_name} as select {casts} from read_csv("
            f"{_literal(str(csv_path))}, header = true, all_varchar = true)"
        )
        return NodeRun(node, "reference seed (declared column_types)")

    def copy_python_model(self, node: ManifestNode) -> NodeRun:
        self._ensure_schema(node)
        source = self.reference_relation(node)
        try:
            self.con.execute(f"create table {node.relation_name} as select * from {source}")
        except duckdb.Error as error:
            return NodeRun(node, "python model", error=f"cannot copy {source}: {error}")
        return NodeRun(node, f"python model: copied from the DuckDB build ({source})")

    def run_sql_model(self, node: ManifestNode) -> NodeRun:
        self._ensure_schema(node)
        started = time.monotonic()
        run = NodeRun(node, "sql")
        try:
            translated = translate(node.code, schema_from_columns(self.columns()))
        except TranslationError as error:
            run.error = f"translation failed: {error}"
            return run
        run.translations = translated.translations
        run.findings = translated.findings
        run.duckdb_sql = translated.sql
        kind = "view" if node.materialized == "view" else "table"
        try:
            self.con.execute(f"create {kind} {node.relation_name} as {translated.sql}")
        except duckdb.Error as error:
            run.error = f"DuckDB rejected the translated SQL: {error}"
        run.seconds = time.monotonic() - started
        return run

    def build(self, nodes: list[ManifestNode]) -> EmulationResult:
        runs = []
        for node in nodes:
            if node.resource_type == "seed":
                run = self.load_seed(node)
            elif node.language == "python":
                run = self.copy_python_model(node)
            else:
                run = self.run_sql_model(node)
            runs.append(run)
        return EmulationResult(runs)


def iter_sql_models(result: EmulationResult) -> Iterator[NodeRun]:
    """The SQL models among the runs."""
    for run in result.runs:
        if run.node.resource_type == "model" and run.node.language == "sql":
            yield run


REFERENCE_ALIAS = "reference_build"


def emulate(
    athena_target: Path,
    reference_warehouse: Path,
    project_dir: Path,
    reference_relations: Mapping[str, tuple[str, str]] | None = None,
) -> tuple[duckdb.DuckDBPyConnection, EmulationResult, Callable[[ManifestNode], str]]:
    """Build every node of the Athena manifest in DuckDB.

    The reference warehouse (a DuckDB build of the project) is attached
    read-only as ``reference_build``; ``reference_relations`` maps a node's
    unique id to its (schema, identifier) there (default: the Athena names,
    which match when ATHENA_SCHEMA equals RFM_SCHEMA). Returns the
    connection, the runs, and the function naming a node's reference relation.
    """
    nodes = read_manifest_nodes(athena_target)
    catalogs = {node.database for node in nodes}
    if len(catalogs) != 1:
        raise ValueError(f"expected one Athena catalogue in the manifest, found {catalogs}")
    con = connect_emulation(catalogs.pop())
    con.execute(f"attach {_literal(str(reference_warehouse))} as {REFERENCE_ALIAS} (read_only)")
    relations = dict(reference_relations or {})

    def reference_relation(node: ManifestNode) -> str:
        schema, identifier = relations.get(node.unique_id, (node.schema, node.alias))
        return f"{_quote(REFERENCE_ALIAS)}.{_quote(schema)}.{_quote(identifier)}"

    emulator = Emulator(con, project_dir, reference_relation)
    return con, emulator.build(nodes), reference_relation
