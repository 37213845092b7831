"""The clock and the two calendars (Julian / Old Style and Gregorian / New Style)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.core.calendar import (
    advance,
    both_dates,
    date_only,
    day_offset,
    format_clock,
    format_date,
    format_time,
    from_jdn,
    gregorian_to_julian,
    julian_to_gregorian,
    parse_time,
    to_jdn,
)

OS_25 = date(1917, 10, 25)  # 25 October 1917, Julian numbers
NS_7 = date(1917, 11, 7)  # the same day, Gregorian numbers


def test_parse_time() -> None:
    assert parse_time("19:00") == 1140
    assert parse_time("00:00") == 0
    assert parse_time("23:59") == 1439
    assert parse_time("07:10") == 430
    assert parse_time("02:10") == 130


@pytest.mark.parametrize(
    "bad",
    [
        "24:00",
        "23:60",
        "7:00",
        "19:00:00",
        "19.00",
        "1900",
        "",
        " 19:00",
        "19:00 ",
        "ab:cd",
        "-1:00",
        "１９:００",
    ],
)
def test_invalid_times(bad: str) -> None:
    assert parse_time(bad) is None


def test_parse_time_refuses_non_strings() -> None:
    assert parse_time(1140) is None  # type: ignore[arg-type]
    assert parse_time(None) is None  # type: ignore[arg-type]


def test_format_time() -> None:
    assert format_time(1140) == "19:00"
    assert format_time(0) == "00:00"
    assert format_time(1440 + 10) == "00:10"


def test_julian_scenario_formatting() -> None:
    assert format_clock(OS_25, "julian", 19 * 60) == "25 October 1917 (7 November N.S.), 19:00"
    assert format_clock(OS_25, "julian", None) == "25 October 1917 (7 November N.S.)"
    assert format_date(OS_25, "julian") == "25 October 1917 (7 November N.S.)"


def test_gregorian_scenario_formatting() -> None:
    assert format_clock(NS_7, "gregorian", 19 * 60) == "7 November 1917 (25 October O.S.), 19:00"
    assert format_clock(NS_7, "gregorian", None) == "7 November 1917 (25 October O.S.)"
    assert format_clock(NS_7, "gregorian", 2 * 1440 + 9 * 60 + 5) == "9 November 1917 (27 October O.S.), 09:05"


def test_crossing_midnight_julian() -> None:
    clock = advance(None, parse_time("23:50"))
    assert clock == 23 * 60 + 50
    clock = advance(clock, parse_time("00:10"))
    assert clock == 1440 + 10
    assert format_clock(OS_25, "julian", clock) == "26 October 1917 (8 November N.S.), 00:10"


def test_crossing_midnight_gregorian() -> None:
    clock = advance(advance(None, parse_time("23:50")), parse_time("00:10"))
    assert format_clock(NS_7, "gregorian", clock) == "8 November 1917 (26 October O.S.), 00:10"


def test_advance_rules() -> None:
    assert advance(600, 600) == 600  # the same time: the same day
    assert advance(600, 700) == 700
    assert advance(600, 599) == 1440 + 599  # earlier in the day: the next day
    assert advance(3 * 1440 + 100, 50) == 4 * 1440 + 50
    assert advance(600, None) == 600  # no time: unchanged
    assert advance(None, None) is None
    assert advance(600, None, day=2) == date_only(2)  # a date without a time: that day, the hour unknown
    assert advance(600, 300, day=0) == 300  # explicit day: that day, even if earlier
    assert advance(600, 300, day=2) == 2 * 1440 + 300
    assert advance(None, 300, day=1) == 1440 + 300
    with pytest.raises(ValueError):
        advance(600, 1440)
    with pytest.raises(ValueError):
        advance(600, -1)


def test_month_boundary() -> None:
    assert julian_to_gregorian(date(1917, 10, 31)) == date(1917, 11, 13)
    assert julian_to_gregorian(date(1917, 10, 18)) == date(1917, 10, 31)
    assert julian_to_gregorian(date(1917, 10, 19)) == date(1917, 11, 1)
    assert gregorian_to_julian(date(1917, 11, 13)) == date(1917, 10, 31)
    assert gregorian_to_julian(date(1917, 11, 1)) == date(1917, 10, 19)
    assert format_date(date(1917, 10, 31), "julian") == "31 October 1917 (13 November N.S.)"
    assert format_date(date(1917, 10, 30), "julian", 1) == "31 October 1917 (13 November N.S.)"
    assert format_date(date(1917, 10, 31), "julian", 1) == "1 November 1917 (14 November N.S.)"
    assert format_date(date(1917, 10, 18), "julian") == "18 October 1917 (31 October N.S.)"
    assert format_date(date(1917, 10, 18), "julian", 1) == "19 October 1917 (1 November N.S.)"
    assert format_date(date(1917, 10, 31), "gregorian") == "31 October 1917 (18 October O.S.)"
    assert format_date(date(1917, 10, 31), "gregorian", 1) == "1 November 1917 (19 October O.S.)"


def test_year_boundary_shows_the_other_year() -> None:
    assert format_date(date(1917, 12, 19), "julian") == "19 December 1917 (1 January 1918 N.S.)"
    assert format_date(date(1918, 1, 1), "gregorian") == "1 January 1918 (19 December 1917 O.S.)"
    # Russia's switch: 31 January 1918 O.S. was followed by 14 February 1918 N.S.
    assert julian_to_gregorian(date(1918, 1, 31)) == date(1918, 2, 13)
    assert julian_to_gregorian(date(1918, 2, 1)) == date(1918, 2, 14)


def test_explicit_dates() -> None:
    assert day_offset(OS_25, "julian", date(1917, 10, 26)) == 1
    assert day_offset(OS_25, "julian", date(1917, 11, 1)) == 7
    assert day_offset(OS_25, "julian", OS_25) == 0
    assert day_offset(OS_25, "julian", date(1917, 10, 24)) == -1
    assert day_offset(NS_7, "gregorian", date(1917, 11, 9)) == 2
    assert both_dates(OS_25, "julian", 1) == (date(1917, 10, 26), date(1917, 11, 8))
    assert both_dates(NS_7, "gregorian", 0) == (OS_25, NS_7)
    day = day_offset(OS_25, "julian", date(1917, 10, 26))
    clock = advance(19 * 60, parse_time("02:00"), day=day)
    assert format_clock(OS_25, "julian", clock) == "26 October 1917 (8 November N.S.), 02:00"
    # Julian 1900 has a 29 February that Gregorian 1900 lacks
    assert day_offset(date(1900, 2, 28), "julian", date(1900, 3, 1)) == 2
    assert day_offset(date(1900, 2, 28), "gregorian", date(1900, 3, 1)) == 1


def test_unknown_calendar() -> None:
    with pytest.raises(ValueError):
        format_clock(OS_25, "revolutionary", 0)
    with pytest.raises(ValueError):
        day_offset(OS_25, "Julian", OS_25)


def test_the_difference_is_13_days_from_1900_to_2100() -> None:
    assert julian_to_gregorian(date(1900, 2, 28)) == date(1900, 3, 12)  # still 12 days
    assert julian_to_gregorian(date(1900, 3, 1)) == date(1900, 3, 14)  # 13 from here
    assert julian_to_gregorian(date(2100, 2, 28)) == date(2100, 3, 13)  # ...to here
    assert julian_to_gregorian(date(2100, 3, 1)) == date(2100, 3, 15)  # 14 after
    assert julian_to_gregorian(date(1582, 10, 5)) == date(1582, 10, 15)  # the first switch
    with pytest.raises(ValueError):  # Julian 29 February 1900 has no datetime.date
        from_jdn(to_jdn(date(1900, 2, 28), "julian") + 1, "julian")


@given(st.dates(min_value=date(1900, 3, 14), max_value=date(2100, 3, 13)))
def test_conversion_round_trip_13_days(gregorian: date) -> None:
    julian = gregorian_to_julian(gregorian)
    assert gregorian - julian == timedelta(days=13)
    assert julian_to_gregorian(julian) == gregorian
    assert to_jdn(gregorian, "gregorian") == gregorian.toordinal() + 1721425


@given(st.integers(min_value=0, max_value=10 * 1440), st.integers(min_value=0, max_value=1439))
def test_advance_never_goes_back_and_lands_on_the_time(clock: int, time_of_day: int) -> None:
    new = advance(clock, time_of_day)
    assert new is not None
    assert clock <= new < clock + 1440
    assert new % 1440 == time_of_day


def test_a_date_without_a_time_moves_the_clock_to_that_day_hour_unknown() -> None:
    from engine.core.calendar import date_only, is_date_only

    start = date(1917, 7, 4)
    clock = advance(19 * 60, None, 60)  # a scene two months on, with no time
    assert is_date_only(clock) and clock == date_only(60)
    assert format_clock(start, "julian", clock) == "2 September 1917 (15 September N.S.)"
    assert format_clock(start, "gregorian", clock) == "2 September 1917 (20 August O.S.)"
    assert advance(clock, None, None) == clock  # a later scene without time or date keeps it
    assert advance(clock, None, 60) == clock
    assert advance(clock, 9 * 60, None) == 60 * 1440 + 9 * 60  # then a time on the same day
    assert advance(19 * 60, None, 0) == 19 * 60  # the same day: the known hour stays
    far = advance(0, None, 200)
    assert format_clock(start, "julian", far) == "20 January 1918 (2 February N.S.)"
    new_year = format_clock(date(1917, 12, 25), "gregorian", advance(0, None, 10))
    assert new_year == "4 January 1918 (22 December 1917 O.S.)"


def test_a_scene_dated_without_a_time_shows_the_date_alone_in_the_header(mini: Path) -> None:
    from engine.build.loader import load_story
    from engine.core import machine
    from engine.play.pages import clock_line

    night = mini / "scenes" / "night.yaml"
    text = night.read_text()
    assert '    time: "01:50"\n' in text
    night.write_text(text.replace('    time: "01:50"\n', "    date: 1918-02-10\n", 1))
    story = load_story(mini)
    state = machine.replay(story, ["hall.ignore"])
    assert clock_line(story, state) == "10 February 1918 (23 February N.S.)"
    state = machine.choose(story, state, "late.brave")  # no time, no date: still that day, no hour
    assert clock_line(story, state) == "10 February 1918 (23 February N.S.)"
