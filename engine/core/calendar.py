"""The clock of a scenario, and the two calendars of 1917.

A scenario declares a start date and the calendar it is written in: ``"julian"`` (Old Style,
the calendar used in Russia until February 1918) or ``"gregorian"`` (New Style). From 1 March
1900 to 28 February 2100 the Gregorian date is 13 days after the Julian one: the night of the
rising is 25 October 1917 O.S. = 7 November 1917 N.S.

Representation of dates: every date is a ``datetime.date`` holding the day, month and year
*numbers* of the calendar it is labelled with. A Julian date is therefore a ``date`` object
whose fields are the Julian numbers (``date(1917, 10, 25)`` for 25 October O.S.); never do
arithmetic on it with ``timedelta`` across a Julian-only leap day -- use the functions here,
which convert through the Julian Day Number. (Julian 29 February of 1700, 1800, 1900, 2100...
has no ``date`` object, because ``datetime`` knows only Gregorian leap years; those days raise
ValueError.)

A clock value is an ``int``: minutes since 00:00 of the start date (day 0), or None when the
time is unknown. ``divmod(clock, 1440)`` gives (day, minutes into the day). A scene with a
``date:`` but no ``time:`` moves the clock to that day with the hour unknown: such a clock is
``date_only(day)`` (``DATE_ONLY`` below day 0; ``is_date_only`` tells them apart), and is shown
as the date alone.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

__all__ = [
    "CALENDARS",
    "MINUTES_PER_DAY",
    "DATE_ONLY",
    "advance",
    "both_dates",
    "date_only",
    "is_date_only",
    "check_calendar",
    "day_offset",
    "format_clock",
    "format_date",
    "format_time",
    "from_jdn",
    "gregorian_to_julian",
    "julian_to_gregorian",
    "parse_time",
    "split_clock",
    "to_jdn",
]

Calendar = Literal["julian", "gregorian"]
CALENDARS: tuple[str, ...] = ("julian", "gregorian")
MINUTES_PER_DAY = 24 * 60
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

_TIME = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")


def check_calendar(calendar: str) -> Calendar:
    """Return the calendar name, or raise ValueError for anything but julian/gregorian."""
    if calendar == "julian":
        return "julian"
    if calendar == "gregorian":
        return "gregorian"
    raise ValueError(f"unknown calendar {calendar!r}: use 'julian' or 'gregorian'")


# --- Julian Day Numbers (the algorithms of Fliegel & Van Flandern / Meeus, integer form) -----


def to_jdn(day: date, calendar: str) -> int:
    """The Julian Day Number of a date given in `calendar`."""
    cal = check_calendar(calendar)
    a = (14 - day.month) // 12
    y = day.year + 4800 - a
    m = day.month + 12 * a - 3
    jdn = day.day + (153 * m + 2) // 5 + 365 * y + y // 4 - 32083
    if cal == "gregorian":
        jdn += -(y // 100) + y // 400 + 38
    return jdn


def from_jdn(jdn: int, calendar: str) -> date:
    """The date (in `calendar`) of a Julian Day Number. ValueError if it has no `date` object."""
    cal = check_calendar(calendar)
    if cal == "gregorian":
        a = jdn + 32044
        b = (4 * a + 3) // 146097
        c = a - 146097 * b // 4
    else:
        b = 0
        c = jdn + 32082
    d = (4 * c + 3) // 1461
    e = c - 1461 * d // 4
    m = (5 * e + 2) // 153
    day = e - (153 * m + 2) // 5 + 1
    month = m + 3 - 12 * (m // 10)
    year = 100 * b + d - 4800 + m // 10
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"{day} {MONTHS[month - 1]} {year} ({cal}) cannot be held in a datetime.date") from None


def julian_to_gregorian(day: date) -> date:
    """The Gregorian (N.S.) date of a Julian (O.S.) one: 25 Oct 1917 -> 7 Nov 1917."""
    return from_jdn(to_jdn(day, "julian"), "gregorian")


def gregorian_to_julian(day: date) -> date:
    """The Julian (O.S.) date of a Gregorian (N.S.) one: 7 Nov 1917 -> 25 Oct 1917."""
    return from_jdn(to_jdn(day, "gregorian"), "julian")


# --- the clock -------------------------------------------------------------------------------


def parse_time(text: str) -> int | None:
    """ "19:00" -> 1140 (minutes after midnight); None unless a 24-hour "HH:MM", 00:00-23:59."""
    if not isinstance(text, str):
        return None
    m = _TIME.fullmatch(text)
    if m is None:
        return None
    return int(m.group(1)) * 60 + int(m.group(2))


def format_time(minutes: int) -> str:
    """Minutes after midnight (any int; whole days are dropped) -> "HH:MM"."""
    hours, mins = divmod(minutes % MINUTES_PER_DAY, 60)
    return f"{hours:02d}:{mins:02d}"


def split_clock(clock: int) -> tuple[int, int]:
    """A clock value -> (day offset, minutes into that day); a date-only clock: 00:00 of its day."""
    if is_date_only(clock):
        return clock + DATE_ONLY, 0
    day, minutes = divmod(clock, MINUTES_PER_DAY)
    return day, minutes


DATE_ONLY = 500_000_000  # a date-only clock is day - DATE_ONLY (far below any real clock; saves allow +/-10**9)


def date_only(day: int) -> int:
    """The clock of day `day` with the hour unknown (a scene with a date and no time)."""
    return day - DATE_ONLY


def is_date_only(clock: int | None) -> bool:
    return clock is not None and clock <= -DATE_ONLY // 2


def advance(clock: int | None, time_of_day: int | None, day: int | None = None) -> int | None:
    """The clock after moving to a scene set at `time_of_day` (minutes after midnight).

    - `time_of_day` None: the scene gives no time; the clock is unchanged, unless the scene
      gives a `day` other than the clock's: then that day, the hour unknown (`date_only`).
    - an explicit `day` offset (the scene's date): that day, at that time.
    - a date-only clock: the same day, at that time.
    - otherwise the same day if the time of day is not earlier than the current one, else
      the next day (the clock crossed midnight). With the clock unknown (None), day 0.
    """
    if time_of_day is None:
        if day is None or (clock is not None and split_clock(clock)[0] == day):
            return clock
        return date_only(day)
    if not 0 <= time_of_day < MINUTES_PER_DAY:
        raise ValueError(f"time of day out of range: {time_of_day} minutes")
    if day is not None:
        return day * MINUTES_PER_DAY + time_of_day
    if clock is None:
        return time_of_day
    if is_date_only(clock):
        return split_clock(clock)[0] * MINUTES_PER_DAY + time_of_day
    current_day, current = split_clock(clock)
    if time_of_day < current:
        current_day += 1
    return current_day * MINUTES_PER_DAY + time_of_day


def day_offset(start: date, calendar: str, other: date) -> int:
    """The day offset of `other` from `start`, both given in `calendar` (a scene's `date:`)."""
    return to_jdn(other, calendar) - to_jdn(start, calendar)


def both_dates(start: date, calendar: str, day: int) -> tuple[date, date]:
    """(Julian, Gregorian) dates of day `day` of a scenario starting on `start` in `calendar`.

    Both are proleptic: the Julian one holds Julian numbers, the Gregorian one Gregorian.
    """
    jdn = to_jdn(start, calendar) + day
    return from_jdn(jdn, "julian"), from_jdn(jdn, "gregorian")


def _day_month(d: date) -> str:
    return f"{d.day} {MONTHS[d.month - 1]}"


def format_date(start: date, calendar: str, day: int = 0) -> str:
    """The date of day `day`, in the scenario's calendar with the other one in brackets.

    julian: "25 October 1917 (7 November N.S.)"; gregorian: "7 November 1917 (25 October O.S.)".
    The year is repeated in the brackets when it differs: "19 December 1917 (1 January 1918 N.S.)".
    """
    cal = check_calendar(calendar)
    julian, gregorian = both_dates(start, cal, day)
    main, other, tag = (julian, gregorian, "N.S.") if cal == "julian" else (gregorian, julian, "O.S.")
    alt = _day_month(other) if other.year == main.year else f"{_day_month(other)} {other.year}"
    return f"{_day_month(main)} {main.year} ({alt} {tag})"


def format_clock(start: date, calendar: str, clock: int | None) -> str:
    """The header line: "25 October 1917 (7 November N.S.), 19:00" (julian scenario),
    "7 November 1917 (25 October O.S.), 19:00" (gregorian); the date of day 0 alone if None.
    """
    if clock is None:
        return format_date(start, calendar, 0)
    day, minutes = split_clock(clock)
    if is_date_only(clock):
        return format_date(start, calendar, day)
    return f"{format_date(start, calendar, day)}, {format_time(minutes)}"
