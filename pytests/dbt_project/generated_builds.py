"""Generated data sets built with dbt, for tests that need more than the demo.

`build_generated` runs the generator with the given arguments and builds the
selected models on that data (through the `raw_files` var, every raw table),
in a warehouse of its own. `LARGE_CAMPAIGN_ARGS` is the campaign-measurement
set: 20 campaigns (the most a 14-day window allows, 15 days apart) x 12
segments at send gives 238 cells with both groups, and a 50/50 split over 90%
of the opted-in customers of 60,000 gives about 1,000 control members in the
median cell (the smallest segments, New Customers and Promising, have 60 or
more per campaign and over 4,000 pooled over the campaigns). Generation and
build take about a minute on two cores.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from dbt_runner import DbtProject

RAW_TABLES = (
    "customers",
    "products",
    "orders",
    "order_items",
    "web_events",
    "campaigns",
    "campaign_members",
    "campaign_events",
)
LARGE_CAMPAIGN_ARGS = (
    "--customers", "60000", "--seed", "12", "--campaigns", "20",
    "--campaign-reach", "0.9", "--treatment-share", "0.5",
)  # fmt: skip
# What the campaign tests read; add the marts a new test needs (the upstream
# models come with the leading +).
LARGE_CAMPAIGN_SELECT = (
    "+fct_campaign_performance",
    "+fct_segment_uplift",
    "+int_customer_contact_policy",
)


@dataclass(frozen=True)
class GeneratedBuild:
    """A generated data set, its planted truth and the dbt build on it."""

    project: DbtProject
    data: Path
    truth_dir: Path

    @property
    def warehouse(self) -> Path:
        """The DuckDB file the build wrote."""
        return self.project.warehouse


def build_generated(
    workdir: Path,
    generator_args: tuple[str, ...],
    select: tuple[str, ...],
    file_format: str = "csv",
) -> GeneratedBuild:
    """Generate data into `workdir` and `dbt build` the selected models on it.

    Unit tests are left out (they do not read the data, and the demo build runs
    them); data tests of the selected models run, cautiously selected so a test
    never waits for a model outside the selection.
    """
    data, truth_dir = workdir / "raw", workdir / "truth"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "rfm_nbo.generator",
            *generator_args,
            "--out",
            str(data),
            "--truth-out",
            str(truth_dir),
            "--no-progress",
            "--format",
            file_format,
        ],
        check=True,
        capture_output=True,
    )
    project = DbtProject(workdir / "dbt")
    raw_files = {table: str(data / f"{table}.{file_format}") for table in RAW_TABLES}
    run = project.run(
        "build",
        "--select",
        *select,
        "--indirect-selection",
        "cautious",
        "--exclude-resource-type",
        "unit_test",
        "--vars",
        json.dumps({"raw_files": raw_files}),
    )
    assert run.returncode == 0, run.output[-5000:]
    return GeneratedBuild(project=project, data=data, truth_dir=truth_dir)
