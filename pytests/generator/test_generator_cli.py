"""The command line: help, the console script, and clear errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PROJECT_DIR

from rfm_nbo.generator.cli import main
from rfm_nbo.generator.params import GeneratorParams


def test_help_runs_as_a_module() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "rfm_nbo.generator", "--help"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "--truth-out" in done.stdout and "--customers 2000 --seed 42" in done.stdout


def test_console_script_is_declared() -> None:
    assert (
        'rfm-generate = "rfm_nbo.generator.cli:main"'
        in (PROJECT_DIR / "pyproject.toml").read_text()
    )


def test_bad_parameters_exit_2_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    code = main(["--out", str(tmp_path / "x"), "--treatment-share", "1.5", "--no-progress"])
    assert code == 2
    assert "treatment_share must be between 0 and 1" in capsys.readouterr().err


def test_truth_may_not_go_into_the_data_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    code = main(["--out", str(tmp_path), "--truth-out", str(tmp_path), "--no-progress"])
    assert code == 2
    assert "another folder" in capsys.readouterr().err


def test_default_truth_folder_sits_beside_the_data(tmp_path: Path) -> None:
    assert main(["--customers", "300", "--out", str(tmp_path / "run"), "--no-progress"]) == 0
    assert (tmp_path / "run_truth" / "truth.json").exists()
    assert not list((tmp_path / "run").glob("*.tmp"))


def test_params_reject_unknown_behaviour_types() -> None:
    with pytest.raises(ValueError, match="type_shares"):
        GeneratorParams(type_shares={"whales": 1.0}).validate()
