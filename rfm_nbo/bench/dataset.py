"""The benchmark's input: generator Parquet under data/bench_<n>/, made once and reused.

A dataset is reused when its ``dataset.json`` records the same generator
parameters and the same generator source fingerprint (any edit to
``rfm_nbo/generator`` can change the rows, so it invalidates the cache). The
marker is written last, so an interrupted generation is never reused.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rfm_nbo.generator import GeneratorParams, generate
from rfm_nbo.generator.schema import TABLES

MARKER = "dataset.json"


@dataclass(frozen=True)
class Dataset:
    """Where a benchmark dataset's tables are, and how many rows each has."""

    root: Path
    params: GeneratorParams
    rows: dict[str, int]
    generated: bool
    seconds: float

    @property
    def tables_dir(self) -> Path:
        return self.root / "tables"

    def table_path(self, table: str) -> Path:
        return self.tables_dir / f"{table}.parquet"

    def raw_files(self) -> dict[str, str]:
        """The dbt var ``raw_files``: every one of the 8 tables, absolute paths."""
        return {table: str(self.table_path(table).resolve()) for table in TABLES}


def generator_fingerprint() -> str:
    """SHA-256 of the generator's source files (names and contents)."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parents[1] / "generator"
    for path in sorted(package.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def cache_key(params: GeneratorParams) -> dict[str, Any]:
    """What a cached dataset must match to be reused."""
    return {"params": params.to_json(), "generator_sha256": generator_fingerprint()}


def dataset_dir(data_root: Path, params: GeneratorParams) -> Path:
    """data/bench_<n> for the default parameters, data/bench_<n>_<hash> otherwise."""
    default = GeneratorParams(customers=params.customers).to_json()
    if params.to_json() == default:
        return data_root / f"bench_{params.customers}"
    digest = hashlib.sha256(json.dumps(params.to_json(), sort_keys=True).encode()).hexdigest()
    return data_root / f"bench_{params.customers}_{digest[:8]}"


def prepare_dataset(
    data_root: Path, params: GeneratorParams, *, progress: bool = True, force: bool = False
) -> Dataset:
    """Reuse the cached dataset for ``params`` or generate it (about 30 s per million customers)."""
    root = dataset_dir(data_root, params)
    key = cache_key(params)
    marker = root / MARKER
    if not force and marker.is_file():
        recorded = json.loads(marker.read_text())
        files_present = all((root / "tables" / f"{t}.parquet").is_file() for t in TABLES)
        if recorded.get("key") == key and files_present:
            return Dataset(root, params, recorded["rows"], generated=False, seconds=0.0)
    if root.exists():
        shutil.rmtree(root)
    began = time.perf_counter()
    summary = generate(
        params,
        out_dir=root / "tables",
        truth_dir=root / "truth",
        file_format="parquet",
        progress=progress,
    )
    seconds = time.perf_counter() - began
    marker.write_text(json.dumps({"key": key, "rows": summary.rows}, indent=2) + "\n")
    return Dataset(root, params, dict(summary.rows), generated=True, seconds=seconds)
