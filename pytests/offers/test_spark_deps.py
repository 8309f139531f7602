"""scripts/build_spark_deps.py without the network: pins, the pip command, a reproducible zip."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import zipfile
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "build_spark_deps.py"


@pytest.fixture(scope="module")
def script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_spark_deps", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def no_download(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the tests must not download anything")

    monkeypatch.setattr(subprocess, "run", refuse)


def test_pins_come_from_the_lock_file(script: ModuleType, tmp_path: Path) -> None:
    lock = tmp_path / "requirements.lock"
    lock.write_text("# comment\nboto3==1.2.3\nPython-Dateutil==2.9.0.post0\nsix==1.17.0\n")
    assert script.read_pins(lock, ["boto3", "python-dateutil"]) == {
        "boto3": "1.2.3",
        "python-dateutil": "2.9.0.post0",
    }
    with pytest.raises(script.BuildError, match="urllib3"):
        script.read_pins(lock, ["urllib3"])


def test_pip_download_is_wheels_only_for_the_target_python(script: ModuleType) -> None:
    pinned = script.pip_download_command(Path("/w"), ["boto3==1.0"], "3.9", resolve=False)
    resolved = script.pip_download_command(Path("/w"), ["boto3"], "3.9", resolve=True)
    for command in (pinned, resolved):
        assert command[1:4] == ["-m", "pip", "download"]
        assert "--only-binary=:all:" in command
        assert command[command.index("--python-version") + 1] == "3.9"
    assert "--no-deps" in pinned and "--no-deps" not in resolved


def test_pins_that_exclude_the_runtime_python_stop_before_any_download(
    script: ModuleType, tmp_path: Path, no_download: None, capsys: pytest.CaptureFixture[str]
) -> None:
    # The lock pins boto3/botocore 1.44, which need Python >= 3.10; Athena engine v3 has 3.9.
    assert script.main(["--out", str(tmp_path / "deps.zip"), "--python-version", "3.9"]) == 2
    error = capsys.readouterr().err
    assert "botocore 1.44.5 (Requires-Python >= 3.10)" in error
    assert "--versions resolve" in error
    assert not (tmp_path / "deps.zip").exists()


def test_platform_wheels_are_refused(script: ModuleType, tmp_path: Path) -> None:
    (tmp_path / "wheels").mkdir()
    (tmp_path / "wheels" / "fast-1.0-cp311-cp311-manylinux_x86_64.whl").write_bytes(b"")
    with pytest.raises(script.BuildError, match="not pure Python"):
        script.unpack_wheels(tmp_path / "wheels", tmp_path)


def test_an_offline_build_is_complete_and_reproducible(
    script: ModuleType, tmp_path: Path, no_download: None
) -> None:
    first, second = tmp_path / "a.zip", tmp_path / "b.zip"
    for out in (first, second):
        script.build(out, python_version="3.11", from_venv=True, packages=["jmespath", "six"])

    assert first.read_bytes() == second.read_bytes()
    names = zipfile.ZipFile(first).namelist()
    assert {"jmespath/__init__.py", "six.py", "rfm_nbo/__init__.py"} <= set(names)
    assert "rfm_nbo/offers/generate.py" in names
    assert not any("__pycache__" in name or name.endswith(".pyc") for name in names)
    manifest = json.loads(zipfile.ZipFile(first).read(script.MANIFEST_NAME))
    assert set(manifest["packages"]) == {"jmespath", "six"}
    assert manifest["python_version"] == "3.11"
