"""Numbers and text for people: thousands separators, percentages, money,
percentage points, p-values, and HTML escaping of every value from the data.

Every function accepts None (a mart's missing value) and shows it as an en
dash, so a null never prints as "None" or "nan".
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from datetime import date

MISSING = "\u2013"  # en dash
MINUS = "\u2212"  # a real minus sign: easier to read than a hyphen


def esc(value: object) -> str:
    """HTML-escape any value for text or attribute use (quotes included). Data from
    the marts (product names, offer copy) is untrusted: it passes through here."""
    if value is None:
        return MISSING
    return html.escape(str(value), quote=True)


def _finite(value: float | None) -> bool:
    return value is not None and not (isinstance(value, float) and not math.isfinite(value))


def _signed(text: str, value: float, signed: bool) -> str:
    if value < 0:
        return MINUS + text.lstrip("-")
    return ("+" + text) if signed and value > 0 else text


def fmt_int(value: float | None) -> str:
    """12345 -> '12,345'."""
    if not _finite(value):
        return MISSING
    return _signed(f"{round(value):,}", value, signed=False)


def fmt_pct(value: float | None, digits: int = 1, *, signed: bool = False) -> str:
    """A fraction as a percentage: 0.1234 -> '12.3 %'."""
    if not _finite(value):
        return MISSING
    return _signed(f"{value * 100:,.{digits}f}", value, signed) + "\u00a0%"


def fmt_pp(value: float | None, digits: int = 1, *, signed: bool = True) -> str:
    """A difference of two rates in percentage points, signed: 0.023 -> '+2.3 pp';
    signed=False for a size such as a detectable uplift: '2.3 pp'."""
    if not _finite(value):
        return MISSING
    return _signed(f"{value * 100:,.{digits}f}", value, signed=signed) + "\u00a0pp"


def fmt_money(
    value: float | None, symbol: str = "$", *, compact: bool = False, decimals: int = 0
) -> str:
    """Currency units, whole by default (a dashboard compares, it does not audit):
    1234.5 -> '$1,235'; decimals=2 -> '$1,234.50'; compact: 1234567 -> '$1.2M'."""
    if not _finite(value):
        return MISSING
    magnitude = abs(value)
    if compact and magnitude >= 1_000_000:
        text = f"{magnitude / 1_000_000:,.1f}M"
    elif compact and magnitude >= 10_000:
        text = f"{magnitude / 1_000:,.0f}k"
    else:
        text = f"{magnitude:,.{0 if compact else decimals}f}"
    return (MINUS if value < 0 else "") + symbol + text


def fmt_number(value: float | None, digits: int = 1) -> str:
    """A plain measure such as an average frequency: 3.456 -> '3.5'."""
    if not _finite(value):
        return MISSING
    return _signed(f"{value:,.{digits}f}", value, signed=False)


def fmt_significant(value: float | None, digits: int = 3) -> str:
    """A model parameter to `digits` significant figures, whatever its size:
    326.376 -> '326', 2.78648 -> '2.79', 0.0000312 -> '3.12e-05'."""
    if not _finite(value):
        return MISSING
    return _signed(f"{value:.{digits}g}", value, signed=False)


def fmt_ratio(value: float | None) -> str:
    """Return on investment (a ratio, -1 = lost everything) as a signed percentage."""
    return fmt_pct(value, 0, signed=True)


def fmt_p_value(value: float | None) -> str:
    """p-values the way a reader needs them: '< 0.001' below that, else 3 decimals."""
    if not _finite(value):
        return MISSING
    return "<\u00a00.001" if value < 0.001 else f"{value:.3f}"


def fmt_q_value(value: float | None) -> str:
    """A Benjamini-Hochberg q-value, shown like a p-value ('< 0.001', else 3 decimals).
    Three decimals never round a q just under 0.05 to '0.050' (0.0496 -> '0.050' would
    read as not significant): such a q shows four decimals, truncated so that it
    never reaches 0.05 either: 0.04996 -> '0.0499'."""
    if _finite(value) and 0.0495 <= value < 0.05:
        return f"{math.floor(value * 10_000) / 10_000:.4f}"
    return fmt_p_value(value)


def fmt_range(low: float | None, high: float | None, fmt: Callable[[float | None], str]) -> str:
    """An interval 'low to high' with its unit once: fmt_pp gives '+8.1 to +42.0 pp',
    fmt_ratio '\u221250 to +120 %'. A missing bound gives an en dash for the whole."""
    if not (_finite(low) and _finite(high)):
        return MISSING
    first, second = fmt(low), fmt(high)
    unit = second.rpartition("\u00a0")[2] if "\u00a0" in second else ""
    if unit and first.endswith("\u00a0" + unit):
        first = first[: -len(unit) - 1]
    return f"{first} to {second}"


def fmt_date(value: date | None) -> str:
    """ISO date (unambiguous in every locale)."""
    return MISSING if value is None else value.isoformat()


def humanize(code: str | None) -> str:
    """A snake_case code as words: 'no_marketing_opt_in' -> 'no marketing opt in'."""
    return MISSING if code is None else code.replace("_", " ")
