"""Fixtures for the generator tests: one demo-sized run per session, read back as rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from generator_recount import Recount, Row, read_rows, recount

from rfm_nbo.generator.cli import main

PROJECT_DIR = Path(__file__).resolve().parents[2]
DEMO_ARGS = ["--customers", "2000", "--seed", "42", "--format", "csv"]


@dataclass(frozen=True)
class GeneratedRun:
    """A finished generator run: its folders, the truth and the recount."""

    data: Path
    truth_dir: Path
    truth: dict
    recount: Recount

    def rows(self, table: str) -> list[Row]:
        """Every raw row of `table` as text."""
        return read_rows(self.data / f"{table}.csv")

    def customer_types(self) -> dict[str, str]:
        """customer_id -> planted behaviour type."""
        return {
            str(row["customer_id"]): str(row["behaviour_type"])
            for row in read_rows(self.truth_dir / "customer_types.csv")
        }


def run_cli(out: Path, truth: Path, *extra: str) -> None:
    """Run the command line exactly as a user would (no progress bar)."""
    assert main([*extra, "--out", str(out), "--truth-out", str(truth), "--no-progress"]) == 0


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> GeneratedRun:
    """The documented demo command, run into a temporary folder."""
    import json

    root = tmp_path_factory.mktemp("demo")
    run_cli(root / "demo", root / "truth", *DEMO_ARGS)
    truth = json.loads((root / "truth" / "truth.json").read_text())
    return GeneratedRun(
        data=root / "demo",
        truth_dir=root / "truth",
        truth=truth,
        recount=recount(root / "demo", max_valid_at=datetime.now()),
    )
