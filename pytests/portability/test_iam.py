"""The IAM policies in iam/: valid documents, real actions, no stray wildcards, the
actions dbt-athena really calls, least privilege where it matters (deletes, Bedrock)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rfm_nbo.portability import iam

pytestmark = pytest.mark.filterwarnings("ignore:dbt-athena-community will be deprecated")

PROJECT_DIR = Path(__file__).resolve().parents[2]
VALUES = {
    **iam.SAMPLE_VALUES,
    "WorkGroup": "rfm-sql",
    "SparkWorkGroup": "rfm-spark",
    "Schema": "rfm",
}
ACCOUNT = VALUES["AccountId"]
REGION = VALUES["Region"]


@pytest.fixture(scope="module")
def documents() -> dict[str, dict]:
    return iam.render_all(PROJECT_DIR, VALUES)


@pytest.fixture(scope="module")
def calls() -> list[iam.AwsCall]:
    return iam.dbt_athena_calls()


def _glue(kind: str, path: str) -> str:
    return f"arn:aws:glue:{REGION}:{ACCOUNT}:{kind}/{path}"


def _s3(path: str) -> str:
    return f"arn:aws:s3:::{path}"


# ---------------------------------------------------------------------------
# Templates and rendering
# ---------------------------------------------------------------------------


def test_every_document_exists_and_every_placeholder_is_known() -> None:
    used: set[str] = set()
    for name in iam.POLICY_FILES:
        text = (PROJECT_DIR / "iam" / name).read_text()
        json.loads(text)  # valid JSON before rendering too
        used |= set(iam.PLACEHOLDER.findall(text))
    assert used <= set(iam.PLACEHOLDERS)
    defaults = " ".join(p.default or "" for p in iam.PLACEHOLDERS.values())
    referenced = used | set(iam.PLACEHOLDER.findall(defaults))
    assert set(iam.PLACEHOLDERS) <= referenced | {"BedrockRegion"}


def test_every_document_passes_the_checks() -> None:
    assert iam.check_templates(PROJECT_DIR) == []


def test_values_come_from_the_athena_profile_environment() -> None:
    env = {
        "ATHENA_REGION": "eu-west-1",
        "ATHENA_S3_DATA_DIR": "s3://acme-lake/dbt/rfm/",
        "ATHENA_S3_STAGING_DIR": "s3://acme-athena-results/queries/",
        "ATHENA_WORK_GROUP": "analytics",
        "ATHENA_SPARK_WORK_GROUP": "analytics-spark",
        "ATHENA_SCHEMA": "shop",
        "AWS_ACCOUNT_ID": "210987654321",
    }
    values = iam.resolve(iam.values_from_env(env))
    assert (values["DataBucket"], values["DataPrefix"]) == ("acme-lake", "dbt/rfm")
    assert (values["ResultsBucket"], values["ResultsPrefix"]) == ("acme-athena-results", "queries")
    assert values["RawDatabase"] == "shop_raw"
    assert values["SparkResultsPrefix"] == "queries/spark"
    assert values["Partition"] == "aws"
    assert values["QuickSightWorkGroup"] == "analytics"
    assert iam.resolve({**VALUES, "Region": "cn-north-1"})["Partition"] == "aws-cn"


def test_missing_or_unsafe_values_are_refused() -> None:
    with pytest.raises(iam.RenderError, match="AccountId"):
        iam.resolve({k: v for k, v in VALUES.items() if k != "AccountId"})
    with pytest.raises(iam.RenderError, match="DataPrefix"):
        iam.resolve({**VALUES, "DataPrefix": ""})  # a whole bucket is not a project prefix
    with pytest.raises(iam.RenderError, match="12 digits"):
        iam.resolve({**VALUES, "AccountId": "1234"})
    with pytest.raises(iam.RenderError, match="unknown"):
        iam.resolve({**VALUES, "Bucket": "x"})
    assert iam.render_text("${aws:username}/${Region}", {"Region": "r"}) == "${aws:username}/r"


def test_cli_renders_every_document(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sets = [f"{k}={v}" for k, v in VALUES.items()]
    argv = ["--project-dir", str(PROJECT_DIR), "render", "--no-env", "--out", str(tmp_path)]
    for item in sets:
        argv += ["--set", item]
    assert iam.main(argv) == 0
    for name in iam.POLICY_FILES:
        rendered = (tmp_path / name).read_text()
        assert "${" not in rendered
        assert ACCOUNT in rendered
    assert iam.main(["--project-dir", str(PROJECT_DIR), "placeholders"]) == 0
    assert "${DataPrefix}" in capsys.readouterr().out


# ---------------------------------------------------------------------------
# The checks catch what they should
# ---------------------------------------------------------------------------


def _doc(statement: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": [{"Sid": "S", **statement}]}


@pytest.mark.parametrize(
    ("statement", "fragment"),
    [
        (
            {"Effect": "Allow", "Action": "athena:StartQuery", "Resource": "arn:x"},
            "not an operation",
        ),
        ({"Effect": "Allow", "Action": "s3:*", "Resource": "arn:x"}, "wildcard action"),
        ({"Effect": "Allow", "Action": "*", "Resource": "arn:x"}, "wildcard action"),
        ({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}, "Resource '*'"),
        ({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:${Region}"}, "placeholder"),
        ({"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:x"}, "NotResource"),
        ({"Effect": "Allow", "NotAction": "s3:GetObject", "Resource": "arn:x"}, "NotAction"),
        ({"Effect": "Maybe", "Action": "s3:GetObject", "Resource": "arn:x"}, "Effect"),
    ],
)
def test_checker_rejects(statement: dict, fragment: str) -> None:
    problems = iam.check_document("test.json", _doc(statement))
    assert any(fragment in p.problem for p in problems), problems


def test_action_names_are_validated_against_botocore() -> None:
    for action in (
        "athena:StartCalculationExecution",
        "glue:GetTables",
        "s3:ListBucket",
        "s3:DeleteObjectVersion",
        "bedrock:InvokeModel",
        "cloudwatch:PutMetricData",
        "logs:DescribeLogGroups",
        "athena:GetQueryResultsStream",
    ):
        assert iam.action_exists(action), action
    for action in ("athena:RunQuery", "glue:GetTableMetadata", "s3:ListObjects2", "foo:Bar"):
        assert not iam.action_exists(action), action


def test_star_resource_exceptions_are_used_and_explained(documents: dict[str, dict]) -> None:
    for (name, action), reason in iam.STAR_RESOURCE_EXCEPTIONS.items():
        assert len(reason) > 40
        star = [
            s
            for s in iam.statements(documents[name])
            if "*" in iam._as_list(s.get("Resource")) and action in iam._as_list(s["Action"])
        ]
        assert star, f"stale exception {name} {action}"
        assert all("Condition" in s for s in star)  # narrowed by a condition


# ---------------------------------------------------------------------------
# What dbt-athena calls
# ---------------------------------------------------------------------------


def test_the_scan_finds_dbt_athenas_calls(calls: list[iam.AwsCall]) -> None:
    found = {(c.service, c.operation) for c in calls}
    expected = {
        ("athena", "StartQueryExecution"),
        ("athena", "GetQueryExecution"),
        ("athena", "GetQueryResults"),
        ("athena", "StartSession"),
        ("athena", "StartCalculationExecution"),
        ("athena", "GetCalculationExecution"),
        ("glue", "GetTable"),
        ("glue", "GetTables"),
        ("glue", "GetPartitions"),
        ("glue", "DeleteTable"),
        ("glue", "UpdateTable"),
        ("s3", "DeleteObjects"),
        ("s3", "PutObject"),
        ("sts", "GetCallerIdentity"),
    }
    assert expected <= found
    assert all(c.where.startswith("dbt/adapters/athena/") for c in calls)


def test_the_dbt_role_allows_every_call_it_needs(
    documents: dict[str, dict], calls: list[iam.AwsCall]
) -> None:
    rows = list(iam.coverage(documents["dbt-role-policy.json"], calls))
    missing = [row for row in rows if row[1] == "MISSING"]
    assert missing == []
    statuses = {action: status for action, status, _ in rows}
    for action in iam.ATHENA_QUERY_ACTIONS:
        assert statuses[action] == "allowed", action


def test_not_needed_entries_are_called_and_not_granted(
    documents: dict[str, dict], calls: list[iam.AwsCall]
) -> None:
    actions = {iam.iam_action(call) for call in calls}
    dbt_role = documents["dbt-role-policy.json"]
    for pattern in iam.NOT_NEEDED:
        matching = {a for a in actions if iam.fnmatchcase(a, pattern)}
        assert matching, f"stale NOT_NEEDED entry {pattern}"
        for action in matching:
            assert not iam.allowing_statements(dbt_role, action), action


# ---------------------------------------------------------------------------
# Least privilege, resource by resource
# ---------------------------------------------------------------------------


def test_dbt_role_deletes_only_inside_the_project(documents: dict[str, dict]) -> None:
    role = documents["dbt-role-policy.json"]
    data, results = VALUES["DataBucket"], VALUES["ResultsBucket"]
    assert iam.is_allowed(
        role, "s3:DeleteObject", _s3(f"{data}/warehouse/rfm_marts/dim_customers/x")
    )
    assert not iam.is_allowed(role, "s3:DeleteObject", _s3(f"{data}/other-team/file"))
    assert not iam.is_allowed(role, "s3:DeleteObject", _s3("some-other-bucket/warehouse/x"))
    assert not iam.is_allowed(role, "s3:DeleteObject", _s3(f"{results}/results/q.csv"))
    deny = [s for s in iam.statements(role) if s["Effect"] == "Deny"]
    assert len(deny) == 1 and "s3:DeleteObject" in deny[0]["Action"]
    assert "NotResource" in deny[0]


def test_dbt_role_glue_is_the_projects_databases(documents: dict[str, dict]) -> None:
    role = documents["dbt-role-policy.json"]
    assert iam.is_allowed(role, "glue:CreateTable", _glue("table", "rfm_marts/dim_customers"))
    assert iam.is_allowed(role, "glue:CreateDatabase", _glue("database", "rfm_staging"))
    assert iam.is_allowed(role, "glue:GetTable", _glue("table", "rfm_raw/orders"))
    assert not iam.is_allowed(role, "glue:DeleteTable", _glue("table", "finance/ledger"))
    assert not iam.is_allowed(role, "glue:GetTable", _glue("table", "finance/ledger"))
    athena = f"arn:aws:athena:{REGION}:{ACCOUNT}:workgroup"
    assert iam.is_allowed(role, "athena:StartQueryExecution", f"{athena}/rfm-sql")
    assert not iam.is_allowed(role, "athena:StartQueryExecution", f"{athena}/primary")
    assert iam.is_allowed(role, "athena:StartCalculationExecution", f"{athena}/rfm-spark")


def test_spark_role_invokes_only_the_configured_model(documents: dict[str, dict]) -> None:
    role = documents["spark-execution-role-policy.json"]
    model = f"arn:aws:bedrock:{REGION}::foundation-model/amazon.nova-lite-v1:0"
    assert iam.is_allowed(role, "bedrock:InvokeModel", model)
    assert not iam.is_allowed(
        role, "bedrock:InvokeModel", f"arn:aws:bedrock:{REGION}::foundation-model/other-model"
    )
    bedrock = [a for s in iam.statements(role) for a in iam._as_list(s["Action"]) if "bedrock" in a]
    assert bedrock == ["bedrock:InvokeModel"]
    data = VALUES["DataBucket"]
    assert iam.is_allowed(
        role, "s3:PutObject", _s3(f"{data}/warehouse/rfm_intermediate/t/u/p.parquet")
    )
    assert not iam.is_allowed(role, "s3:PutObject", _s3(f"{data}/warehouse/rfm_marts/t/p.parquet"))
    assert not iam.is_allowed(role, "glue:CreateTable", _glue("table", "rfm_marts/dim_customers"))


def test_spark_trust_is_athena_for_the_spark_work_group_only(documents: dict[str, dict]) -> None:
    (statement,) = iam.statements(documents["spark-execution-role-trust.json"])
    assert statement["Principal"] == {"Service": "athena.amazonaws.com"}
    assert statement["Condition"]["ArnLike"]["aws:SourceArn"].endswith("workgroup/rfm-spark")
    assert statement["Condition"]["StringEquals"]["aws:SourceAccount"] == ACCOUNT


def test_quicksight_role_reads_marts_only(documents: dict[str, dict]) -> None:
    role = documents["quicksight-role-policy.json"]
    actions = {a for s in iam.statements(role) for a in iam._as_list(s["Action"])}
    assert not {a for a in actions if "Delete" in a or "Create" in a or "Update" in a}
    data, results = VALUES["DataBucket"], VALUES["ResultsBucket"]
    assert iam.is_allowed(role, "s3:GetObject", _s3(f"{data}/warehouse/rfm_marts/dim_customers/f"))
    assert not iam.is_allowed(role, "s3:GetObject", _s3(f"{data}/warehouse/rfm_raw/customers/f"))
    assert iam.is_allowed(role, "s3:PutObject", _s3(f"{results}/results/q.csv"))
    assert not iam.is_allowed(role, "s3:PutObject", _s3(f"{data}/warehouse/rfm_marts/x"))
    assert iam.is_allowed(role, "glue:GetTable", _glue("table", "rfm_marts/dim_customers"))
    assert not iam.is_allowed(role, "glue:GetTable", _glue("table", "rfm_intermediate/x"))
