"""The one error the audience export raises for problems the user can fix."""

from __future__ import annotations


class AudienceError(Exception):
    """A problem with the inputs (missing, locked or unbuilt warehouse, missing
    mart, unwritable output, a campaign folder that already exists) whose
    message says what to do. The CLI prints it and exits 2, without a traceback."""
