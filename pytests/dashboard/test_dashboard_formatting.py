"""Numbers for people, and None never printed as 'None'."""

from __future__ import annotations

from datetime import date

import pytest

from rfm_nbo.dashboard.formatting import (
    MISSING,
    esc,
    fmt_date,
    fmt_int,
    fmt_money,
    fmt_p_value,
    fmt_pct,
    fmt_pp,
    fmt_q_value,
    fmt_range,
    fmt_ratio,
    fmt_significant,
)


def test_percentages_and_points() -> None:
    assert fmt_pct(0.1234) == "12.3\u00a0%"
    assert fmt_pct(0.5, 0) == "50\u00a0%"
    assert fmt_pp(0.023) == "+2.3\u00a0pp"
    assert fmt_pp(-0.104) == "\u221210.4\u00a0pp"
    assert fmt_ratio(-0.66) == "\u221266\u00a0%"
    assert fmt_ratio(1.5) == "+150\u00a0%"
    assert fmt_pp(0.1316, signed=False) == "13.2\u00a0pp"  # a size, not a change


def test_money_whole_units_compact_and_negative() -> None:
    assert fmt_money(1234.6) == "$1,235"
    assert fmt_money(1234.5, "\u20ac", decimals=2) == "\u20ac1,234.50"
    assert fmt_money(1_534_000, compact=True) == "$1.5M"
    assert fmt_money(72_900, compact=True) == "$73k"
    assert fmt_money(-1339.2) == "\u2212$1,339"


def test_counts_p_values_and_dates() -> None:
    assert fmt_int(12345) == "12,345"
    assert fmt_p_value(0.0004) == "<\u00a00.001"
    assert fmt_p_value(0.0312) == "0.031"
    assert fmt_date(date(2026, 7, 1)) == "2026-07-01"


def test_model_parameters_keep_three_significant_figures_whatever_their_size() -> None:
    # The demo's BG/NBD: r 2.786, alpha 326.4 days, a 3.12e-05 (fmt_number would say 0.0).
    assert fmt_significant(2.78648) == "2.79"
    assert fmt_significant(326.376089) == "326"
    assert fmt_significant(0.0000312) == "3.12e-05"
    assert fmt_significant(0.000441) == "0.000441"
    assert fmt_significant(-0.5) == "\u22120.5"


@pytest.mark.parametrize(
    "formatter",
    [
        fmt_int,
        fmt_pct,
        fmt_pp,
        fmt_money,
        fmt_ratio,
        fmt_p_value,
        fmt_q_value,
        fmt_date,
        fmt_significant,
    ],
)
def test_missing_values_show_a_dash(formatter) -> None:
    assert formatter(None) == MISSING


def test_nan_shows_a_dash() -> None:
    assert fmt_pct(float("nan")) == MISSING


def test_escape_covers_markup_and_quotes() -> None:
    assert esc('<b a="1">&\'') == "&lt;b a=&quot;1&quot;&gt;&amp;&#x27;"


def test_ranges_name_their_unit_once() -> None:
    assert fmt_range(0.081, 0.42, fmt_pp) == "+8.1 to +42.0\u00a0pp"
    assert fmt_range(-0.5, 1.2, fmt_ratio) == "\u221250 to +120\u00a0%"
    assert fmt_range(-20, 1234.4, fmt_money) == "\u2212$20 to $1,234"  # no unit suffix
    assert fmt_range(None, 0.1, fmt_pp) == MISSING
    assert fmt_range(0.1, float("nan"), fmt_pp) == MISSING


def test_q_values_just_below_005_never_print_as_005() -> None:
    assert fmt_q_value(0.0608) == "0.061"
    assert fmt_q_value(0.0004) == "<\u00a00.001"
    # 0.0496 would round to '0.050' and 0.04996 to '0.0500': both read as not significant.
    assert fmt_q_value(0.0496) == "0.0496"
    assert fmt_q_value(0.04996) == "0.0499"
    assert fmt_q_value(0.0495) == "0.0495"
    assert fmt_q_value(0.05) == "0.050"
