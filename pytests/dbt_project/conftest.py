"""Fixtures for tests that run real dbt commands."""

from __future__ import annotations

from pathlib import Path

import pytest
from dbt_runner import DbtProject


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
