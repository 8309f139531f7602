"""Fixtures for tests that run real dbt commands."""

from __future__ import annotations

from pathlib import Path

import pytest
from dbt_runner import DbtProject
from generated_builds import (
    LARGE_CAMPAIGN_ARGS,
    LARGE_CAMPAIGN_SELECT,
    GeneratedBuild,
    build_generated,
)


@pytest.fixture
def dbt_project(tmp_path: Path) -> DbtProject:
    return DbtProject(tmp_path)


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory: pytest.TempPathFactory) -> DbtProject:
    """One full `dbt build` of the demo data, shared by the tests that read it."""
    project = DbtProject(tmp_path_factory.mktemp("demo_build"))
    run = project.run("build")
    assert run.returncode == 0, run.output[-5000:]
    return project


@pytest.fixture(scope="session")
def large_campaign_build(tmp_path_factory: pytest.TempPathFactory) -> GeneratedBuild:
    """The large generated campaign set (generated_builds.LARGE_CAMPAIGN_ARGS), built once
    per session: about 240 campaign x segment cells, for coverage and segment-level tests."""
    return build_generated(
        tmp_path_factory.mktemp("large_campaigns"), LARGE_CAMPAIGN_ARGS, LARGE_CAMPAIGN_SELECT
    )
