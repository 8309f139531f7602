"""HTML building blocks shared by the sheets: panels, "no data" notes, headline
figures and tables.

Rule: every text is escaped where it is written into the page. A table cell
that must carry markup (a warning badge) is wrapped in Markup, which this
module inserts as it is; anything else, including numbers, is escaped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from rfm_nbo.dashboard.data import SegmentVocabulary
from rfm_nbo.dashboard.formatting import esc


class Markup(str):
    """HTML built by this package from escaped parts: inserted without escaping."""

    __slots__ = ()


def cell(value: object) -> str:
    """A value for a table cell: Markup as it is, anything else escaped."""
    return value if isinstance(value, Markup) else esc(value)


def panel(title: str, body: str, *, note: str = "", wide: bool = False) -> str:
    """A titled card around a chart or table; `note` explains how to read it."""
    css = "panel wide" if wide else "panel"
    explained = f'<p class="note">{esc(note)}</p>' if note else ""
    return f'<section class="{css}"><h3>{esc(title)}</h3>{explained}{body}</section>'


def no_data(reason: str) -> str:
    """What an empty chart or table shows instead: why there is nothing to draw."""
    return f'<div class="no-data" role="note"><strong>No data.</strong> {esc(reason)}</div>'


def segment_label(name: str | None, description: str | None) -> Markup:
    """A segment name for a table cell, with its one-line description as a small
    caption (and tooltip) when dim_segments has one."""
    if not description:
        return Markup(f'<span class="segment-name">{esc(name)}</span>')
    return Markup(
        f'<span class="segment-name" title="{esc(description)}">{esc(name)}</span>'
        f'<span class="segment-about">{esc(description)}</span>'
    )


def badge(text: str, kind: str = "warn") -> Markup:
    """A small coloured label (kind: warn or ok)."""
    return Markup(f'<span class="badge {esc(kind)}">{esc(text)}</span>')


def kpis(items: Sequence[tuple[str, str]]) -> str:
    """Headline figures: (label, formatted value) pairs."""
    tiles = "".join(
        f'<div class="kpi"><span class="kpi-value">{esc(value)}</span>'
        f'<span class="kpi-label">{esc(label)}</span></div>'
        for label, value in items
    )
    return f'<div class="kpis">{tiles}</div>'


@dataclass(frozen=True)
class Column:
    """A table column: header text; numbers are right-aligned; nowrap keeps short
    values such as dates on one line."""

    header: str
    numeric: bool = False
    nowrap: bool = False

    @property
    def css(self) -> str:
        """The class attribute for this column's cells ('' when none)."""
        names = " ".join(n for n, on in (("num", self.numeric), ("nowrap", self.nowrap)) if on)
        return f' class="{names}"' if names else ""


def table(table_id: str, columns: Sequence[Column], rows: Sequence[Sequence[object]]) -> str:
    """A scrollable table; cells are escaped unless they are Markup."""
    head = "".join(f"<th{c.css}>{esc(c.header)}</th>" for c in columns)
    body = "".join(
        "<tr>"
        + "".join(f"<td{c.css}>{cell(v)}</td>" for c, v in zip(columns, row, strict=True))
        + "</tr>"
        for row in rows
    )
    return (
        f'<div class="table-wrap"><table data-table="{esc(table_id)}" data-rows="{len(rows)}">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )


@dataclass(frozen=True)
class Context:
    """What every sheet needs besides its data: the currency symbol, the marts
    schema, which marts are missing or lack newer columns (to explain empty
    panels) and the segment names of dim_segments (their order and
    descriptions)."""

    currency: str = "$"
    schema: str = "rfm_marts"
    missing_marts: frozenset[str] = frozenset()
    segment_names: SegmentVocabulary = field(default_factory=SegmentVocabulary)
    outdated_marts: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def outdated(self, mart: str, columns: Sequence[str]) -> str:
        """Why a panel that reads `columns` of `mart` has nothing to show when the mart
        lacks some of them, built by an older version of the project ('' when it has
        them all)."""
        lacking = [c for c in columns if c in self.outdated_marts.get(mart, ())]
        if not lacking:
            return ""
        return (
            f"{self.schema}.{mart} has no column {', '.join(lacking)}: an older version of "
            "the project built it. Rebuild it with `.venv/bin/dbt build`."
        )

    def empty(self, mart: str, hint: str = "", *, columns: Sequence[str] = ()) -> str:
        """The "no data" note for a panel that reads `mart` (and needs its `columns`,
        when they are newer than the mart's first version): the hint says what may
        explain a mart without rows."""
        if mart in self.missing_marts:
            reason = (
                f"{self.schema}.{mart} is not in the warehouse. Rebuild it with "
                "`.venv/bin/dbt build`."
            )
        elif self.outdated(mart, columns):
            return no_data(self.outdated(mart, columns))
        else:
            reason = f"{self.schema}.{mart} has no rows."
        return no_data(f"{reason} {hint}".strip())
