"""dbt / Athena column ``data_type`` -> QuickSight ``InputColumn`` ``Type``.

The marts declare ``data_type`` in their YAML contracts (``varchar``,
``bigint``, ``decimal(18,2)``, ``timestamp``...), written for DuckDB and Athena
alike. QuickSight needs one of its own types per physical column (botocore's
``InputColumnDataType``: STRING, INTEGER, DECIMAL, DATETIME, BIT, BOOLEAN, JSON,
SEMISTRUCT). An unknown type is an error, never a silent STRING: a wrong type
makes QuickSight sum text or sort numbers as words, which nobody notices until
a chart lies.

Why BIT for booleans: it is the type QuickSight records for Athena ``boolean``
columns (shown as 0/1, so a SUM counts the true rows). Change ``BOOLEAN_TYPE``
to ``"BOOLEAN"`` if your account's data sets use the newer type.
"""

from __future__ import annotations

import re

from rfm_nbo.quicksight.errors import UnknownDataTypeError

BOOLEAN_TYPE = "BIT"

# Base type name (lower case, without parameters) -> QuickSight type.
_BASE_TYPES: dict[str, str] = {
    # text
    "varchar": "STRING",
    "char": "STRING",
    "string": "STRING",
    "text": "STRING",
    "character varying": "STRING",
    "character": "STRING",
    # whole numbers
    "tinyint": "INTEGER",
    "smallint": "INTEGER",
    "int": "INTEGER",
    "integer": "INTEGER",
    "bigint": "INTEGER",
    "int2": "INTEGER",
    "int4": "INTEGER",
    "int8": "INTEGER",
    "hugeint": "INTEGER",
    "long": "INTEGER",
    # numbers with a fraction
    "decimal": "DECIMAL",
    "numeric": "DECIMAL",
    "double": "DECIMAL",
    "double precision": "DECIMAL",
    "float": "DECIMAL",
    "float4": "DECIMAL",
    "float8": "DECIMAL",
    "real": "DECIMAL",
    # dates and times (QuickSight has one type for both)
    "date": "DATETIME",
    "timestamp": "DATETIME",
    "timestamp without time zone": "DATETIME",
    "timestamp with time zone": "DATETIME",
    "timestamptz": "DATETIME",
    "datetime": "DATETIME",
    # truth values
    "boolean": BOOLEAN_TYPE,
    "bool": BOOLEAN_TYPE,
}

# "decimal(18, 2)" -> "decimal"; "timestamp(3) with time zone" -> "timestamp with time zone".
_PARAMETERS = re.compile(r"\s*\([^)]*\)")


def base_type(data_type: str) -> str:
    """Normalise a declared type: lower case, no parameters, single spaces."""
    without_parameters = _PARAMETERS.sub("", data_type.strip().lower())
    return " ".join(without_parameters.split())


def known_data_types() -> list[str]:
    """Every base type the mapping accepts, sorted (for error messages and docs)."""
    return sorted(_BASE_TYPES)


def quicksight_type(data_type: str, *, where: str = "") -> str:
    """The QuickSight ``InputColumn`` type for a dbt ``data_type``.

    ``where`` (e.g. ``"dim_customers.monetary"``) goes into the error message
    so the user knows which YAML line to change.
    """
    mapped = _BASE_TYPES.get(base_type(data_type))
    if mapped is None:
        location = f" (column {where})" if where else ""
        raise UnknownDataTypeError(
            f"data_type {data_type!r}{location} has no QuickSight type. Declare one of "
            f"{', '.join(known_data_types())} in the model's YAML (cast the column in the "
            "mart's SQL if needed), or add the type to _BASE_TYPES in "
            "rfm_nbo/quicksight/column_types.py with the QuickSight type it should get."
        )
    return mapped
