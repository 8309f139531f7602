"""The SVG renderer: marks drawn match the data, negatives grow left, lines break
at gaps, text is escaped."""

from __future__ import annotations

import re

import pytest

from rfm_nbo.dashboard.charts import (
    HeatCell,
    IntervalRow,
    Line,
    Series,
    bar_chart,
    heatmap,
    interval_chart,
    line_chart,
    nice_ticks,
)
from rfm_nbo.dashboard.formatting import fmt_int, fmt_number, fmt_pct, fmt_pp


def _marks(svg: str) -> int:
    return len(re.findall(r'class="mark"', svg))


def test_nice_ticks_cover_the_range_with_round_steps() -> None:
    assert nice_ticks(0, 924) == [0, 250, 500, 750, 1000]
    assert nice_ticks(-1.62, 0) == [-2.0, -1.5, -1.0, -0.5, 0.0]
    assert nice_ticks(0, 0) == [0, 0.25, 0.5, 0.75, 1.0]


def test_grouped_bars_one_mark_per_value_and_a_legend() -> None:
    html = bar_chart(
        "shares",
        "Shares",
        ["A", "B", "C"],
        [Series("customers", [0.2, 0.3, 0.5], "#000"), Series("revenue", [0.5, None, 0.5], "#111")],
        fmt=fmt_pct,
    )
    assert 'data-chart="shares"' in html
    assert 'data-marks="5"' in html  # the None is not drawn
    assert _marks(html) == 5
    assert 'class="legend"' in html


def test_stacked_bars_show_the_total() -> None:
    html = bar_chart(
        "mix",
        "Mix",
        ["A"],
        [Series("x", [2], "#000"), Series("y", [3], "#111")],
        fmt=fmt_int,
        stacked=True,
    )
    assert ">5</text>" in html


def test_negative_values_grow_left_of_zero() -> None:
    html = bar_chart(
        "roi", "ROI", ["loss", "gain"], [Series("ROI", [-1.0, 1.0], "#000")], fmt=fmt_pct
    )
    rects = re.findall(r'<rect class="mark" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', html)
    (loss_x, loss_width), (gain_x, _) = ((float(x), float(w)) for x, w in rects)
    assert loss_x + loss_width == gain_x  # both start/end at the zero line
    assert 'class="zero"' in html


def test_error_bars_are_drawn_per_category() -> None:
    html = bar_chart(
        "uplift",
        "Uplift",
        ["A", "B"],
        [Series("u", [0.1, -0.02], "#000")],
        fmt=fmt_pct,
        intervals=[(0.01, 0.19), (None, None)],
    )
    assert html.count('class="whisker"') == 1


def test_labels_and_tooltips_are_escaped() -> None:
    html = bar_chart(
        "x", "<t>", ["<script>alert(1)</script>"], [Series("<s>", [1], "#000")], fmt=fmt_int
    )
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_heatmap_marks_only_cells_with_data() -> None:
    html = heatmap(
        "grid",
        "Grid",
        ["r1", "r2"],
        ["c1", "c2"],
        {(0, 0): HeatCell(1, "1"), (1, 1): HeatCell(4, "4", "sub", "<tip>")},
        x_title="x",
        y_title="y",
    )
    assert _marks(html) == 2
    assert html.count('class="cell-empty"') == 2
    assert "&lt;tip&gt;" in html


def _interval_rows() -> list[IntervalRow]:
    return [
        IntervalRow("A", 0.1, 0.02, 0.2, filled=True, group="<Spring>"),
        IntervalRow("B", -0.05, -0.1, 0.01, dashed=True, group="<Spring>"),
        IntervalRow("C", None, None, None, group="Summer"),
        IntervalRow("D", 0.0, -0.02, 0.02, value_label="+0.0 pp", group="Summer"),
    ]


def test_interval_chart_marks_filled_and_hollow_markers() -> None:
    html = interval_chart("cells", "Cells", _interval_rows(), fmt=fmt_pp)
    styles = re.findall(r'<circle class="mark (filled|hollow)"', html)
    assert styles == ["filled", "hollow", "hollow"]  # C has no estimate: no marker
    assert 'data-marks="3"' in html
    assert html.count('class="whisker') == 3
    assert html.count('class="whisker dashed"') == 1
    # A filled marker is solid; a hollow one white inside, negative ones orange.
    assert re.search(r'class="mark filled"[^>]*fill="#0072b2"', html)
    assert re.search(r'class="mark hollow"[^>]*fill="#fff" stroke="#d55e00"', html)


def test_interval_chart_places_estimate_and_interval_on_one_axis() -> None:
    html = interval_chart("cells", "Cells", _interval_rows()[:1], fmt=fmt_pp)
    zero = float(re.search(r'<line class="zero" x1="([\d.]+)"', html).group(1))
    cx = float(re.search(r'<circle class="mark filled" cx="([\d.]+)"', html).group(1))
    whisker = re.search(r'<g class="whisker">.*?<line x1="([\d.]+)" x2="([\d.]+)"', html)
    left, right = float(whisker.group(1)), float(whisker.group(2))
    # 0.02 < 0.1 < 0.2, all right of zero; 0.1 is 8/18 of the way from 0.02 to 0.2.
    assert zero < left < cx < right
    assert (cx - left) / (right - left) == pytest.approx(8 / 18, abs=0.01)


def test_interval_chart_heads_each_group_and_escapes_text() -> None:
    html = interval_chart(
        "cells",
        "Cells",
        _interval_rows(),
        fmt=fmt_pp,
        legend_items=[("filled", "significant"), ("hollow", "<not>")],
    )
    groups = re.findall(r'<text class="group-label"[^>]*>([^<]*)</text>', html)
    assert groups == ["&lt;Spring&gt;", "Summer"]
    assert html.count('class="group-rule"') == 1
    assert "&lt;not&gt;" in html and "<not>" not in html
    assert ">+0.0 pp</text>" in html


def _line_chart(lines: list[Line], x_labels: list[str] | None = None, **options) -> str:
    labels = x_labels or ["0", "1", "2", "7+"]
    return line_chart(
        "calibration",
        "Calibration",
        labels,
        lines,
        fmt=fmt_number,
        x_title="x",
        y_title="y",
        **options,
    )


def test_line_chart_one_marker_per_value_and_a_gap_breaks_the_line() -> None:
    html = _line_chart(
        [
            Line("Actual", [0.2, 0.5, None, 3.0], "#000"),
            Line("Expected", [0.8, 0.9, 1.4, 2.6], "#111", dashed=True),
        ]
    )
    # 3 + 4 markers; the None splits Actual into a 2-point run and a lone point
    # (no polyline for a single point), Expected is one run.
    assert 'data-marks="7"' in html
    assert len(re.findall(r'<circle class="mark"', html)) == 3
    assert len(re.findall(r'<circle class="mark hollow"', html)) == 4  # the dashed line's
    polylines = re.findall(r'<polyline class="line" points="([^"]+)"[^>]*>', html)
    assert [len(points.split()) for points in polylines] == [2, 4]
    assert html.count('stroke-dasharray="6 4"') == 2  # the dashed line and its legend swatch
    assert ">Actual</li>" in html and ">Expected</li>" in html
    assert "<title>7+ \u00b7 Actual: 3.0</title>" in html


def test_line_chart_places_points_on_a_vertical_axis_from_zero() -> None:
    html = _line_chart([Line("Actual", [0.0, 1.0, 2.0, 4.0], "#000")])
    zero = float(re.search(r'<line class="zero"[^>]* y1="([\d.]+)"', html).group(1))
    points = [
        (float(x), float(y))
        for x, y in re.findall(r'<circle class="mark" cx="([\d.]+)" cy="([\d.]+)"', html)
    ]
    xs, ys = zip(*points, strict=True)
    # Evenly spaced left to right; heights proportional to the values above the zero line.
    assert xs[1] - xs[0] == pytest.approx(xs[3] - xs[2])
    assert ys[0] == pytest.approx(zero)
    assert (zero - ys[3]) == pytest.approx(4 * (zero - ys[1]))
    assert (zero - ys[2]) == pytest.approx(2 * (zero - ys[1]))


def test_line_chart_thins_crowded_labels_and_escapes_text() -> None:
    weeks = [f"week {n}" for n in range(1, 41)]
    html = _line_chart(
        [Line("<Actual>", [float(n) for n in range(40)], "#000")],
        x_labels=weeks,
        x_tooltips=[f"<{w}>" for w in weeks],
    )
    shown = re.findall(r'<text class="x-label"[^>]*><title>[^<]*</title>([^<]*)</text>', html)
    assert shown[0] == "week 1" and 1 < len(shown) < 40  # every k-th label only
    assert 'data-marks="40"' in html  # every point is still drawn
    assert "&lt;Actual&gt;" in html and "<Actual>" not in html
    assert "<title>&lt;week 1&gt;</title>" in html
