"""Every request, for every mart, against botocore's real QuickSight model; payload contents."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from botocore.validate import ParamValidator
from quicksight_support import ACCOUNT_ID, PRINCIPAL, REGION, config, fake_manifest, model_node

from rfm_nbo.quicksight.column_types import quicksight_type
from rfm_nbo.quicksight.config import DeployConfig
from rfm_nbo.quicksight.errors import PayloadError, QuickSightDeployError
from rfm_nbo.quicksight.manifest import Mart, marts_from_manifest
from rfm_nbo.quicksight.payloads import (
    DASHBOARD_ACTIONS,
    DATA_SET_ACTIONS,
    DATA_SOURCE_ACTIONS,
    PHYSICAL_TABLE_ID,
    update_request,
)
from rfm_nbo.quicksight.plan import DASHBOARD, DATA_SET, DATA_SOURCE, Plan, build_plan
from rfm_nbo.quicksight.validation import operation_model, request_errors, validate_request

CONFIGS = {
    "owner": config(),
    "no-principal": config(principal_arns=()),
    "rls": config(rls_table="rls_segment_permissions"),
    "custom-database": config(glue_database="analytics_marts", prefix="rfm-nbo-dev"),
}


def assert_valid_for_botocore(operation: str, params: dict[str, Any]) -> None:
    """botocore's ParamValidator on the operation's input shape, then our stricter checks."""
    report = ParamValidator().validate(params, operation_model(operation).input_shape)
    assert not report.has_errors(), report.generate_report()
    assert request_errors(operation, params) == []


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_every_request_matches_the_quicksight_model(name: str, project_marts: list[Mart]) -> None:
    plan = build_plan(CONFIGS[name], project_marts)
    assert plan.requests, "nothing planned"
    for request in plan.requests:
        assert_valid_for_botocore(request.kind.create, request.params)
        assert_valid_for_botocore(request.kind.update, request.update_params)
    if CONFIGS[name].principal_arns:
        for request in plan.requests:
            grant = {
                "AwsAccountId": ACCOUNT_ID,
                request.kind.id_key: request.resource_id,
                "GrantPermissions": request.params["Permissions"],
            }
            assert_valid_for_botocore(request.kind.update_permissions, grant)


def test_one_data_set_per_mart_then_the_dashboard(project_marts: list[Mart]) -> None:
    plan = build_plan(config(), project_marts)
    kinds = [request.kind for request in plan.requests]
    assert kinds == [DATA_SOURCE] + [DATA_SET] * len(project_marts) + [DASHBOARD]
    ids = [request.resource_id for request in plan.requests]
    assert ids[0] == "rfm-nbo-athena"
    assert ids[1:-1] == [f"rfm-nbo-{mart.name}" for mart in project_marts]
    assert ids[-1] == "rfm-nbo-dashboard"


def test_data_source_is_athena_through_the_workgroup() -> None:
    plan = build_plan(config(athena_workgroup="analytics"), _small_marts())
    params = plan.requests[0].params
    assert params["Type"] == "ATHENA"
    assert params["DataSourceParameters"] == {"AthenaParameters": {"WorkGroup": "analytics"}}
    assert params["Permissions"] == [{"Principal": PRINCIPAL, "Actions": list(DATA_SOURCE_ACTIONS)}]


def test_data_set_is_direct_query_over_the_mart_table(project_marts: list[Mart]) -> None:
    plan = build_plan(config(), project_marts)
    data_sets = {request.params["DataSetId"]: request.params for request in plan.requests[1:-1]}
    for mart in project_marts:
        params = data_sets[f"rfm-nbo-{mart.name}"]
        assert params["ImportMode"] == "DIRECT_QUERY"
        table = params["PhysicalTableMap"][PHYSICAL_TABLE_ID]["RelationalTable"]
        assert (
            table["DataSourceArn"]
            == f"arn:aws:quicksight:{REGION}:{ACCOUNT_ID}:datasource/rfm-nbo-athena"
        )
        assert table["Catalog"] == "AwsDataCatalog"
        assert table["Schema"] == "rfm_marts"
        assert table["Name"] == mart.table
        assert [(c["Name"], c["Type"]) for c in table["InputColumns"]] == [
            (column.name, quicksight_type(column.data_type)) for column in mart.columns
        ]
        assert params["Permissions"] == [
            {"Principal": PRINCIPAL, "Actions": list(DATA_SET_ACTIONS)}
        ]
        assert "RowLevelPermissionDataSet" not in params


def test_known_columns_get_the_expected_quicksight_types(project_marts: list[Mart]) -> None:
    plan = build_plan(config(), project_marts)
    columns = {
        (request.params["DataSetId"], column["Name"]): column["Type"]
        for request in plan.requests[1:-1]
        for column in request.params["PhysicalTableMap"][PHYSICAL_TABLE_ID]["RelationalTable"][
            "InputColumns"
        ]
    }
    assert columns[("rfm-nbo-dim_customers", "customer_id")] == "STRING"
    assert columns[("rfm-nbo-dim_customers", "monetary")] == "DECIMAL"
    assert columns[("rfm-nbo-dim_customers", "recency_days")] == "INTEGER"
    assert columns[("rfm-nbo-dim_customers", "signed_up_at")] == "DATETIME"
    assert columns[("rfm-nbo-dim_customers", "is_contactable")] == "BIT"
    assert columns[("rfm-nbo-fct_rfm_segment_summary", "customers")] == "INTEGER"
    assert columns[("rfm-nbo-fct_rfm_segment_summary", "revenue_share")] == "DECIMAL"


def test_column_docs_become_field_descriptions(project_marts: list[Mart]) -> None:
    plan = build_plan(config(), project_marts)
    dim = next(r.params for r in plan.requests if r.resource_id == "rfm-nbo-dim_customers")
    (logical,) = dim["LogicalTableMap"].values()
    described = {
        op["TagColumnOperation"]["ColumnName"]: op["TagColumnOperation"]["Tags"][0][
            "ColumnDescription"
        ]["Text"]
        for op in logical["DataTransforms"]
    }
    assert "Salted SHA-256" in described["email_hash"]
    assert logical["Source"] == {"PhysicalTableId": PHYSICAL_TABLE_ID}


def test_database_follows_athena_schema_or_the_override() -> None:
    marts = _small_marts()
    schema_plan = build_plan(config(athena_schema="prod"), marts)
    override_plan = build_plan(config(glue_database="bi_marts"), marts)
    for plan, expected in ((schema_plan, "prod_marts"), (override_plan, "bi_marts")):
        for request in plan.requests[1:-1]:
            table = request.params["PhysicalTableMap"][PHYSICAL_TABLE_ID]["RelationalTable"]
            assert table["Schema"] == expected


def test_update_request_keeps_only_what_update_accepts(project_marts: list[Mart]) -> None:
    plan = build_plan(config(), project_marts)
    source = plan.requests[0]
    assert set(source.update_params) == {
        "AwsAccountId",
        "DataSourceId",
        "Name",
        "DataSourceParameters",
    }
    for request in plan.requests:
        assert "Permissions" not in request.update_params and "Tags" not in request.update_params
    dashboard = plan.requests[-1]
    assert dashboard.update_params["Definition"] is dashboard.params["Definition"]
    assert update_request("UpdateDataSet", {"AwsAccountId": ACCOUNT_ID, "Tags": []}) == {
        "AwsAccountId": ACCOUNT_ID
    }


def test_dashboard_permissions_use_dashboard_actions(project_marts: list[Mart]) -> None:
    dashboard = build_plan(config(), project_marts).requests[-1]
    assert dashboard.params["Permissions"] == [
        {"Principal": PRINCIPAL, "Actions": list(DASHBOARD_ACTIONS)}
    ]


def test_without_principals_no_permissions_key(project_marts: list[Mart]) -> None:
    plan = build_plan(config(principal_arns=()), project_marts)
    assert all("Permissions" not in request.params for request in plan.requests)


# --- the validator itself catches what it must ---------------------------------------


def _dashboard_params(project_marts: list[Mart]) -> dict[str, Any]:
    return copy.deepcopy(build_plan(config(), project_marts).requests[-1].params)


def test_validator_rejects_an_unknown_key_deep_in_the_definition(project_marts: list[Mart]) -> None:
    params = _dashboard_params(project_marts)
    params["Definition"]["Sheets"][0]["Visuals"][0]["BarChartVisual"]["Colour"] = "red"
    with pytest.raises(PayloadError, match="Colour"):
        validate_request("CreateDashboard", params)


def test_validator_rejects_a_bad_enum_value(project_marts: list[Mart]) -> None:
    params = _dashboard_params(project_marts)
    chart = params["Definition"]["Sheets"][0]["Visuals"][0]["BarChartVisual"]["ChartConfiguration"]
    chart["Orientation"] = "DIAGONAL"
    with pytest.raises(PayloadError, match="DIAGONAL"):
        validate_request("CreateDashboard", params)


def test_validator_rejects_too_long_and_badly_patterned_values() -> None:
    plan = build_plan(config(), _small_marts())
    params = copy.deepcopy(plan.requests[1].params)
    params["Name"] = "x" * 129
    params["PhysicalTableMap"] = {"bad key!": params["PhysicalTableMap"][PHYSICAL_TABLE_ID]}
    problems = request_errors("CreateDataSet", params)
    assert any("exceeds the maximum 128" in problem for problem in problems)
    assert any("bad key!" in problem for problem in problems)


def test_validator_rejects_a_wrong_type() -> None:
    plan = build_plan(config(), _small_marts())
    params = copy.deepcopy(plan.requests[0].params)
    params["DataSourceParameters"]["AthenaParameters"]["WorkGroup"] = 7
    with pytest.raises(PayloadError, match="WorkGroup"):
        validate_request("CreateDataSource", params)


# --- row-level security ----------------------------------------------------------------


def test_rls_rules_data_set_and_targets(project_marts: list[Mart]) -> None:
    plan = build_plan(config(rls_table="rls_segment_permissions"), project_marts)
    rules = plan.requests[1]
    assert rules.resource_id == "rfm-nbo-rls-rls_segment_permissions"
    table = rules.params["PhysicalTableMap"][PHYSICAL_TABLE_ID]["RelationalTable"]
    assert table["Name"] == "rls_segment_permissions"
    assert table["Schema"] == "rfm_marts"
    assert [c["Name"] for c in table["InputColumns"]] == ["username", "groupname", "rfm_segment"]
    (logical,) = rules.params["LogicalTableMap"].values()
    assert logical["DataTransforms"] == [
        {"RenameColumnOperation": {"ColumnName": "username", "NewColumnName": "UserName"}},
        {"RenameColumnOperation": {"ColumnName": "groupname", "NewColumnName": "GroupName"}},
    ]
    rules_arn = f"arn:aws:quicksight:{REGION}:{ACCOUNT_ID}:dataset/{rules.resource_id}"
    protected = {
        request.resource_id
        for request in plan.requests
        if request.params.get("RowLevelPermissionDataSet", {}).get("Arn") == rules_arn
    }
    # Every mart with one row per customer and an rfm_segment column.
    assert protected == {
        "rfm-nbo-dim_customers",
        "rfm-nbo-fct_campaign_audience",
        "rfm-nbo-fct_next_best_offers",
        "rfm-nbo-fct_segment_migration",
    }
    # Aggregates stay open to every reader.
    summary = next(r for r in plan.requests if r.resource_id == "rfm-nbo-fct_rfm_segment_summary")
    assert "RowLevelPermissionDataSet" not in summary.params
    dim = next(r for r in plan.requests if r.resource_id == "rfm-nbo-dim_customers")
    assert dim.params["RowLevelPermissionDataSet"] == {
        "Arn": rules_arn,
        "PermissionPolicy": "GRANT_ACCESS",
        "FormatVersion": "VERSION_1",
        "Status": "ENABLED",
    }


def test_rls_rules_mart_is_read_from_the_manifest_and_not_published() -> None:
    marts = _small_marts(
        model_node(
            "rls_rules", {"UserName": "varchar", "GroupName": "varchar", "country_code": "varchar"}
        )
    )
    plan = build_plan(config(rls_table="rls_rules"), marts)
    ids = [request.resource_id for request in plan.requests]
    assert "rfm-nbo-rls-rls_rules" in ids and "rfm-nbo-rls_rules" not in ids
    rules = plan.requests[1].params
    names = [
        c["Name"]
        for c in rules["PhysicalTableMap"][PHYSICAL_TABLE_ID]["RelationalTable"]["InputColumns"]
    ]
    assert names == ["username", "groupname", "country_code"]
    dim = next(r for r in plan.requests if r.resource_id == "rfm-nbo-dim_customers")
    assert "RowLevelPermissionDataSet" in dim.params  # dim has customer_id and country_code


def test_rls_rules_in_another_database() -> None:
    marts = _small_marts(
        model_node("rls_rules", {"username": "varchar", "country_code": "varchar"})
    )
    plan = build_plan(config(rls_table="rfm_reference.rls_rules"), marts)
    rules = plan.requests[1]
    table = rules.params["PhysicalTableMap"][PHYSICAL_TABLE_ID]["RelationalTable"]
    assert (table["Schema"], table["Name"]) == ("rfm_reference", "rls_rules")
    # Not the mart of the same name: the documented default shape.
    assert [c["Name"] for c in table["InputColumns"]] == ["username", "groupname", "rfm_segment"]
    assert "rfm-nbo-rls_rules" in [request.resource_id for request in plan.requests]


def test_rls_rules_with_a_wrong_shape_fail_clearly() -> None:
    marts = _small_marts(model_node("rls_bad", {"segment_id": "integer"}))
    with pytest.raises(QuickSightDeployError) as raised:
        build_plan(config(rls_table="rls_bad"), marts)
    message = str(raised.value)
    assert "username" in message and "must be text" in message and "docs/quicksight.md" in message


def test_rls_rules_that_match_no_mart_fail_clearly() -> None:
    marts = _small_marts(model_node("rls_x", {"username": "varchar", "region": "varchar"}))
    with pytest.raises(QuickSightDeployError, match="apply to nothing"):
        build_plan(config(rls_table="rls_x"), marts)


# --- configuration ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"aws_account_id": "12345"}, "--aws-account-id"),
        ({"region": "Europe"}, "--region"),
        ({"prefix": "has space"}, "--prefix"),
        ({"principal_arns": ("arn:aws:iam::123456789012:user/me",)}, "--principal-arn"),
        ({"glue_database": "drop table;"}, "--glue-database"),
        ({"rls_table": "a.b.c"}, "--rls-dataset"),
    ],
)
def test_bad_settings_name_the_option(overrides: dict[str, Any], fragment: str) -> None:
    with pytest.raises(QuickSightDeployError, match=fragment):
        config(**overrides)


def test_partition_follows_the_region() -> None:
    china = DeployConfig(aws_account_id=ACCOUNT_ID, region="cn-north-1")
    assert china.arn("dashboard", "d").startswith("arn:aws-cn:quicksight:cn-north-1:")


def _small_marts(*extra: dict[str, Any]) -> list[Mart]:
    """The three dashboard marts with their key columns, plus a customer dimension."""
    return marts_from_manifest(
        fake_manifest(
            model_node(
                "dim_customers",
                {"customer_id": "varchar", "rfm_segment": "varchar", "country_code": "varchar"},
            ),
            model_node(
                "fct_rfm_segment_summary",
                {
                    "rfm_segment": "varchar",
                    "customers": "bigint",
                    "customer_share": "double",
                    "revenue_share": "double",
                },
            ),
            *extra,
        )
    )


def test_small_plan_is_valid() -> None:
    plan = build_plan(config(), _small_marts())
    assert isinstance(plan, Plan)
    for request in plan.requests:
        validate_request(request.kind.create, request.params)
