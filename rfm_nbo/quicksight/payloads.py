"""Pure functions building the data source and data set requests.

Each function returns the keyword arguments of one boto3 call (a ``Create*``
request); ``update_request`` derives the matching ``Update*`` request from it
using botocore's model, so the two can never drift apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rfm_nbo.quicksight.column_types import quicksight_type
from rfm_nbo.quicksight.config import ATHENA_CATALOG, DeployConfig
from rfm_nbo.quicksight.manifest import Mart
from rfm_nbo.quicksight.validation import operation_model

# Owner rights, as the QuickSight console grants them to a resource's owner.
DATA_SOURCE_ACTIONS = (
    "quicksight:DescribeDataSource",
    "quicksight:DescribeDataSourcePermissions",
    "quicksight:PassDataSource",
    "quicksight:UpdateDataSource",
    "quicksight:DeleteDataSource",
    "quicksight:UpdateDataSourcePermissions",
)
DATA_SET_ACTIONS = (
    "quicksight:DescribeDataSet",
    "quicksight:DescribeDataSetPermissions",
    "quicksight:PassDataSet",
    "quicksight:DescribeIngestion",
    "quicksight:ListIngestions",
    "quicksight:UpdateDataSet",
    "quicksight:DeleteDataSet",
    "quicksight:CreateIngestion",
    "quicksight:CancelIngestion",
    "quicksight:UpdateDataSetPermissions",
)
DASHBOARD_ACTIONS = (
    "quicksight:DescribeDashboard",
    "quicksight:ListDashboardVersions",
    "quicksight:UpdateDashboardPermissions",
    "quicksight:QueryDashboard",
    "quicksight:UpdateDashboard",
    "quicksight:DeleteDashboard",
    "quicksight:DescribeDashboardPermissions",
    "quicksight:UpdateDashboardPublishedVersion",
)

# Key of the one physical / logical table in every data set (pattern [0-9a-zA-Z-]*).
PHYSICAL_TABLE_ID = "athena-table"
LOGICAL_TABLE_ID = "mart"
TAGS = ({"Key": "managed-by", "Value": "rfm_nbo.quicksight"},)
COLUMN_DESCRIPTION_MAX = 500  # botocore: ColumnDescriptiveText max length


def permissions(principals: Iterable[str], actions: Sequence[str]) -> list[dict[str, Any]]:
    """One ResourcePermission per principal, each with all of ``actions``."""
    return [{"Principal": principal, "Actions": list(actions)} for principal in principals]


def _with_ownership(
    request: dict[str, Any], config: DeployConfig, actions: Sequence[str]
) -> dict[str, Any]:
    """Add Permissions (when principals are given) and the managed-by tag."""
    if config.principal_arns:
        request["Permissions"] = permissions(config.principal_arns, actions)
    request["Tags"] = [dict(tag) for tag in TAGS]
    return request


def data_source_request(config: DeployConfig) -> dict[str, Any]:
    """CreateDataSource: Athena through the configured workgroup."""
    request: dict[str, Any] = {
        "AwsAccountId": config.aws_account_id,
        "DataSourceId": config.data_source_id,
        "Name": f"{config.prefix} Athena",
        "Type": "ATHENA",
        "DataSourceParameters": {"AthenaParameters": {"WorkGroup": config.athena_workgroup}},
    }
    return _with_ownership(request, config, DATA_SOURCE_ACTIONS)


def input_columns(mart: Mart) -> list[dict[str, str]]:
    """The physical columns of ``mart`` with their QuickSight types, in YAML order."""
    return [
        {
            "Name": column.name,
            "Type": quicksight_type(column.data_type, where=f"{mart.name}.{column.name}"),
        }
        for column in mart.columns
    ]


def column_descriptions(mart: Mart) -> list[dict[str, Any]]:
    """TagColumnOperations carrying the dbt column docs into QuickSight's field descriptions."""
    return [
        {
            "TagColumnOperation": {
                "ColumnName": column.name,
                "Tags": [
                    {"ColumnDescription": {"Text": column.description[:COLUMN_DESCRIPTION_MAX]}}
                ],
            }
        }
        for column in mart.columns
        if column.description
    ]


def logical_table(alias: str, transforms: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """LogicalTableMap with one table over the physical table, plus ``transforms``."""
    table: dict[str, Any] = {"Alias": alias, "Source": {"PhysicalTableId": PHYSICAL_TABLE_ID}}
    if transforms:
        table["DataTransforms"] = [dict(transform) for transform in transforms]
    return {LOGICAL_TABLE_ID: table}


def relational_table(config: DeployConfig, database: str, mart: Mart) -> dict[str, Any]:
    """PhysicalTableMap: the mart's table in the Glue catalog, read through the data source."""
    return {
        PHYSICAL_TABLE_ID: {
            "RelationalTable": {
                "DataSourceArn": config.arn("datasource", config.data_source_id),
                "Catalog": ATHENA_CATALOG,
                "Schema": database,
                "Name": mart.table,
                "InputColumns": input_columns(mart),
            }
        }
    }


def row_level_permission(rls_data_set_arn: str) -> dict[str, str]:
    """RowLevelPermissionDataSet: grant rows by the UserName/GroupName rules (VERSION_1)."""
    return {
        "Arn": rls_data_set_arn,
        "PermissionPolicy": "GRANT_ACCESS",
        "FormatVersion": "VERSION_1",
        "Status": "ENABLED",
    }


def data_set_request(
    config: DeployConfig,
    mart: Mart,
    *,
    rls_data_set_arn: str | None = None,
    database: str | None = None,
    transforms: Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """CreateDataSet: a direct-query data set over one mart (or the RLS rules table).

    Direct query, not SPICE: the marts are already aggregated tables in Athena,
    so dashboards show the latest ``dbt build`` without a refresh schedule.
    """
    request: dict[str, Any] = {
        "AwsAccountId": config.aws_account_id,
        "DataSetId": config.data_set_id(mart.name),
        "Name": f"{config.prefix} {mart.name}",
        "PhysicalTableMap": relational_table(config, database or config.database_for(mart), mart),
        "LogicalTableMap": logical_table(
            mart.name, column_descriptions(mart) if transforms is None else transforms
        ),
        "ImportMode": "DIRECT_QUERY",
    }
    if rls_data_set_arn:
        request["RowLevelPermissionDataSet"] = row_level_permission(rls_data_set_arn)
    return _with_ownership(request, config, DATA_SET_ACTIONS)


def update_request(update_operation: str, create_request: Mapping[str, Any]) -> dict[str, Any]:
    """The ``Update*`` request matching a ``Create*`` one: the keys the update accepts.

    Create-only keys (Type, Permissions, Tags, FolderArns) drop out; permissions
    are granted again through ``Update*Permissions`` by the deployer.
    """
    accepted = operation_model(update_operation).input_shape.members
    return {key: value for key, value in create_request.items() if key in accepted}
