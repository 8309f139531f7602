"""One benchmark scale, step by step: data, dbt build, isolated RFM + clustering, daily
incremental build, floor, notebook.

Every step runs in its own process, measured the same way (``measure``), on
the same Parquet files. The result is a JSON-ready dict; ``report`` turns a
list of them into the markdown table.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rfm_nbo.bench.compare import floor_vs_models, marts_equal, notebook_vs_floor
from rfm_nbo.bench.daily import LOADS, rows_in, split_into_loads
from rfm_nbo.bench.dataset import Dataset, prepare_dataset
from rfm_nbo.bench.dbt_build import (
    CLUSTER_MODELS,
    PROJECT_DIR,
    DbtRun,
    llm_calls,
    rfm_path,
    run_dbt,
)
from rfm_nbo.bench.machine import load_average
from rfm_nbo.bench.measure import Measurement, run_measured
from rfm_nbo.bench.profiling import profile_statement
from rfm_nbo.generator import GeneratorParams

Step = Callable[[str], None]


@dataclass
class BenchOptions:
    """What to run and how (the command-line options)."""

    out_dir: Path
    data_root: Path
    seed: int = 42
    notebook: bool = True
    isolated: bool = True
    daily: bool = True
    settings: dict[str, str] = field(default_factory=dict)
    threads: int | None = None
    profile_models: int = 0
    progress: bool = True
    regenerate: bool = False
    keep_warehouses: bool = False
    extra_vars: dict[str, Any] = field(default_factory=dict)
    project_dir: Path = PROJECT_DIR
    floor_settings: bool = False  # also give the floor the DuckDB settings under test
    retry_busy: float | None = None  # rerun a scale when others took more CPU than this share
    attempts: int = 3


def _short(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1_000 and n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


class _Bar:
    """A tqdm bar over dbt nodes (or nothing when progress is off)."""

    def __init__(self, enabled: bool, label: str) -> None:
        self._bar = None
        self._enabled = enabled
        self._label = label

    def update(self, done: int, total: int) -> None:
        if not self._enabled:
            return
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(
                total=total, desc=self._label, unit=" nodes", leave=False, mininterval=0.5
            )
        if total != self._bar.total:  # the on-run-start hook counts "1 of 1" first
            self._bar.reset(total=total)
        self._bar.update(max(0, done - self._bar.n))

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _measurement_json(m: Measurement) -> dict[str, Any]:
    return {
        "wall_seconds": round(m.wall_seconds, 3),
        "cpu_seconds": round(m.cpu_seconds, 3),
        "other_cpu_seconds": None if m.other_cpu_seconds is None else round(m.other_cpu_seconds, 1),
        # share of the machine's CPU capacity that other processes took meanwhile
        "other_cpu_share": (
            None
            if m.other_cpu_seconds is None or not m.wall_seconds
            else round(m.other_cpu_seconds / (m.wall_seconds * (os.cpu_count() or 1)), 3)
        ),
        "peak_rss_bytes": m.peak_rss_bytes,
        "peak_tree_rss_bytes": m.peak_tree_rss_bytes,
        "max_process_rss_bytes": m.max_process_rss_bytes,
        "returncode": m.returncode,
    }


def _dbt(
    dataset: Dataset,
    run_dir: Path,
    options: BenchOptions,
    label: str,
    raw_files: Mapping[str, str] | None = None,
    **kwargs: Any,
) -> DbtRun:
    bar = _Bar(options.progress, label)
    try:
        run = run_dbt(
            raw_files or dataset.raw_files(),
            run_dir,
            settings=options.settings,
            on_progress=bar.update,
            extra_vars=options.extra_vars,
            project_dir=options.project_dir,
            **kwargs,
        )
    finally:
        bar.close()
    if not run.ok:
        tail = (run_dir / "dbt_output.log").read_text()[-4000:]
        raise RuntimeError(f"dbt failed in {run_dir} (see dbt_output.log there):\n{tail}")
    return run


def _node_table(run: DbtRun, unique_ids: list[str]) -> dict[str, float]:
    return {
        uid.split(".")[-1]: round(run.node(uid).seconds, 3) for uid in unique_ids if run.node(uid)
    }


def _slowest(run: DbtRun, n: int = 15) -> list[dict[str, Any]]:
    rows = []
    for node in sorted(run.nodes, key=lambda x: x.seconds, reverse=True)[:n]:
        rows.append(
            {
                "node": node.unique_id.split(".", 2)[-1]
                if node.resource_type != "test"
                else node.unique_id.split(".")[2],
                "type": node.resource_type,
                "seconds": round(node.seconds, 3),
                "peak_rss_bytes_during": run.peak_during(node),
            }
        )
    return rows


def profile_models(run: DbtRun, unique_ids: list[str]) -> dict[str, Any]:
    """Re-run the compiled SQL of these models with DuckDB's profiler, on the built warehouse
    (read-only; the result goes to a temp table)."""
    import duckdb

    profiles: dict[str, Any] = {}
    nodes = run.manifest.get("nodes", {})
    con = duckdb.connect(str(run.warehouse), read_only=True)
    try:
        for uid in unique_ids:
            node = nodes.get(uid, {})
            if node.get("language") != "sql":
                continue
            compiled = Path(node.get("compiled_path") or "")
            if not compiled.is_absolute():
                compiled = run.run_dir.parent.parent / compiled
            if not compiled.is_file():
                continue
            statement = f"create or replace temp table bench_profile as ({compiled.read_text()})"
            result = profile_statement(con, statement).to_json()
            result["compiled_path"] = str(compiled)
            profiles[uid.split(".")[-1]] = result
    finally:
        con.close()
    return profiles


def run_scale(customers: int, options: BenchOptions, step: Step) -> dict[str, Any]:
    """Benchmark one scale; returns the JSON-ready result."""
    label = _short(customers)
    scale_dir = options.out_dir / f"customers_{customers}"
    if scale_dir.exists():
        shutil.rmtree(scale_dir)
    scale_dir.mkdir(parents=True)
    result: dict[str, Any] = {"customers": customers, "load_before": load_average()}
    total_steps = (
        3
        + int(options.isolated)
        + int(options.daily)
        + int(options.notebook)
        + int(options.profile_models > 0)
    )
    counter = iter(range(1, total_steps + 1))

    def announce(text: str) -> None:
        step(f"[{label}] {next(counter)}/{total_steps} {text}")

    announce("data: reuse or generate the Parquet dataset")
    dataset = prepare_dataset(
        options.data_root,
        GeneratorParams(customers=customers, seed=options.seed),
        progress=options.progress,
        force=options.regenerate,
    )
    result["dataset"] = {
        "path": str(dataset.root),
        "generated": dataset.generated,
        "generation_seconds": round(dataset.seconds, 1),
        "rows": dataset.rows,
        "order_lines": dataset.rows.get("order_items"),
    }
    step(
        f"      {'generated' if dataset.generated else 'reused'} {dataset.root} "
        f"({dataset.rows.get('orders', 0):,} orders, {dataset.rows.get('order_items', 0):,} lines)"
    )

    announce("dbt build (every model and test, fresh warehouse)")
    full = _dbt(
        dataset, scale_dir / "full_build", options, f"{label} dbt build", threads=options.threads
    )
    path = rfm_path(full.manifest)
    clustering = [*path, *CLUSTER_MODELS]
    models = [n for n in full.nodes if n.resource_type == "model"]
    tests = [n for n in full.nodes if n.resource_type in ("test", "unit_test")]
    result["full_build"] = {
        **_measurement_json(full.measurement),
        "dbt_elapsed_seconds": full.dbt_elapsed_seconds,
        "models": len(models),
        "tests": len(tests),
        "nodes": len(full.nodes),
        "models_seconds": round(sum(n.seconds for n in models), 3),
        "tests_seconds": round(sum(n.seconds for n in tests), 3),
        "all_nodes_seconds": round(sum(n.seconds for n in full.nodes), 3),
        "slowest": _slowest(full),
        "node_seconds": {n.unique_id: round(n.seconds, 3) for n in full.nodes},
        "threads": options.threads,
    }
    result["rfm_path_models"] = [uid.split(".")[-1] for uid in path]
    result["rfm"] = {
        "full_build_seconds": round(full.seconds(path), 3),
        "per_model_full_build": _node_table(full, path),
    }
    result["rfm_clustering"] = {
        "full_build_seconds": round(full.seconds(clustering), 3),
        "per_model_full_build": _node_table(full, list(CLUSTER_MODELS)),
        "full_build_peak_rss_bytes_until_done": full.peak_until_done(clustering),
    }
    result["llm"] = llm_calls(full.warehouse)
    peak = full.measurement.peak_rss_bytes / 2**30
    step(
        f"      {full.measurement.wall_seconds:.1f} s, peak {peak:.2f} GiB, "
        f"{len(models)} models + {len(tests)} tests"
    )

    if options.isolated:
        announce("RFM + clustering alone (dbt build --select +int_customers_clustered, 1 thread)")
        isolated = _dbt(
            dataset,
            scale_dir / "rfm_clustering",
            options,
            f"{label} RFM + clustering",
            select=["+int_customers_clustered"],
            threads=1,
            extra_args=["--resource-type", "model", "--resource-type", "seed"],
        )
        result["isolated"] = {**_measurement_json(isolated.measurement), "threads": 1}
        result["rfm"]["isolated_seconds"] = round(isolated.seconds(path), 3)
        result["rfm"]["per_model_isolated"] = _node_table(isolated, path)
        result["rfm_clustering"]["isolated_seconds"] = round(isolated.seconds(clustering), 3)
        result["rfm_clustering"]["per_model_isolated"] = _node_table(isolated, list(CLUSTER_MODELS))
        result["rfm_clustering"]["isolated_peak_rss_bytes"] = isolated.measurement.peak_rss_bytes
        if not options.keep_warehouses:
            isolated.warehouse.unlink(missing_ok=True)
        step(
            f"      RFM models {result['rfm']['isolated_seconds']:.1f} s, + clustering "
            f"{result['rfm_clustering']['isolated_seconds']:.1f} s, peak "
            f"{isolated.measurement.peak_rss_bytes / 2**30:.2f} GiB"
        )

    if options.daily:
        announce("daily: yesterday's loads built in full, then today's load, incremental")
        result["daily"] = run_daily(dataset, full, scale_dir / "daily", options, label)
        daily = result["daily"]
        step(
            f"      daily build {daily['daily_build']['wall_seconds']:.1f} s; incremental "
            f"models {daily['incremental_seconds']:.1f} s = "
            f"{100 * daily['incremental_share_of_full_build']:.1f} % of their full-build time; "
            f"marts equal to the full build: {daily['marts_equal_full_build']['equal']}"
        )

    announce("floor: one hand-written DuckDB query from the Parquet files")
    floor_dir = scale_dir / "floor"
    floor_dir.mkdir()
    floor_db = floor_dir / "floor.duckdb"
    floor_cmd = [
        sys.executable,
        "-m",
        "rfm_nbo.bench.floor",
        "--tables",
        str(dataset.tables_dir),
        "--database",
        str(floor_db),
        "--result",
        str(floor_dir / "floor_result.json"),
    ]
    # The floor is the best one query can do: DuckDB's defaults unless asked.
    for name, value in (options.settings if options.floor_settings else {}).items():
        floor_cmd += ["--setting", f"{name}={value}"]
    floor_cmd += _floor_var_args(options.extra_vars)
    floor_run = run_measured(floor_cmd, log_path=floor_dir / "floor_output.log")
    if floor_run.returncode != 0:
        raise RuntimeError(f"the floor query failed: see {floor_dir / 'floor_output.log'}")
    floor_result = json.loads((floor_dir / "floor_result.json").read_text())
    result["floor"] = {
        **_measurement_json(floor_run),
        "seconds": round(floor_result["seconds"], 3),
        "customers": floor_result["customers"],
    }
    agreement: dict[str, Any] = {"floor_vs_models": floor_vs_models(full.warehouse, floor_db)}
    step(
        f"      {floor_result['seconds']:.1f} s, peak {floor_run.peak_rss_bytes / 2**30:.2f} GiB; "
        f"agrees with int_customers_rfm_scored: {agreement['floor_vs_models']['agree']}"
    )

    if options.notebook:
        announce("notebook: pandas groupby/qcut + scikit-learn KMeans on all customers")
        notebook_dir = scale_dir / "notebook"
        notebook_dir.mkdir()
        notebook_run = run_measured(
            [
                sys.executable,
                "-m",
                "rfm_nbo.bench.notebook",
                "--tables",
                str(dataset.tables_dir),
                "--out",
                str(notebook_dir),
                *_notebook_var_args(options.extra_vars),
            ],
            log_path=notebook_dir / "notebook_output.log",
        )
        if notebook_run.returncode != 0:
            raise RuntimeError(f"the notebook approach failed: see {notebook_dir}")
        notebook_result = json.loads((notebook_dir / "notebook_result.json").read_text())
        result["notebook"] = {
            **_measurement_json(notebook_run),
            "compute_seconds": round(notebook_result["compute_seconds"], 3),
            "rfm_seconds": round(notebook_result["rfm_seconds"], 3),
            "chosen_k": notebook_result["chosen_k"],
            "steps": {k: round(v, 3) for k, v in notebook_result["steps"].items()},
        }
        agreement["notebook_vs_floor"] = notebook_vs_floor(
            floor_db, notebook_dir / "notebook_rfm.parquet"
        )
        step(
            f"      {notebook_result['compute_seconds']:.1f} s, peak "
            f"{notebook_run.peak_rss_bytes / 2**30:.2f} GiB"
        )
    result["agreement"] = agreement

    if options.profile_models > 0:
        announce(f"profile: the {options.profile_models} slowest SQL models and the floor")
        sql_models = [
            n
            for n in sorted(full.nodes, key=lambda x: x.seconds, reverse=True)
            if n.resource_type == "model"
            and full.manifest["nodes"].get(n.unique_id, {}).get("language") == "sql"
        ]
        wanted = [n.unique_id for n in sql_models[: options.profile_models]]
        wanted += [uid for uid in path if uid not in wanted]
        result["profiles"] = profile_models(full, wanted)
        from rfm_nbo.bench.floor import run_floor

        result["profiles"]["(floor)"] = run_floor(
            dataset.tables_dir,
            floor_dir / "floor_profiled.duckdb",
            settings=options.settings if options.floor_settings else {},
            profile=True,
        )["profile"]

    result["ratios"] = ratios(result)
    result["load_after"] = load_average()
    if not options.keep_warehouses:
        full.warehouse.unlink(missing_ok=True)
        floor_db.unlink(missing_ok=True)
    return result


def run_daily(
    dataset: Dataset, full: DbtRun, daily_dir: Path, options: BenchOptions, label: str
) -> dict[str, Any]:
    """A full build of every load but the newest day's, then that day arrives and
    `dbt build` runs again on the same warehouse (rfm_nbo.bench.daily)."""
    loads = split_into_loads(
        dataset.tables_dir, dataset.root / "loads", options.extra_vars.get("max_valid_at")
    )
    raw_files = loads.raw_files(dataset.raw_files())
    loads.arrive(LOADS[:2])
    base = _dbt(
        dataset, daily_dir, options, f"{label} loads 1-2", raw_files, threads=options.threads
    )
    loads.arrive(LOADS)
    daily = _dbt(
        dataset,
        daily_dir,
        options,
        f"{label} daily",
        raw_files,
        threads=options.threads,
        fresh=False,
    )
    incremental = [
        uid
        for uid, node in full.manifest["nodes"].items()
        if node.get("config", {}).get("materialized") == "incremental"
    ]
    daily_seconds = daily.seconds(incremental)
    full_seconds = full.seconds(incremental)
    newest_rows = {
        table: rows_in(loads.load_path(table, LOADS[2])) for table in ("orders", "order_items")
    }
    result = {
        "newest_day": loads.newest_day,
        "newest_load_rows": newest_rows,
        "base_build": _measurement_json(base.measurement),
        "daily_build": {
            **_measurement_json(daily.measurement),
            "dbt_elapsed_seconds": daily.dbt_elapsed_seconds,
            "slowest": _slowest(daily),
        },
        "incremental_models": {
            uid.split(".")[-1]: {
                "daily_seconds": round(daily.node(uid).seconds, 3) if daily.node(uid) else None,
                "full_build_seconds": round(full.node(uid).seconds, 3) if full.node(uid) else None,
            }
            for uid in incremental
        },
        "incremental_seconds": round(daily_seconds, 3),
        "incremental_share_of_full_build": round(_div(daily_seconds, full_seconds) or 0.0, 4),
        "marts_equal_full_build": marts_equal(full.warehouse, daily.warehouse),
    }
    if not options.keep_warehouses:
        daily.warehouse.unlink(missing_ok=True)
    return result


def _floor_var_args(variables: Mapping[str, Any]) -> list[str]:
    args = []
    for var, flag in (
        ("rfm_lookback_days", "--lookback-days"),
        ("rfm_score_buckets", "--buckets"),
        ("as_of_date", "--as-of-date"),
        ("max_valid_at", "--max-valid-at"),
    ):
        if variables.get(var) is not None:
            args += [flag, str(variables[var])]
    return args


def _notebook_var_args(variables: Mapping[str, Any]) -> list[str]:
    args = []
    for var, flag in (
        ("rfm_lookback_days", "--lookback-days"),
        ("rfm_score_buckets", "--buckets"),
        ("kmeans_k_min", "--k-min"),
        ("kmeans_k_max", "--k-max"),
        ("kmeans_seed", "--seed"),
        ("kmeans_n_init", "--n-init"),
        ("kmeans_silhouette_tolerance", "--silhouette-tolerance"),
    ):
        if variables.get(var) is not None:
            args += [flag, str(variables[var])]
    return args


def _div(a: float | None, b: float | None) -> float | None:
    if a is None or b in (None, 0):
        return None
    return a / b  # type: ignore[operator]


def ratios(result: Mapping[str, Any]) -> dict[str, float | None]:
    """The ratios the targets are stated in."""
    rfm = result.get("rfm", {})
    clustering = result.get("rfm_clustering", {})
    notebook = result.get("notebook", {})
    rfm_seconds = rfm.get("isolated_seconds", rfm.get("full_build_seconds"))
    clustering_seconds = clustering.get("isolated_seconds", clustering.get("full_build_seconds"))
    clustering_peak = clustering.get(
        "isolated_peak_rss_bytes", clustering.get("full_build_peak_rss_bytes_until_done")
    )
    return {
        "rfm_models_over_floor": _div(rfm_seconds, result.get("floor", {}).get("seconds")),
        "rfm_models_full_build_over_floor": _div(
            rfm.get("full_build_seconds"), result.get("floor", {}).get("seconds")
        ),
        "notebook_over_rfm_clustering_time": _div(
            notebook.get("compute_seconds"), clustering_seconds
        ),
        "rfm_clustering_over_notebook_memory": _div(
            clustering_peak, notebook.get("peak_rss_bytes")
        ),
    }


def disturbance(result: Mapping[str, Any]) -> float:
    """The largest share of the CPU that other processes took during any step of a scale."""
    shares = [
        result.get(step, {}).get("other_cpu_share")
        for step in ("full_build", "isolated", "floor", "notebook")
    ]
    return max((share for share in shares if share is not None), default=0.0)


def wait_for_quiet(step: Step, max_load: float, timeout: float = 1200.0) -> None:
    """Wait until the 1-minute load average is below ``max_load`` (at most ``timeout`` s)."""
    began = time.monotonic()
    announced = False
    while os.getloadavg()[0] >= max_load and time.monotonic() - began < timeout:
        if not announced:
            step(f"      waiting for the machine to quiet down (load {os.getloadavg()[0]:.2f})")
            announced = True
        time.sleep(15)


def run_all(customer_counts: list[int], options: BenchOptions, step: Step) -> list[dict[str, Any]]:
    """Every scale in turn, smallest first. With ``options.retry_busy`` a scale whose steps
    shared the CPU with other processes beyond that share is run again (after waiting for
    a low load), up to ``options.attempts`` times; the least disturbed attempt is kept."""
    results = []
    quiet_load = 0.3 * (os.cpu_count() or 1)
    for customers in sorted(customer_counts):
        attempts: list[dict[str, Any]] = []
        for attempt in range(1, options.attempts + 1):
            if options.retry_busy is not None:
                wait_for_quiet(step, quiet_load)
            began = time.perf_counter()
            result = run_scale(customers, options, step)
            result["attempt"] = attempt
            attempts.append(result)
            busy = disturbance(result)
            step(
                f"[{_short(customers)}] done in {time.perf_counter() - began:.0f} s "
                f"(other processes took up to {busy:.0%} of the CPU)"
            )
            if options.retry_busy is None or busy <= options.retry_busy:
                break
            if attempt < options.attempts:
                step(f"[{_short(customers)}] too disturbed (> {options.retry_busy:.0%}): again")
        best = min(attempts, key=disturbance)
        best["attempts"] = len(attempts)
        results.append(best)
    return results
