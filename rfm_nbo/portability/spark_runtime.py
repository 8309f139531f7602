"""What Athena for Apache Spark (PySpark engine v3) runs, and a scan of the code we ship there.

    python -m rfm_nbo.portability.spark_runtime          # scan, print findings

Engine v3 runs Spark 3.2 on Python 3.9 with the libraries of Athena's "List of
preinstalled Python libraries" (``ATHENA_VERSIONS``: pandas 1.4.3, numpy
1.23.1, scipy 1.8.1, scikit-learn 1.1.1, pyarrow 9.0.0); boto3 1.24 has no
bedrock-runtime (the offers zip brings a newer one, docs/offer_copy.md).
Local tests run PySpark 3.5 with pandas 3, numpy 2 and a recent scipy, so an
API that only exists in the newer versions would pass locally and fail on
Athena. This module lists the newer-only APIs by name (with the version that
introduced them) and finds them, and Python 3.10+ syntax, in everything
Athena Spark imports: the Python models and the ``rfm_nbo.segmentation``,
``rfm_nbo.offers`` and ``rfm_nbo.clv`` packages.

What the CLV models need from scipy is old enough: ``scipy.special.gammaln``
and ``betaln`` (always there), ``scipy.optimize.minimize`` with L-BFGS-B and
with Nelder-Mead under ``bounds=`` (scipy 1.7; Athena has 1.8.1).

The lists are names, not types: an attribute called ``withColumns`` is
flagged whatever its receiver. Names that both old and new versions have on
some class (``melt``, ``map``, ``copy=``) are deliberately left out.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

ATHENA_PYTHON = (3, 9)
# Athena docs, "List of preinstalled Python libraries" (PySpark engine version 3).
ATHENA_VERSIONS = {
    "python": "3.9",
    "spark": "3.2",
    "pandas": "1.4.3",
    "numpy": "1.23.1",
    "scipy": "1.8.1",
    "scikit-learn": "1.1.1",
    "pyarrow": "9.0.0",
    "boto3": "1.24 (no bedrock-runtime)",
}

# Third-party top-level packages the runtime has (the brief's engine v3 facts,
# plus what pandas/scikit-learn/PySpark depend on), or that the offers zip ships.
PREINSTALLED = {"numpy", "pandas", "sklearn", "scipy", "threadpoolctl", "pyarrow", "pyspark"}
SHIPPED_IN_ZIP = {"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six"}
# The rfm_nbo packages the Python models import (rfm_nbo.<name>; each one's own modules).
SHIPPED_PACKAGES = ("segmentation", "offers", "clv")
# Imported only on the DuckDB path (never when dbt.ref() is a Spark DataFrame).
DUCKDB_PATH_ONLY = {"duckdb"}

# Attribute names that exist only in library versions newer than Athena's.
NEWER_ATTRIBUTES: dict[str, str] = {
    # pandas (Athena: 1.4)
    "case_when": "pandas 2.2 Series.case_when",
    "ArrowDtype": "pandas 1.5",
    "from_dummies": "pandas 1.5",
    # numpy (Athena: 1.23)
    "trapezoid": "numpy 2.0",
    "isdtype": "numpy 2.0",
    "unique_values": "numpy 2.0",
    "unique_counts": "numpy 2.0",
    "unique_inverse": "numpy 2.0",
    "unique_all": "numpy 2.0",
    "bitwise_count": "numpy 2.0",
    "vecdot": "numpy 2.0",
    "permute_dims": "numpy 2.0",
    # scipy (Athena: 1.8)
    "milp": "scipy 1.9 optimize.milp",
    "directional_stats": "scipy 1.9 stats.directional_stats",
    "goodness_of_fit": "scipy 1.10 stats.goodness_of_fit",
    "false_discovery_control": "scipy 1.11 stats.false_discovery_control",
    "ecdf": "scipy 1.11 stats.ecdf",
    "isotonic_regression": "scipy 1.12 optimize.isotonic_regression",
    # scikit-learn (Athena: 1.1)
    "set_output": "scikit-learn 1.2",
    "HDBSCAN": "scikit-learn 1.3",
    "TargetEncoder": "scikit-learn 1.3",
    # PySpark (Athena: 3.2)
    "sparkSession": "PySpark 3.3 DataFrame.sparkSession (use df.sql_ctx.sparkSession)",
    "withColumns": "PySpark 3.3",
    "mapInArrow": "PySpark 3.3",
    "withColumnsRenamed": "PySpark 3.4",
    "unpivot": "PySpark 3.4",
    "dropDuplicatesWithinWatermark": "PySpark 3.5",
    "applyInArrow": "PySpark 3.5",
    "any_value": "PySpark 3.5 functions.any_value",
    "count_if": "PySpark 3.5 functions.count_if",
    "try_divide": "PySpark 3.5 functions.try_divide",
    "try_add": "PySpark 3.5 functions.try_add",
    "median": "PySpark 3.4 functions.median / pandas has it on frames (flagged anyway)",
    # Python standard library newer than 3.9
    "pairwise": "Python 3.10 itertools.pairwise",
    "bit_count": "Python 3.10 int.bit_count",
    "StrEnum": "Python 3.11 enum.StrEnum",
    "UTC": "Python 3.11 datetime.UTC",
    "TypeAlias": "Python 3.10 typing.TypeAlias",
    "ParamSpec": "Python 3.10 typing.ParamSpec",
    "TypeGuard": "Python 3.10 typing.TypeGuard",
    "Self": "Python 3.11 typing.Self",
    "assert_never": "Python 3.11 typing.assert_never",
}
NEWER_MODULES: dict[str, str] = {
    "tomllib": "Python 3.11",
    "numpy.exceptions": "numpy 1.25",
    "scipy.differentiate": "scipy 1.15",
}
# Keyword arguments that exist only in newer versions.
NEWER_KEYWORDS: dict[str, str] = {
    "dtype_backend": "pandas 2.0",
    "include_groups": "pandas 2.2",
    "sparse_output": "scikit-learn 1.2 (OneHotEncoder)",
    "strict": "Python 3.10 zip(strict=...)",
    "slots": "Python 3.10 dataclass(slots=...)",
    "kw_only": "Python 3.10 dataclass(kw_only=...)",
}
# Keyword arguments whose value (a constant) exists only in newer versions.
NEWER_KEYWORD_VALUES: dict[tuple[str, str], str] = {
    ("n_init", "auto"): "scikit-learn 1.2",
    ("method", "COBYQA"): "scipy 1.14 minimize(method='COBYQA')",
}


@dataclass(frozen=True, order=True)
class RuntimeFinding:
    """A construct in shipped code that Athena's Spark runtime lacks."""

    path: str
    line: int
    construct: str
    why: str

    def render(self) -> str:
        return f"{self.path}:{self.line}: {self.construct} -> {self.why}"


def shipped_files(project_dir: Path) -> list[Path]:
    """Every file Athena Spark imports: the Python models and the packages they use."""
    files = sorted((project_dir / "python_models").glob("**/*.py"))
    for package in SHIPPED_PACKAGES:
        files += sorted((project_dir / "rfm_nbo" / package).glob("*.py"))
    return files


def _is_model_file(path: Path) -> bool:
    return "python_models" in path.parts


def _future_annotations(tree: ast.Module) -> bool:
    return any(
        isinstance(node, ast.ImportFrom)
        and node.module == "__future__"
        and any(alias.name == "annotations" for alias in node.names)
        for node in tree.body
    )


def _annotation_nodes(tree: ast.Module) -> set[int]:
    """ids of every node inside an annotation (never evaluated with the future import)."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        annotations: list[ast.AST | None] = []
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            annotations.append(node.returns)
            args = node.args
            for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
                if arg is not None:
                    annotations.append(arg.annotation)
        elif isinstance(node, ast.AnnAssign):
            annotations.append(node.annotation)
        for annotation in annotations:
            if annotation is not None:
                inside.update(id(child) for child in ast.walk(annotation))
    return inside


def _third_party_imports(tree: ast.Module) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module


def scan_source(path: Path, text: str) -> list[RuntimeFinding]:
    """Every runtime finding in one file."""
    name = str(path)
    found: list[RuntimeFinding] = []
    try:
        tree = ast.parse(text, filename=name, feature_version=ATHENA_PYTHON)
    except SyntaxError as error:
        return [RuntimeFinding(name, error.lineno or 0, "syntax", f"not Python 3.9: {error.msg}")]
    future = _future_annotations(tree)
    if _is_model_file(path) and future:
        found.append(
            RuntimeFinding(
                name,
                1,
                "from __future__ import annotations",
                "dbt-athena puts `import pyspark` before the model's code, where a __future__ "
                "import is a SyntaxError",
            )
        )
    annotations = _annotation_nodes(tree) if future else set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in NEWER_ATTRIBUTES:
            if node.attr == "sparkSession" and _receiver_name(node) == "sql_ctx":
                continue  # SQLContext.sparkSession exists in Spark 3.2
            found.append(
                RuntimeFinding(name, node.lineno, f".{node.attr}", NEWER_ATTRIBUTES[node.attr])
            )
        elif isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg in NEWER_KEYWORDS:
                    found.append(
                        RuntimeFinding(
                            name, node.lineno, f"{keyword.arg}=", NEWER_KEYWORDS[keyword.arg]
                        )
                    )
                value = keyword.value
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    newer = NEWER_KEYWORD_VALUES.get((keyword.arg or "", value.value))
                    if newer:
                        construct = f"{keyword.arg}={value.value!r}"
                        found.append(RuntimeFinding(name, node.lineno, construct, newer))
        elif isinstance(node, ast.ImportFrom):
            # from scipy.optimize import milp / from scipy import differentiate: the name
            # never appears as an attribute or as the imported module.
            for alias in node.names:
                construct = f"from {node.module} import {alias.name}"
                why = NEWER_ATTRIBUTES.get(alias.name) or NEWER_MODULES.get(
                    f"{node.module}.{alias.name}"
                )
                if why:
                    found.append(RuntimeFinding(name, node.lineno, construct, why))
        elif (
            isinstance(node, ast.BinOp)
            and isinstance(node.op, ast.BitOr)
            and id(node) not in annotations
            and all(_looks_like_type(side) for side in (node.left, node.right))
        ):
            found.append(
                RuntimeFinding(
                    name,
                    node.lineno,
                    ast.unparse(node),
                    "Python 3.10 X | Y union evaluated at run time (isinstance, aliases); "
                    "use a tuple or typing.Union",
                )
            )
    for line, module in _third_party_imports(tree):
        top = module.split(".")[0]
        if module in NEWER_MODULES:
            found.append(RuntimeFinding(name, line, f"import {module}", NEWER_MODULES[module]))
        elif top not in ALLOWED_IMPORTS and top not in sys.stdlib_module_names:
            found.append(
                RuntimeFinding(
                    name,
                    line,
                    f"import {module}",
                    "not preinstalled on Athena Spark engine v3 and not in the deps zip",
                )
            )
    return sorted(found)


ALLOWED_IMPORTS = PREINSTALLED | SHIPPED_IN_ZIP | DUCKDB_PATH_ONLY | {"rfm_nbo", "__future__"}

_TYPE_NAMES = {"int", "float", "str", "bytes", "bool", "list", "dict", "set", "tuple", "None"}


def _receiver_name(node: ast.Attribute) -> str:
    value = node.value
    if isinstance(value, ast.Attribute):
        return value.attr
    if isinstance(value, ast.Name):
        return value.id
    return ""


def _class_like(name: str) -> bool:
    """CamelCase names look like classes; ALL_CAPS ones are constants (re.I | re.M)."""
    return name[:1].isupper() and not name.isupper()


def _looks_like_type(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant) and node.value is None:
        return True
    if isinstance(node, ast.Name):
        return node.id in _TYPE_NAMES or _class_like(node.id)
    if isinstance(node, ast.Attribute):
        return _class_like(node.attr)
    if isinstance(node, ast.Subscript):
        return _looks_like_type(node.value)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _looks_like_type(node.left) and _looks_like_type(node.right)
    return False


def scan(paths: Iterable[Path], root: Path | None = None) -> list[RuntimeFinding]:
    """Scan files; paths in findings are relative to ``root`` when given."""
    findings: list[RuntimeFinding] = []
    for path in paths:
        shown = path.relative_to(root) if root is not None else path
        findings.extend(scan_source(shown, path.read_text()))
    return sorted(findings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m rfm_nbo.portability.spark_runtime",
        description=(
            "Scan the code Athena for Apache Spark imports (python_models/, "
            "rfm_nbo/segmentation, rfm_nbo/offers, rfm_nbo/clv) for Python 3.10+ syntax and "
            "library APIs newer than PySpark engine v3's (Spark 3.2, pandas 1.4, numpy 1.23, "
            "scipy 1.8, scikit-learn 1.1)."
        ),
    )
    parser.add_argument("--project-dir", type=Path, default=Path.cwd())
    args = parser.parse_args(argv)
    project_dir = args.project_dir.resolve()
    files = shipped_files(project_dir)
    findings = scan(files, project_dir)
    for finding in findings:
        print(finding.render())
    print(
        f"{'FAILED' if findings else 'OK'}: {len(files)} file(s) for Athena Spark "
        f"({', '.join(f'{k} {v}' for k, v in ATHENA_VERSIONS.items())}), "
        f"{len(findings)} finding(s)"
    )
    return 1 if findings else 0


if __name__ == "__main__":
    raise SystemExit(main())
