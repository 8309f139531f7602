"""Same seed and parameters give the same bytes; the committed demo is reproducible."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import DEMO_ARGS, PROJECT_DIR, GeneratedRun, run_cli

from rfm_nbo.generator.schema import TABLES

SMALL = ["--customers", "1500", "--products", "60"]


def _files(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


@pytest.mark.parametrize("file_format", ["csv", "parquet"])
def test_two_runs_write_identical_bytes(tmp_path: Path, file_format: str) -> None:
    for name in ("a", "b"):
        run_cli(tmp_path / name, tmp_path / f"{name}_truth", *SMALL, "--seed", "7",
                "--format", file_format)  # fmt: skip

    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    assert _files(tmp_path / "a_truth") == _files(tmp_path / "b_truth")
    assert sorted(_files(tmp_path / "a")) == sorted(f"{t}.{file_format}" for t in TABLES)


def test_another_seed_gives_other_data(tmp_path: Path) -> None:
    run_cli(tmp_path / "a", tmp_path / "a_truth", *SMALL, "--seed", "7")
    run_cli(tmp_path / "b", tmp_path / "b_truth", *SMALL, "--seed", "8")

    assert (tmp_path / "a" / "orders.csv").read_bytes() != (
        tmp_path / "b" / "orders.csv"
    ).read_bytes()


def test_committed_demo_seeds_are_reproduced_byte_for_byte(demo_run: GeneratedRun) -> None:
    """`make seeds` (the documented command) rewrites exactly what is committed."""
    committed = PROJECT_DIR / "seeds" / "demo"
    for table in TABLES:
        fresh = (demo_run.data / f"{table}.csv").read_bytes()
        assert (committed / f"{table}.csv").read_bytes() == fresh, f"seeds/demo/{table}.csv"
    truth = PROJECT_DIR / "planted_truth" / "demo"
    for name in ("truth.json", "customer_types.csv"):
        assert (truth / name).read_bytes() == (demo_run.truth_dir / name).read_bytes(), name
    assert "--customers 2000 --seed 42 --format csv" in " ".join(DEMO_ARGS)


def test_rows_do_not_depend_on_chunk_size(tmp_path: Path) -> None:
    args = ["--customers", "2500", "--seed", "3", "--products", "40"]
    run_cli(tmp_path / "one", tmp_path / "one_truth", *args, "--format", "parquet")
    run_cli(tmp_path / "many", tmp_path / "many_truth", *args, "--format", "parquet",
            "--chunk-size", "1000")  # fmt: skip
    run_cli(tmp_path / "csv", tmp_path / "csv_truth", *args, "--chunk-size", "1")

    for table in TABLES:
        one = pq.read_table(tmp_path / "one" / f"{table}.parquet")
        many = pq.read_table(tmp_path / "many" / f"{table}.parquet")
        assert one.equals(many), table
        assert one.num_rows == len((tmp_path / "csv" / f"{table}.csv").read_text().splitlines()) - 1
    assert pq.ParquetFile(tmp_path / "many" / "orders.parquet").num_row_groups > 1
    assert _files(tmp_path / "one_truth") == _files(tmp_path / "many_truth")
