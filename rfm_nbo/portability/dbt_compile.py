"""Compile the project for the athena target and read what dbt compiled.

`dbt compile --target athena --no-populate-cache --target-path target_athena`
writes every model, test, analysis and hook as Athena SQL into
`target_athena/manifest.json` (and `compiled/`), leaving the DuckDB `target/`
alone. Python models compile too: dbt renders their code plus the `dbt` object
their `model()` receives; dbt-athena only submits them to Spark at run time.
Unit tests are not compiled by `dbt compile` (their SQL needs the columns of
real relations), so they are not checked here.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

SQL_RESOURCE_TYPES = ("model", "test", "analysis", "snapshot", "operation")


class CompileError(RuntimeError):
    """dbt compile failed, or left no manifest to read."""


@dataclass(frozen=True)
class CompiledNode:
    """One compiled dbt node: where it came from and what it compiled to."""

    unique_id: str
    resource_type: str
    language: str
    source_path: str
    compiled_path: str
    code: str
    materialized: str
    depends_on: tuple[str, ...]


def dbt_executable() -> str:
    """The dbt next to this Python (the project's venv), else the one on PATH."""
    beside = Path(sys.executable).with_name("dbt")
    if beside.exists():
        return str(beside)
    found = shutil.which("dbt")
    if found is None:
        raise CompileError("dbt is not installed: run `make setup` first.")
    return found


def compile_for_athena(
    project_dir: Path,
    target_path: Path,
    env: Mapping[str, str],
    timeout_s: int = 600,
    run_vars: str | None = None,
) -> str:
    """Run dbt compile for the athena target (with ``--vars run_vars`` when
    given); return its output. Raises CompileError with dbt's output when it fails."""
    command = [
        dbt_executable(),
        "compile",
        "--target",
        "athena",
        "--no-populate-cache",
        "--target-path",
        str(target_path),
        "--log-path",
        str(target_path / "logs"),
        "--profiles-dir",
        str(project_dir),
        "--project-dir",
        str(project_dir),
        *(["--vars", run_vars] if run_vars else []),
    ]
    completed = subprocess.run(
        command,
        cwd=project_dir,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
    output = completed.stdout + completed.stderr
    if completed.returncode != 0:
        raise CompileError(
            f"`dbt compile --target athena` failed (exit {completed.returncode}):\n{output}"
        )
    return output


def _compiled_path(node: Mapping) -> str:
    """Where dbt wrote the compiled file (hooks have none: their source path)."""
    return node.get("compiled_path") or f"{node['original_file_path']} ({node['name']})"


def read_compiled_nodes(target_path: Path) -> list[CompiledNode]:
    """Every compiled model, test, analysis, snapshot and hook of the manifest,
    sorted by source path."""
    manifest_file = target_path / "manifest.json"
    if not manifest_file.exists():
        raise CompileError(f"{manifest_file} does not exist: compile first (drop --skip-compile).")
    manifest = json.loads(manifest_file.read_text())
    nodes = []
    for unique_id, node in manifest["nodes"].items():
        if node["resource_type"] not in SQL_RESOURCE_TYPES:
            continue
        nodes.append(
            CompiledNode(
                unique_id=unique_id,
                resource_type=node["resource_type"],
                language=node.get("language") or "sql",
                source_path=node["original_file_path"],
                compiled_path=_compiled_path(node),
                code=node.get("compiled_code") or "",
                materialized=(node.get("config") or {}).get("materialized", ""),
                depends_on=tuple((node.get("depends_on") or {}).get("nodes", [])),
            )
        )
    return sorted(nodes, key=lambda n: (n.source_path, n.unique_id))


def python_syntax_error(code: str) -> str | None:
    """The SyntaxError message of compiled Python model code, or None."""
    try:
        ast.parse(code)
    except SyntaxError as error:
        return f"line {error.lineno}: {error.msg}"
    return None
