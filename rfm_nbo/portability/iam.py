"""IAM policies as code (``iam/*.json``): render the placeholders, check the documents.

    python -m rfm_nbo.portability.iam placeholders           # what each ${Name} means
    python -m rfm_nbo.portability.iam render --account-id 123456789012 --out build/iam
    python -m rfm_nbo.portability.iam check                  # structure, actions, wildcards
    python -m rfm_nbo.portability.iam calls                  # dbt-athena's calls vs the dbt role

``render`` fills ``${Name}`` placeholders from, in order: ``--set Name=value``,
the athena target's environment variables (``ATHENA_REGION``,
``ATHENA_S3_DATA_DIR``, ... as profiles.yml reads them), then the defaults
below. IAM policy variables such as ``${aws:username}`` are left alone.

``check`` validates every document offline: JSON structure, each action's
operation exists in botocore's service model (``ACTION_OPERATIONS`` maps the
IAM-only names such as ``s3:ListBucket``), and no bare ``*`` as an action or
resource except the documented ``STAR_RESOURCE_EXCEPTIONS``.

``calls`` scans dbt-athena's source for the boto3 calls it makes
(``dbt_athena_calls``) and shows which statement of the dbt role allows each,
or why it is not needed (``NOT_NEEDED``).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import cache
from pathlib import Path
from urllib.parse import urlparse

POLICY_FILES = {
    "dbt-role-policy.json": "the identity that runs dbt (a CI role or a developer's role)",
    "spark-execution-role-policy.json": "the Athena Spark work group's execution role",
    "spark-execution-role-trust.json": "trust: only Athena, only for the Spark work group",
    "quicksight-role-policy.json": "the role QuickSight's Athena data source uses",
    "quicksight-role-trust.json": "trust: QuickSight in this account",
}


@dataclass(frozen=True)
class Placeholder:
    name: str
    meaning: str
    default: str | None = None  # may reference other placeholders
    env: str | None = None  # environment variable it is derived from


PLACEHOLDERS: dict[str, Placeholder] = {
    p.name: p
    for p in [
        Placeholder(
            "AccountId", "12-digit AWS account id (or env AWS_ACCOUNT_ID)", env="AWS_ACCOUNT_ID"
        ),
        Placeholder("Region", "AWS Region of Athena, Glue and the buckets", env="ATHENA_REGION"),
        Placeholder("Partition", "ARN partition (aws, aws-cn, aws-us-gov), from the Region"),
        Placeholder("WorkGroup", "Athena SQL work group", "primary", env="ATHENA_WORK_GROUP"),
        Placeholder(
            "SparkWorkGroup",
            "Athena Spark work group (PySpark engine v3)",
            "rfm-spark",
            env="ATHENA_SPARK_WORK_GROUP",
        ),
        Placeholder(
            "QuickSightWorkGroup", "work group QuickSight's data source queries in", "${WorkGroup}"
        ),
        Placeholder(
            "Schema",
            "ATHENA_SCHEMA; dbt creates the Glue databases <Schema>_staging, _intermediate, "
            "_marts, _raw, _reference",
            "rfm",
            env="ATHENA_SCHEMA",
        ),
        Placeholder(
            "DataBucket", "bucket of ATHENA_S3_DATA_DIR (table data)", env="ATHENA_S3_DATA_DIR"
        ),
        Placeholder(
            "DataPrefix",
            "prefix of ATHENA_S3_DATA_DIR, no slashes at the ends",
            env="ATHENA_S3_DATA_DIR",
        ),
        Placeholder(
            "ResultsBucket",
            "bucket of ATHENA_S3_STAGING_DIR (query results)",
            env="ATHENA_S3_STAGING_DIR",
        ),
        Placeholder(
            "ResultsPrefix", "prefix of ATHENA_S3_STAGING_DIR", env="ATHENA_S3_STAGING_DIR"
        ),
        Placeholder(
            "SparkResultsPrefix",
            "prefix (in ResultsBucket) of the Spark work group's calculation results",
            "${ResultsPrefix}/spark",
        ),
        Placeholder(
            "RawDatabase", "Glue database of your raw tables (var raw_schema)", "${Schema}_raw"
        ),
        Placeholder("RawDataBucket", "bucket of the raw tables' files", "${DataBucket}"),
        Placeholder(
            "RawDataPrefix", "prefix of the raw tables' files", "${DataPrefix}/${Schema}_raw"
        ),
        Placeholder(
            "ArtifactsBucket",
            "bucket of the Spark zips (vars rfm_nbo_package_uri, spark_python_deps_s3_uri) "
            "and the LLM cache (var llm_cache_dir = s3://<ArtifactsBucket>/<ArtifactsPrefix>/llm_cache/)",
            "${DataBucket}",
        ),
        Placeholder("ArtifactsPrefix", "prefix of the zips and the LLM cache", "rfm-artifacts"),
        Placeholder(
            "BedrockRegion", "Region of the Bedrock endpoint (var bedrock_region)", "${Region}"
        ),
        Placeholder(
            "BedrockModelId",
            "var bedrock_model_id (a foundation model id)",
            "amazon.nova-lite-v1:0",
        ),
    ]
}

PLACEHOLDER = re.compile(r"\$\{([A-Za-z][A-Za-z0-9]*)\}")


class RenderError(ValueError):
    """A placeholder has no value, or a value is unusable."""


def _split_s3(uri: str) -> tuple[str, str]:
    parsed = urlparse(uri)
    if parsed.scheme != "s3" or not parsed.netloc:
        raise RenderError(f"not an s3://bucket/prefix URI: {uri!r}")
    return parsed.netloc, parsed.path.strip("/")


def values_from_env(env: Mapping[str, str]) -> dict[str, str]:
    """Placeholder values the athena target's environment variables give."""
    values: dict[str, str] = {}
    for name, placeholder in PLACEHOLDERS.items():
        if placeholder.env and env.get(placeholder.env) and "S3" not in placeholder.env:
            values[name] = env[placeholder.env]
    for variable, (bucket, prefix) in {
        "ATHENA_S3_DATA_DIR": ("DataBucket", "DataPrefix"),
        "ATHENA_S3_STAGING_DIR": ("ResultsBucket", "ResultsPrefix"),
    }.items():
        if env.get(variable):
            values[bucket], values[prefix] = _split_s3(env[variable])
    return values


def partition_for(region: str) -> str:
    """The ARN partition of a region, from botocore's offline endpoint data."""
    import botocore.session

    return botocore.session.get_session().get_partition_for_region(region) or "aws"


def resolve(values: Mapping[str, str]) -> dict[str, str]:
    """Every placeholder's value: given values, then defaults (which may use others)."""
    resolved = {k: v for k, v in values.items() if v is not None}
    unknown = sorted(set(resolved) - set(PLACEHOLDERS))
    if unknown:
        raise RenderError(f"unknown placeholder(s): {', '.join(unknown)}")
    if "Partition" not in resolved and resolved.get("Region"):
        resolved["Partition"] = partition_for(resolved["Region"])
    for _ in range(len(PLACEHOLDERS)):
        for name, placeholder in PLACEHOLDERS.items():
            if name in resolved or placeholder.default is None:
                continue
            needs = PLACEHOLDER.findall(placeholder.default)
            if all(n in resolved for n in needs):
                resolved[name] = PLACEHOLDER.sub(
                    lambda m: resolved[m.group(1)], placeholder.default
                )
    missing = sorted(set(PLACEHOLDERS) - set(resolved))
    if missing:
        hints = "; ".join(f"{n}: {PLACEHOLDERS[n].meaning}" for n in missing)
        raise RenderError(f"no value for {', '.join(missing)} ({hints})")
    for name in (
        "DataPrefix",
        "ResultsPrefix",
        "SparkResultsPrefix",
        "RawDataPrefix",
        "ArtifactsPrefix",
    ):
        if not resolved[name] or resolved[name] != resolved[name].strip("/"):
            raise RenderError(
                f"{name} must be a non-empty prefix without leading or trailing '/': "
                f"{resolved[name]!r} (keep the project's data out of a bucket's root)"
            )
    if not re.fullmatch(r"\d{12}", resolved["AccountId"]):
        raise RenderError(f"AccountId must be 12 digits: {resolved['AccountId']!r}")
    return resolved


def render_text(template: str, values: Mapping[str, str]) -> str:
    """Replace every ${Name}; IAM's own ${aws:...} variables contain ':' and stay."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise RenderError(f"no value for ${{{name}}}")
        return values[name]

    return PLACEHOLDER.sub(replace, template)


def template_dir(project_dir: Path) -> Path:
    return project_dir / "iam"


def render_all(project_dir: Path, values: Mapping[str, str]) -> dict[str, dict]:
    """Every policy document rendered and parsed."""
    resolved = resolve(values)
    return {
        name: json.loads(render_text((template_dir(project_dir) / name).read_text(), resolved))
        for name in POLICY_FILES
    }


# ---------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------

# IAM service prefix -> botocore service(s) whose operations the actions name.
SERVICE_MODELS = {
    "athena": ("athena",),
    "glue": ("glue",),
    "s3": ("s3",),
    "logs": ("logs",),
    "cloudwatch": ("cloudwatch",),
    "bedrock": ("bedrock-runtime", "bedrock"),
    "sts": ("sts",),
    "lakeformation": ("lakeformation",),
}

# IAM actions whose name is not an API operation: the operation they authorise.
ACTION_OPERATIONS = {
    "s3:ListBucket": "ListObjectsV2",
    "s3:ListBucketMultipartUploads": "ListMultipartUploads",
    "s3:ListMultipartUploadParts": "ListParts",
    "s3:DeleteObjectVersion": "DeleteObject",  # DeleteObject with a VersionId
}

# IAM-only permissions with no SDK operation at all, and why we grant them.
IAM_ONLY_ACTIONS = {
    "athena:GetQueryResultsStream": (
        "permission (no SDK operation) that QuickSight and Athena's JDBC/ODBC drivers use to "
        "stream query results"
    ),
}

# (file, action) allowed on Resource "*", and why AWS requires it.
STAR_RESOURCE_EXCEPTIONS = {
    ("spark-execution-role-policy.json", "cloudwatch:PutMetricData"): (
        "PutMetricData supports no resource-level permissions (CloudWatch has no metric ARNs); "
        "the statement is narrowed by the condition cloudwatch:namespace = "
        "AmazonAthenaForApacheSpark, as in Athena's own Spark role policy"
    ),
}


@dataclass(frozen=True)
class PolicyProblem:
    document: str
    problem: str


@cache
def _operations(service: str) -> frozenset[str]:
    import botocore.session

    model = botocore.session.get_session().get_service_model(service)
    return frozenset(model.operation_names)


def action_exists(action: str) -> bool:
    """Does an IAM action name an operation of its service (botocore's models, offline)?"""
    if action in IAM_ONLY_ACTIONS:
        return True
    prefix, _, name = action.partition(":")
    if prefix not in SERVICE_MODELS or not name:
        return False
    operation = ACTION_OPERATIONS.get(action, name)
    return any(operation in _operations(service) for service in SERVICE_MODELS[prefix])


def _as_list(value: object) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def statements(document: dict) -> list[dict]:
    return _as_list(document.get("Statement"))


def check_document(name: str, document: dict) -> list[PolicyProblem]:
    """Structure, action names, wildcards (see the module doc)."""
    problems: list[PolicyProblem] = []

    def problem(text: str) -> None:
        problems.append(PolicyProblem(name, text))

    if document.get("Version") != "2012-10-17":
        problem("Version must be 2012-10-17")
    sids = [s.get("Sid") for s in statements(document)]
    if len(set(sids)) != len(sids) or None in sids:
        problem("every statement needs a unique Sid")
    is_trust = name.endswith("-trust.json")
    for statement in statements(document):
        sid = statement.get("Sid")
        if statement.get("Effect") not in ("Allow", "Deny"):
            problem(f"{sid}: Effect must be Allow or Deny")
        actions = _as_list(statement.get("Action"))
        if "NotAction" in statement:
            problem(f"{sid}: NotAction is not used here (too easy to over-grant)")
        if not actions:
            problem(f"{sid}: no Action")
        for action in actions:
            if "*" in action:
                problem(f"{sid}: wildcard action {action!r}")
            elif not action_exists(action):
                problem(f"{sid}: {action} is not an operation of its service (botocore)")
        if is_trust:
            if "Principal" not in statement or actions != ["sts:AssumeRole"]:
                problem(f"{sid}: a trust statement allows sts:AssumeRole to a Principal")
            continue
        resources = _as_list(statement.get("Resource")) + _as_list(statement.get("NotResource"))
        if not resources:
            problem(f"{sid}: no Resource")
        for resource in resources:
            if resource == "*":
                for action in actions:
                    if (name, action) not in STAR_RESOURCE_EXCEPTIONS:
                        problem(f"{sid}: {action} on Resource '*' (not a documented exception)")
            elif "${" in resource:
                problem(f"{sid}: unrendered placeholder in {resource}")
        if statement.get("Effect") == "Allow" and "NotResource" in statement:
            problem(f"{sid}: Allow with NotResource grants everything else")
    return problems


def check_templates(
    project_dir: Path, values: Mapping[str, str] | None = None
) -> list[PolicyProblem]:
    """Render the templates with sample values and check every document."""
    sample = dict(SAMPLE_VALUES if values is None else values)
    problems: list[PolicyProblem] = []
    for name, document in render_all(project_dir, sample).items():
        problems.extend(check_document(name, document))
    return problems


SAMPLE_VALUES = {
    "AccountId": "123456789012",
    "Region": "us-east-1",
    "DataBucket": "example-rfm-data",
    "DataPrefix": "warehouse",
    "ResultsBucket": "example-rfm-athena-results",
    "ResultsPrefix": "results",
}


# ---------------------------------------------------------------------------
# What dbt-athena calls, and what the dbt role allows
# ---------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class AwsCall:
    service: str  # botocore service name
    operation: str  # API operation name
    where: str  # file:line in dbt-athena


def _snake_to_operations(service: str) -> dict[str, str]:
    import botocore.session

    model = botocore.session.get_session().get_service_model(service)
    from botocore import xform_name

    return {xform_name(op): op for op in model.operation_names}


def _client_service(call: ast.AST) -> str | None:
    """'athena' for ``<anything>.client("athena", ...)`` / ``client(service_name="athena")``."""
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
        return None
    if call.func.attr not in ("client", "resource"):
        return None
    arguments = [*call.args, *(k.value for k in call.keywords if k.arg == "service_name")]
    if arguments and isinstance(arguments[0], ast.Constant) and isinstance(arguments[0].value, str):
        return arguments[0].value
    return None


def _target_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _receiver(node: ast.AST) -> str | None:
    """The name a method is called on: ``x`` in x.op(), ``_client`` in self._client.op()."""
    return _target_name(node)


def dbt_athena_package() -> Path:
    import dbt.adapters.athena as adapter

    return Path(adapter.__file__).parent


# dbt-athena modules not used with our profile (connection_manager: pyathena is opt-in).
_SKIPPED_MODULES = {"connections_legacy.py"}


def dbt_athena_calls(package_dir: Path | None = None) -> list[AwsCall]:
    """Every boto3 client/resource call in dbt-athena's source, by static analysis.

    Names bound to ``.client("svc")`` (variables, ``self.attr``, properties that
    return one) are followed to their method calls; ``get_paginator("op")``
    counts as op; an S3 resource's ``objects.filter(...).delete()`` is
    ListObjects + DeleteObjects; ``upload_file`` is PutObject (multipart parts
    included in that permission).
    """
    package_dir = package_dir or dbt_athena_package()
    paths = [p for p in sorted(package_dir.rglob("*.py")) if p.name not in _SKIPPED_MODULES]
    trees = {path: ast.parse(path.read_text()) for path in paths}
    # Names bound to clients anywhere in the package (clients are passed between
    # modules: lf_client into LfTagsManager, athena_client through the Spark helper).
    bound: dict[str, str] = {}
    resources: dict[str, str] = {}
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign | ast.AnnAssign):
                value = node.value
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                service = _client_service(value) if value is not None else None
                if service:
                    kind = value.func.attr  # type: ignore[union-attr]
                    for target in targets:
                        name = _target_name(target)
                        if name:
                            (resources if kind == "resource" else bound)[name] = service
            elif isinstance(node, ast.FunctionDef):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Return) and _client_service(inner.value):
                        bound[node.name] = _client_service(inner.value)  # type: ignore[assignment]
        # Bucket objects from a resource: x = s3_resource.Bucket(...)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Call)
                and isinstance(node.value.func, ast.Attribute)
                and node.value.func.attr == "Bucket"
                and _receiver(node.value.func.value) in resources
            ):
                for target in node.targets:
                    if _target_name(target):
                        resources[_target_name(target)] = "s3"  # type: ignore[index]
    found: set[AwsCall] = set()
    for path, tree in trees.items():
        where_prefix = str(path.relative_to(package_dir.parent.parent.parent))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            method = node.func.attr
            receiver = _receiver(node.func.value)
            where = f"{where_prefix}:{node.lineno}"
            if receiver in bound:
                service = bound[receiver]
                operations = _snake_to_operations(service)
                if (
                    method == "get_paginator"
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                ):
                    operation = operations.get(node.args[0].value)
                    if operation:
                        found.add(AwsCall(service, operation, where))
                elif method == "upload_file" and service == "s3":
                    found.add(AwsCall("s3", "PutObject", where))
                elif method in operations:
                    found.add(AwsCall(service, operations[method], where))
            elif receiver in resources:
                if method == "delete_objects":
                    found.add(AwsCall("s3", "DeleteObjects", where))
            elif method == "delete" and "objects.filter" in ast.unparse(node.func.value):
                found.add(AwsCall("s3", "ListObjects", where))
                found.add(AwsCall("s3", "DeleteObjects", where))
            elif method == "filter" and ast.unparse(node.func.value).endswith(".objects"):
                found.add(AwsCall("s3", "ListObjects", where))
    return sorted(found)


# API operation -> IAM action where the names differ.
OPERATION_ACTIONS = {
    ("s3", "ListObjects"): "s3:ListBucket",
    ("s3", "ListObjectsV2"): "s3:ListBucket",
    ("s3", "DeleteObjects"): "s3:DeleteObject",
    ("s3", "HeadObject"): "s3:GetObject",
}

# dbt-athena calls the dbt role does not need with this project, and why.
NOT_NEEDED = {
    "sts:GetCallerIdentity": "needs no IAM permission (AWS STS: always allowed)",
    "sts:AssumeRole": "only with the profile's assume_role_arn, which profiles.yml does not set",
    "athena:GetDataCatalog": (
        "only for catalogues other than awsdatacatalog (impl._get_data_catalog)"
    ),
    "athena:ListTableMetadata": (
        "only for non-Glue catalogues (impl._get_one_table_for_non_glue_catalog)"
    ),
    "lakeformation:*": (
        "only with lf_tags_config / lf_grants / data cell filters, which this project does not use"
    ),
}

# What Athena itself does with the caller's credentials for the SQL dbt runs
# (CTAS, DROP, ALTER TABLE RENAME, CREATE SCHEMA, SELECT): not boto3 calls in
# dbt-athena, but required of the same role (Athena docs, "Access to AWS Glue
# Data Catalog" and "Amazon S3 permissions").
ATHENA_QUERY_ACTIONS = {
    "glue:CreateDatabase": "create schema if not exists (dbt creates <Schema>_* databases)",
    "glue:CreateTable": "CTAS for tables and seeds, create view, Iceberg __ha tables",
    "glue:GetPartitions": "reading partitioned tables (fct_segment_migration)",
    "glue:BatchGetPartition": "reading partitioned tables",
    "s3:GetObject": "reading table data and query results",
    "s3:PutObject": "writing CTAS data and query results",
    "s3:GetBucketLocation": "Athena checks the results and data buckets' Region",
    "s3:ListBucketMultipartUploads": "large result and CTAS writes",
    "s3:AbortMultipartUpload": "cleaning up failed writes",
}


def iam_action(call: AwsCall) -> str:
    prefix = {"bedrock-runtime": "bedrock"}.get(call.service, call.service)
    return OPERATION_ACTIONS.get((call.service, call.operation), f"{prefix}:{call.operation}")


def not_needed_reason(action: str) -> str | None:
    for pattern, reason in NOT_NEEDED.items():
        if fnmatchcase(action, pattern):
            return reason
    return None


def allowing_statements(document: dict, action: str) -> list[str]:
    """Sids of the Allow statements that list the action."""
    return [
        str(statement.get("Sid"))
        for statement in statements(document)
        if statement.get("Effect") == "Allow" and action in _as_list(statement.get("Action"))
    ]


def _arn_matches(pattern: str, arn: str) -> bool:
    """IAM's ARN matching: * and ? wildcards (no character classes)."""
    return fnmatchcase(arn, pattern.replace("[", "[[]"))


def is_allowed(document: dict, action: str, resource: str) -> bool:
    """A small evaluator for tests and reviews: some Allow lists the action on a matching
    Resource and no Deny matches (Deny with NotResource matches resources outside it).
    Conditions are ignored, so this answers "could it ever be allowed"."""
    allowed = False
    for statement in statements(document):
        if action not in _as_list(statement.get("Action")):
            continue
        if "NotResource" in statement:
            matches = not any(_arn_matches(p, resource) for p in _as_list(statement["NotResource"]))
        else:
            matches = any(_arn_matches(p, resource) for p in _as_list(statement.get("Resource")))
        if matches and statement.get("Effect") == "Deny":
            return False
        allowed = allowed or (matches and statement.get("Effect") == "Allow")
    return allowed


def coverage(dbt_policy: dict, calls: list[AwsCall]) -> Iterator[tuple[str, str, list[str]]]:
    """(action, status, detail) for each distinct action dbt-athena calls or Athena needs."""
    actions: dict[str, list[str]] = {}
    for call in calls:
        actions.setdefault(iam_action(call), []).append(call.where)
    for action in ATHENA_QUERY_ACTIONS:
        actions.setdefault(action, []).append(f"Athena: {ATHENA_QUERY_ACTIONS[action]}")
    for action, wheres in sorted(actions.items()):
        sids = allowing_statements(dbt_policy, action)
        reason = not_needed_reason(action)
        if sids:
            yield action, "allowed", sids
        elif reason:
            yield action, "not needed", [reason]
        else:
            yield action, "MISSING", wheres


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------


def _parse_sets(items: list[str]) -> dict[str, str]:
    values = {}
    for item in items:
        name, equals, value = item.partition("=")
        if not equals:
            raise RenderError(f"--set expects Name=value, got {item!r}")
        values[name.strip()] = value.strip()
    return values


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m rfm_nbo.portability.iam",
        description="Render and check the project's IAM policy documents (iam/*.json), offline.",
    )
    parser.add_argument("--project-dir", type=Path, default=Path.cwd())
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("placeholders", help="list every ${Name} with its meaning and default")
    render = commands.add_parser(
        "render", help="fill the placeholders (--set, then ATHENA_* env vars, then defaults)"
    )
    render.add_argument("--account-id", help="the AWS account id (or --set AccountId=...)")
    render.add_argument("--set", action="append", default=[], metavar="Name=value")
    render.add_argument(
        "--no-env", action="store_true", help="ignore ATHENA_* environment variables"
    )
    render.add_argument("--out", type=Path, required=True, help="directory for the rendered JSON")
    commands.add_parser("check", help="check the documents (rendered with sample values)")
    commands.add_parser(
        "calls", help="dbt-athena's AWS calls and the dbt role statement allowing each"
    )
    args = parser.parse_args(argv)
    project_dir = args.project_dir.resolve()
    try:
        if args.command == "placeholders":
            for p in PLACEHOLDERS.values():
                source = f" (env {p.env})" if p.env else ""
                default = f" [default: {p.default}]" if p.default else ""
                print(f"${{{p.name}}}{source}{default}\n    {p.meaning}")
            return 0
        if args.command == "render":
            values = {} if args.no_env else values_from_env(os.environ)
            if args.account_id:
                values["AccountId"] = args.account_id
            values.update(_parse_sets(args.set))
            documents = render_all(project_dir, values)
            problems = [p for n, d in documents.items() for p in check_document(n, d)]
            args.out.mkdir(parents=True, exist_ok=True)
            for name, document in documents.items():
                (args.out / name).write_text(json.dumps(document, indent=2) + "\n")
                print(f"wrote {args.out / name}  ({POLICY_FILES[name]})")
            for problem in problems:
                print(f"problem: {problem.document}: {problem.problem}", file=sys.stderr)
            return 1 if problems else 0
        if args.command == "check":
            problems = check_templates(project_dir)
            for problem in problems:
                print(f"{problem.document}: {problem.problem}")
            print(f"{'FAILED' if problems else 'OK'}: {len(POLICY_FILES)} documents checked")
            return 1 if problems else 0
        dbt_policy = render_all(project_dir, SAMPLE_VALUES)["dbt-role-policy.json"]
        missing = 0
        for action, status, detail in coverage(dbt_policy, dbt_athena_calls()):
            missing += status == "MISSING"
            print(f"{status:>10}  {action:40} {', '.join(detail)[:110]}")
        return 1 if missing else 0
    except RenderError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
