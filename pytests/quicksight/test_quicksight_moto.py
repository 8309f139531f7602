"""The deployer against a local moto server (127.0.0.1 only, dummy credentials).

What moto 5.2 implements for QuickSight, and so what runs here for real:
- data sources: Create, Describe, Update, List (and Delete): the full
  create-then-update cycle of the deployer.
- data sets: Create only.
- dashboards: Create, Describe, List.

Not implemented by moto 5.2, so covered by test_quicksight_stubber.py only:
DescribeDataSet, UpdateDataSet, ListDataSets, UpdateDashboard,
UpdateDashboardPublishedVersion and every Update*Permissions call. That is
why these tests deploy without principals, and why the second dashboard run
is checked up to the point where it would call UpdateDashboard.
"""

from __future__ import annotations

import socket
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from moto.server import ThreadedMotoServer
from quicksight_support import ACCOUNT_ID, REGION, config, quicksight_client

from rfm_nbo.quicksight.deploy import Poller, apply, exists
from rfm_nbo.quicksight.manifest import Mart
from rfm_nbo.quicksight.plan import DASHBOARD, DATA_SET, DATA_SOURCE, Plan, build_plan


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    """A moto server on a free loopback port, for this module."""
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def moto_client(moto_endpoint: str) -> Any:
    """A QuickSight client on a freshly reset moto server."""
    request = urllib.request.Request(f"{moto_endpoint}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
    return quicksight_client(moto_endpoint)


def _plan(project_marts: list[Mart], **overrides: Any) -> Plan:
    # No principals: moto has no Update*Permissions (see the module docstring).
    return build_plan(config(principal_arns=(), **overrides), project_marts)


def _poller() -> Poller:
    return Poller(interval_seconds=0.01, timeout_seconds=5.0)


def test_data_source_is_created_once_then_updated(
    moto_client: Any, project_marts: list[Mart]
) -> None:
    source = _plan(project_marts).requests[0]
    assert source.kind == DATA_SOURCE
    first = apply(moto_client, source, _poller())
    changed = _plan(project_marts, athena_workgroup="analytics").requests[0]
    second = apply(moto_client, changed, _poller())
    assert (first.action, second.action) == ("created", "updated")
    listed = moto_client.list_data_sources(AwsAccountId=ACCOUNT_ID)["DataSources"]
    assert [item["DataSourceId"] for item in listed] == ["rfm-nbo-athena"]
    described = moto_client.describe_data_source(
        AwsAccountId=ACCOUNT_ID, DataSourceId="rfm-nbo-athena"
    )
    data_source = described["DataSource"]
    assert data_source["Type"] == "ATHENA"
    assert data_source["DataSourceParameters"] == {"AthenaParameters": {"WorkGroup": "analytics"}}
    assert (
        data_source["Arn"] == f"arn:aws:quicksight:{REGION}:{ACCOUNT_ID}:datasource/rfm-nbo-athena"
    )


def test_every_data_set_request_is_accepted(moto_client: Any, project_marts: list[Mart]) -> None:
    """CreateDataSet for every mart (and the RLS rules) really goes over HTTP and succeeds."""
    plan = _plan(project_marts, rls_table="rls_segment_permissions")
    data_sets = [request for request in plan.requests if request.kind == DATA_SET]
    assert len(data_sets) == len(project_marts) + 1
    for request in data_sets:
        response = moto_client.create_data_set(**request.params)
        assert response["DataSetId"] == request.resource_id
        # (moto spells the ARN ':data-set/'; QuickSight's is ':dataset/', which we use.)
    # DescribeDataSet / UpdateDataSet / ListDataSets: not in moto 5.2 -> Stubber tests.


def test_dashboard_is_created_once_and_found_on_the_next_run(
    moto_client: Any, project_marts: list[Mart]
) -> None:
    plan = _plan(project_marts)
    dashboard = plan.requests[-1]
    assert dashboard.kind == DASHBOARD
    assert not exists(moto_client, DASHBOARD, ACCOUNT_ID, dashboard.resource_id)
    outcome = apply(moto_client, dashboard, _poller())
    assert str(outcome) == "dashboard rfm-nbo-dashboard: created (version 1 published)"
    listed = moto_client.list_dashboards(AwsAccountId=ACCOUNT_ID)["DashboardSummaryList"]
    assert [item["DashboardId"] for item in listed] == ["rfm-nbo-dashboard"]
    # The next run's describe finds it, so it would update, not create a second one.
    # (UpdateDashboard itself is not in moto 5.2 -> Stubber tests.)
    assert exists(moto_client, DASHBOARD, ACCOUNT_ID, dashboard.resource_id)
    described = moto_client.describe_dashboard(
        AwsAccountId=ACCOUNT_ID, DashboardId=dashboard.resource_id
    )
    assert described["Dashboard"]["Name"] == dashboard.params["Name"]


def test_second_dashboard_run_updates_and_does_not_duplicate(
    moto_client: Any, project_marts: list[Mart]
) -> None:
    """Run twice against moto. Only the two calls moto 5.2 lacks (UpdateDashboard,
    UpdateDashboardPublishedVersion) are answered by a botocore hook; the describe
    that decides create-or-update and the list that counts dashboards are moto's."""
    sent: list[str] = []
    moto_client.meta.events.register(
        "before-call.quicksight.*", lambda model, **_: sent.append(model.name)
    )
    arn = f"arn:aws:quicksight:{REGION}:{ACCOUNT_ID}:dashboard/rfm-nbo-dashboard"
    canned = {
        "UpdateDashboard": {
            "Arn": arn,
            "VersionArn": f"{arn}/version/2",
            "DashboardId": "rfm-nbo-dashboard",
            "CreationStatus": "CREATION_SUCCESSFUL",
            "Status": 200,
        },
        "UpdateDashboardPublishedVersion": {"DashboardId": "rfm-nbo-dashboard", "Status": 200},
    }

    def not_in_moto(model: Any, **_: Any) -> Any:
        if model.name in canned:
            return AWSResponse(url="", status_code=200, headers={}, raw=None), canned[model.name]
        return None

    moto_client.meta.events.register_last("before-call.quicksight.*", not_in_moto)
    dashboard = _plan(project_marts).requests[-1]
    first = apply(moto_client, dashboard, _poller())
    first_calls, sent[:] = list(sent), []
    second = apply(moto_client, dashboard, _poller())
    assert (first.action, second.action) == ("created", "updated")
    assert first_calls == ["DescribeDashboard", "CreateDashboard"]
    assert sent == ["DescribeDashboard", "UpdateDashboard", "UpdateDashboardPublishedVersion"]
    listed = moto_client.list_dashboards(AwsAccountId=ACCOUNT_ID)["DashboardSummaryList"]
    assert [item["DashboardId"] for item in listed] == ["rfm-nbo-dashboard"]


def test_the_definition_survives_the_wire(moto_client: Any, project_marts: list[Mart]) -> None:
    """The Definition moto received over HTTP equals the one we built: nothing lost on the wire."""
    from moto.quicksight.models import quicksight_backends

    dashboard = _plan(project_marts).requests[-1]
    apply(moto_client, dashboard, _poller())
    stored = quicksight_backends[ACCOUNT_ID][REGION].dashboards[dashboard.resource_id]
    assert stored.definition == dashboard.params["Definition"]
