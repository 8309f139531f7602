"""Small builders for QuickSight dashboard pieces: fields, visuals, layouts.

Each returns plain dicts in the shape of botocore's QuickSight model, so the
sheets in ``sheets`` read like a description of the dashboard. FieldIds are
derived from the visual id, which keeps them unique across the dashboard.

Columns whose names end in ``_rate`` or ``_share`` are fractions 0..1 by house
style and get a percentage format; so do measures built with ``percent=True``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

GRID_COLUMNS = 36  # QuickSight's grid layout is 36 columns wide
ROW_SPAN = 12
FRACTION_SUFFIXES = ("_rate", "_share")

Field = dict[str, Any]
Visual = dict[str, Any]


def is_fraction(column: str) -> bool:
    """True for columns holding a fraction 0..1 (``*_rate``, ``*_share``)."""
    return column.endswith(FRACTION_SUFFIXES)


def column_ref(data_set: str, column: str) -> dict[str, str]:
    """ColumnIdentifier of ``column`` in the data set declared as ``data_set``."""
    return {"DataSetIdentifier": data_set, "ColumnName": column}


def label(text: str) -> dict[str, Any]:
    """A visible plain-text visual title or subtitle."""
    return {"Visibility": "VISIBLE", "FormatText": {"PlainText": text}}


def percent_format(decimals: int = 1) -> dict[str, Any]:
    """NumberFormatConfiguration showing 0.123 as 12.3%."""
    return {
        "FormatConfiguration": {
            "PercentageDisplayFormatConfiguration": {
                "DecimalPlacesConfiguration": {"DecimalPlaces": decimals}
            }
        }
    }


def dimension(field_id: str, data_set: str, column: str) -> Field:
    """A categorical dimension (group by) field."""
    return {
        "CategoricalDimensionField": {"FieldId": field_id, "Column": column_ref(data_set, column)}
    }


def measure(
    field_id: str,
    data_set: str,
    column: str,
    aggregation: str | None = "SUM",
    *,
    percent: bool | None = None,
) -> Field:
    """A numeric measure; ``aggregation=None`` for calculated fields that aggregate themselves."""
    field: dict[str, Any] = {"FieldId": field_id, "Column": column_ref(data_set, column)}
    if aggregation is not None:
        field["AggregationFunction"] = {"SimpleNumericalAggregation": aggregation}
    if is_fraction(column) if percent is None else percent:
        field["FormatConfiguration"] = percent_format()
    return {"NumericalMeasureField": field}


def count(field_id: str, data_set: str, column: str) -> Field:
    """Row count (COUNT of a non-null key column)."""
    return {
        "CategoricalMeasureField": {
            "FieldId": field_id,
            "Column": column_ref(data_set, column),
            "AggregationFunction": "COUNT",
        }
    }


def field_id_of(field: Field) -> str:
    """The FieldId inside a dimension or measure wrapper."""
    (inner,) = field.values()
    return str(inner["FieldId"])


def _titled(visual_id: str, title: str, subtitle: str | None) -> dict[str, Any]:
    """The common head of every visual."""
    head: dict[str, Any] = {"VisualId": visual_id, "Title": label(title)}
    if subtitle:
        head["Subtitle"] = label(subtitle)
    return head


def bar_chart(
    visual_id: str,
    title: str,
    *,
    category: Field,
    values: Sequence[Field],
    colors: Sequence[Field] = (),
    subtitle: str | None = None,
    arrangement: str = "CLUSTERED",
    orientation: str = "HORIZONTAL",
    sort_by: Field | None = None,
    limit: int | None = None,
) -> Visual:
    """A bar chart, categories sorted by ``sort_by`` (default: the first value), largest first."""
    wells: dict[str, Any] = {"Category": [category], "Values": list(values)}
    if colors:
        wells["Colors"] = list(colors)
    configuration: dict[str, Any] = {
        "FieldWells": {"BarChartAggregatedFieldWells": wells},
        "Orientation": orientation,
        "BarsArrangement": arrangement,
        "DataLabels": {"Visibility": "VISIBLE"},
        "Legend": {"Visibility": "VISIBLE" if len(values) > 1 or colors else "HIDDEN"},
    }
    sort: dict[str, Any] = {
        "CategorySort": [
            {"FieldSort": {"FieldId": field_id_of(sort_by or values[0]), "Direction": "DESC"}}
        ]
    }
    if limit:
        sort["CategoryItemsLimit"] = {"ItemsLimit": limit, "OtherCategories": "INCLUDE"}
    configuration["SortConfiguration"] = sort
    visual = _titled(visual_id, title, subtitle)
    visual["ChartConfiguration"] = configuration
    return {"BarChartVisual": visual}


def pie_chart(
    visual_id: str, title: str, *, category: Field, value: Field, subtitle: str | None = None
) -> Visual:
    """A donut chart of ``value`` by ``category``, labelled with percentages."""
    visual = _titled(visual_id, title, subtitle)
    visual["ChartConfiguration"] = {
        "FieldWells": {"PieChartAggregatedFieldWells": {"Category": [category], "Values": [value]}},
        "DonutOptions": {"ArcOptions": {"ArcThickness": "MEDIUM"}},
        "DataLabels": {"Visibility": "VISIBLE", "LabelContent": "VALUE_AND_PERCENT"},
    }
    return {"PieChartVisual": visual}


def unaggregated_table(
    visual_id: str,
    title: str,
    data_set: str,
    columns: Sequence[str],
    *,
    subtitle: str | None = None,
    sort_by: str | None = None,
) -> Visual:
    """A row-per-row table of ``columns`` (the mart's own grain), rows in ascending
    order of the column ``sort_by`` (one of ``columns``) when given."""
    values = []
    for position, column in enumerate(columns):
        field: dict[str, Any] = {
            "FieldId": f"{visual_id}-{position}-{column}",
            "Column": column_ref(data_set, column),
        }
        if is_fraction(column):
            field["FormatConfiguration"] = {"NumberFormatConfiguration": percent_format()}
        values.append(field)
    configuration: dict[str, Any] = {
        "FieldWells": {"TableUnaggregatedFieldWells": {"Values": values}}
    }
    if sort_by is not None:
        position = list(columns).index(sort_by)
        configuration["SortConfiguration"] = {
            "RowSort": [{"FieldSort": {"FieldId": values[position]["FieldId"], "Direction": "ASC"}}]
        }
    visual = _titled(visual_id, title, subtitle)
    visual["ChartConfiguration"] = configuration
    return {"TableVisual": visual}


def aggregated_table(
    visual_id: str,
    title: str,
    *,
    group_by: Sequence[Field],
    values: Sequence[Field],
    subtitle: str | None = None,
) -> Visual:
    """A grouped table: one row per combination of ``group_by``."""
    visual = _titled(visual_id, title, subtitle)
    visual["ChartConfiguration"] = {
        "FieldWells": {
            "TableAggregatedFieldWells": {"GroupBy": list(group_by), "Values": list(values)}
        }
    }
    return {"TableVisual": visual}


def visual_id_of(visual: Visual) -> str:
    """The VisualId inside a visual wrapper (BarChartVisual, TableVisual...)."""
    (inner,) = visual.values()
    return str(inner["VisualId"])


def grid_layout(visuals: Sequence[Visual], wide: Sequence[str] = ()) -> list[dict[str, Any]]:
    """A responsive grid: two visuals per row, full width for the ids in ``wide``."""
    elements: list[dict[str, Any]] = []
    column = row = 0
    for visual in visuals:
        visual_id = visual_id_of(visual)
        span = GRID_COLUMNS if visual_id in wide else GRID_COLUMNS // 2
        if column + span > GRID_COLUMNS:
            column, row = 0, row + ROW_SPAN
        elements.append(
            {
                "ElementId": visual_id,
                "ElementType": "VISUAL",
                "ColumnIndex": column,
                "ColumnSpan": span,
                "RowIndex": row,
                "RowSpan": ROW_SPAN,
            }
        )
        column += span
    return [
        {
            "Configuration": {
                "GridLayout": {
                    "Elements": elements,
                    "CanvasSizeOptions": {
                        "ScreenCanvasSizeOptions": {
                            "ResizeOption": "RESPONSIVE",
                        }
                    },
                }
            }
        }
    ]
