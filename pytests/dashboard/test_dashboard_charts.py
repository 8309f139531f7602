"""The SVG renderer: marks drawn match the data, negatives grow left, text is escaped."""

from __future__ import annotations

import re

from rfm_nbo.dashboard.charts import HeatCell, Series, bar_chart, heatmap, nice_ticks
from rfm_nbo.dashboard.formatting import fmt_int, fmt_pct


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
