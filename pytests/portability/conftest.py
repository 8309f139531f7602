"""Fixtures shared by the Athena portability tests: one offline Athena compile and
one DuckDB build of the demo data per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from rfm_nbo.portability import builds

PROJECT_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def athena_compile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, int]:
    """`python -m rfm_nbo.portability.athena_check` on the project, into a
    throwaway target path; returns (target path, output, exit status)."""
    compiled = builds.shared_athena_compile(PROJECT_DIR, tmp_path_factory.mktemp("target_athena"))
    return compiled.target_path, compiled.output, compiled.returncode


@pytest.fixture(scope="session")
def reference_build(tmp_path_factory: pytest.TempPathFactory) -> builds.ReferenceBuild:
    """`dbt build` (seeds, models) of the demo data on DuckDB, shared with pytests/spark."""
    return builds.shared(PROJECT_DIR, tmp_path_factory.mktemp("reference_build"))
