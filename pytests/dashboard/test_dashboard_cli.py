"""The command line: writes the page, and fails with exit code 2 and a message
saying what to do when the warehouse is missing, locked or not built."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from dashboard_fixtures import MINI_MARTS

from rfm_nbo.dashboard.cli import main


def test_writes_a_page_from_a_warehouse(
    mini_warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "site" / "index.html"
    assert main(["--warehouse", str(mini_warehouse), "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8").startswith("<!doctype html>")
    assert "Wrote" in capsys.readouterr().out


def test_missing_warehouse_exits_2_and_says_to_build(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere.duckdb"
    code = main(["--warehouse", str(missing), "--out", str(tmp_path / "x.html")])
    err = capsys.readouterr().err
    assert code == 2
    assert f"No warehouse at {missing}" in err
    assert "dbt build" in err
    assert "Traceback" not in err
    assert not (tmp_path / "x.html").exists()


def test_unbuilt_warehouse_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    assert main(["--warehouse", str(empty), "--out", str(tmp_path / "x.html")]) == 2
    assert "has not been built yet" in capsys.readouterr().err


def test_not_a_duckdb_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    junk = tmp_path / "junk.duckdb"
    junk.write_text("not a database " * 100)
    assert main(["--warehouse", str(junk), "--out", str(tmp_path / "x.html")]) == 2
    assert "Cannot open" in capsys.readouterr().err


def test_locked_warehouse_exits_2_at_once(
    mini_warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Another process holds the file for writing, as a running `dbt build` does.
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; con = duckdb.connect(sys.argv[1]); print('ready', flush=True); "
            "sys.stdin.read()",
            str(mini_warehouse),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        code = main(["--warehouse", str(mini_warehouse), "--out", str(tmp_path / "x.html")])
    finally:
        holder.communicate("", timeout=30)
    err = capsys.readouterr().err
    assert code == 2
    assert "is locked by another process" in err
    assert "--warehouse" in err


def test_unwritable_output_exits_2(
    mini_warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["--warehouse", str(mini_warehouse), "--out", str(blocker / "index.html")]) == 2
    assert "Cannot write" in capsys.readouterr().err


def test_help_and_module_entry_point() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "rfm_nbo.dashboard", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 0
    for option in ("--warehouse", "--out", "--marts-schema", "--currency-symbol"):
        assert option in completed.stdout


def test_module_exit_code_for_a_missing_warehouse(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "rfm_nbo.dashboard", "--warehouse", str(tmp_path / "no.duckdb")],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert completed.returncode == 2
    assert completed.stderr.strip().splitlines()[-1].startswith("error: No warehouse at")


def test_empty_marts_give_a_page_with_no_data_panels(
    warehouse_factory: Callable[..., Path], tmp_path: Path
) -> None:
    empty = {name: f"select * from ({select}) where false" for name, select in MINI_MARTS.items()}
    path = warehouse_factory("empty_marts.duckdb", empty)
    out = tmp_path / "index.html"
    assert main(["--warehouse", str(path), "--out", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert 'class="no-data"' in html
    assert "data-chart=" not in html
