"""Reporting periods: the presets a manager picks, the previous period to compare with, and the
time buckets (day, week, month) charts are drawn in.

Periods are calendar days, both ends included, in the configured zone — the same days a
MailFilter's period means. This module only does date arithmetic and names buckets; it never
reads the store and must not import Streamlit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from babel.dates import get_month_names

from pipeline.i18n import DEFAULT_LANGUAGE, t

Preset = Literal["7d", "30d", "90d", "12m", "year", "all", "custom"]
Bucket = Literal["day", "week", "month"]

PRESETS: tuple[Preset, ...] = ("7d", "30d", "90d", "12m", "year", "all", "custom")
DEFAULT_PRESET: Preset = "12m"
BUCKETS: tuple[Bucket, ...] = ("day", "week", "month")

# Longest period still drawn by day, then by week (about a month of bars, then half a year).
MAX_DAYS_BY_DAY = 31
MAX_DAYS_BY_WEEK = 183
# Data whose newest mail is this many days old still counts as current.
CURRENT_DAYS = 1
_PRESET_DAYS = {"7d": 7, "30d": 30, "90d": 90}


@dataclass(frozen=True)
class Period:
    """Calendar days from `start` to `end`, both included."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise ValueError(f"the period starts ({self.start}) after it ends ({self.end})")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same number of days that ends the day before this one starts."""
        return Period(self.start - dt.timedelta(days=self.days), self.start - dt.timedelta(days=1))

    def clip(self, start: dt.date, end: dt.date) -> Period:
        """The part of [start, end] inside this period (a bucket cut by the period's ends)."""
        return Period(max(start, self.start), min(end, self.end))


def anchor_day(today: dt.date, newest_mail_day: dt.date | None) -> dt.date:
    """The day "last 30 days" ends on: today while the data is current (its newest mail is
    from today or yesterday: early in the morning nothing was sent yet), else the newest mail's
    day (a demo, an archive, an import that stopped): a period that ends after the data would
    show empty days and shrink every count. The page says when it moved the end."""
    if newest_mail_day is None or newest_mail_day >= today - dt.timedelta(days=CURRENT_DAYS):
        return today
    return newest_mail_day


def preset_period(preset: Preset, anchor: dt.date, oldest: dt.date | None = None) -> Period:
    """The period a preset means, ending on `anchor`; "all" starts on the `oldest` day of the
    data, "custom" starts as the last 30 days."""
    if preset in _PRESET_DAYS:
        return Period(anchor - dt.timedelta(days=_PRESET_DAYS[preset] - 1), anchor)
    if preset == "12m":
        # The 12 whole months before the current one, and the current month so far: every bar of
        # a monthly chart but the last is a whole month, and the period is never "this year"'s.
        return Period(_months_before(anchor.replace(day=1), 12), anchor)
    if preset == "year":
        return Period(dt.date(anchor.year, 1, 1), anchor)
    if preset == "all":
        return Period(min(oldest or anchor, anchor), anchor)
    if preset == "custom":
        return preset_period("30d", anchor)
    raise ValueError(f"unknown period preset {preset!r}; expected one of {PRESETS}")


def auto_bucket(period: Period) -> Bucket:
    """Day up to a month, week up to half a year, month beyond: 7 to 31 bars, 5 to 27, or more
    than 6."""
    if period.days <= MAX_DAYS_BY_DAY:
        return "day"
    if period.days <= MAX_DAYS_BY_WEEK:
        return "week"
    return "month"


def bucket_start(bucket: Bucket, day: dt.date) -> dt.date:
    """The first day of the bucket holding `day` (weeks start on Monday, ISO 8601)."""
    if bucket == "day":
        return day
    if bucket == "week":
        return day - dt.timedelta(days=day.weekday())
    if bucket == "month":
        return day.replace(day=1)
    raise ValueError(f"unknown bucket {bucket!r}; expected one of {BUCKETS}")


def bucket_end(bucket: Bucket, start: dt.date) -> dt.date:
    """The last day of the bucket that starts on `start`."""
    if bucket == "day":
        return start
    if bucket == "week":
        return start + dt.timedelta(days=6)
    next_month = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return next_month - dt.timedelta(days=1)


def buckets(period: Period, bucket: Bucket) -> list[Period]:
    """Every bucket the period touches, in order, each cut to the period's days."""
    out: list[Period] = []
    start = bucket_start(bucket, period.start)
    while start <= period.end:
        end = bucket_end(bucket, start)
        out.append(period.clip(start, end))
        start = end + dt.timedelta(days=1)
    return out


def month_name(month: int, lang: str = DEFAULT_LANGUAGE) -> str:
    """The month's name as written in a sentence: "août", "August" (CLDR, through Babel)."""
    return str(get_month_names("wide", "format", lang)[month])


def short_month_name(month: int, lang: str = DEFAULT_LANGUAGE) -> str:
    """The month's abbreviated name: "janv.", "Jan" (CLDR, through Babel)."""
    return str(get_month_names("abbreviated", "format", lang)[month])


def month_label(day: dt.date, lang: str = DEFAULT_LANGUAGE) -> str:
    """A month in a sentence: "août 2026", "August 2026"."""
    return t("calendar.month_year", lang, month=month_name(day.month, lang), year=day.year)


def bucket_label(bucket: Bucket, start: dt.date, lang: str = DEFAULT_LANGUAGE) -> str:
    """A bucket's short label for a chart axis: "3 août" (a day, or the Monday of a week),
    "août 2026" (a month)."""
    if bucket == "month":
        return t(
            "calendar.axis_month",
            lang,
            month=short_month_name(start.month, lang),
            year=start.year,
        )
    return t(
        "calendar.axis_day",
        lang,
        day=start.day,
        month=short_month_name(start.month, lang),
    )


def _months_before(first_of_month: dt.date, months: int) -> dt.date:
    index = first_of_month.year * 12 + first_of_month.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)
