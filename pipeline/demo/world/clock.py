"""Time for the demo data: the 18-month period, French working days, Europe/Paris local time.

Pure functions over integer epoch seconds (UTC) with the EU daylight-saving rule, cheap enough to
call for every generated event. Nothing here reads the machine's clock or local time zone: the
caller passes `today`, and everything follows from it.
"""

from __future__ import annotations

import bisect
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

DAY = 86_400
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
NOW_LOCAL_SECONDS = 12 * 3600  # the demo's "now": noon, Paris time, on `today`


def newest_possible_day(t: int) -> date:
    """The last `today` whose "now" (noon, Paris time) is not after epoch second `t`: today in
    the afternoon, yesterday in the morning. A demo built at 05:30 must not hold mails stamped
    11:28 that day, shown as sent "0 s ago"."""
    local = local_struct(t)
    day = date(local.tm_year, local.tm_mon, local.tm_mday)
    return day if local_epoch(day, NOW_LOCAL_SECONDS) <= t else day - timedelta(days=1)


def _last_sunday(year: int, month: int) -> date:
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    last = nxt - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - 6) % 7)


@lru_cache(maxsize=64)
def _summer_time_bounds(year: int) -> tuple[int, int]:
    """EU rule: summer time from the last Sunday of March to the last Sunday of October,
    01:00 UTC."""
    start = (_last_sunday(year, 3).toordinal() - _EPOCH_ORDINAL) * DAY + 3600
    end = (_last_sunday(year, 10).toordinal() - _EPOCH_ORDINAL) * DAY + 3600
    return start, end


# every summer-time start and end from 1971 to 2199, in order: odd positions end a summer
_TRANSITIONS = [bound for year in range(1971, 2200) for bound in _summer_time_bounds(year)]


def paris_offset(t: int) -> int:
    """Seconds east of UTC in Paris at epoch second `t` (3600 or 7200)."""
    if _TRANSITIONS[0] <= t < _TRANSITIONS[-1]:
        return 7200 if bisect.bisect_right(_TRANSITIONS, t) & 1 else 3600
    start, end = _summer_time_bounds(time.gmtime(t).tm_year)
    return 7200 if start <= t < end else 3600


def local_epoch(day: date, seconds: int) -> int:
    """Epoch of `seconds` after midnight, Paris time, on `day` (daytime hours only)."""
    naive = (day.toordinal() - _EPOCH_ORDINAL) * DAY + seconds
    return naive - paris_offset(naive - 3600)


def local_struct(t: int) -> time.struct_time:
    return time.gmtime(t + paris_offset(t))


def fmt_local(t: int, pattern: str) -> str:
    """`t` as Paris wall-clock text, e.g. pattern '%d/%m/%Y %H:%M'."""
    return time.strftime(pattern, local_struct(t))


@lru_cache(maxsize=4096)
def _local_day(day_number: int, pattern: str) -> str:
    return time.strftime(pattern, time.gmtime(day_number * DAY))


_TWO_DIGITS = tuple(f"{n:02d}" for n in range(60))  # a lookup is faster than formatting


def local_stamp(t: int, day_pattern: str = "%Y-%m-%d", sep: str = " ") -> str:
    """Paris wall-clock `<day><sep>HH:MM:SS` (fast path for event times)."""
    day, seconds = divmod(t + paris_offset(t), DAY)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    two = _TWO_DIGITS
    return f"{_local_day(day, day_pattern)}{sep}{two[hours]}:{two[minutes]}:{two[secs]}"


def iso_local(t: int) -> str:
    """ISO-8601 with the Paris offset: 2025-03-14T09:32:11+01:00."""
    return f"{local_stamp(t, sep='T')}+0{paris_offset(t) // 3600}:00"


def local_date(t: int) -> date:
    return date.fromordinal((t + paris_offset(t)) // DAY + _EPOCH_ORDINAL)


def easter(year: int) -> date:
    """Gregorian Easter Sunday (anonymous algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    leap = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * leap) // 451
    month = (h + leap - 7 * m + 114) // 31
    return date(year, month, (h + leap - 7 * m + 114) % 31 + 1)


def french_holidays(year: int) -> set[date]:
    e = easter(year)
    fixed = [(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)]
    movable = [e + timedelta(days=1), e + timedelta(days=39), e + timedelta(days=50)]
    return {date(year, m, d) for m, d in fixed} | set(movable)


class WorkingDays:
    """French working days (Monday–Friday, public holidays excluded) over a date range."""

    def __init__(self, first: date, last: date) -> None:
        holidays: set[date] = set()
        for year in range(first.year, last.year + 1):
            holidays |= french_holidays(year)
        self.days: list[int] = [
            o
            for o in range(first.toordinal(), last.toordinal() + 1)
            if date.fromordinal(o).weekday() < 5 and date.fromordinal(o) not in holidays
        ]
        # epoch of each working day's local midnight, with that day's daytime UTC offset
        self.starts = [local_epoch(date.fromordinal(o), 43_200) - 43_200 for o in self.days]

    def on_or_before(self, day: date) -> int:
        """Index of the last working day on or before `day`."""
        return max(0, bisect.bisect_right(self.days, day.toordinal()) - 1)

    def on_or_after(self, day: date) -> int:
        return min(len(self.days) - 1, bisect.bisect_left(self.days, day.toordinal()))

    def day(self, index: int) -> date:
        return date.fromordinal(self.days[max(0, min(index, len(self.days) - 1))])


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass
class Period:
    """The 18 calendar months ending with `today`'s month; month 13 starts the SendGrid era.
    Also fixes when the DMARC incident happened and which Brevo month is a CSV export."""

    today: date
    months: int = 18
    sendgrid_months: int = 6
    month_starts: list[int] = field(init=False)  # epoch of each month's first local midnight
    now: int = field(init=False)
    _last_month: tuple[int, int, int] = field(init=False, default=(0, 0, 0))

    def __post_init__(self) -> None:
        first = _add_months(self.today.replace(day=1), 1 - self.months)
        starts = [local_epoch(_add_months(first, i), 0) for i in range(self.months + 1)]
        self.month_starts = starts
        self.now = local_epoch(self.today, NOW_LOCAL_SECONDS)

    @property
    def start(self) -> int:
        return self.month_starts[0]

    @property
    def first_day(self) -> date:
        return local_date(self.start)

    @property
    def switch(self) -> int:
        """First second sent through SendGrid."""
        return self.month_starts[self.months - self.sendgrid_months]

    def month_index(self, t: int) -> int:
        """0-based calendar month of `t` (Paris time), clamped to the period."""
        lo, hi, index = self._last_month
        if lo <= t < hi:
            return index
        index = min(max(bisect.bisect_right(self.month_starts, t) - 1, 0), self.months - 1)
        self._last_month = (self.month_starts[index], self.month_starts[index + 1], index)
        return index

    @property
    def incident(self) -> tuple[int, int]:
        """The DMARC incident: the calendar month three months before today's month."""
        return self.month_bounds(self.months - 4)

    @property
    def brevo_export_month(self) -> int:
        """The month whose Brevo events come as a console CSV export instead of webhooks."""
        return min(7, self.months - self.sendgrid_months - 1)

    def month_label(self, index: int) -> str:
        return _add_months(self.first_day, index).strftime("%Y-%m")

    def month_bounds(self, index: int) -> tuple[int, int]:
        return self.month_starts[index], self.month_starts[index + 1]
