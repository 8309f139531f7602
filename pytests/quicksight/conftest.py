"""Fixtures for the QuickSight deployer tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from quicksight_support import dbt_parse

from rfm_nbo.quicksight.manifest import Mart, read_marts


@pytest.fixture(scope="session")
def real_manifest_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's own manifest, from a real `dbt parse` into a temporary target path."""
    return dbt_parse(tmp_path_factory.mktemp("dbt_target"))


@pytest.fixture(scope="session")
def project_marts(real_manifest_path: Path) -> list[Mart]:
    """The project's marts as the deployer reads them."""
    return read_marts(real_manifest_path)


@pytest.fixture(autouse=True)
def _no_aws_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Never read a developer's AWS profile or credentials; never talk to real AWS."""
    for name in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_QUICKSIGHT",
        "AWS_ACCOUNT_ID",
        "ATHENA_SCHEMA",
        "ATHENA_WORK_GROUP",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
