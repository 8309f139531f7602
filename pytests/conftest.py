"""Suite-wide rule: under `make test` (RFM_FAIL_ON_SKIP=1) a skipped test fails the run.

Tests skip when a machine lacks Java or Chromium, which is right for a quick
local run but would let `make test` (and so CI) pass without the Spark paths
or the browser check ever running. `make test` installs both first, so a skip
there means something is wrong with the set-up, and it should say so.
"""

from __future__ import annotations

import os

import pytest


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    skipped = terminalreporter.stats.get("skipped", [])
    if os.environ.get("RFM_FAIL_ON_SKIP") == "1" and skipped:
        terminalreporter.write_line(
            f"RFM_FAIL_ON_SKIP=1: {len(skipped)} test(s) skipped; `make test` runs every "
            "test (the summary gives each reason: usually Java or Chromium is missing)",
            red=True,
        )


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if os.environ.get("RFM_FAIL_ON_SKIP") == "1" and skipped and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
