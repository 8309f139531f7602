"""Helpers shared by the QuickSight tests: fake manifests, dummy clients, stub responses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3

from rfm_nbo.quicksight.config import DeployConfig
from rfm_nbo.quicksight.plan import Request

PROJECT_DIR = Path(__file__).resolve().parents[2]
DBT = str(Path(sys.executable).with_name("dbt"))
ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
PRINCIPAL = f"arn:aws:quicksight:{REGION}:{ACCOUNT_ID}:group/default/bi-authors"
DUMMY_CREDENTIALS = {
    "aws_access_key_id": "testing",
    "aws_secret_access_key": "testing",
    "aws_session_token": "testing",
}


def quicksight_client(endpoint_url: str | None = None) -> Any:
    """A real boto3 QuickSight client with dummy credentials (Stubber or moto behind it)."""
    return boto3.client(
        "quicksight", region_name=REGION, endpoint_url=endpoint_url, **DUMMY_CREDENTIALS
    )


def config(**overrides: Any) -> DeployConfig:
    """A DeployConfig for the tests' dummy account."""
    values: dict[str, Any] = {
        "aws_account_id": ACCOUNT_ID,
        "region": REGION,
        "principal_arns": (PRINCIPAL,),
    }
    values.update(overrides)
    return DeployConfig(**values)


def model_node(
    name: str,
    columns: dict[str, str | None],
    *,
    path: str | None = None,
    schema: str | None = "marts",
    description: str = "One row per thing. More text.",
    package: str = "rfm_nbo",
    resource_type: str = "model",
) -> dict[str, Any]:
    """A manifest node shaped like dbt 1.11's (only the keys the reader uses, plus a few)."""
    return {
        "resource_type": resource_type,
        "package_name": package,
        "name": name,
        "alias": name,
        "path": path or f"marts/domain/{name}.sql",
        "description": description,
        "config": {"schema": schema, "contract": {"enforced": True}},
        "columns": {
            column: {"name": column, "data_type": data_type, "description": f"About {column}."}
            for column, data_type in columns.items()
        },
    }


def fake_manifest(*nodes: dict[str, Any]) -> dict[str, Any]:
    """A manifest dict holding ``nodes``."""
    return {
        "metadata": {"project_name": "rfm_nbo", "dbt_version": "1.11.0"},
        "nodes": {
            f"{node['resource_type']}.{node['package_name']}.{node['name']}": node for node in nodes
        },
    }


def dbt_parse(target_path: Path) -> Path:
    """Run the real `dbt parse` of the project into ``target_path``; return the manifest path."""
    env = {**os.environ, "DBT_PROFILES_DIR": str(PROJECT_DIR), "DBT_TARGET": "dev"}
    completed = subprocess.run(
        [
            DBT,
            "parse",
            "--target-path",
            str(target_path),
            "--log-path",
            str(target_path / "logs"),
            "--no-partial-parse",
        ],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if completed.returncode != 0:
        raise AssertionError(f"dbt parse failed:\n{completed.stdout}\n{completed.stderr}")
    return target_path / "manifest.json"


def create_response(request: Request) -> dict[str, Any]:
    """A valid Create* response for a planned request (CREATION_SUCCESSFUL)."""
    arn = f"arn:aws:quicksight:{REGION}:{ACCOUNT_ID}:{request.kind.arn_type}/{request.resource_id}"
    response: dict[str, Any] = {"Arn": arn, request.kind.id_key: request.resource_id, "Status": 201}
    if request.kind.create == "CreateDataSource":
        response["CreationStatus"] = "CREATION_SUCCESSFUL"
    if request.kind.create == "CreateDashboard":
        response["CreationStatus"] = "CREATION_SUCCESSFUL"
        response["VersionArn"] = f"{arn}/version/1"
    return response


def update_response(request: Request, version: int = 2) -> dict[str, Any]:
    """A valid Update* response for a planned request."""
    arn = f"arn:aws:quicksight:{REGION}:{ACCOUNT_ID}:{request.kind.arn_type}/{request.resource_id}"
    response: dict[str, Any] = {"Arn": arn, request.kind.id_key: request.resource_id, "Status": 200}
    if request.kind.update == "UpdateDataSource":
        response["UpdateStatus"] = "UPDATE_SUCCESSFUL"
    if request.kind.update == "UpdateDashboard":
        response["CreationStatus"] = "CREATION_SUCCESSFUL"
        response["VersionArn"] = f"{arn}/version/{version}"
    return response


def describe_response(request: Request) -> dict[str, Any]:
    """A valid Describe* response saying the resource exists."""
    arn = f"arn:aws:quicksight:{REGION}:{ACCOUNT_ID}:{request.kind.arn_type}/{request.resource_id}"
    body = {"Arn": arn, request.kind.id_key: request.resource_id}
    key = {"DataSourceId": "DataSource", "DataSetId": "DataSet", "DashboardId": "Dashboard"}
    return {key[request.kind.id_key]: body, "Status": 200}


def describe_params(request: Request) -> dict[str, str]:
    """The Describe* parameters the deployer sends for a request."""
    return {"AwsAccountId": ACCOUNT_ID, request.kind.id_key: request.resource_id}
