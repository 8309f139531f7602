"""Run `dbt build` on a benchmark dataset through bring-your-own-data, and read what it did.

Each run gets its own warehouse file (env ``RFM_DUCKDB_PATH``), target path,
log path and profiles.yml (a copy of the project's, with the DuckDB
``settings`` and dbt threads under test), all under the run folder, so runs
never touch the developer's warehouse or each other.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from rfm_nbo.bench.measure import Measurement, run_measured

PROJECT_DIR = Path(__file__).resolve().parents[2]
RFM_TARGET = "model.rfm_nbo.int_customers_rfm_scored"
CLUSTER_MODELS = (
    "model.rfm_nbo.int_kmeans_diagnostics",
    "model.rfm_nbo.int_kmeans_centroids",
    "model.rfm_nbo.int_customers_clustered",
)
OFFER_COPY_MODEL = "int_segment_offer_copy"
_PROGRESS = re.compile(r"\b(\d+) of (\d+) (OK|PASS|ERROR|FAIL|WARN|SKIP|NO-OP)\b")


def dbt_executable() -> str:
    """The dbt next to this Python (the project's venv)."""
    return str(Path(sys.executable).with_name("dbt"))


@dataclass(frozen=True)
class NodeTiming:
    """One node of run_results.json."""

    unique_id: str
    resource_type: str
    status: str
    seconds: float
    started_at: float | None  # epoch seconds of the execute phase
    completed_at: float | None

    @property
    def name(self) -> str:
        return self.unique_id.split(".")[2] if self.resource_type != "test" else self.unique_id


@dataclass
class DbtRun:
    """A measured dbt invocation and its artifacts."""

    run_dir: Path
    measurement: Measurement
    nodes: list[NodeTiming] = field(default_factory=list)
    manifest: dict[str, Any] = field(default_factory=dict)
    dbt_elapsed_seconds: float | None = None

    @property
    def warehouse(self) -> Path:
        return self.run_dir / "warehouse.duckdb"

    @property
    def target_path(self) -> Path:
        return self.run_dir / "target"

    @property
    def ok(self) -> bool:
        return self.measurement.returncode == 0

    def seconds(self, unique_ids: Sequence[str]) -> float:
        wanted = set(unique_ids)
        return sum(node.seconds for node in self.nodes if node.unique_id in wanted)

    def node(self, unique_id: str) -> NodeTiming | None:
        return next((node for node in self.nodes if node.unique_id == unique_id), None)

    def failures(self) -> list[str]:
        return [
            f"{node.unique_id}: {node.status}"
            for node in self.nodes
            if node.status not in ("success", "pass", "skipped")
        ]

    def peak_until_done(self, unique_ids: Sequence[str]) -> int | None:
        """Largest sampled RSS from the start of the run until the last of ``unique_ids`` ended."""
        ends = [n.completed_at for n in self.nodes if n.unique_id in set(unique_ids)]
        ends = [end for end in ends if end is not None]
        if not ends:
            return None
        return self.measurement.peak_between(self.measurement.started_at, max(ends))

    def peak_during(self, node: NodeTiming) -> int | None:
        if node.started_at is None or node.completed_at is None:
            return None
        return self.measurement.peak_between(node.started_at, node.completed_at + 0.1)


def write_profiles(
    run_dir: Path,
    settings: Mapping[str, Any] | None = None,
    threads: int | None = None,
    project_dir: Path = PROJECT_DIR,
) -> Path:
    """A profiles.yml for this run: the project's, plus DuckDB ``settings`` / dbt ``threads``."""
    profiles = yaml.safe_load((project_dir / "profiles.yml").read_text())
    dev = profiles["rfm_nbo"]["outputs"]["dev"]
    if settings:
        dev["settings"] = {**dev.get("settings", {}), **dict(settings)}
    if threads is not None:
        dev["threads"] = threads
    profiles_dir = run_dir / "profiles"
    profiles_dir.mkdir(parents=True, exist_ok=True)
    (profiles_dir / "profiles.yml").write_text(yaml.safe_dump(profiles, sort_keys=False))
    return profiles_dir


def _epoch(text: str | None) -> float | None:
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def read_run_results(target_path: Path) -> tuple[list[NodeTiming], float | None]:
    """Per-node execution times (and execute-phase start/end) from run_results.json."""
    path = target_path / "run_results.json"
    if not path.is_file():
        return [], None
    data = json.loads(path.read_text())
    nodes = []
    for result in data["results"]:
        execute = next((t for t in result.get("timing", []) if t["name"] == "execute"), None)
        nodes.append(
            NodeTiming(
                unique_id=result["unique_id"],
                resource_type=result["unique_id"].split(".")[0],
                status=str(result["status"]),
                seconds=float(result.get("execution_time") or 0.0),
                started_at=_epoch(execute["started_at"]) if execute else None,
                completed_at=_epoch(execute["completed_at"]) if execute else None,
            )
        )
    return nodes, data.get("elapsed_time")


def model_ancestors(manifest: Mapping[str, Any], unique_id: str) -> list[str]:
    """``unique_id`` and every model upstream of it, in dependency order (seeds excluded)."""
    parents = manifest["parent_map"]
    order: list[str] = []
    seen: set[str] = set()

    def visit(node: str) -> None:
        if node in seen:
            return
        seen.add(node)
        for parent in sorted(parents.get(node, [])):
            visit(parent)
        if node.startswith("model."):
            order.append(node)

    visit(unique_id)
    return order


def rfm_path(manifest: Mapping[str, Any]) -> list[str]:
    """The staging and intermediate models that int_customers_rfm_scored needs, itself included."""
    return model_ancestors(manifest, RFM_TARGET)


def build_command(
    raw_files: Mapping[str, str],
    run_dir: Path,
    *,
    command: str = "build",
    select: Sequence[str] = (),
    extra_vars: Mapping[str, Any] | None = None,
    extra_args: Sequence[str] = (),
) -> list[str]:
    """The dbt command line for one run (vars as JSON, which is valid YAML)."""
    variables = {"raw_files": dict(raw_files), **dict(extra_vars or {})}
    args = [
        dbt_executable(),
        command,
        "--vars",
        json.dumps(variables),
        "--target-path",
        str(run_dir / "target"),
        "--log-path",
        str(run_dir / "logs"),
        "--no-partial-parse",
        "--no-use-colors",
        "--no-send-anonymous-usage-stats",
    ]
    if select:
        args += ["--select", *select]
    return args + list(extra_args)


def run_dbt(
    raw_files: Mapping[str, str],
    run_dir: Path,
    *,
    command: str = "build",
    select: Sequence[str] = (),
    settings: Mapping[str, Any] | None = None,
    threads: int | None = None,
    extra_vars: Mapping[str, Any] | None = None,
    extra_args: Sequence[str] = (),
    on_progress: Callable[[int, int], None] | None = None,
    timeout: float | None = None,
    project_dir: Path = PROJECT_DIR,
    fresh: bool = True,
) -> DbtRun:
    """Run dbt in ``run_dir``, measured; parse run_results and manifest. The warehouse
    is a fresh one unless ``fresh`` is false (an incremental build of the last run's)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    warehouse = run_dir / "warehouse.duckdb"
    for stale in (warehouse, run_dir / "warehouse.duckdb.wal") if fresh else ():
        stale.unlink(missing_ok=True)
    profiles_dir = write_profiles(run_dir, settings, threads, project_dir)
    env = {
        **os.environ,
        "RFM_DUCKDB_PATH": str(warehouse),
        "DBT_TARGET": "dev",
        "DBT_PROFILES_DIR": str(profiles_dir),
        # The offer copy cache must not be shared with the developer's (warm) one.
        "RFM_LLM_CACHE_DIR": str(run_dir / "llm_cache"),
    }

    def on_line(line: str) -> None:
        match = _PROGRESS.search(line)
        if match and on_progress:
            on_progress(int(match.group(1)), int(match.group(2)))

    measurement = run_measured(
        build_command(
            raw_files,
            run_dir,
            command=command,
            select=select,
            extra_vars=extra_vars,
            extra_args=extra_args,
        ),
        cwd=project_dir,
        env=env,
        log_path=run_dir / "dbt_output.log",
        on_line=on_line,
        timeout=timeout,
    )
    nodes, elapsed = read_run_results(run_dir / "target")
    manifest_path = run_dir / "target" / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
    return DbtRun(run_dir, measurement, nodes, manifest, elapsed)


def llm_calls(warehouse: Path) -> dict[str, Any]:
    """Segments and LLM calls of this build, from the offer copy model's own record.

    A segment made a call when its copy has a model id (Bedrock was asked), was
    not a cache hit, and was not stopped before the call (privacy block, or
    skipped after repeated failures). The template provider has no model id.
    """
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        found = con.execute(
            "select table_schema from information_schema.tables where table_name = ?",
            [OFFER_COPY_MODEL],
        ).fetchall()
        if not found:
            return {"segments": None, "llm_calls": None, "copy_sources": {}}
        relation = f'"{found[0][0]}"."{OFFER_COPY_MODEL}"'
        segments, calls = con.execute(
            f"""
            select
                count(distinct segment_name),
                count(distinct segment_name) filter (
                    where model_id is not null
                    and not is_cache_hit
                    and coalesce(fallback_reason, '')
                        not in ('privacy_blocked', 'skipped_after_repeated_failures')
                )
            from {relation}
            """
        ).fetchone()
        sources = dict(
            con.execute(
                f"select copy_source, count(distinct segment_name) from {relation} group by 1"
            ).fetchall()
        )
    return {"segments": segments, "llm_calls": calls, "copy_sources": sources}
