"""The one error the dashboard raises for problems the user can fix."""

from __future__ import annotations


class DashboardError(Exception):
    """A problem with the inputs (missing, locked or unbuilt warehouse, unwritable
    output) whose message says what to do. The CLI prints it and exits 2,
    without a traceback."""
