"""Fixtures for tests that run real dbt commands."""

from __future__ import annotations

from pathlib import Path

import pytest
from dbt_runner import DbtProject


@pytest.fixture
def dbt_project(tmp_path: Path) -> DbtProject:
    return DbtProject(tmp_path)
