"""Exceptions of the QuickSight deployer.

Each message names what went wrong and what to do about it; the CLI prints it
without a traceback and exits non-zero.
"""

from __future__ import annotations


class QuickSightDeployError(Exception):
    """Base class: anything the user can fix (input, configuration, AWS state)."""


class ManifestError(QuickSightDeployError):
    """The dbt manifest is missing, unreadable, or its marts lack typed columns."""


class UnknownDataTypeError(QuickSightDeployError):
    """A mart column has a ``data_type`` with no QuickSight mapping."""


class DashboardError(QuickSightDeployError):
    """A mart the dashboard reads lacks a column that a visual needs."""


class PayloadError(QuickSightDeployError):
    """A generated request does not match botocore's QuickSight API model."""


class AwsStateError(QuickSightDeployError):
    """QuickSight answered with a failure, or a resource did not settle in time."""
