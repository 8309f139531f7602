"""The two builds the offline Athena checks start from, in scratch directories.

- ``build_reference``: a DuckDB build of the demo data, the reference the
  Athena emulation (``transpile_check``) and the Spark tests
  (``pytests/spark``) compare against. Seeds and models only (``dbt build
  --resource-type seed --resource-type model``): the data tests run in
  ``make dbt-test``, and skipping them here saves half the time.
- ``athena_compile``: ``python -m rfm_nbo.portability.athena_check`` (the
  offline ``dbt compile --target athena`` against moto, plus its checks).

The developer's warehouse and ``target/`` are never touched. One of each per
process is enough for every caller (``shared``, ``shared_athena_compile``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from rfm_nbo.portability.dbt_compile import dbt_executable


class ReferenceBuildError(RuntimeError):
    """The DuckDB build failed; the message holds dbt's output."""


@dataclass(frozen=True)
class ReferenceBuild:
    """A finished DuckDB build: its warehouse file and target folder (with manifest)."""

    warehouse: Path
    target_path: Path

    def manifest(self) -> dict:
        return json.loads((self.target_path / "manifest.json").read_text())

    def relation(self, unique_id: str) -> tuple[str, str]:
        """(schema, identifier) of a node in the DuckDB warehouse."""
        node = self.manifest()["nodes"][unique_id]
        return node["schema"], node.get("alias") or node["name"]


def build_reference(
    project_dir: Path,
    workdir: Path,
    env: Mapping[str, str] | None = None,
    timeout_s: int = 600,
    run_vars: str | None = None,
) -> ReferenceBuild:
    """``dbt build`` (seeds, models; ``--vars run_vars`` if given) on DuckDB into ``workdir``."""
    workdir.mkdir(parents=True, exist_ok=True)
    warehouse = workdir / "reference.duckdb"
    target_path = workdir / "target"
    environment = {
        **(os.environ if env is None else env),
        "RFM_DUCKDB_PATH": str(warehouse),
        "DBT_TARGET": "dev",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DO_NOT_TRACK": "1",
    }
    command = [
        dbt_executable(),
        "build",
        "--resource-type",
        "seed",
        "--resource-type",
        "model",
        "--target-path",
        str(target_path),
        "--log-path",
        str(workdir / "logs"),
        "--profiles-dir",
        str(project_dir),
        "--project-dir",
        str(project_dir),
        "--no-partial-parse",
        *(["--vars", run_vars] if run_vars else []),
    ]
    completed = subprocess.run(
        command,
        cwd=project_dir,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
    if completed.returncode != 0:
        output = (completed.stdout + completed.stderr)[-6000:]
        raise ReferenceBuildError(
            f"dbt build on DuckDB failed (exit {completed.returncode}):\n{output}"
        )
    return ReferenceBuild(warehouse, target_path)


_lock = threading.Lock()
_shared: dict[Path, ReferenceBuild] = {}


def shared(project_dir: Path, workdir: Path | None = None) -> ReferenceBuild:
    """One reference build per project per process (pytest's portability and
    Spark tests share it). ``workdir`` is used by the first caller only."""
    key = project_dir.resolve()
    with _lock:
        if key not in _shared:
            where = workdir or Path(tempfile.mkdtemp(prefix="rfm-reference-build-"))
            _shared[key] = build_reference(key, where)
        return _shared[key]


@dataclass(frozen=True)
class AthenaCompile:
    """The offline Athena compile and check: target folder, output, exit status."""

    target_path: Path
    output: str
    returncode: int

    def manifest(self) -> dict:
        return json.loads((self.target_path / "manifest.json").read_text())


def athena_compile(
    project_dir: Path, target_path: Path, timeout_s: int = 300, run_vars: str | None = None
) -> AthenaCompile:
    """``python -m rfm_nbo.portability.athena_check`` into ``target_path`` (a subprocess,
    exactly as a developer or CI runs it; ``--vars run_vars`` when given)."""
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "rfm_nbo.portability.athena_check",
            "--project-dir",
            str(project_dir),
            "--target-path",
            str(target_path),
            *(["--vars", run_vars] if run_vars else []),
        ],
        cwd=project_dir,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
    return AthenaCompile(target_path, completed.stdout + completed.stderr, completed.returncode)


_compiles: dict[Path, AthenaCompile] = {}


def shared_athena_compile(project_dir: Path, target_path: Path | None = None) -> AthenaCompile:
    """One Athena compile per project per process (``target_path``: first caller only)."""
    key = project_dir.resolve()
    with _lock:
        if key not in _compiles:
            where = target_path or Path(tempfile.mkdtemp(prefix="rfm-target-athena-"))
            _compiles[key] = athena_compile(key, where)
        return _compiles[key]
