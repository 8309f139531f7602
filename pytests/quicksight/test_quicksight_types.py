"""dbt data_type -> QuickSight InputColumn type."""

from __future__ import annotations

import pytest

from rfm_nbo.quicksight.column_types import base_type, known_data_types, quicksight_type
from rfm_nbo.quicksight.errors import UnknownDataTypeError
from rfm_nbo.quicksight.manifest import Mart
from rfm_nbo.quicksight.validation import service_model


@pytest.mark.parametrize(
    ("data_type", "expected"),
    [
        ("varchar", "STRING"),
        ("VARCHAR(255)", "STRING"),
        ("string", "STRING"),
        ("char(2)", "STRING"),
        ("integer", "INTEGER"),
        ("int", "INTEGER"),
        ("bigint", "INTEGER"),
        ("smallint", "INTEGER"),
        ("decimal(18,2)", "DECIMAL"),
        ("decimal(18, 2)", "DECIMAL"),
        ("numeric", "DECIMAL"),
        ("double", "DECIMAL"),
        ("double precision", "DECIMAL"),
        ("float", "DECIMAL"),
        ("real", "DECIMAL"),
        ("date", "DATETIME"),
        ("timestamp", "DATETIME"),
        ("timestamp(3)", "DATETIME"),
        ("timestamp(6) with time zone", "DATETIME"),
        ("boolean", "BIT"),
        ("  Boolean ", "BIT"),
    ],
)
def test_maps_dbt_and_athena_types(data_type: str, expected: str) -> None:
    assert quicksight_type(data_type) == expected


def test_every_mapped_type_is_a_quicksight_input_column_type() -> None:
    allowed = set(service_model().shape_for("InputColumnDataType").enum)
    assert {quicksight_type(name) for name in known_data_types()} <= allowed


@pytest.mark.parametrize(
    "data_type", ["array(varchar)", "map(varchar, integer)", "varbinary", "json", ""]
)
def test_unknown_type_fails_with_the_column_and_what_to_do(data_type: str) -> None:
    with pytest.raises(UnknownDataTypeError) as raised:
        quicksight_type(data_type, where="fct_x.payload")
    message = str(raised.value)
    assert "fct_x.payload" in message
    assert "data_type" in message and "YAML" in message
    assert "column_types.py" in message


def test_base_type_strips_parameters_and_spaces() -> None:
    assert base_type(" Timestamp(3)  With Time Zone ") == "timestamp with time zone"
    assert base_type("DECIMAL(38,9)") == "decimal"


def test_every_data_type_in_the_project_marts_maps(project_marts: list[Mart]) -> None:
    """Each data_type the real marts declare has a QuickSight type (no silent STRING)."""
    declared = {column.data_type for mart in project_marts for column in mart.columns}
    assert declared, "the project's marts declare no data types"
    for data_type in declared:
        assert quicksight_type(data_type) in {"STRING", "INTEGER", "DECIMAL", "DATETIME", "BIT"}
    # Text only for text: the marts' numbers and dates must not become STRING.
    for mart in project_marts:
        for column in mart.columns:
            if base_type(column.data_type) not in ("varchar", "string", "char", "text"):
                assert quicksight_type(column.data_type) != "STRING", (mart.name, column)
