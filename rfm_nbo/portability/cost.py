"""Bytes scanned and dollars per full ``dbt build`` on Athena SQL, on paper.

    python -m rfm_nbo.portability.cost --reference-target T --reference-warehouse W \\
        --raw-mb 169 --raw-mb 16900

The estimate, from a DuckDB build of the demo data (docs/athena.md, "Cost"):

1. every table of the build is written as ZSTD Parquet (what the Athena
   tables are) and measured;
2. a query reads its inputs in full (views expanded to what they read:
   staging views re-read the raw tables for every consumer). This is an upper
   bound: Athena reads only the Parquet columns a query uses;
3. everything scales with the raw data: sizes are multiplied by
   ``raw_mb / demo raw Parquet size`` (169 MB is the generator's 1M-customer,
   ~10M-order-line run);
4. Athena SQL bills $5 per TB scanned, each query at least 10 MB (rounded up to
   the MB); DDL (create/alter/drop) is free. Models and data tests are
   queries; Python models run on Spark (billed by DPU-hour, not here).

A daily incremental build (``--daily``; README, "Incremental builds") runs
every query of a full build. An incremental model still reads its raw tables
in full (the load filter is not a partition filter: Athena reads every row of
the columns it needs), and on top reads its own table twice, for the rows it
writes again and for its rechecks (MERGE's read of the target included).
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb

PRICE_PER_TB = 5.0  # USD, Athena SQL, per 10^12 bytes scanned
MINIMUM_BYTES = 10 * 10**6  # per query
MB = 10**6


@dataclass(frozen=True)
class ScanEstimate:
    raw_bytes: int
    queries: int
    scanned_bytes: float
    billed_bytes: float

    @property
    def dollars(self) -> float:
        return self.billed_bytes / 10**12 * PRICE_PER_TB


def parquet_sizes(warehouse: Path, manifest: Mapping, workdir: Path) -> dict[str, int]:
    """unique_id -> bytes of the node's table as ZSTD Parquet (models and seeds)."""
    sizes: dict[str, int] = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for unique_id, node in manifest["nodes"].items():
            if node["resource_type"] not in ("model", "seed"):
                continue
            relation = f'"{node["schema"]}"."{node.get("alias") or node["name"]}"'
            path = workdir / f"{node['name']}.parquet"
            con.execute(
                f"copy (select * from {relation}) to '{path}' (format parquet, compression zstd)"
            )
            sizes[unique_id] = path.stat().st_size
    return sizes


def input_bytes(unique_id: str, manifest: Mapping, sizes: Mapping[str, int]) -> int:
    """Bytes a query of the node reads: its parents, views expanded to their inputs."""
    total = 0
    for parent in manifest["nodes"][unique_id].get("depends_on", {}).get("nodes", []):
        node = manifest["nodes"].get(parent)
        if node is None:  # a source, or a node of another project
            continue
        if node["config"]["materialized"] == "view":
            total += input_bytes(parent, manifest, sizes)
        else:
            total += sizes.get(parent, 0)
    return total


OWN_TABLE_READS = 2  # an incremental model's reads of its own table (module doc)


def query_bytes(uid: str, manifest: Mapping, sizes: Mapping[str, int], daily: bool) -> int:
    """Bytes one model or test reads, at demo size."""
    read = input_bytes(uid, manifest, sizes)
    if daily and manifest["nodes"][uid]["config"]["materialized"] == "incremental":
        read += OWN_TABLE_READS * sizes.get(uid, 0)
    return read


def estimate(
    manifest: Mapping, sizes: Mapping[str, int], raw_bytes: int, daily: bool = False
) -> dict[str, ScanEstimate]:
    """Per kind of query (SQL table models, data tests): scanned and billed bytes, for a
    full build, or for a daily incremental one."""
    nodes = manifest["nodes"]
    demo_raw = sum(
        size
        for uid, size in sizes.items()
        if nodes[uid]["resource_type"] == "seed"
        and nodes[uid]["original_file_path"].startswith("seeds/demo/")
    )
    scale = raw_bytes / demo_raw
    kinds = {
        "models": [
            uid
            for uid, n in nodes.items()
            if n["resource_type"] == "model"
            and n.get("language") == "sql"
            and n["config"]["materialized"] != "view"
        ],
        "tests": [uid for uid, n in nodes.items() if n["resource_type"] == "test"],
    }
    result = {}
    for kind, ids in kinds.items():
        scanned = [scale * query_bytes(uid, manifest, sizes, daily) for uid in ids]
        billed = [max(MINIMUM_BYTES, math.ceil(s / MB) * MB) for s in scanned]
        result[kind] = ScanEstimate(raw_bytes, len(ids), sum(scanned), sum(billed))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m rfm_nbo.portability.cost",
        description="Estimate Athena SQL bytes scanned and dollars per full (or daily) dbt build.",
    )
    parser.add_argument("--reference-target", type=Path, required=True)
    parser.add_argument("--reference-warehouse", type=Path, required=True)
    parser.add_argument(
        "--raw-mb",
        type=float,
        action="append",
        required=True,
        help="raw data as Parquet, in MB (repeatable): 169 for ~10M order lines",
    )
    parser.add_argument(
        "--daily", action="store_true", help="a daily incremental build instead of a full one"
    )
    args = parser.parse_args(argv)
    manifest = json.loads((args.reference_target / "manifest.json").read_text())
    with tempfile.TemporaryDirectory(prefix="rfm-cost-") as scratch:
        sizes = parquet_sizes(args.reference_warehouse, manifest, Path(scratch))
    for raw_mb in args.raw_mb:
        parts = estimate(manifest, sizes, int(raw_mb * MB), daily=args.daily)
        total = sum(p.billed_bytes for p in parts.values())
        for kind, part in parts.items():
            print(
                f"raw {raw_mb:g} MB  {kind:6} {part.queries:4} queries  "
                f"scanned {part.scanned_bytes / 1e9:8.2f} GB  "
                f"billed {part.billed_bytes / 1e9:8.2f} GB  ${part.dollars:7.2f}"
            )
        print(
            f"raw {raw_mb:g} MB  total billed {total / 1e9:.2f} GB "
            f"= ${total / 1e12 * PRICE_PER_TB:.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
