"""How to send: create-or-update each planned resource, wait for it, publish the dashboard.

Idempotent by id: ``Describe*`` first; ResourceNotFoundException means
create, anything found means update (then grant the permissions again, which
``Update*`` cannot carry). Any other error propagates: a missing permission is
not a missing resource.

QuickSight creates data sources and dashboard versions asynchronously. A data
set names its data source, so the data source must be ready first; a
dashboard version can fail after the call returned (e.g. a column the data set
lacks), so the deployer waits for the final status and reports its errors. An
updated dashboard is a new, unpublished version: it is published once it has
built.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from botocore import xform_name
from botocore.exceptions import ClientError

from rfm_nbo.quicksight.errors import AwsStateError
from rfm_nbo.quicksight.plan import DASHBOARD, DATA_SOURCE, Kind, Plan, Request

IN_PROGRESS = ("CREATION_IN_PROGRESS", "UPDATE_IN_PROGRESS")
FAILED = ("CREATION_FAILED", "UPDATE_FAILED", "DELETED")
NOT_FOUND = "ResourceNotFoundException"


@dataclass
class Poller:
    """Waits between status checks; injectable so tests never sleep."""

    interval_seconds: float = 3.0
    timeout_seconds: float = 600.0
    sleep: Callable[[float], None] = field(default=time.sleep)
    clock: Callable[[], float] = field(default=time.monotonic)


@dataclass(frozen=True)
class Outcome:
    """What happened to one resource."""

    kind: Kind
    resource_id: str
    action: str  # "created" or "updated"
    detail: str = ""

    def __str__(self) -> str:
        """One progress line, e.g. 'data set rfm-nbo-dim_customers: updated'."""
        return f"{self.kind.label} {self.resource_id}: {self.action}{self.detail}"


def call(client: Any, operation: str, params: dict[str, Any]) -> dict[str, Any]:
    """Call a botocore operation by its API name (``CreateDataSet`` -> ``create_data_set``)."""
    result: dict[str, Any] = getattr(client, xform_name(operation))(**params)
    return result


def exists(client: Any, kind: Kind, account_id: str, resource_id: str) -> bool:
    """True when the resource exists; False on ResourceNotFoundException only."""
    try:
        call(client, kind.describe, {"AwsAccountId": account_id, kind.id_key: resource_id})
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == NOT_FOUND:
            return False
        raise
    return True


def _wait(
    what: str, read_status: Callable[[], tuple[str, str]], status: str, poller: Poller
) -> None:
    """Poll ``read_status`` (status, errors) until the status leaves IN_PROGRESS."""
    deadline = poller.clock() + poller.timeout_seconds
    errors = ""
    while status in IN_PROGRESS:
        if poller.clock() >= deadline:
            raise AwsStateError(
                f"{what} is still {status} after {poller.timeout_seconds:.0f} s. Check it in the "
                "QuickSight console, then run the deployer again (it resumes), or raise "
                "--wait-timeout."
            )
        poller.sleep(poller.interval_seconds)
        status, errors = read_status()
    if status in FAILED:
        raise AwsStateError(f"{what} ended {status}: {errors or 'QuickSight gave no reason'}.")


def _data_source_status(client: Any, request: Request) -> tuple[str, str]:
    """Status and error text of the data source."""
    source = call(
        client,
        "DescribeDataSource",
        {"AwsAccountId": request.params["AwsAccountId"], "DataSourceId": request.resource_id},
    )["DataSource"]
    info = source.get("ErrorInfo") or {}
    return str(source.get("Status", "")), " ".join(str(value) for value in info.values())


def _dashboard_status(client: Any, request: Request, version: int) -> tuple[str, str]:
    """Status and error text of one dashboard version."""
    dashboard = call(
        client,
        "DescribeDashboard",
        {
            "AwsAccountId": request.params["AwsAccountId"],
            "DashboardId": request.resource_id,
            "VersionNumber": version,
        },
    )["Dashboard"]
    found = dashboard.get("Version") or {}
    errors = "; ".join(
        f"{error.get('Type', 'ERROR')}: {error.get('Message', '')}"
        for error in found.get("Errors") or []
    )
    return str(found.get("Status", "")), errors


def version_number(version_arn: str) -> int:
    """The N of '.../dashboard/ID/version/N'."""
    try:
        return int(version_arn.rsplit("/", 1)[1])
    except (IndexError, ValueError) as error:
        raise AwsStateError(f"Unexpected dashboard VersionArn {version_arn!r}.") from error


def _settle(
    client: Any, request: Request, response: dict[str, Any], action: str, poller: Poller
) -> str:
    """Wait for asynchronous resources; publish an updated dashboard. Returns a detail text."""
    what = f"{request.kind.label} {request.resource_id}"
    if request.kind == DATA_SOURCE:
        status = str(response.get("CreationStatus") or response.get("UpdateStatus") or "")
        _wait(what, lambda: _data_source_status(client, request), status, poller)
        return ""
    if request.kind == DASHBOARD:
        version = version_number(str(response["VersionArn"]))
        status = str(response.get("CreationStatus") or "")
        _wait(
            f"{what} version {version}",
            lambda: _dashboard_status(client, request, version),
            status,
            poller,
        )
        if action == "updated":
            call(
                client,
                "UpdateDashboardPublishedVersion",
                {
                    "AwsAccountId": request.params["AwsAccountId"],
                    "DashboardId": request.resource_id,
                    "VersionNumber": version,
                },
            )
        return f" (version {version} published)"
    return ""


def apply(client: Any, request: Request, poller: Poller | None = None) -> Outcome:
    """Create the resource, or update it when it exists; then wait and grant permissions."""
    poller = poller or Poller()
    kind, account_id = request.kind, request.params["AwsAccountId"]
    if exists(client, kind, account_id, request.resource_id):
        action = "updated"
        response = call(client, kind.update, request.update_params)
    else:
        action = "created"
        response = call(client, kind.create, request.params)
    detail = _settle(client, request, response, action, poller)
    if action == "updated" and request.params.get("Permissions"):
        call(
            client,
            kind.update_permissions,
            {
                "AwsAccountId": account_id,
                kind.id_key: request.resource_id,
                "GrantPermissions": request.params["Permissions"],
            },
        )
    return Outcome(kind, request.resource_id, action, detail)


def deploy(
    client: Any,
    plan: Plan | Iterable[Request],
    *,
    report: Callable[[str], None] = lambda line: None,
    poller: Poller | None = None,
) -> list[Outcome]:
    """Apply every request in order, reporting one line per resource."""
    requests = plan.requests if isinstance(plan, Plan) else tuple(plan)
    outcomes = []
    for position, request in enumerate(requests, start=1):
        outcome = apply(client, request, poller)
        report(f"[{position}/{len(requests)}] {outcome}")
        outcomes.append(outcome)
    return outcomes
