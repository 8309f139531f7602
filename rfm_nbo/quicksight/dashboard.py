"""The dashboard ``Definition`` and its CreateDashboard request.

The sheets come from ``sheets``; this module declares the data sets they read
(identifier = mart name), gathers their calculated fields, and wraps it all in
the request with publish options and STRICT validation, so QuickSight rejects
a broken definition instead of publishing a dashboard with empty visuals.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rfm_nbo.quicksight.config import DeployConfig
from rfm_nbo.quicksight.errors import DashboardError
from rfm_nbo.quicksight.payloads import DASHBOARD_ACTIONS, TAGS, permissions
from rfm_nbo.quicksight.sheets import SheetBuild

DASHBOARD_TITLE = "RFM segments and Next Best Offers"


def dashboard_definition(
    sheets: Sequence[SheetBuild], data_set_arns: Mapping[str, str]
) -> dict[str, Any]:
    """DashboardVersionDefinition: data set declarations, sheets, calculated fields."""
    used: list[str] = []
    for sheet in sheets:
        used.extend(name for name in sheet.data_sets if name not in used)
    missing = [name for name in used if name not in data_set_arns]
    if missing:
        raise DashboardError(f"No data set for {', '.join(missing)}: the dashboard cannot read it.")
    definition: dict[str, Any] = {
        "DataSetIdentifierDeclarations": [
            {"Identifier": name, "DataSetArn": data_set_arns[name]} for name in used
        ],
        "Sheets": [sheet.sheet for sheet in sheets],
    }
    calculated = [dict(field) for sheet in sheets for field in sheet.calculated_fields]
    if calculated:
        definition["CalculatedFields"] = calculated
    return definition


def dashboard_request(
    config: DeployConfig, sheets: Sequence[SheetBuild], data_set_arns: Mapping[str, str]
) -> dict[str, Any]:
    """CreateDashboard with the definition; readers may filter and export to CSV."""
    request: dict[str, Any] = {
        "AwsAccountId": config.aws_account_id,
        "DashboardId": config.dashboard_id,
        "Name": f"{DASHBOARD_TITLE} ({config.prefix})",
        "Definition": dashboard_definition(sheets, data_set_arns),
        "VersionDescription": "Deployed by rfm_nbo.quicksight from the dbt manifest",
        "DashboardPublishOptions": {
            "AdHocFilteringOption": {"AvailabilityStatus": "ENABLED"},
            "ExportToCSVOption": {"AvailabilityStatus": "ENABLED"},
            "SheetControlsOption": {"VisibilityState": "EXPANDED"},
        },
        "ValidationStrategy": {"Mode": "STRICT"},
    }
    if config.principal_arns:
        request["Permissions"] = permissions(config.principal_arns, DASHBOARD_ACTIONS)
    request["Tags"] = [dict(tag) for tag in TAGS]
    return request
