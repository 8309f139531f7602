"""The marts and their typed columns, read from dbt's ``target/manifest.json``.

The marts are the public interface that QuickSight reads (DESIGN.md): their
YAML declares every column with a ``data_type`` under an enforced contract, so
the manifest is the one place that says what Athena will hold. Reading it here
means a new mart gets a data set without code changes, and a mart whose
columns are not typed fails with a message naming them.

A model is a mart when it sits under a ``marts/`` folder (of ``models/`` or
``python_models/``) or is configured with the custom schema ``marts``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rfm_nbo.quicksight.errors import ManifestError

MARTS_FOLDER = "marts"
MARTS_SCHEMA = "marts"

_HOW_TO_PARSE = "run `dbt parse` in the project directory (it writes target/manifest.json)"


@dataclass(frozen=True)
class MartColumn:
    """One declared column of a mart."""

    name: str
    data_type: str
    description: str = ""


@dataclass(frozen=True)
class Mart:
    """A mart model: its relation in the warehouse and its declared columns, in YAML order."""

    name: str
    table: str
    custom_schema: str | None
    description: str
    columns: tuple[MartColumn, ...]

    @property
    def grain(self) -> str:
        """The first sentence of the description, which states the grain by house style."""
        text = " ".join(self.description.split())
        head, dot, _ = text.partition(". ")
        return head + "." if dot else text

    @property
    def column_names(self) -> tuple[str, ...]:
        """Column names in declaration order."""
        return tuple(column.name for column in self.columns)

    def column(self, name: str) -> MartColumn | None:
        """The column called ``name``, or None."""
        return next((column for column in self.columns if column.name == name), None)

    def has_columns(self, *names: str) -> bool:
        """True when every one of ``names`` is a declared column."""
        return all(self.column(name) is not None for name in names)


def load_manifest(path: Path) -> dict[str, Any]:
    """Parse the manifest JSON, with errors that say how to produce it."""
    if not path.is_file():
        raise ManifestError(f"No dbt manifest at {path}: {_HOW_TO_PARSE}, or pass --manifest.")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise ManifestError(
            f"Cannot read the dbt manifest {path} ({error}): {_HOW_TO_PARSE}."
        ) from error
    if not isinstance(manifest, dict) or not isinstance(manifest.get("nodes"), dict):
        raise ManifestError(f"{path} is not a dbt manifest (no 'nodes'): {_HOW_TO_PARSE}.")
    return manifest


def is_mart(node: dict[str, Any]) -> bool:
    """True for a model in a ``marts/`` folder or in the ``marts`` custom schema."""
    if node.get("resource_type") != "model":
        return False
    in_folder = str(node.get("path", "")).replace("\\", "/").split("/")[0] == MARTS_FOLDER
    in_schema = (node.get("config") or {}).get("schema") == MARTS_SCHEMA
    return in_folder or in_schema


def _mart_from_node(node: dict[str, Any]) -> tuple[Mart, list[str]]:
    """Build a Mart; also return 'mart.column' for each column without a data_type."""
    name = str(node["name"])
    untyped: list[str] = []
    columns: list[MartColumn] = []
    for column_name, column in (node.get("columns") or {}).items():
        data_type = (column or {}).get("data_type")
        if not data_type:
            untyped.append(f"{name}.{column_name}")
            continue
        description = " ".join(str(column.get("description") or "").split())
        columns.append(MartColumn(str(column_name), str(data_type), description))
    if not node.get("columns"):
        untyped.append(f"{name} (no columns declared)")
    mart = Mart(
        name=name,
        table=str(node.get("alias") or name),
        custom_schema=(node.get("config") or {}).get("schema"),
        description=str(node.get("description") or ""),
        columns=tuple(columns),
    )
    return mart, untyped


def marts_from_manifest(manifest: dict[str, Any]) -> list[Mart]:
    """Every mart of the project, sorted by name, each with its typed columns.

    Raises ManifestError naming every untyped column at once, so one edit of
    the YAML fixes them all.
    """
    project = (manifest.get("metadata") or {}).get("project_name")
    marts: list[Mart] = []
    untyped: list[str] = []
    for node in manifest["nodes"].values():
        if not is_mart(node) or (project and node.get("package_name") not in (None, project)):
            continue
        mart, missing = _mart_from_node(node)
        marts.append(mart)
        untyped.extend(missing)
    if untyped:
        raise ManifestError(
            "QuickSight needs a type for every mart column, and these have no data_type: "
            f"{', '.join(sorted(untyped))}. Declare `data_type` for each in the model's YAML "
            "(marts have enforced contracts), then run `dbt parse` again."
        )
    if not marts:
        raise ManifestError(
            "The manifest has no marts (models under a marts/ folder or with schema 'marts'). "
            f"Is it this project's manifest? {_HOW_TO_PARSE}."
        )
    return sorted(marts, key=lambda mart: mart.name)


def read_marts(path: Path) -> list[Mart]:
    """Load the manifest at ``path`` and return its marts (see marts_from_manifest)."""
    return marts_from_manifest(load_manifest(path))
