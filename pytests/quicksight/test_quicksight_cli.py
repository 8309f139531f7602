"""The command line: --help, --dry-run without any network call, errors, a stubbed deployment."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import botocore.endpoint
import pytest
from botocore import xform_name
from botocore.stub import Stubber
from quicksight_support import (
    ACCOUNT_ID,
    PRINCIPAL,
    PROJECT_DIR,
    REGION,
    config,
    create_response,
    describe_params,
    quicksight_client,
)

from rfm_nbo.quicksight import cli
from rfm_nbo.quicksight.config import DeployConfig
from rfm_nbo.quicksight.manifest import Mart
from rfm_nbo.quicksight.plan import build_plan
from rfm_nbo.quicksight.validation import validate_request

BASE = ["--aws-account-id", ACCOUNT_ID, "--region", REGION]


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to send an HTTP request or open a socket fails the test."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the dry run tried to use the network")

    monkeypatch.setattr(botocore.endpoint.Endpoint, "make_request", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def _run_module(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rfm_nbo.quicksight", *args],
        cwd=PROJECT_DIR,
        env={**os.environ, "PYTHONPATH": str(PROJECT_DIR), **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_help_lists_every_option() -> None:
    completed = _run_module("--help")
    assert completed.returncode == 0
    for option in (
        "--manifest",
        "--aws-account-id",
        "--region",
        "--athena-workgroup",
        "--glue-database",
        "--principal-arn",
        "--prefix",
        "--rls-dataset",
        "--dry-run",
        "--endpoint-url",
    ):
        assert option in completed.stdout


def test_dry_run_prints_valid_json_and_calls_nothing(
    real_manifest_path: Path,
    project_marts: list[Mart],
    no_network: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def no_client(config: DeployConfig, endpoint_url: str | None) -> Any:
        raise AssertionError("the dry run created a client")

    argv = [*BASE, "--manifest", str(real_manifest_path), "--dry-run", "--principal-arn", PRINCIPAL]
    assert cli.main(argv, client_factory=no_client) == 0
    captured = capsys.readouterr()
    requests = json.loads(captured.out)
    operations = [request["operation"] for request in requests]
    assert operations == ["CreateDataSource"] + ["CreateDataSet"] * len(project_marts) + [
        "CreateDashboard"
    ]
    for request in requests:
        validate_request(request["operation"], request["params"])
    assert requests == [r.as_json() for r in build_plan(config(), project_marts).requests]
    assert "nothing sent" in captured.err


def test_dry_run_in_a_subprocess_with_an_unreachable_endpoint(real_manifest_path: Path) -> None:
    """No credentials, an endpoint nobody listens on: the dry run still succeeds."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    env = {
        "AWS_ACCESS_KEY_ID": "",
        "AWS_SECRET_ACCESS_KEY": "",
        "AWS_CONFIG_FILE": "/nonexistent",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
        "ATHENA_SCHEMA": "prod",
    }
    completed = _run_module(
        *BASE,
        "--manifest",
        str(real_manifest_path),
        "--dry-run",
        "--rls-dataset",
        "rls_segment_permissions",
        "--endpoint-url",
        f"http://127.0.0.1:{closed_port}",
        env=env,
    )
    assert completed.returncode == 0, completed.stderr
    requests = json.loads(completed.stdout)
    schemas = {
        table["RelationalTable"]["Schema"]
        for request in requests
        for table in request["params"].get("PhysicalTableMap", {}).values()
    }
    assert schemas == {"prod_marts"}
    assert "row-level security" in completed.stderr


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--region", REGION, "--dry-run"], "--aws-account-id is required"),
        (["--aws-account-id", ACCOUNT_ID, "--dry-run"], "--region is required"),
        (BASE, "--principal-arn is required"),
    ],
)
def test_missing_required_values_are_usage_errors(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as raised:
        cli.main(argv)
    assert raised.value.code == 2
    assert message in capsys.readouterr().err


def test_missing_manifest_exits_1_with_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main([*BASE, "--dry-run", "--manifest", str(tmp_path / "nope.json")])
    assert code == 1
    assert "dbt parse" in capsys.readouterr().err


def test_bad_account_id_exits_1_naming_the_option(
    real_manifest_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(
        [
            "--aws-account-id",
            "42",
            "--region",
            REGION,
            "--dry-run",
            "--manifest",
            str(real_manifest_path),
        ]
    )
    assert code == 1
    assert "--aws-account-id '42'" in capsys.readouterr().err


def test_account_and_region_from_the_environment(
    real_manifest_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AWS_ACCOUNT_ID", ACCOUNT_ID)
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setenv("ATHENA_WORK_GROUP", "bi")
    assert cli.main(["--dry-run", "--manifest", str(real_manifest_path)]) == 0
    (source, *_) = json.loads(capsys.readouterr().out)
    assert source["params"]["DataSourceParameters"]["AthenaParameters"]["WorkGroup"] == "bi"


def test_deploy_through_the_cli_with_a_stubbed_client(
    real_manifest_path: Path, project_marts: list[Mart], capsys: pytest.CaptureFixture[str]
) -> None:
    plan = build_plan(config(), project_marts)
    client = quicksight_client()
    stubber = Stubber(client)
    for request in plan.requests:
        stubber.add_client_error(
            xform_name(request.kind.describe),
            service_error_code="ResourceNotFoundException",
            http_status_code=404,
            expected_params=describe_params(request),
        )
        stubber.add_response(
            xform_name(request.kind.create), create_response(request), request.params
        )
    seen: list[tuple[DeployConfig, str | None]] = []

    def factory(config: DeployConfig, endpoint_url: str | None) -> Any:
        seen.append((config, endpoint_url))
        return client

    argv = [
        *BASE,
        "--manifest",
        str(real_manifest_path),
        "--principal-arn",
        PRINCIPAL,
        "--endpoint-url",
        "http://x",
    ]
    with stubber:
        assert cli.main(argv, client_factory=factory) == 0
        stubber.assert_no_pending_responses()
    assert seen[0][1] == "http://x"
    err = capsys.readouterr().err
    assert "dashboard rfm-nbo-dashboard: created" in err
    assert f"https://{REGION}.quicksight.aws.amazon.com/sn/dashboards/rfm-nbo-dashboard" in err


def test_aws_errors_become_one_line_with_a_hint(
    real_manifest_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    client = quicksight_client()
    stubber = Stubber(client)
    stubber.add_client_error(
        "describe_data_source",
        service_error_code="UnsupportedUserEditionException",
        service_message="Enterprise only",
        http_status_code=403,
    )
    argv = [*BASE, "--manifest", str(real_manifest_path), "--principal-arn", PRINCIPAL]
    with stubber:
        assert cli.main(argv, client_factory=lambda config, url: client) == 1
    err = capsys.readouterr().err
    assert "DescribeDataSource failed: UnsupportedUserEditionException: Enterprise only" in err
    assert "Enterprise edition" in err
