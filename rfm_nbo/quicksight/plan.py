"""What to send: the ordered, validated list of requests for one deployment.

Order matters: the data source before the data sets that name its ARN, the
row-level-security rules before the data sets they protect, the data sets
before the dashboard. Every request (and the update derived from it) is
checked against botocore's model here, before anything is sent, so a bad
payload stops the run with nothing half-deployed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rfm_nbo.quicksight.config import DeployConfig
from rfm_nbo.quicksight.dashboard import dashboard_request
from rfm_nbo.quicksight.manifest import Mart
from rfm_nbo.quicksight.payloads import data_set_request, data_source_request, update_request
from rfm_nbo.quicksight.rls import rls_data_set_request, rls_targets, rules_mart, split_table
from rfm_nbo.quicksight.sheets import build_sheets
from rfm_nbo.quicksight.validation import validate_request


@dataclass(frozen=True)
class Kind:
    """A QuickSight resource type and its API operations (botocore names)."""

    label: str
    id_key: str
    arn_type: str
    describe: str
    create: str
    update: str
    update_permissions: str


DATA_SOURCE = Kind(
    "data source",
    "DataSourceId",
    "datasource",
    "DescribeDataSource",
    "CreateDataSource",
    "UpdateDataSource",
    "UpdateDataSourcePermissions",
)
DATA_SET = Kind(
    "data set",
    "DataSetId",
    "dataset",
    "DescribeDataSet",
    "CreateDataSet",
    "UpdateDataSet",
    "UpdateDataSetPermissions",
)
DASHBOARD = Kind(
    "dashboard",
    "DashboardId",
    "dashboard",
    "DescribeDashboard",
    "CreateDashboard",
    "UpdateDashboard",
    "UpdateDashboardPermissions",
)


@dataclass(frozen=True)
class Request:
    """One resource to create (or, when it exists, update)."""

    kind: Kind
    params: dict[str, Any]

    @property
    def resource_id(self) -> str:
        """The resource's id, the idempotency key."""
        return str(self.params[self.kind.id_key])

    @property
    def update_params(self) -> dict[str, Any]:
        """The Update* request for the same resource."""
        return update_request(self.kind.update, self.params)

    def as_json(self) -> dict[str, Any]:
        """The request as the dry run prints it."""
        return {"operation": self.kind.create, "params": self.params}


@dataclass(frozen=True)
class Plan:
    """The requests in order, and notes for the user (sheets left out, RLS targets)."""

    requests: tuple[Request, ...]
    notes: tuple[str, ...]


def build_plan(config: DeployConfig, marts: Sequence[Mart]) -> Plan:
    """Every request of a deployment, validated (PayloadError on a bad one)."""
    requests = [Request(DATA_SOURCE, data_source_request(config))]
    notes: list[str] = []
    published = list(marts)
    rls_arn: str | None = None
    protected: set[str] = set()
    if config.rls_table:
        rules = rules_mart(config.rls_table, marts)
        rules_request = Request(DATA_SET, rls_data_set_request(config, rules))
        requests.append(rules_request)
        rls_arn = config.arn(DATA_SET.arn_type, rules_request.resource_id)
        if split_table(config.rls_table)[0] is None:  # a mart as rules: not published itself
            published = [mart for mart in marts if mart.name != rules.name]
        protected = set(rls_targets(published, rules))
        notes.append(f"row-level security from {rules.name} on: {', '.join(sorted(protected))}")
    data_set_arns: dict[str, str] = {}
    for mart in published:
        request = Request(
            DATA_SET,
            data_set_request(
                config, mart, rls_data_set_arn=rls_arn if mart.name in protected else None
            ),
        )
        requests.append(request)
        data_set_arns[mart.name] = config.arn(DATA_SET.arn_type, request.resource_id)
    sheets, sheet_notes = build_sheets(published)
    notes.extend(sheet_notes)
    if sheets:
        requests.append(Request(DASHBOARD, dashboard_request(config, sheets, data_set_arns)))
    else:
        notes.append("no dashboard: none of the marts it reads is in the manifest")
    for request in requests:
        validate_request(request.kind.create, request.params)
        validate_request(request.kind.update, request.update_params)
    return Plan(tuple(requests), tuple(notes))
