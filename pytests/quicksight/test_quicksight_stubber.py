"""The deployer against botocore's Stubber: exact requests, validated by the real API model.

Stubber checks each call's parameters against the QuickSight service model
(unknown keys and wrong types raise) and against the exact dict we expect, and
checks our canned responses against the output shapes. Covers everything moto
lacks: DescribeDataSet, UpdateDataSet, UpdateDashboard, publishing, permissions
updates and waiting on asynchronous creation.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore import xform_name
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from quicksight_support import (
    ACCOUNT_ID,
    config,
    create_response,
    describe_params,
    describe_response,
    fake_manifest,
    model_node,
    quicksight_client,
    update_response,
)

from rfm_nbo.quicksight.deploy import Poller, apply, deploy, version_number
from rfm_nbo.quicksight.errors import AwsStateError
from rfm_nbo.quicksight.manifest import Mart, marts_from_manifest
from rfm_nbo.quicksight.plan import DASHBOARD, DATA_SOURCE, Plan, Request, build_plan


class FakeClock:
    """A clock the poller's sleep advances: no test ever really waits."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def poller(self, timeout: float = 60.0) -> Poller:
        return Poller(
            interval_seconds=5.0, timeout_seconds=timeout, sleep=self.sleep, clock=lambda: self.now
        )


def not_found(stubber: Stubber, operation: str, expected: dict[str, Any]) -> None:
    stubber.add_client_error(
        operation,
        service_error_code="ResourceNotFoundException",
        service_message="not found",
        http_status_code=404,
        expected_params=expected,
    )


def expect_first_run(stubber: Stubber, plan: Plan) -> None:
    """Describe -> ResourceNotFoundException -> Create, for every resource."""
    for request in plan.requests:
        not_found(stubber, xform_name(request.kind.describe), describe_params(request))
        stubber.add_response(
            xform_name(request.kind.create),
            create_response(request),
            expected_params=request.params,
        )


def expect_second_run(stubber: Stubber, plan: Plan, version: int = 2) -> None:
    """Describe -> found -> Update (+ publish) -> grant permissions, for every resource."""
    for request in plan.requests:
        stubber.add_response(
            xform_name(request.kind.describe), describe_response(request), describe_params(request)
        )
        stubber.add_response(
            xform_name(request.kind.update),
            update_response(request, version),
            expected_params=request.update_params,
        )
        if request.kind == DASHBOARD:
            stubber.add_response(
                "update_dashboard_published_version",
                {"DashboardId": request.resource_id, "Status": 200},
                {
                    "AwsAccountId": ACCOUNT_ID,
                    "DashboardId": request.resource_id,
                    "VersionNumber": version,
                },
            )
        if "Permissions" in request.params:
            stubber.add_response(
                xform_name(request.kind.update_permissions),
                {"Status": 200},
                {
                    "AwsAccountId": ACCOUNT_ID,
                    request.kind.id_key: request.resource_id,
                    "GrantPermissions": request.params["Permissions"],
                },
            )


@pytest.mark.parametrize("rls", [None, "rls_segment_permissions"])
def test_first_run_creates_every_resource_with_the_exact_payloads(
    project_marts: list[Mart], rls: str | None
) -> None:
    plan = build_plan(config(rls_table=rls), project_marts)
    client = quicksight_client()
    lines: list[str] = []
    with Stubber(client) as stubber:
        expect_first_run(stubber, plan)
        outcomes = deploy(client, plan, report=lines.append, poller=FakeClock().poller())
        stubber.assert_no_pending_responses()
    assert [outcome.action for outcome in outcomes] == ["created"] * len(plan.requests)
    assert len(lines) == len(plan.requests)
    assert lines[0] == f"[1/{len(plan.requests)}] data source rfm-nbo-athena: created"
    assert lines[-1].endswith("dashboard rfm-nbo-dashboard: created (version 1 published)")


@pytest.mark.parametrize("rls", [None, "rls_segment_permissions"])
def test_second_run_updates_every_resource_and_publishes(
    project_marts: list[Mart], rls: str | None
) -> None:
    plan = build_plan(config(rls_table=rls), project_marts)
    client = quicksight_client()
    with Stubber(client) as stubber:
        expect_second_run(stubber, plan, version=7)
        outcomes = deploy(client, plan, poller=FakeClock().poller())
        stubber.assert_no_pending_responses()
    assert [outcome.action for outcome in outcomes] == ["updated"] * len(plan.requests)
    assert str(outcomes[-1]) == "dashboard rfm-nbo-dashboard: updated (version 7 published)"


def test_run_twice_creates_once_then_updates(project_marts: list[Mart]) -> None:
    """The idempotency contract in one client: run 1 creates, run 2 updates, nothing twice."""
    plan = build_plan(config(), project_marts)
    client = quicksight_client()
    with Stubber(client) as stubber:
        expect_first_run(stubber, plan)
        expect_second_run(stubber, plan)
        first = deploy(client, plan, poller=FakeClock().poller())
        second = deploy(client, plan, poller=FakeClock().poller())
        stubber.assert_no_pending_responses()
    assert {o.action for o in first} == {"created"} and {o.action for o in second} == {"updated"}
    assert [o.resource_id for o in first] == [o.resource_id for o in second]


def test_without_principals_no_permission_updates(project_marts: list[Mart]) -> None:
    plan = build_plan(config(principal_arns=()), project_marts)
    client = quicksight_client()
    with Stubber(client) as stubber:
        expect_second_run(stubber, plan)  # adds no Update*Permissions: no Permissions key
        deploy(client, plan, poller=FakeClock().poller())
        stubber.assert_no_pending_responses()


def _small_plan() -> Plan:
    marts = marts_from_manifest(
        fake_manifest(
            model_node(
                "fct_rfm_segment_summary",
                {
                    "rfm_segment": "varchar",
                    "customers": "bigint",
                    "customer_share": "double",
                    "revenue_share": "double",
                },
            )
        )
    )
    return build_plan(config(), marts)


def test_waits_for_a_data_source_still_being_created() -> None:
    source = _small_plan().requests[0]
    assert source.kind == DATA_SOURCE
    client, clock = quicksight_client(), FakeClock()
    in_progress = {**create_response(source), "CreationStatus": "CREATION_IN_PROGRESS"}
    with Stubber(client) as stubber:
        not_found(stubber, "describe_data_source", describe_params(source))
        stubber.add_response("create_data_source", in_progress, source.params)
        for status in ("CREATION_IN_PROGRESS", "CREATION_SUCCESSFUL"):
            stubber.add_response(
                "describe_data_source",
                {
                    "DataSource": {"DataSourceId": source.resource_id, "Status": status},
                    "Status": 200,
                },
                describe_params(source),
            )
        outcome = apply(client, source, clock.poller())
        stubber.assert_no_pending_responses()
    assert outcome.action == "created"
    assert clock.sleeps == [5.0, 5.0]


def test_failed_data_source_reports_the_reason() -> None:
    source = _small_plan().requests[0]
    client = quicksight_client()
    with Stubber(client) as stubber:
        not_found(stubber, "describe_data_source", describe_params(source))
        stubber.add_response(
            "create_data_source",
            {**create_response(source), "CreationStatus": "CREATION_IN_PROGRESS"},
            source.params,
        )
        stubber.add_response(
            "describe_data_source",
            {
                "DataSource": {
                    "Status": "CREATION_FAILED",
                    "ErrorInfo": {"Type": "ACCESS_DENIED", "Message": "workgroup not allowed"},
                },
                "Status": 200,
            },
            describe_params(source),
        )
        with pytest.raises(
            AwsStateError, match="CREATION_FAILED: ACCESS_DENIED workgroup not allowed"
        ):
            apply(client, source, FakeClock().poller())


def _dashboard_request() -> Request:
    request = _small_plan().requests[-1]
    assert request.kind == DASHBOARD
    return request


def test_dashboard_version_failure_lists_quicksight_errors() -> None:
    dashboard = _dashboard_request()
    client = quicksight_client()
    with Stubber(client) as stubber:
        not_found(stubber, "describe_dashboard", describe_params(dashboard))
        stubber.add_response(
            "create_dashboard",
            {**create_response(dashboard), "CreationStatus": "CREATION_IN_PROGRESS"},
            dashboard.params,
        )
        stubber.add_response(
            "describe_dashboard",
            {
                "Dashboard": {
                    "DashboardId": dashboard.resource_id,
                    "Version": {
                        "VersionNumber": 1,
                        "Status": "CREATION_FAILED",
                        "Errors": [{"Type": "COLUMN_NOT_FOUND", "Message": "customers not found"}],
                    },
                },
                "Status": 200,
            },
            {**describe_params(dashboard), "VersionNumber": 1},
        )
        with pytest.raises(AwsStateError) as raised:
            apply(client, dashboard, FakeClock().poller())
    assert "COLUMN_NOT_FOUND: customers not found" in str(raised.value)


def test_updated_dashboard_is_published_only_after_it_built() -> None:
    dashboard = _dashboard_request()
    client = quicksight_client()
    with Stubber(client) as stubber:
        stubber.add_response(
            "describe_dashboard", describe_response(dashboard), describe_params(dashboard)
        )
        stubber.add_response(
            "update_dashboard",
            {**update_response(dashboard, 3), "CreationStatus": "CREATION_IN_PROGRESS"},
            dashboard.update_params,
        )
        stubber.add_response(
            "describe_dashboard",
            {
                "Dashboard": {"Version": {"VersionNumber": 3, "Status": "CREATION_SUCCESSFUL"}},
                "Status": 200,
            },
            {**describe_params(dashboard), "VersionNumber": 3},
        )
        stubber.add_response(
            "update_dashboard_published_version",
            {"Status": 200},
            {"AwsAccountId": ACCOUNT_ID, "DashboardId": dashboard.resource_id, "VersionNumber": 3},
        )
        stubber.add_response(
            "update_dashboard_permissions",
            {"Status": 200},
            {
                "AwsAccountId": ACCOUNT_ID,
                "DashboardId": dashboard.resource_id,
                "GrantPermissions": dashboard.params["Permissions"],
            },
        )
        outcome = apply(client, dashboard, FakeClock().poller())
        stubber.assert_no_pending_responses()
    assert outcome.detail == " (version 3 published)"


def test_gives_up_after_the_wait_timeout_with_advice() -> None:
    dashboard = _dashboard_request()
    client, clock = quicksight_client(), FakeClock()
    in_progress = {
        "Dashboard": {"Version": {"VersionNumber": 1, "Status": "CREATION_IN_PROGRESS"}},
        "Status": 200,
    }
    with Stubber(client) as stubber:
        not_found(stubber, "describe_dashboard", describe_params(dashboard))
        stubber.add_response(
            "create_dashboard",
            {**create_response(dashboard), "CreationStatus": "CREATION_IN_PROGRESS"},
            dashboard.params,
        )
        for _ in range(2):
            stubber.add_response(
                "describe_dashboard",
                in_progress,
                {**describe_params(dashboard), "VersionNumber": 1},
            )
        with pytest.raises(AwsStateError, match="--wait-timeout"):
            apply(client, dashboard, clock.poller(timeout=10.0))


def test_access_denied_is_not_mistaken_for_a_missing_resource() -> None:
    source = _small_plan().requests[0]
    client = quicksight_client()
    with Stubber(client) as stubber:
        stubber.add_client_error(
            "describe_data_source",
            service_error_code="AccessDeniedException",
            service_message="no",
            http_status_code=403,
            expected_params=describe_params(source),
        )
        with pytest.raises(ClientError, match="AccessDeniedException"):
            apply(client, source, FakeClock().poller())
        stubber.assert_no_pending_responses()  # and no create was attempted


def test_version_number_from_arn() -> None:
    arn = f"arn:aws:quicksight:us-east-1:{ACCOUNT_ID}:dashboard/rfm-nbo-dashboard/version/12"
    assert version_number(arn) == 12
    with pytest.raises(AwsStateError):
        version_number("arn:aws:quicksight:us-east-1:1:dashboard/x")
