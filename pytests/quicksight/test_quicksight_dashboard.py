"""The dashboard Definition: three sheets, and every reference in it resolves."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from quicksight_support import config, fake_manifest, model_node

from rfm_nbo.quicksight.dashboard import dashboard_definition
from rfm_nbo.quicksight.errors import DashboardError
from rfm_nbo.quicksight.manifest import Mart, marts_from_manifest
from rfm_nbo.quicksight.plan import DASHBOARD, build_plan
from rfm_nbo.quicksight.sheets import build_sheets


def walk(value: Any) -> Iterator[dict[str, Any]]:
    """Every dict inside ``value``, depth first."""
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)


def dashboard_of(marts: list[Mart]) -> dict[str, Any]:
    plan = build_plan(config(), marts)
    (request,) = [request for request in plan.requests if request.kind == DASHBOARD]
    return request.params


def test_three_sheets_with_visuals(project_marts: list[Mart]) -> None:
    definition = dashboard_of(project_marts)["Definition"]
    sheets = definition["Sheets"]
    assert [sheet["Name"] for sheet in sheets] == [
        "Segments",
        "Next Best Offers",
        "Campaign performance",
    ]
    for sheet in sheets:
        assert 2 <= len(sheet["Visuals"]) <= 6, sheet["Name"]


def test_every_column_reference_exists(project_marts: list[Mart]) -> None:
    definition = dashboard_of(project_marts)["Definition"]
    marts = {mart.name: mart for mart in project_marts}
    declared = {d["Identifier"] for d in definition["DataSetIdentifierDeclarations"]}
    calculated = {(f["DataSetIdentifier"], f["Name"]) for f in definition["CalculatedFields"]}
    references = [d for d in walk(definition["Sheets"]) if "ColumnName" in d]
    assert references
    for reference in references:
        data_set, column = reference["DataSetIdentifier"], reference["ColumnName"]
        assert data_set in declared, reference
        assert marts[data_set].column(column) or (data_set, column) in calculated, reference


def test_calculated_fields_use_existing_columns(project_marts: list[Mart]) -> None:
    definition = dashboard_of(project_marts)["Definition"]
    marts = {mart.name: mart for mart in project_marts}
    for field in definition["CalculatedFields"]:
        names = re.findall(r"\{([^}]+)\}", field["Expression"])
        assert names, field
        for name in names:
            assert marts[field["DataSetIdentifier"]].column(name), (field["Name"], name)
        assert field["Expression"].count("(") == field["Expression"].count(")")


def test_declarations_point_at_the_planned_data_sets(project_marts: list[Mart]) -> None:
    plan = build_plan(config(), project_marts)
    planned_arns = {
        f"arn:aws:quicksight:us-east-1:123456789012:dataset/{request.resource_id}"
        for request in plan.requests
    }
    definition = plan.requests[-1].params["Definition"]
    used = {d["DataSetIdentifier"] for d in walk(definition["Sheets"]) if "DataSetIdentifier" in d}
    declarations = definition["DataSetIdentifierDeclarations"]
    assert {d["Identifier"] for d in declarations} == used
    assert {d["DataSetArn"] for d in declarations} <= planned_arns


def test_ids_are_unique_and_every_visual_is_laid_out(project_marts: list[Mart]) -> None:
    definition = dashboard_of(project_marts)["Definition"]
    field_ids = [
        d["FieldId"] for d in walk(definition["Sheets"]) if "FieldId" in d and "Column" in d
    ]
    assert len(field_ids) == len(set(field_ids))
    visual_ids: list[str] = []
    for sheet in definition["Sheets"]:
        ids = [next(iter(visual.values()))["VisualId"] for visual in sheet["Visuals"]]
        visual_ids.extend(ids)
        (layout,) = sheet["Layouts"]
        elements = layout["Configuration"]["GridLayout"]["Elements"]
        assert [element["ElementId"] for element in elements] == ids
        assert all(e["ColumnIndex"] + e["ColumnSpan"] <= 36 for e in elements)
    assert len(visual_ids) == len(set(visual_ids))


def test_sorts_refer_to_fields_of_their_own_visual(project_marts: list[Mart]) -> None:
    definition = dashboard_of(project_marts)["Definition"]
    for sheet in definition["Sheets"]:
        for visual in sheet["Visuals"]:
            own = {d["FieldId"] for d in walk(visual) if "FieldId" in d and "Column" in d}
            sorted_by = {d["FieldId"] for d in walk(visual) if set(d) == {"FieldId", "Direction"}}
            assert sorted_by <= own


def test_fractions_are_shown_as_percentages(project_marts: list[Mart]) -> None:
    definition = dashboard_of(project_marts)["Definition"]
    for field in walk(definition["Sheets"]):
        column = (field.get("Column") or {}).get("ColumnName", "")
        if column.endswith(("_rate", "_share")) and "FieldId" in field:
            assert "PercentageDisplayFormatConfiguration" in str(field), column


def test_campaign_uplift_shows_the_interval_and_is_pooled(project_marts: list[Mart]) -> None:
    definition = dashboard_of(project_marts)["Definition"]
    campaign = definition["Sheets"][2]
    uplift = campaign["Visuals"][0]["BarChartVisual"]
    wells = uplift["ChartConfiguration"]["FieldWells"]["BarChartAggregatedFieldWells"]
    columns = [v["NumericalMeasureField"]["Column"]["ColumnName"] for v in wells["Values"]]
    assert columns == [
        "pooled_uplift_ci_lower",
        "pooled_conversion_uplift",
        "pooled_uplift_ci_upper",
    ]
    # Calculated fields aggregate themselves: no second aggregation on top.
    assert all("AggregationFunction" not in v["NumericalMeasureField"] for v in wells["Values"])
    expressions = {f["Name"]: f["Expression"] for f in definition["CalculatedFields"]}
    assert "sum({treatment_conversions})" in expressions["pooled_conversion_uplift"]
    assert "1.96 * sqrt(" in expressions["pooled_uplift_ci_lower"]
    assert "sum({allocated_cost})" in expressions["pooled_return_on_investment"]


def test_dashboard_request_options(project_marts: list[Mart]) -> None:
    params = dashboard_of(project_marts)
    assert params["DashboardId"] == "rfm-nbo-dashboard"
    assert params["ValidationStrategy"] == {"Mode": "STRICT"}
    assert params["DashboardPublishOptions"]["ExportToCSVOption"] == {
        "AvailabilityStatus": "ENABLED"
    }


# --- generic behaviour on other manifests ----------------------------------------------

SUMMARY = model_node(
    "fct_rfm_segment_summary",
    {
        "rfm_segment": "varchar",
        "customers": "bigint",
        "customer_share": "double",
        "revenue_share": "double",
    },
)


def test_missing_marts_leave_their_sheets_out_with_a_note() -> None:
    sheets, notes = build_sheets(marts_from_manifest(fake_manifest(SUMMARY)))
    assert [sheet.sheet["Name"] for sheet in sheets] == ["Segments"]
    assert any("fct_next_best_offers" in note for note in notes)
    assert any("fct_campaign_performance" in note for note in notes)


def test_no_dashboard_marts_means_no_dashboard() -> None:
    marts = marts_from_manifest(fake_manifest(model_node("fct_other", {"a": "varchar"})))
    plan = build_plan(config(), marts)
    assert all(request.kind != DASHBOARD for request in plan.requests)
    assert any("no dashboard" in note for note in plan.notes)


def test_a_renamed_column_fails_with_its_name() -> None:
    renamed = model_node(
        "fct_rfm_segment_summary",
        {"segment": "varchar", "customers": "bigint", "customer_share": "double"},
    )
    with pytest.raises(DashboardError) as raised:
        build_sheets(marts_from_manifest(fake_manifest(renamed)))
    message = str(raised.value)
    assert "rfm_segment" in message and "revenue_share" in message
    assert "fct_rfm_segment_summary" in message and "sheets.py" in message


@pytest.mark.parametrize(
    ("columns", "measure"),
    [
        ({"cluster_name": "varchar", "customers": "bigint"}, "NumericalMeasureField"),
        ({"customer_id": "varchar", "cluster_id": "integer"}, "CategoricalMeasureField"),
    ],
)
def test_a_clusters_mart_adds_a_cluster_visual(columns: dict[str, str], measure: str) -> None:
    clusters = model_node("fct_customer_clusters", columns)
    marts = marts_from_manifest(fake_manifest(SUMMARY, clusters))
    definition = dashboard_of(marts)["Definition"]
    visuals = definition["Sheets"][0]["Visuals"]
    chart = next(
        v["BarChartVisual"] for v in visuals if "BarChartVisual" in v and "clusters" in str(v)
    )
    wells = chart["ChartConfiguration"]["FieldWells"]["BarChartAggregatedFieldWells"]
    assert measure in wells["Values"][0]
    identifiers = {d["Identifier"] for d in definition["DataSetIdentifierDeclarations"]}
    assert identifiers == {"fct_rfm_segment_summary", "fct_customer_clusters"}


def test_calculated_field_name_clash_is_an_error(project_marts: list[Mart]) -> None:
    campaigns = next(m for m in project_marts if m.name == "fct_campaign_performance")
    node = model_node(
        campaigns.name,
        {**{c.name: c.data_type for c in campaigns.columns}, "pooled_conversion_uplift": "double"},
    )
    with pytest.raises(DashboardError, match="pooled_conversion_uplift"):
        build_sheets(marts_from_manifest(fake_manifest(node)))


def test_definition_needs_an_arn_for_every_data_set_it_reads() -> None:
    sheets, _ = build_sheets(marts_from_manifest(fake_manifest(SUMMARY)))
    with pytest.raises(DashboardError, match="fct_rfm_segment_summary"):
        dashboard_definition(sheets, {})


def test_segments_sheet_lists_dim_segments_in_display_order(project_marts: list[Mart]) -> None:
    plan = build_plan(config(), project_marts)
    assert "rfm-nbo-dim_segments" in [request.resource_id for request in plan.requests]
    definition = plan.requests[-1].params["Definition"]
    segments = definition["Sheets"][0]
    (table,) = [
        v["TableVisual"]
        for v in segments["Visuals"]
        if v.get("TableVisual", {}).get("VisualId") == "segments-names"
    ]
    values = table["ChartConfiguration"]["FieldWells"]["TableUnaggregatedFieldWells"]["Values"]
    assert {v["Column"]["DataSetIdentifier"] for v in values} == {"dim_segments"}
    assert [v["Column"]["ColumnName"] for v in values] == [
        "display_order",
        "segment_name",
        "description",
        "scheme",
    ]
    (sort,) = table["ChartConfiguration"]["SortConfiguration"]["RowSort"]
    assert sort == {"FieldSort": {"FieldId": values[0]["FieldId"], "Direction": "ASC"}}
    declared = {d["Identifier"] for d in definition["DataSetIdentifierDeclarations"]}
    assert "dim_segments" in declared


def test_without_dim_segments_the_segments_sheet_has_no_vocabulary_table() -> None:
    definition = dashboard_of(marts_from_manifest(fake_manifest(SUMMARY)))["Definition"]
    assert "segments-names" not in str(definition)
    names = model_node(
        "dim_segments", {"segment_name": "varchar", "display_order": "integer"}
    )  # no description: the sheet names the missing column
    with pytest.raises(DashboardError, match="description"):
        build_sheets(marts_from_manifest(fake_manifest(SUMMARY, names)))
