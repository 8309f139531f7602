"""The closed loop, out and back, twice, on generated data.

Build; export the audience (`python -m rfm_nbo.audience`); a simulated sending
tool sends it and the customers respond by their planted behaviour type
(loop_simulator.py); the send log and the new orders are appended to the raw
CSVs; rebuild with the as-of date past the attribution window. The campaign
must come back measured against its own holdout with exactly the simulated
conversions, the pooled segment effects must count it, and the next round's
audience (a new audience_campaign_id) must draw a different holdout.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from dbt_runner import PROJECT_DIR, DbtProject
from generated_builds import RAW_TABLES
from loop_simulator import CampaignOutcome, simulate_round
from scipy.stats import chisquare

# The project's defaults, read where they are set (dbt_project.yml).
PROJECT_VARS = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
WINDOW_DAYS = PROJECT_VARS["attribution_window_days"]
HOLDOUT_SHARE = PROJECT_VARS["holdout_share"]
DEFAULT_DESIGN_SHARE = PROJECT_VARS["campaign_design_treatment_share"]


@dataclass
class Build:
    project: DbtProject
    as_of_date: date

    def audience(self) -> dict[str, tuple[str, str]]:
        """customer -> (campaign_id, experiment_group) of fct_campaign_audience."""
        rows = self.project.query(
            "select customer_id, campaign_id, experiment_group from rfm_marts.fct_campaign_audience"
        )
        return {customer: (campaign, group) for customer, campaign, group in rows}

    def performance(self, campaign_id: str) -> tuple:
        [row] = self.project.query(
            "select count(*), min(channel), sum(treatment_members), sum(control_members),"
            " sum(treatment_conversions), sum(control_conversions)"
            f" from rfm_marts.fct_campaign_performance where campaign_id = '{campaign_id}'"
        )
        return row

    def sample_ratio_cells(self, campaign_id: str) -> list[tuple]:
        """(design share, p-value, treatment members, control members) per cell."""
        return self.project.query(
            "select design_treatment_share, sample_ratio_p_value, treatment_members,"
            " control_members from rfm_marts.fct_campaign_performance"
            f" where campaign_id = '{campaign_id}'"
        )

    def segment_uplift_counts(self) -> tuple[int, ...]:
        """Strata (campaign x segment), treatment and control members and
        conversions that the segment rows of fct_segment_uplift pool."""
        [row] = self.project.query(
            "select sum(campaigns), sum(treatment_members), sum(control_members),"
            " sum(treatment_conversions), sum(control_conversions)"
            " from rfm_marts.fct_segment_uplift where breakdown = 'segment'"
        )
        return tuple(int(value or 0) for value in row)

    def comparable_cells(self, campaign_ids: list[str]) -> tuple[int, ...]:
        """The same sums over these campaigns' cells of fct_campaign_performance
        that can be compared: a segment at send, and members in both groups."""
        ids = ", ".join(f"'{campaign_id}'" for campaign_id in campaign_ids)
        [row] = self.project.query(
            "select count(*), sum(treatment_members), sum(control_members),"
            " sum(treatment_conversions), sum(control_conversions)"
            f" from rfm_marts.fct_campaign_performance where campaign_id in ({ids})"
            " and treatment_members > 0 and control_members > 0"
            " and segment_at_send <> 'Unknown'"
        )
        return tuple(int(value or 0) for value in row)


@dataclass
class Round:
    build: Build
    export_dirs: list[Path]
    outcomes: dict[str, CampaignOutcome]


@dataclass
class Loop:
    rounds: list[Round]
    final: Build


def generate(out: Path) -> tuple[Path, Path]:
    raw, truth = out / "raw", out / "truth"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "rfm_nbo.generator",
            "--customers",
            "3000",
            "--seed",
            "11",
            "--out",
            str(raw),
            "--truth-out",
            str(truth),
            "--no-progress",
        ],
        check=True,
        capture_output=True,
    )
    return raw, truth


def build(workdir: Path, raw: Path, as_of_date: date | None) -> Build:
    project = DbtProject(workdir)
    run_vars: dict[str, object] = {
        "raw_files": {table: str(raw / f"{table}.csv") for table in RAW_TABLES}
    }
    if as_of_date is not None:
        run_vars["as_of_date"] = as_of_date.isoformat()
    # Unit tests read their own hand-made rows, never these data: the demo
    # build runs them; here they would only add time to each of the 3 builds.
    run = project.run("build", "--exclude", "test_type:unit", "--vars", json.dumps(run_vars))
    assert run.returncode == 0, run.output[-5000:]
    [(built_as_of,)] = project.query("select max(as_of_date) from rfm_marts.fct_campaign_audience")
    return Build(project, built_as_of)


def export(build: Build, out: Path) -> list[Path]:
    """The real command line, as `make audience` runs it; returns the new folders."""
    before = set(out.iterdir()) if out.exists() else set()
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "rfm_nbo.audience",
            "--warehouse",
            str(build.project.warehouse),
            "--out",
            str(out),
        ],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0, completed.stderr
    # A new audience: never a campaign measured before.
    assert "warning" not in completed.stderr, completed.stderr
    return sorted(set(out.iterdir()) - before)


@pytest.fixture(scope="module")
def loop(tmp_path_factory: pytest.TempPathFactory) -> Loop:
    base = tmp_path_factory.mktemp("closed_loop")
    raw, truth = generate(base / "data")
    exports = base / "exports"
    rounds = []
    current = build(base / "build1", raw, None)
    for number in (1, 2):
        folders = export(current, exports)
        outcomes = simulate_round(folders, raw, truth, WINDOW_DAYS, seed=number)
        rounds.append(Round(current, folders, outcomes))
        # Past the window of every member (sent on the as-of date, plus at most an hour).
        as_of = current.as_of_date + timedelta(days=WINDOW_DAYS + 1)
        current = build(base / f"build{number + 1}", raw, as_of)
        assert current.as_of_date == as_of
    return Loop(rounds, current)


def read_members(folder: Path) -> list[dict[str, str]]:
    with (folder / "campaign_members.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.slow
def test_the_export_holds_the_audience_treatment_and_holdout(loop: Loop) -> None:
    for loop_round in loop.rounds:
        audience = loop_round.build.audience()
        rows = [row for folder in loop_round.export_dirs for row in read_members(folder)]
        exported = {row["customer_id"]: (row["campaign_id"], row["group"]) for row in rows}
        assert len(rows) == len(exported)
        assert exported == audience
        assert {"treatment", "control"} <= {group for _, group in audience.values()}
        assert {folder.name for folder in loop_round.export_dirs} == {
            campaign for campaign, _ in audience.values()
        }


@pytest.mark.slow
def test_each_campaign_comes_back_measured_against_its_holdout(loop: Loop) -> None:
    builds_after = [loop.rounds[1].build, loop.final]
    for loop_round, measured in zip(loop.rounds, builds_after, strict=True):
        for campaign_id, outcome in loop_round.outcomes.items():
            cells, channel, treated, controls, treated_conv, control_conv = measured.performance(
                campaign_id
            )
            assert cells > 0, f"{campaign_id} is not in fct_campaign_performance"
            assert channel == outcome.channel
            assert (treated, controls) == (
                outcome.members["treatment"],
                outcome.members["control"],
            )
            assert (treated_conv, control_conv) == (
                outcome.conversions["treatment"],
                outcome.conversions["control"],
            )
    # Round 1's campaigns are still measured, unchanged, after round 2.
    for campaign_id in loop.rounds[0].outcomes:
        assert loop.final.performance(campaign_id) == loop.rounds[1].build.performance(campaign_id)


@pytest.mark.slow
def test_the_split_is_checked_against_the_holdout_the_audience_planned(loop: Loop) -> None:
    """The export writes treatment_share = 1 - holdout_share into campaigns.csv,
    so every cell of a loop campaign is tested against the split it was drawn
    with: no sample-ratio alarm (p below 0.001) on a correct holdout. Against
    the default design (campaign_design_treatment_share, 0.8) the same counts
    would raise one, so the check has teeth."""
    builds_after = [loop.rounds[1].build, loop.final]
    flagged_by_default = 0
    for loop_round, measured in zip(loop.rounds, builds_after, strict=True):
        for folder in loop_round.export_dirs:
            with (folder / "campaigns.csv").open(newline="") as handle:
                [campaign] = csv.DictReader(handle)
            assert float(campaign["treatment_share"]) == pytest.approx(1 - HOLDOUT_SHARE)
        for campaign_id in loop_round.outcomes:
            cells = measured.sample_ratio_cells(campaign_id)
            assert cells, campaign_id
            for design, p_value, treated, controls in cells:
                assert design == pytest.approx(1 - HOLDOUT_SHARE)
                if treated + controls == 0 or p_value is None:
                    continue
                assert p_value >= 0.001, (campaign_id, treated, controls, p_value)
                n = treated + controls
                against_default = chisquare(
                    [treated, controls], [n * DEFAULT_DESIGN_SHARE, n * (1 - DEFAULT_DESIGN_SHARE)]
                ).pvalue
                flagged_by_default += against_default < 0.001
    assert flagged_by_default > 0


@pytest.mark.slow
def test_the_pooled_segment_effects_count_each_new_campaign(loop: Loop) -> None:
    builds = [loop.rounds[0].build, loop.rounds[1].build, loop.final]
    for loop_round, before, after in zip(loop.rounds, builds, builds[1:], strict=False):
        grown = tuple(
            new - old
            for new, old in zip(
                after.segment_uplift_counts(), before.segment_uplift_counts(), strict=True
            )
        )
        # A stratum is a campaign x segment at send with both groups: exactly
        # the new campaigns' comparable cells of fct_campaign_performance.
        expected = after.comparable_cells(list(loop_round.outcomes))
        assert grown == expected
        assert expected[0] > 0 and expected[1] > 0 and expected[2] > 0


@pytest.mark.slow
def test_the_next_audience_draws_a_new_holdout(loop: Loop) -> None:
    first, second = (loop_round.build.audience() for loop_round in loop.rounds)
    first_ids = {campaign for campaign, _ in first.values()}
    second_ids = {campaign for campaign, _ in second.values()}
    assert first_ids.isdisjoint(second_ids)
    common = first.keys() & second.keys()
    assert len(common) > 500
    first_controls = {c for c in common if first[c][1] == "control"}
    second_controls = {c for c in common if second[c][1] == "control"}
    # Each draw holds out about holdout_share of the common customers; two
    # independent draws share about holdout_share of those again (a tenth),
    # while the same draw would share all of them.
    for controls in (first_controls, second_controls):
        assert abs(len(controls) / len(common) - HOLDOUT_SHARE) < 0.05
    shared = len(first_controls & second_controls)
    assert shared < 0.5 * min(len(first_controls), len(second_controls))
