#!/usr/bin/env python3
"""Build the zip of pure-Python dependencies that dbt Python models load on Athena for Apache Spark.

Athena's PySpark engine v3 runs Python 3.9 with boto3 1.24, which has no
bedrock-runtime, and it does not have this project's ``rfm_nbo`` package. The
zip holds boto3, botocore and their pure-Python dependencies (jmespath,
s3transfer, python-dateutil, six, urllib3) plus ``rfm_nbo``; the model adds it
with ``sc.addPyFile`` and unpacks it on the driver (botocore cannot read its
data files from inside a zip). Upload it to S3 and set var
``spark_python_deps_s3_uri`` (see docs/offer_copy.md).

Versions:
- ``--versions pinned`` (default): exactly the versions in requirements.lock,
  downloaded with ``pip download --no-deps``. The script first checks each
  pinned version's Requires-Python against ``--python-version`` (default 3.9,
  Athena's engine v3) and stops before downloading if one does not fit.
- ``--versions resolve``: pip picks the newest versions whose Requires-Python
  admits ``--python-version``, resolving their dependencies.
- ``--from-venv``: no download; copies the versions installed in this Python
  environment (for offline builds when the runtime matches this Python).

The zip is reproducible: entries sorted, fixed timestamps.

Examples:
  .venv/bin/python scripts/build_spark_deps.py --versions resolve
  .venv/bin/python scripts/build_spark_deps.py --versions resolve --upload s3://my-bucket/deps/rfm_nbo_spark_deps.zip
"""

from __future__ import annotations

import argparse
import email.parser
import json
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from importlib import metadata
from pathlib import Path

from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_LOCK = PROJECT_ROOT / "requirements.lock"
DEFAULT_OUT = PROJECT_ROOT / "target" / "spark_deps" / "rfm_nbo_spark_deps.zip"
DEPENDENCIES = ("boto3", "botocore", "jmespath", "s3transfer", "python-dateutil", "six", "urllib3")
ATHENA_PYTHON = "3.9"  # Athena for Apache Spark, PySpark engine v3
MANIFEST_NAME = "rfm_nbo_spark_deps.json"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)

Packages = dict[str, dict[str, str]]  # name -> {"version": ..., "requires_python": ...}


class BuildError(RuntimeError):
    """A build problem with a message that says what to do."""


def read_pins(lock_path: Path, names: Iterable[str]) -> dict[str, str]:
    """The pinned version of each name in a pip-freeze style lock file."""
    pins = {}
    for line in lock_path.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9._-]+)==([^\s;#]+)", line.strip())
        if match:
            pins[canonicalize_name(match.group(1))] = match.group(2)
    missing = [name for name in names if canonicalize_name(name) not in pins]
    if missing:
        raise BuildError(f"{lock_path} pins no version for: {', '.join(missing)}")
    return {name: pins[canonicalize_name(name)] for name in names}


def local_requires_python(pins: dict[str, str]) -> Packages:
    """Requires-Python of the pinned versions, read from this environment when installed."""
    found: Packages = {}
    for name, version in pins.items():
        try:
            distribution = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        if distribution.version == version:
            requires = distribution.metadata.get("Requires-Python") or ""
            found[name] = {"version": version, "requires_python": requires}
    return found


def incompatible(packages: Packages, python_version: str) -> list[str]:
    """'name version (Requires-Python ...)' for every package that excludes the Python version."""
    target = Version(python_version)
    return [
        f"{name} {info['version']} (Requires-Python {info['requires_python']})"
        for name, info in sorted(packages.items())
        if info["requires_python"] and target not in SpecifierSet(info["requires_python"])
    ]


def pip_download_command(
    dest: Path, requirements: Sequence[str], python_version: str, resolve: bool
) -> list[str]:
    """The ``pip download`` command: wheels only, for the target Python."""
    command = [sys.executable, "-m", "pip", "download", "--only-binary=:all:"]
    command += ["--python-version", python_version, "--dest", str(dest), "--quiet"]
    if not resolve:
        command.append("--no-deps")
    return command + list(requirements)


def unpack_wheels(wheel_dir: Path, staging: Path) -> Packages:
    """Unpack every downloaded wheel into ``staging``; refuse platform-specific wheels."""
    packages: Packages = {}
    for wheel in sorted(wheel_dir.glob("*.whl")):
        if not wheel.name.endswith("-none-any.whl"):
            raise BuildError(f"{wheel.name} is not pure Python; it cannot go into the zip")
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(staging)
            meta_name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
            headers = email.parser.Parser().parsestr(archive.read(meta_name).decode("utf-8"))
        packages[headers["Name"]] = {
            "version": headers["Version"],
            "requires_python": headers.get("Requires-Python") or "",
        }
    return packages


def copy_installed(names: Iterable[str], staging: Path) -> Packages:
    """Copy installed distributions (code and dist-info, no bytecode) into ``staging``."""
    packages: Packages = {}
    for name in names:
        distribution = metadata.distribution(name)
        for file in distribution.files or []:
            parts = Path(str(file)).parts
            if not parts or parts[0] in ("..", "bin") or "__pycache__" in parts:
                continue
            if file.suffix in (".so", ".pyd", ".dylib"):
                raise BuildError(f"{name} has compiled code ({file}); it cannot go into the zip")
            source = Path(str(distribution.locate_file(file)))
            if source.is_file():
                target = staging / Path(*parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
        packages[distribution.metadata["Name"]] = {
            "version": distribution.version,
            "requires_python": distribution.metadata.get("Requires-Python") or "",
        }
    return packages


def add_project(staging: Path, project_root: Path = PROJECT_ROOT) -> list[str]:
    """Copy the project's ``rfm_nbo`` package (Python files only) into ``staging``."""
    copied = []
    for source in sorted((project_root / "rfm_nbo").rglob("*.py")):
        relative = source.relative_to(project_root)
        if "__pycache__" in relative.parts:
            continue
        target = staging / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        copied.append(str(relative))
    return copied


def write_zip(staging: Path, out: Path) -> Path:
    """Zip ``staging`` reproducibly: sorted entries, fixed timestamps and permissions."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(staging.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                info = zipfile.ZipInfo(path.relative_to(staging).as_posix(), ZIP_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, path.read_bytes())
    return out


def build(
    out: Path,
    python_version: str = ATHENA_PYTHON,
    versions: str = "pinned",
    from_venv: bool = False,
    packages: Sequence[str] = DEPENDENCIES,
    lock: Path = DEFAULT_LOCK,
    include_project: bool = True,
) -> Packages:
    """Build the zip at ``out``; returns what went in (name -> version, Requires-Python)."""
    with tempfile.TemporaryDirectory(prefix="rfm_nbo_spark_deps_") as work:
        staging, wheels = Path(work) / "staging", Path(work) / "wheels"
        staging.mkdir()
        if from_venv:
            print(f"==> Copying installed {', '.join(packages)} from {sys.prefix}")
            included = copy_installed(packages, staging)
        else:
            requirements = list(packages)
            if versions == "pinned":
                pins = read_pins(lock, packages)
                problems = incompatible(local_requires_python(pins), python_version)
                if problems:
                    raise BuildError(
                        f"the pinned versions in {lock.name} do not support Python "
                        f"{python_version}: {'; '.join(problems)}. Rerun with --versions resolve "
                        "(pip picks the newest versions that do), or with --python-version set to "
                        "your Spark runtime's Python if it is newer."
                    )
                requirements = [f"{name}=={version}" for name, version in pins.items()]
            print(f"==> pip download for Python {python_version}: {' '.join(requirements)}")
            command = pip_download_command(
                wheels, requirements, python_version, versions == "resolve"
            )
            if subprocess.run(command, check=False).returncode != 0:
                raise BuildError(
                    "pip download failed (see above). It needs the package index; a version that "
                    "does not support the target Python is refused by pip: try --versions resolve."
                )
            included = unpack_wheels(wheels, staging)
        problems = incompatible(included, python_version)
        if problems:
            raise BuildError(f"not for Python {python_version}: {'; '.join(problems)}")
        project = add_project(staging) if include_project else []
        manifest = {
            "python_version": python_version,
            "packages": included,
            "project_files": project,
        }
        (staging / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        write_zip(staging, out)
    return included


def upload(out: Path, uri: str) -> None:
    """Upload the zip to ``s3://bucket/key`` with the default AWS credentials."""
    import boto3

    bucket, _, key = uri.removeprefix("s3://").partition("/")
    if not uri.startswith("s3://") or not bucket or not key.endswith(".zip"):
        raise BuildError(f"--upload needs s3://bucket/path/name.zip, got {uri!r}")
    print(f"==> Uploading to {uri}")
    boto3.client("s3").upload_file(str(out), bucket, key)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="See docs/offer_copy.md, section 'Athena for Apache Spark'.",
    )
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="zip to write (default: %(default)s)"
    )
    parser.add_argument(
        "--python-version",
        default=ATHENA_PYTHON,
        help="Python of the Spark runtime (default: %(default)s, Athena PySpark engine v3)",
    )
    parser.add_argument(
        "--versions",
        choices=("pinned", "resolve"),
        default="pinned",
        help="pinned: requirements.lock versions; resolve: newest that support --python-version",
    )
    parser.add_argument(
        "--from-venv",
        action="store_true",
        help="copy the versions installed here instead of downloading (offline)",
    )
    parser.add_argument(
        "--packages",
        nargs="+",
        default=list(DEPENDENCIES),
        help="distributions to include (default: %(default)s)",
    )
    parser.add_argument("--lock", type=Path, default=DEFAULT_LOCK, help="lock file with the pins")
    parser.add_argument("--no-project", action="store_true", help="leave the rfm_nbo package out")
    parser.add_argument("--upload", metavar="S3_URI", help="also upload the zip to this s3:// URI")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        included = build(
            args.out,
            args.python_version,
            args.versions,
            args.from_venv,
            args.packages,
            args.lock,
            not args.no_project,
        )
        for name, info in sorted(included.items()):
            print(f"    {name} {info['version']}")
        print(f"==> Wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)")
        if args.upload:
            upload(args.out, args.upload)
    except BuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    target = args.upload or "s3://<bucket>/<prefix>/" + args.out.name
    print(f"Next: upload it (aws s3 cp {args.out} {target}) and build with")
    print(f"  dbt build --target athena --vars '{{spark_python_deps_s3_uri: {target}}}'")
    return 0


if __name__ == "__main__":
    sys.exit(main())
