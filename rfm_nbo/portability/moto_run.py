"""``dbt build --target athena`` against a local moto server: the DDL dbt-athena really sends.

    python -m rfm_nbo.portability.moto_run            # first build and rebuild, check the DDL

moto accepts every Athena query without running it and keeps a real Glue
catalogue and S3, so dbt-athena's materializations run end to end offline:
they look tables up in Glue, choose between create and swap, delete S3
prefixes, and send their CREATE TABLE AS / ALTER TABLE statements, which moto
records. Two scenarios:

- ``first``: empty project databases (a first deployment): every table is
  created with its final location;
- ``rebuild``: every relation already in Glue (Iceberg marts as Iceberg):
  the marts must be swapped in (``<mart>__ha`` built beside the live table,
  then two renames), never dropped first.

Seeds and SQL models only: moto has no Athena Spark sessions, and the Python
models' Spark side is covered by ``pytests/spark``. ``check_statements``
turns the recorded DDL into findings (``DDL_RULES``). No network, dummy
credentials (``moto_env``).
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from rfm_nbo.portability.dbt_compile import dbt_executable
from rfm_nbo.portability.moto_env import local_aws

WORK_GROUP = "rfm-athena-run"

DDL_RULES = {
    "ctas-missing": "every SQL table model and seed is created with CREATE TABLE AS",
    "ctas-format": "CTAS writes Parquet with the configured compression",
    "ctas-table-type": "CTAS table_type is the model's (Iceberg marts, Hive otherwise)",
    "location": "every table location is <s3_data_dir>/<schema>/<table>/<uuid>: unique, "
    "under the project prefix, and for Iceberg swaps a sibling of the live table's",
    "location-collision": "no two CTAS in one build share a location",
    "partitioning": "partitioned tables carry their partition spec",
    "swap": "on a rebuild an Iceberg mart is built as <mart>__ha, then the live table is "
    "renamed to __bkp and __ha to the mart: QuickSight never sees it missing",
    "merge": "on a rebuild an incremental table is built as <table>__dbt_tmp and merged into "
    "the live Iceberg table on its unique key, never dropped or swapped",
}


@dataclass
class Statement:
    node_id: str | None
    sql: str


@dataclass
class RunResult:
    scenario: str
    returncode: int
    output: str
    statements: list[Statement] = field(default_factory=list)

    def for_node(self, node_id: str) -> list[str]:
        return [s.sql for s in self.statements if s.node_id == node_id]


def _reset_moto() -> None:
    from moto.moto_api._internal.models import moto_api_backend

    moto_api_backend.reset()


_NODE_COMMENT = re.compile(r'"node_id":\s*"([^"]+)"')


_TABLE_NAME = re.compile(
    r"(?:create table|alter table|drop table(?: if exists)?|create or replace view)\s+"
    r'(?:"[^"]+"\.)?[`"]([^`"]+)[`"]\.[`"]([^`"]+)[`"]',
    re.I,
)


def _node_of(sql: str, relations: Mapping[tuple[str, str], str]) -> str | None:
    """The node a statement belongs to: its dbt query comment, else (dbt-athena sends
    renames and property updates without one) the table it names, suffixes removed."""
    match = _NODE_COMMENT.search(sql[:400])
    if match:
        return match.group(1)
    table = _TABLE_NAME.search(sql)
    if not table:
        return None
    schema, name = table.group(1), re.sub(r"__(ha|bkp|dbt_tmp\w*)$", "", table.group(2))
    return relations.get((schema, name))


def _csv_columns(path: Path) -> list[str]:
    with path.open(newline="") as handle:
        return next(csv.reader(handle))


def _glue_table_input(node: Mapping, project_dir: Path, data_dir: str) -> dict:
    config = node.get("config") or {}
    if node["resource_type"] == "seed":
        columns = _csv_columns(project_dir / node["original_file_path"])
    else:
        columns = list(node.get("columns") or {}) or ["placeholder"]
    table_name = node.get("alias") or node["name"]
    table = {
        "Name": table_name,
        "StorageDescriptor": {
            "Columns": [{"Name": c, "Type": "string"} for c in columns],
            "Location": f"{data_dir.rstrip('/')}/{node['schema']}/{table_name}/existing",
        },
        "TableType": "EXTERNAL_TABLE",
    }
    if config.get("materialized") == "view":
        table["TableType"] = "VIRTUAL_VIEW"
    elif str(config.get("table_type") or "").lower() == "iceberg":
        table["Parameters"] = {"table_type": "ICEBERG"}
    return table


@contextmanager
def _incremental_tables_registered(tables: Mapping[tuple[str, str], dict]) -> Iterator[None]:
    """moto records a CTAS without running it, so the table it would make never
    reaches Glue. dbt-athena's incremental materialization reads back what its
    CTAS made: the new table's versions on a first build, and on a rebuild the
    columns of <table>__dbt_tmp, which it compares with the live table's before
    it merges. While this is active, a CTAS of an incremental table (or of its
    __dbt_tmp) puts the table in moto's Glue with the model's columns, as an
    unchanged model would make it."""
    from moto.athena.models import AthenaBackend
    from moto.glue.models import glue_backends

    original = AthenaBackend.start_query_execution

    def start_query_execution(self, query, *args, **kwargs):
        ctas = _CTAS.search(query)
        if ctas:
            schema, name = ctas.group(2), ctas.group(3)
            table = tables.get((schema, name.removesuffix("__dbt_tmp")))
            glue = glue_backends[self.account_id][self.region_name]
            if table is not None and name not in glue.databases[schema].tables:
                glue.create_table(schema, name, {**table, "Name": name})
        return original(self, query, *args, **kwargs)

    AthenaBackend.start_query_execution = start_query_execution
    try:
        yield
    finally:
        AthenaBackend.start_query_execution = original


def _is_incremental(node: Mapping) -> bool:
    return (node.get("config") or {}).get("materialized") == "incremental"


def run_against_moto(
    project_dir: Path,
    manifest: Mapping,
    scenario: str,
    workdir: Path,
    timeout_s: int = 600,
) -> RunResult:
    """One ``dbt build`` (seeds and SQL models) for the athena target against moto."""
    import boto3

    if scenario not in ("first", "rebuild"):
        raise ValueError(f"unknown scenario {scenario!r}")
    nodes = [n for n in manifest["nodes"].values() if n["resource_type"] in ("model", "seed")]
    _reset_moto()  # moto keeps its state per process, across servers
    with local_aws(workdir / f"aws-{scenario}") as aws:
        env = dict(aws.env)
        env["ATHENA_WORK_GROUP"] = WORK_GROUP
        env["ATHENA_SPARK_WORK_GROUP"] = "rfm-spark"
        env["ATHENA_THREADS"] = "16"  # moto answers at once; dbt-athena polls each query
        session = boto3.session.Session(
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            aws_session_token="testing",
            region_name=env["ATHENA_REGION"],
        )
        athena = session.client("athena", endpoint_url=aws.endpoint_url)
        # As docs/athena.md asks: the work group does not override dbt's locations.
        athena.create_work_group(
            Name=WORK_GROUP,
            Configuration={
                "ResultConfiguration": {"OutputLocation": env["ATHENA_S3_STAGING_DIR"]},
                "EnforceWorkGroupConfiguration": False,
            },
        )
        glue = session.client("glue", endpoint_url=aws.endpoint_url)
        incremental_tables: dict[tuple[str, str], dict] = {}
        for schema in sorted({n["schema"] for n in nodes}):
            glue.create_database(DatabaseInput={"Name": schema})
        for node in nodes:
            # moto records DDL without running it, so views a build creates never reach
            # Glue; they exist in both scenarios (tables are what the scenarios vary).
            is_view = (node.get("config") or {}).get("materialized") == "view"
            table_input = _glue_table_input(node, project_dir, env["ATHENA_S3_DATA_DIR"])
            if scenario == "rebuild" or is_view:
                glue.create_table(DatabaseName=node["schema"], TableInput=table_input)
            if _is_incremental(node):
                incremental_tables[(node["schema"], table_input["Name"])] = table_input
        command = [
            dbt_executable(),
            "build",
            "--target",
            "athena",
            "--resource-type",
            "seed",
            "--resource-type",
            "model",
            "--exclude",
            "path:python_models",
            "--target-path",
            str(workdir / f"target-{scenario}"),
            "--log-path",
            str(workdir / f"logs-{scenario}"),
            "--profiles-dir",
            str(project_dir),
            "--project-dir",
            str(project_dir),
            "--no-partial-parse",
        ]
        with _incremental_tables_registered(incremental_tables):
            completed = subprocess.run(
                command,
                cwd=project_dir,
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout_s,
                check=False,
            )
        result = RunResult(scenario, completed.returncode, completed.stdout + completed.stderr)
        executions = []
        token = None
        while True:
            page = athena.list_query_executions(
                WorkGroup=WORK_GROUP, **({"NextToken": token} if token else {})
            )
            executions += [
                athena.get_query_execution(QueryExecutionId=i)["QueryExecution"]
                for i in page["QueryExecutionIds"]
            ]
            token = page.get("NextToken")
            if not token:
                break
    executions.sort(key=lambda q: q["Status"]["SubmissionDateTime"])
    relations = {(n["schema"], n.get("alias") or n["name"]): n["unique_id"] for n in nodes}
    for execution in executions:
        result.statements.append(
            Statement(_node_of(execution["Query"], relations), execution["Query"])
        )
    return result


_CTAS = re.compile(
    r'create table "([^"]+)"\."([^"]+)"\."([^"]+)"\s+with \((.*?)\)\s+as', re.S | re.I
)
_RENAME = re.compile(r"alter table `([^`]+)`\.`([^`]+)` rename to `([^`]+)`\.`([^`]+)`", re.I)


def _properties(text: str) -> dict[str, str]:
    found = {}
    for key, value in re.findall(r"(\w+)\s*=\s*(ARRAY\[[^\]]*\]|'[^']*'|[\w.]+)", text):
        found[key.lower()] = value.strip("'")
    return found


@dataclass(frozen=True)
class DdlFinding:
    node: str
    rule: str
    detail: str

    def render(self) -> str:
        return f"{self.node}: [{self.rule}] {self.detail}"


def check_statements(result: RunResult, manifest: Mapping, data_dir: str) -> list[DdlFinding]:
    """The DDL rules on one run's statements."""
    findings: list[DdlFinding] = []
    locations: dict[str, str] = {}
    data_dir = data_dir.rstrip("/")
    for unique_id, node in manifest["nodes"].items():
        if node["resource_type"] not in ("model", "seed") or node.get("language") == "python":
            continue
        config = node.get("config") or {}
        if config.get("materialized") == "view":
            continue
        name, schema = node.get("alias") or node["name"], node["schema"]
        statements = result.for_node(unique_id)
        ctas = [m for s in statements for m in [_CTAS.search(s)] if m]
        merged = _is_incremental(node) and result.scenario == "rebuild"
        built_as = f"{name}__dbt_tmp" if merged else name
        target = [m for m in ctas if m.group(3) in (built_as, f"{name}__ha")]
        if not target:
            findings.append(
                DdlFinding(node["name"], "ctas-missing", f"{len(statements)} statements")
            )
            continue
        match = target[-1]
        properties = _properties(match.group(4))
        expected_type = str(config.get("table_type") or "hive").lower()
        if properties.get("table_type") != expected_type:
            findings.append(
                DdlFinding(
                    node["name"],
                    "ctas-table-type",
                    f"{properties.get('table_type')} != {expected_type}",
                )
            )
        if properties.get("format") != "parquet" or (
            config.get("write_compression")
            and properties.get("write_compression") != config["write_compression"]
        ):
            findings.append(DdlFinding(node["name"], "ctas-format", str(properties)))
        location = properties.get("location") or properties.get("external_location")
        pattern = (
            rf"^{re.escape(data_dir)}/{re.escape(schema)}/{re.escape(built_as)}/[0-9a-f-]{{36}}$"
        )
        if not location or not re.match(pattern, location):
            findings.append(DdlFinding(node["name"], "location", str(location)))
        elif location in locations:
            findings.append(
                DdlFinding(
                    node["name"], "location-collision", f"{location} also {locations[location]}"
                )
            )
        if location:
            locations[location] = node["name"]
        partitioned_by = config.get("partitioned_by")
        if partitioned_by:
            spec = properties.get("partitioning") or properties.get("partitioned_by") or ""
            if any(f"'{column}'" not in spec for column in partitioned_by):
                findings.append(DdlFinding(node["name"], "partitioning", spec or "none"))
        if merged:
            findings.extend(_merge_findings(node["name"], name, config, statements))
        elif expected_type == "iceberg" and result.scenario == "rebuild":
            findings.extend(_swap_findings(node["name"], schema, name, statements))
    return findings


def _merge_findings(
    label: str, name: str, config: Mapping, statements: list[str]
) -> list[DdlFinding]:
    merges = [sql for sql in statements if re.search(r"\bmerge into\b", sql, re.I)]
    if len(merges) != 1:
        return [DdlFinding(label, "merge", f"{len(merges)} MERGE statements")]
    keys = config.get("unique_key")
    keys = [keys] if isinstance(keys, str) else list(keys or [])
    sql = merges[0]
    problems = [f"no match on {key}" for key in keys if f"target.{key} = src.{key}" not in sql]
    if f"{name}__dbt_tmp" not in sql:
        problems.append(f"does not read {name}__dbt_tmp")
    if any(re.search(r"\b(drop table|rename to)\b", s, re.I) for s in statements if s != sql):
        problems.append("drops or renames the live table")
    return [DdlFinding(label, "merge", "; ".join(problems))] if problems else []


def _swap_findings(label: str, schema: str, name: str, statements: list[str]) -> list[DdlFinding]:
    steps: list[str] = []
    for sql in statements:
        ctas = _CTAS.search(sql)
        rename = _RENAME.search(sql)
        if ctas:
            steps.append(f"create {ctas.group(3)}")
        elif rename:
            steps.append(f"rename {rename.group(2)} -> {rename.group(4)}")
        elif re.search(r"\bdrop table\b", sql, re.I):
            steps.append("drop")
    expected = [
        f"create {name}__ha",
        f"rename {name} -> {name}__bkp",
        f"rename {name}__ha -> {name}",
    ]
    if steps != expected:
        return [DdlFinding(label, "swap", f"steps {steps}, expected {expected}")]
    return []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m rfm_nbo.portability.moto_run",
        description=(
            "Run `dbt build --target athena` (seeds, SQL models) against a local moto server, "
            "for a first deployment and for a rebuild, and check the DDL dbt-athena sends: "
            "Parquet, Iceberg marts swapped in without downtime, unique locations, partitions."
        ),
    )
    parser.add_argument("--project-dir", type=Path, default=Path.cwd())
    parser.add_argument(
        "--athena-target",
        type=Path,
        help="target folder of `dbt compile --target athena` (default: compile now)",
    )
    args = parser.parse_args(argv)
    project_dir = args.project_dir.resolve()
    with tempfile.TemporaryDirectory(prefix="moto-run-") as scratch:
        workdir = Path(scratch)
        target = args.athena_target
        if target is None:
            from rfm_nbo.portability.athena_check import _compile

            target = workdir / "target_athena"
            _compile(project_dir, target, None)
        manifest = json.loads((target / "manifest.json").read_text())
        failed = False
        for scenario in ("first", "rebuild"):
            result = run_against_moto(project_dir, manifest, scenario, workdir)
            findings = check_statements(result, manifest, "s3://rfm-data/")
            print(
                f"{scenario}: dbt exit {result.returncode}, {len(result.statements)} statements, "
                f"{len(findings)} finding(s)"
            )
            for finding in findings:
                print(f"  {finding.render()} -> {DDL_RULES[finding.rule]}")
            if result.returncode != 0:
                print(result.output[-3000:])
            failed = failed or bool(findings) or result.returncode != 0
    print("FAILED" if failed else "OK: dbt-athena's DDL is what the project asks for")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
