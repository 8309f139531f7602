"""Server-rendered inline SVG charts: horizontal bars (grouped, stacked, with
error bars, negative values), heat maps, interval (forest) plots and lines.

Hand-written on purpose: the page must work offline and be one file, and a few
chart shapes do not justify embedding a charting library. Every chart is a
<figure class="chart" data-chart=ID data-marks=N> whose N bars, cells or
points carry class "mark", so a browser test can check that what was drawn is
what the data asked for. Every text taken from the data is escaped here; callers pass
plain strings. Native SVG <title> elements give tooltips without JavaScript.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from rfm_nbo.dashboard.formatting import esc

WIDTH = 640
CHAR_WIDTH = 7.2  # generous width of a 12px sans-serif character (DejaVu is wide)
AXIS_HEIGHT = 26
TOP = 8

# Colour-blind-safe categorical palette (Okabe-Ito, reordered: blue first).
PALETTE = (
    "#0072b2",
    "#e69f00",
    "#009e73",
    "#cc79a7",
    "#56b4e9",
    "#d55e00",
    "#f0e442",
    "#000000",
)
NEGATIVE = "#d55e00"
HEAT_LOW = (239, 246, 252)
HEAT_HIGH = (8, 81, 156)

Formatter = Callable[[float | None], str]


@dataclass(frozen=True)
class Series:
    """One set of bars: a name for the legend, a value per category, a colour."""

    name: str
    values: Sequence[float | None]
    color: str


@dataclass(frozen=True)
class HeatCell:
    """One heat-map cell: the value that sets its colour, up to two text lines and a
    tooltip."""

    value: float | None
    label: str
    sublabel: str = ""
    tooltip: str = ""


def _n(value: float) -> str:
    """A coordinate with one decimal (short, stable output)."""
    return f"{value:.1f}"


def _text_width(text: str) -> float:
    return len(text) * CHAR_WIDTH


def _clip(text: str, width: float) -> str:
    """Shorten `text` with an ellipsis to fit `width` pixels (full text stays in the tooltip)."""
    fits = max(3, int(width / CHAR_WIDTH))
    return text if len(text) <= fits else text[: fits - 1].rstrip() + "\u2026"


def nice_ticks(low: float, high: float, count: int = 4) -> list[float]:
    """Round tick values covering [low, high] with about `count` steps of 1, 2, 2.5
    or 5 x 10^k."""
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw * (1 - 1e-9))
    start = math.floor(low / step + 1e-9) * step
    end = math.ceil(high / step - 1e-9) * step
    steps = round((end - start) / step)
    return [round(start + i * step, 12) for i in range(steps + 1)]


def legend(series: Sequence[tuple[str, str]]) -> str:
    """An HTML legend: (name, colour) pairs as swatches."""
    items = "".join(
        f'<li><svg width="10" height="10" aria-hidden="true"><rect width="10" height="10" '
        f'fill="{esc(color)}"/></svg>{esc(name)}</li>'
        for name, color in series
    )
    return f'<ul class="legend">{items}</ul>'


def _figure(chart_id: str, marks: int, title: str, width: float, height: float, body: str) -> str:
    return (
        f'<figure class="chart" data-chart="{esc(chart_id)}" data-marks="{marks}">'
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{esc(title)}" '
        f'width="{_n(width)}" height="{_n(height)}" viewBox="0 0 {_n(width)} {_n(height)}">'
        f"{body}</svg>"
    )


def bar_chart(
    chart_id: str,
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    fmt: Formatter,
    axis_fmt: Formatter | None = None,
    stacked: bool = False,
    intervals: Sequence[tuple[float | None, float | None]] | None = None,
    value_labels: Sequence[str] | None = None,
    label_tooltips: Sequence[str] | None = None,
) -> str:
    """Horizontal bars, one row per category: grouped (a bar per series) or stacked
    (for non-negative parts such as counts), with optional error bars (one (low,
    high) per category, drawn over the first series) and a value column on the
    right. Negative values grow left from zero. `value_labels` overrides the value
    column text per category; `label_tooltips` the tooltip of each category label
    (default: the label)."""
    axis_fmt = axis_fmt or fmt
    lows, highs = [0.0], [0.0]
    for index in range(len(categories)):
        values = [s.values[index] for s in series if s.values[index] is not None]
        if stacked:
            highs.append(sum(v for v in values if v > 0))
            lows.append(sum(v for v in values if v < 0))
        else:
            lows.extend(values)
            highs.extend(values)
        if intervals and index < len(intervals):
            lows.extend(v for v in intervals[index] if v is not None)
            highs.extend(v for v in intervals[index] if v is not None)
    ticks = nice_ticks(min(lows), max(highs))
    low, high = ticks[0], ticks[-1]

    per_row = 1 if stacked else len(series)
    bar = 16 if per_row == 1 else 14
    band = per_row * bar + 10
    labels_by_row = _value_labels(categories, series, fmt, stacked, value_labels)
    label_width = min(230.0, max(60.0, max((_text_width(c) for c in categories), default=0) + 10))
    value_width = (
        max((_text_width(text) for row in labels_by_row for text in row), default=0.0) + 12
    )
    x0 = label_width + 6
    x1 = WIDTH - max(value_width, 40) - 6
    height = TOP + band * len(categories) + AXIS_HEIGHT

    def x(value: float) -> float:
        return x0 + (value - low) / (high - low) * (x1 - x0)

    parts: list[str] = []
    plot_bottom = TOP + band * len(categories)
    for tick in ticks:
        css = "zero" if tick == 0 else "grid"
        parts.append(
            f'<line class="{css}" x1="{_n(x(tick))}" x2="{_n(x(tick))}" y1="{TOP}" '
            f'y2="{_n(plot_bottom)}"/>'
            f'<text class="tick" x="{_n(x(tick))}" y="{_n(plot_bottom + 16)}" '
            f'text-anchor="middle">{esc(axis_fmt(tick))}</text>'
        )
    marks = 0
    for index, category in enumerate(categories):
        top = TOP + band * index + 5
        tooltip = label_tooltips[index] if label_tooltips else category
        parts.append(
            f'<text class="label" x="{_n(label_width)}" y="{_n(top + per_row * bar / 2 + 4)}" '
            f'text-anchor="end"><title>{esc(tooltip)}</title>'
            f"{esc(_clip(category, label_width - 4))}</text>"
        )
        base = 0.0
        for position, item in enumerate(series):
            value = item.values[index]
            if value is None:
                continue
            y = top if stacked else top + position * bar
            start, end = (base, base + value) if stacked else (0.0, value)
            if stacked:
                base += value
            left, right = sorted((x(start), x(end)))
            color = NEGATIVE if value < 0 and len(series) == 1 else item.color
            name = f"{category} \u00b7 {item.name}" if len(series) > 1 else category
            parts.append(
                f'<rect class="mark" x="{_n(left)}" y="{_n(y)}" '
                f'width="{_n(max(right - left, 0.5 if value else 0))}" height="{bar - 2}" '
                f'fill="{esc(color)}"><title>{esc(name)}: {esc(fmt(value))}</title></rect>'
            )
            marks += 1
        for line, text in enumerate(labels_by_row[index]):
            y = top + (line + 0.5) * bar + 4 if not stacked else top + bar / 2 + 4
            parts.append(
                f'<text class="value" x="{WIDTH - 4}" y="{_n(y)}" text-anchor="end">'
                f"{esc(text)}</text>"
            )
        if intervals and index < len(intervals):
            parts.append(_whisker(x, intervals[index], top + bar / 2 - 1, category, fmt))
    chart = _figure(chart_id, marks, title, WIDTH, height, "".join(parts))
    if len(series) > 1:
        chart += legend([(s.name, s.color) for s in series])
    return chart + "</figure>"


def _value_labels(
    categories: Sequence[str],
    series: Sequence[Series],
    fmt: Formatter,
    stacked: bool,
    overrides: Sequence[str] | None,
) -> list[list[str]]:
    """The text of the value column: one line per bar, or per row when stacked."""
    if overrides is not None:
        return [[text] for text in overrides]
    if stacked:
        return [[fmt(sum(s.values[i] or 0 for s in series))] for i in range(len(categories))]
    return [[fmt(s.values[i]) for s in series] for i in range(len(categories))]


def _whisker(
    x: Callable[[float], float],
    interval: tuple[float | None, float | None],
    y: float,
    category: str,
    fmt: Formatter,
) -> str:
    """An error bar from low to high with end caps."""
    low, high = interval
    if low is None or high is None:
        return ""
    left, right = x(low), x(high)
    return (
        f'<g class="whisker"><title>{esc(category)}: 95 % CI {esc(fmt(low))} to '
        f"{esc(fmt(high))}</title>"
        f'<line x1="{_n(left)}" x2="{_n(right)}" y1="{_n(y)}" y2="{_n(y)}"/>'
        f'<line x1="{_n(left)}" x2="{_n(left)}" y1="{_n(y - 5)}" y2="{_n(y + 5)}"/>'
        f'<line x1="{_n(right)}" x2="{_n(right)}" y1="{_n(y - 5)}" y2="{_n(y + 5)}"/></g>'
    )


def heat_color(fraction: float) -> str:
    """A colour on the light-to-dark blue scale, fraction 0..1."""
    t = min(max(fraction, 0.0), 1.0)
    rgb = (round(lo + (hi - lo) * t) for lo, hi in zip(HEAT_LOW, HEAT_HIGH, strict=True))
    return "#" + "".join(f"{c:02x}" for c in rgb)


def _color_ranges(
    cells: Mapping[tuple[int, int], HeatCell], columns: int, column_scaled: bool
) -> list[tuple[float, float]]:
    """(low, high) of the colour scale per column: 0..max overall, or min..max of
    each column when column_scaled."""
    every = [c.value for c in cells.values() if c.value is not None]
    overall = (min(0.0, *every), max(every)) if every else (0.0, 0.0)
    if not column_scaled:
        return [overall] * columns
    ranges = []
    for column in range(columns):
        values = [c.value for (_, col), c in cells.items() if col == column and c.value is not None]
        ranges.append((min(values), max(values)) if values else (0.0, 0.0))
    return ranges


def heatmap(
    chart_id: str,
    title: str,
    rows: Sequence[str],
    columns: Sequence[str],
    cells: Mapping[tuple[int, int], HeatCell],
    *,
    x_title: str,
    y_title: str,
    cell_width: float = 62,
    cell_height: float = 36,
    column_scaled: bool = False,
) -> str:
    """A grid of cells keyed by (row index, column index), coloured by value:
    against the largest value overall, or (column_scaled) min..max within each
    column, for profiles whose columns have different units. Column labels are
    slanted when they do not fit the cell."""
    label_width = min(
        170.0,
        max(40.0, _text_width(y_title) * 0.9, max((_text_width(r) for r in rows), default=0) + 10),
    )
    longest = max((_text_width(c) for c in columns), default=0)
    slanted = longest > cell_width - 6
    header = (min(longest, 150) * 0.6 + 16) if slanted else 20
    left = label_width + 6
    top = header + 18
    # Slanted labels lean right: leave room for the last one.
    width = left + cell_width * len(columns) + (min(longest, 150) * 0.82 if slanted else 8)
    height = top + cell_height * len(rows) + 8
    ranges = _color_ranges(cells, len(columns), column_scaled)

    def scale(value: float | None, column: int) -> float:
        low, high = ranges[column]
        if value is None or high == low:
            return 0.0
        return (value - low) / (high - low)

    parts = [
        f'<text class="axis-title" x="{_n(left)}" y="12">{esc(x_title)} \u2192</text>',
        f'<text class="axis-title" x="4" y="{_n(top - 6)}">{esc(y_title)}</text>',
    ]
    for col, name in enumerate(columns):
        cx = left + cell_width * (col + 0.5)
        clipped = esc(_clip(name, 150 if slanted else cell_width - 4))
        if slanted:
            parts.append(
                f'<text class="col-label" transform="translate({_n(cx - 4)},{_n(top - 6)}) '
                f'rotate(-35)"><title>{esc(name)}</title>{clipped}</text>'
            )
        else:
            parts.append(
                f'<text class="col-label" x="{_n(cx)}" y="{_n(top - 6)}" text-anchor="middle">'
                f"<title>{esc(name)}</title>{clipped}</text>"
            )
    for row, name in enumerate(rows):
        parts.append(
            f'<text class="label" x="{_n(label_width)}" '
            f'y="{_n(top + cell_height * (row + 0.5) + 4)}" text-anchor="end">'
            f"<title>{esc(name)}</title>{esc(_clip(name, label_width - 4))}</text>"
        )
    marks = 0
    for row in range(len(rows)):
        for col in range(len(columns)):
            cx, cy = left + cell_width * col, top + cell_height * row
            cell = cells.get((row, col))
            if cell is None:
                parts.append(
                    f'<rect class="cell-empty" x="{_n(cx + 1)}" y="{_n(cy + 1)}" '
                    f'width="{_n(cell_width - 2)}" height="{_n(cell_height - 2)}"/>'
                )
                continue
            fraction = scale(cell.value, col)
            ink = "light" if fraction > 0.55 else "dark"
            parts.append(
                f'<g class="cell {ink}"><title>{esc(cell.tooltip or cell.label)}</title>'
                f'<rect class="mark" x="{_n(cx + 1)}" y="{_n(cy + 1)}" '
                f'width="{_n(cell_width - 2)}" height="{_n(cell_height - 2)}" '
                f'fill="{heat_color(fraction)}"/>'
            )
            middle = cx + cell_width / 2
            if cell.sublabel:
                parts.append(
                    f'<text x="{_n(middle)}" y="{_n(cy + cell_height / 2 - 2)}" '
                    f'text-anchor="middle">{esc(cell.label)}</text>'
                    f'<text class="sub" x="{_n(middle)}" y="{_n(cy + cell_height / 2 + 11)}" '
                    f'text-anchor="middle">{esc(cell.sublabel)}</text></g>'
                )
            else:
                parts.append(
                    f'<text x="{_n(middle)}" y="{_n(cy + cell_height / 2 + 4)}" '
                    f'text-anchor="middle">{esc(cell.label)}</text></g>'
                )
            marks += 1
    return _figure(chart_id, marks, title, width, height, "".join(parts)) + "</figure>"


@dataclass(frozen=True)
class IntervalRow:
    """One row of an interval chart: an estimate with its interval. `filled` draws
    the marker solid (hollow otherwise) and `dashed` the interval line dashed: the
    caller says what they mean (the chart does not judge significance). Rows of
    one `group` come together (the caller orders them): the group's name heads
    them, and a thin line separates one group from the next."""

    label: str
    estimate: float | None
    low: float | None
    high: float | None
    filled: bool = False
    dashed: bool = False
    value_label: str = ""
    tooltip: str = ""
    group: str = ""


ROW_HEIGHT = 22
MARKER_RADIUS = 5


def _interval_legend(items: Sequence[tuple[str, str]]) -> str:
    """An HTML legend of marker styles: (kind, text) with kind filled, hollow or dashed."""
    swatches = {
        "filled": '<circle cx="6" cy="6" r="4.5" fill="#5b6878" stroke="#5b6878"/>',
        "hollow": '<circle cx="6" cy="6" r="4" fill="#fff" stroke="#5b6878" stroke-width="2"/>',
        "dashed": '<line x1="0" x2="12" y1="6" y2="6" stroke="#1d2733" stroke-width="1.5" '
        'stroke-dasharray="3 2"/>',
    }
    entries = "".join(
        f'<li><svg width="12" height="12" aria-hidden="true">{swatches[kind]}</svg>{esc(text)}</li>'
        for kind, text in items
    )
    return f'<ul class="legend">{entries}</ul>'


def interval_chart(
    chart_id: str,
    title: str,
    rows: Sequence[IntervalRow],
    *,
    fmt: Formatter,
    axis_fmt: Formatter | None = None,
    width: float = WIDTH,
    legend_items: Sequence[tuple[str, str]] = (),
) -> str:
    """A forest plot: one row per estimate, a round marker (class "mark", plus
    "filled" or "hollow") at the estimate and its interval as a line with end caps
    (class "whisker", plus "dashed"), against an axis with a zero line. Markers are
    blue at or above zero and orange below. A row without an estimate keeps its
    label and draws nothing."""
    axis_fmt = axis_fmt or fmt
    values = [0.0]
    for row in rows:
        values.extend(v for v in (row.estimate, row.low, row.high) if v is not None)
    ticks = nice_ticks(min(values), max(values))
    low, high = ticks[0], ticks[-1]
    label_width = min(260.0, max(60.0, max((_text_width(r.label) for r in rows), default=0) + 10))
    value_width = max((_text_width(r.value_label) for r in rows), default=0.0) + 12
    x0 = label_width + 6 + MARKER_RADIUS
    x1 = width - max(value_width, 40) - 6 - MARKER_RADIUS
    # A header line above each group's first row (the group name, full width).
    starts = [
        bool(row.group) and (i == 0 or row.group != rows[i - 1].group) for i, row in enumerate(rows)
    ]
    plot_bottom = TOP + ROW_HEIGHT * (len(rows) + sum(starts))
    height = plot_bottom + AXIS_HEIGHT

    def x(value: float) -> float:
        return x0 + (value - low) / (high - low) * (x1 - x0)

    parts: list[str] = []
    for tick in ticks:
        css = "zero" if tick == 0 else "grid"
        parts.append(
            f'<line class="{css}" x1="{_n(x(tick))}" x2="{_n(x(tick))}" y1="{TOP}" '
            f'y2="{_n(plot_bottom)}"/>'
            f'<text class="tick" x="{_n(x(tick))}" y="{_n(plot_bottom + 16)}" '
            f'text-anchor="middle">{esc(axis_fmt(tick))}</text>'
        )
    marks = 0
    top = float(TOP)
    for row, starts_group in zip(rows, starts, strict=True):
        if starts_group:
            if top > TOP:
                parts.append(
                    f'<line class="group-rule" x1="0" x2="{_n(width)}" y1="{_n(top + 2)}" '
                    f'y2="{_n(top + 2)}"/>'
                )
            parts.append(
                f'<text class="group-label" x="4" y="{_n(top + ROW_HEIGHT / 2 + 6)}">'
                f"{esc(_clip(row.group, width - 8))}</text>"
            )
            top += ROW_HEIGHT
        middle = top + ROW_HEIGHT / 2
        top += ROW_HEIGHT
        tooltip = row.tooltip or row.label
        parts.append(
            f'<text class="label" x="{_n(label_width)}" y="{_n(middle + 4)}" '
            f'text-anchor="end"><title>{esc(tooltip)}</title>'
            f"{esc(_clip(row.label, label_width - 4))}</text>"
            f'<text class="value" x="{_n(width - 4)}" y="{_n(middle + 4)}" '
            f'text-anchor="end">{esc(row.value_label)}</text>'
        )
        if row.low is not None and row.high is not None:
            left, right = x(row.low), x(row.high)
            dashed = " dashed" if row.dashed else ""
            parts.append(
                f'<g class="whisker{dashed}"><title>{esc(tooltip)}</title>'
                f'<line x1="{_n(left)}" x2="{_n(right)}" y1="{_n(middle)}" y2="{_n(middle)}"/>'
                f'<line x1="{_n(left)}" x2="{_n(left)}" y1="{_n(middle - 4)}" '
                f'y2="{_n(middle + 4)}"/>'
                f'<line x1="{_n(right)}" x2="{_n(right)}" y1="{_n(middle - 4)}" '
                f'y2="{_n(middle + 4)}"/></g>'
            )
        if row.estimate is None:
            continue
        color = NEGATIVE if row.estimate < 0 else PALETTE[0]
        style = "filled" if row.filled else "hollow"
        fill = color if row.filled else "#fff"
        parts.append(
            f'<circle class="mark {style}" cx="{_n(x(row.estimate))}" cy="{_n(middle)}" '
            f'r="{MARKER_RADIUS}" fill="{fill}" stroke="{color}" stroke-width="2">'
            f"<title>{esc(tooltip)}</title></circle>"
        )
        marks += 1
    chart = _figure(chart_id, marks, title, width, height, "".join(parts))
    if legend_items:
        chart += _interval_legend(legend_items)
    return chart + "</figure>"


@dataclass(frozen=True)
class Line:
    """One line of a line chart: a name for the legend, a value per x position (None
    leaves a gap), a colour; `dashed` (with hollow markers) for a model's
    expectation drawn beside what was observed."""

    name: str
    values: Sequence[float | None]
    color: str
    dashed: bool = False


LINE_PLOT_HEIGHT = 210
POINT_RADIUS = 3.5
DASH = "6 4"


def _line_legend(lines: Sequence[Line]) -> str:
    """An HTML legend of line styles: a short line with its marker per line."""
    items = []
    for line in lines:
        color = esc(line.color)
        dash = f' stroke-dasharray="{DASH}"' if line.dashed else ""
        fill = "#fff" if line.dashed else color
        items.append(
            f'<li><svg width="24" height="10" aria-hidden="true"><line x1="1" x2="23" y1="5" '
            f'y2="5" stroke="{color}" stroke-width="2"{dash}/><circle cx="12" cy="5" r="3" '
            f'fill="{fill}" stroke="{color}" stroke-width="1.5"/></svg>{esc(line.name)}</li>'
        )
    return f'<ul class="legend">{"".join(items)}</ul>'


def _runs(values: Sequence[float | None]) -> list[list[tuple[int, float]]]:
    """The stretches of consecutive values that are not None, with their positions."""
    runs: list[list[tuple[int, float]]] = [[]]
    for index, value in enumerate(values):
        if value is None:
            runs.append([])
        else:
            runs[-1].append((index, value))
    return [run for run in runs if run]


def line_chart(
    chart_id: str,
    title: str,
    x_labels: Sequence[str],
    lines: Sequence[Line],
    *,
    fmt: Formatter,
    x_title: str,
    y_title: str,
    axis_fmt: Formatter | None = None,
    x_tooltips: Sequence[str] | None = None,
    point_names: Sequence[str] | None = None,
    width: float = WIDTH,
) -> str:
    """Lines over evenly spaced x positions (buckets, weeks), against a vertical axis
    that includes zero, with a round marker at every point (class "mark", plus
    "hollow" on a dashed line) whose tooltip gives the value. A None value draws
    no marker and breaks its line. X labels that would overlap are thinned to
    every k-th; `x_tooltips` gives each shown label a tooltip, `point_names` what
    a point's tooltip calls its x position (default: its label)."""
    point_names = point_names or x_labels
    axis_fmt = axis_fmt or fmt
    values = [v for line in lines for v in line.values if v is not None]
    ticks = nice_ticks(min([0.0, *values]), max([0.0, *values]))
    low, high = ticks[0], ticks[-1]
    x0 = max(_text_width(axis_fmt(t)) for t in ticks) + 12
    x1 = width - 12
    top = TOP + 18  # room for the y axis title
    bottom = top + LINE_PLOT_HEIGHT
    height = bottom + AXIS_HEIGHT + 18  # x labels, then the x axis title
    step = (x1 - x0) / max(len(x_labels), 1)
    every = max(1, math.ceil((max((_text_width(t) for t in x_labels), default=0) + 8) / step))

    def x(index: int) -> float:
        return x0 + step * (index + 0.5)

    def y(value: float) -> float:
        return bottom - (value - low) / (high - low) * LINE_PLOT_HEIGHT

    parts = [f'<text class="axis-title" x="4" y="{_n(TOP + 8)}">{esc(y_title)}</text>']
    for tick in ticks:
        css = "zero" if tick == 0 else "grid"
        parts.append(
            f'<line class="{css}" x1="{_n(x0)}" x2="{_n(x1)}" y1="{_n(y(tick))}" '
            f'y2="{_n(y(tick))}"/>'
            f'<text class="tick" x="{_n(x0 - 6)}" y="{_n(y(tick) + 4)}" text-anchor="end">'
            f"{esc(axis_fmt(tick))}</text>"
        )
    for index, label in enumerate(x_labels):
        if index % every:
            continue
        tooltip = f"<title>{esc(x_tooltips[index])}</title>" if x_tooltips else ""
        parts.append(
            f'<text class="x-label" x="{_n(x(index))}" y="{_n(bottom + 16)}" '
            f'text-anchor="middle">{tooltip}{esc(label)}</text>'
        )
    parts.append(
        f'<text class="axis-title" x="{_n((x0 + x1) / 2)}" y="{_n(height - 4)}" '
        f'text-anchor="middle">{esc(x_title)}</text>'
    )
    for line in lines:
        dash = f' stroke-dasharray="{DASH}"' if line.dashed else ""
        for run in _runs(line.values):
            if len(run) > 1:
                points = " ".join(f"{_n(x(i))},{_n(y(v))}" for i, v in run)
                parts.append(
                    f'<polyline class="line" points="{points}" fill="none" '
                    f'stroke="{esc(line.color)}" stroke-width="2"{dash}/>'
                )
    marks = 0
    for line in lines:
        style = "mark hollow" if line.dashed else "mark"
        fill = "#fff" if line.dashed else esc(line.color)
        for index, value in enumerate(line.values):
            if value is None:
                continue
            parts.append(
                f'<circle class="{style}" cx="{_n(x(index))}" cy="{_n(y(value))}" '
                f'r="{POINT_RADIUS}" fill="{fill}" stroke="{esc(line.color)}" '
                f'stroke-width="1.5"><title>{esc(point_names[index])} \u00b7 {esc(line.name)}: '
                f"{esc(fmt(value))}</title></circle>"
            )
            marks += 1
    chart = _figure(chart_id, marks, title, width, height, "".join(parts))
    return chart + _line_legend(lines) + "</figure>"
