"""The dashboard of the real demo build, opened in headless Chromium.

Builds the warehouse with real dbt (once per session), writes the page with the
CLI, loads it from a file:// URL and checks that every chart drew the number of
bars or cells the marts call for (counted here with independent SQL), that the
tabs switch, that the console stays clean and that nothing is fetched from the
network. Screenshots go to the pytest temporary folder (path printed); set
RFM_DASHBOARD_SCREENSHOT=PATH to also save the README picture there.

Chromium comes from Debian (scripts/install_browser.sh), driven by Playwright
for Python with executable_path: no browser download, ever. Without Chromium
the test is skipped locally and fails in CI (CI set), where it must run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pytest

from rfm_nbo.dashboard.cli import default_schema, main

CHROMIUM = Path("/usr/bin/chromium")
# Playwright adds --headless itself (headless=True) and takes the profile folder
# as user_data_dir; these are the rest of the flags.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
SCREENSHOT_ENV = "RFM_DASHBOARD_SCREENSHOT"
SHEETS = ("sheet-segments", "sheet-clv", "sheet-offers", "sheet-campaigns")

pytestmark = pytest.mark.slow


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _require(condition: bool, reason: str) -> None:
    """Skip locally, fail in CI: there the browser test must run."""
    if condition:
        return
    if _in_ci():
        pytest.fail(f"{reason} (CI is set, so this is a failure, not a skip)")
    pytest.skip(reason)


@dataclass
class Session:
    """An open page plus what the browser reported while it was open."""

    page: Any
    url: str
    console: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def dashboard_file(demo_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dashboard") / "index.html"
    assert main(["--warehouse", str(demo_warehouse), "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="session", autouse=True)
def browser_available() -> None:
    """Checked before anything else (session scope, autouse), so a machine without
    the browser does not wait for the dbt build only to skip."""
    _require(
        CHROMIUM.exists(),
        f"{CHROMIUM} is missing: install it with scripts/install_browser.sh",
    )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _require(False, "playwright is not installed: run `make setup` (requirements.lock)")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")  # fresh --user-data-dir
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1400, "height": 1000},
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def session(browser: Any, dashboard_file: Path) -> Iterator[Session]:
    page = browser.new_page()
    opened = Session(page, dashboard_file.as_uri())
    page.on("console", lambda m: opened.console.append((m.type, m.text)))
    page.on("pageerror", lambda e: opened.errors.append(str(e)))
    page.on("request", lambda r: opened.requests.append(r.url))
    page.goto(opened.url)
    yield opened
    page.close()


def _expected_marks(warehouse: Path, schema: str) -> dict[str, int]:
    """Bars or cells each chart must draw, counted straight from the marts:
    chart -> (expression, mart, where)."""
    latest = "(select max(month_end_date) from {s}.fct_segment_transitions)"
    counts = {
        "rfm-segment-share": ("2 * count(*)", "fct_segment_summary", "segmentation_scheme = 'rfm'"),
        "cluster-share": ("2 * count(*)", "fct_segment_summary", "segmentation_scheme = 'kmeans'"),
        "rfm-heatmap": ("count(distinct (r_score, f_score))", "dim_customers", "is_rfm_scored"),
        "cluster-profile": (
            "4 * count(*)",
            "fct_segment_summary",
            "segmentation_scheme = 'kmeans'",
        ),
        "segment-crosstab": ("count(*)", "fct_segment_crosstab", "true"),
        "clv-by-rfm-segment": (
            "count(total_expected_clv)",
            "fct_segment_summary",
            "segmentation_scheme = 'rfm'",
        ),
        "clv-by-cluster": (
            "count(total_expected_clv)",
            "fct_segment_summary",
            "segmentation_scheme = 'kmeans'",
        ),
        "churn-risk-by-segment": (
            "count(distinct (coalesce(rfm_segment, '(none)'), churn_risk_band))",
            "dim_customers",
            "churn_risk_band is not null",
        ),
        # The expected series only when the calibration fit converged.
        "clv-calibration-frequency": (
            "count(actual_per_customer) "
            "+ count(expected_per_customer) filter (where bgnbd_status = 'converged')",
            "fct_clv_calibration",
            "breakdown = 'calibration_frequency'",
        ),
        "clv-calibration-weeks": (
            "count(cumulative_actual_repeat_purchases) + count("
            "cumulative_expected_repeat_purchases) filter (where bgnbd_status = 'converged')",
            "fct_clv_calibration",
            "breakdown = 'holdout_week'",
        ),
        "segment-migration": (
            "count(*)",
            "fct_segment_transitions",
            f"month_end_date = {latest}",
        ),
        "offers-by-segment": (
            "count(distinct (rfm_segment, offer_type))",
            "fct_next_best_offers",
            "true",
        ),
        "offer-categories": (
            "count(distinct coalesce(category, '(none)'))",
            "fct_next_best_offers",
            "true",
        ),
        "top-products": ("least(15, count(distinct product_id))", "fct_next_best_offers", "true"),
        "offer-status": (
            "count(distinct (offer_status, coalesce(not_contactable_reason, '')))",
            "dim_customers",
            "true",
        ),
        "copy-source": ("count(distinct copy_source)", "fct_next_best_offers", "true"),
        "backtest-hit-at-3": (
            "count(*)",
            "fct_offer_backtest",
            "fold_number = 0 and customer_group = 'with_history'",
        ),
        "uplift-by-cell": ("count(conversion_uplift)", "fct_campaign_performance", "true"),
        "roi-by-segment": ("count(distinct segment_at_send)", "fct_campaign_performance", "true"),
        "incremental-revenue": (
            "count(distinct segment_at_send)",
            "fct_campaign_performance",
            "true",
        ),
    }
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            chart: con.execute(
                f"select {expression} from {schema}.{mart} where {where.format(s=schema)}"
            ).fetchall()[0][0]
            for chart, (expression, mart, where) in counts.items()
        }


CHART_STATE_JS = """
sheet => Array.from(document.querySelectorAll('#' + sheet + ' figure.chart')).map(f => {
  const svg = f.querySelector(':scope > svg').getBoundingClientRect();
  const marks = Array.from(f.querySelectorAll('.mark'));
  const drawn = marks.filter(m => { const b = m.getBBox(); return b.width > 0 && b.height > 0; });
  return {chart: f.dataset.chart, declared: Number(f.dataset.marks), marks: marks.length,
          drawn: drawn.length, whiskers: f.querySelectorAll('.whisker').length,
          filled: f.querySelectorAll('.mark.filled').length,
          width: svg.width, height: svg.height};
})
"""


def _show(session: Session, sheet: str) -> None:
    session.page.click(f"#tab-{sheet}")
    session.page.wait_for_selector(f"#{sheet}:not([hidden])")


def test_every_chart_renders_the_marks_the_marts_call_for(
    session: Session, demo_warehouse: Path
) -> None:
    expected = _expected_marks(demo_warehouse, default_schema())
    seen: dict[str, dict[str, Any]] = {}
    for sheet in SHEETS:
        _show(session, sheet)
        for chart in session.page.evaluate(CHART_STATE_JS, sheet):
            seen[chart["chart"]] = chart
            assert chart["width"] > 100 and chart["height"] > 50, chart
            assert chart["marks"] == chart["declared"] == chart["drawn"] > 0, chart
    assert {name: chart["marks"] for name, chart in seen.items()} == expected
    assert session.page.locator(".no-data").count() == 0


def test_campaign_cells_are_significant_by_q_value_only(
    session: Session, demo_warehouse: Path
) -> None:
    """Filled markers and "significant" badges: exactly the cells whose q-value is
    below 0.05 (counted from uplift_q_value, not is_significant); every interval and
    pooled interval drawn."""
    schema = default_schema()
    with duckdb.connect(str(demo_warehouse), read_only=True) as con:
        significant, intervals, excluding_zero_not_significant = con.execute(
            f"""
            select
                count(*) filter (where uplift_q_value < 0.05),
                count(*) filter (where conversion_uplift_ci_lower is not null
                    and conversion_uplift_ci_upper is not null),
                count(*) filter (where uplift_q_value >= 0.05
                    and (conversion_uplift_ci_lower > 0 or conversion_uplift_ci_upper < 0))
            from {schema}.fct_campaign_performance
            """
        ).fetchone()
    print(
        f"\n{significant} significant cells; {excluding_zero_not_significant} with an "
        "interval that excludes zero but q >= 0.05"
    )
    _show(session, "sheet-campaigns")
    charts = {c["chart"]: c for c in session.page.evaluate(CHART_STATE_JS, "sheet-campaigns")}
    assert charts["uplift-by-cell"]["filled"] == significant
    assert charts["uplift-by-cell"]["whiskers"] == intervals > 0
    for pooled in ("roi-by-segment", "incremental-revenue"):
        assert charts[pooled]["whiskers"] > 0, pooled
    badges = session.page.locator('[data-table="campaign-cells"] .badge.ok')
    assert badges.all_inner_texts() == ["significant"] * significant


def test_tables_hold_the_expected_rows(session: Session, demo_warehouse: Path) -> None:
    schema = default_schema()
    with duckdb.connect(str(demo_warehouse), read_only=True) as con:
        cells = con.execute(f"select count(*) from {schema}.fct_campaign_performance").fetchall()
        groups = con.execute(
            f"select count(distinct (rfm_segment, offer_type)) from {schema}.fct_next_best_offers "
            "where offer_rank = 1"
        ).fetchall()
    page = session.page
    assert page.locator('[data-table="campaign-cells"] tbody tr').count() == cells[0][0]
    assert page.locator('[data-table="sample-offers"] tbody tr').count() == min(20, groups[0][0])
    assert page.locator('[data-table="quarantine"] tbody tr').count() > 0
    assert page.locator("[data-as-of]").inner_text() != "\u2013"


def test_segments_follow_dim_segments(session: Session, demo_warehouse: Path) -> None:
    """The RFM rows of the profile table come in dim_segments' display_order, each
    with its description shown under the name."""
    schema = default_schema()
    with duckdb.connect(str(demo_warehouse), read_only=True) as con:
        vocabulary = con.execute(
            f"select segment_name, description from {schema}.dim_segments order by display_order"
        ).fetchall()
        present = {
            name
            for (name,) in con.execute(
                f"select segment_name from {schema}.fct_segment_summary "
                "where segmentation_scheme = 'rfm'"
            ).fetchall()
        }
    expected = [name for name, _ in vocabulary if name in present]
    assert len(expected) == len(present) > 1
    rows = session.page.locator(
        '[data-table="segment-profiles"] tbody tr:has(td:first-child:text-is("RFM segment"))'
    )
    assert rows.locator(".segment-name").all_inner_texts() == expected
    descriptions = dict(vocabulary)
    first = rows.first.locator(".segment-about")
    assert first.is_visible()
    assert first.inner_text() == descriptions[expected[0]]


def test_calibration_names_the_fit_and_its_cut(session: Session, demo_warehouse: Path) -> None:
    """The cut date shown is the mart's; a converged fit is named, any other status
    shown as a warning in place of the expected series."""
    schema = default_schema()
    with duckdb.connect(str(demo_warehouse), read_only=True) as con:
        cut_date, status = con.execute(
            f"select max(cut_date), max(bgnbd_status) from {schema}.fct_clv_calibration"
        ).fetchone()
    _show(session, "sheet-clv")
    page = session.page
    assert page.locator("#sheet-clv [data-cut-date]").first.inner_text() == cut_date.isoformat()
    if status == "converged":
        assert page.locator("#sheet-clv .fit .badge.ok").inner_text() == "BG/NBD converged"
        assert page.locator("#sheet-clv .fit-warning").count() == 0
    else:
        assert page.locator("#sheet-clv .fit-warning").is_visible()
    assert page.locator("#sheet-clv .kpi").count() >= 3


def test_tabs_switch_by_click_keyboard_and_address(session: Session) -> None:
    page = session.page

    def visible() -> list[str]:
        return [s for s in SHEETS if page.locator(f"#{s}").is_visible()]

    assert visible() == ["sheet-segments"]
    page.click("#tab-sheet-offers")
    assert visible() == ["sheet-offers"]
    assert page.get_attribute("#tab-sheet-offers", "aria-selected") == "true"
    assert page.get_attribute("#tab-sheet-segments", "aria-selected") == "false"
    page.keyboard.press("ArrowRight")
    assert visible() == ["sheet-campaigns"]
    assert page.url.endswith("#sheet-campaigns")
    page.goto(session.url + "#sheet-offers")
    page.reload()
    assert visible() == ["sheet-offers"]
    assert page.locator("#data-quality").is_visible()


def test_console_clean_and_no_network(session: Session) -> None:
    for sheet in SHEETS:
        _show(session, sheet)
    problems = [(kind, text) for kind, text in session.console if kind in ("error", "warning")]
    assert problems == []
    assert session.errors == []
    assert session.requests, "the page itself should be the one request"
    assert all(url.startswith(("file://", "data:")) for url in session.requests), session.requests


def test_screenshots(session: Session, tmp_path: Path) -> None:
    for sheet in SHEETS:
        _show(session, sheet)
        shot = tmp_path / f"{sheet}.png"
        session.page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000
    print(f"\nDashboard screenshots: {tmp_path}")
    readme_picture = os.environ.get(SCREENSHOT_ENV)
    if readme_picture:
        _show(session, "sheet-segments")
        session.page.screenshot(path=readme_picture, full_page=False)
        print(f"README picture: {readme_picture}")
