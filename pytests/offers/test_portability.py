"""The code that ships to Athena for Apache Spark (Python 3.9) parses as Python 3.9."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "rfm_nbo" / "offers").glob("*.py"))
MODEL = ROOT / "python_models" / "offers" / "int_segment_offer_copy.py"


def future_imports(tree: ast.Module) -> set[str]:
    return {
        alias.name
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.module == "__future__"
        for alias in node.names
    }


@pytest.mark.parametrize("path", [*SHIPPED, MODEL], ids=lambda path: path.name)
def test_parses_as_python_3_9_without_3_10_calls(path: Path) -> None:
    tree = ast.parse(path.read_text(), filename=str(path), feature_version=(3, 9))
    strict_zips = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", None) == "zip"
        and any(keyword.arg == "strict" for keyword in node.keywords)
    ]
    assert strict_zips == []


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.name)
def test_annotations_are_never_evaluated(path: Path) -> None:
    assert "annotations" in future_imports(ast.parse(path.read_text()))


def test_the_model_file_has_no_future_import() -> None:
    # dbt-athena puts "import pyspark" before the model's code, where a
    # __future__ import would be a syntax error.
    assert future_imports(ast.parse(MODEL.read_text())) == set()
