"""Warnings in plain words: which month, which mails, how many failed, why, and what to do.

`find_alerts(slices)` judges every month × slice (all mails, one recipient domain, one provider,
one mail type) against the thresholds of pipeline.rules.deliverability, with its minimum-volume
guard, and keeps the warnings that tell something: a slice is kept when its level is above the whole
month's, or its rate at least SLICE_FACTOR times the month's (gmail.com at 60 % in a month at
25 % says where it hurts; a provider that carried every mail of the month repeats the month).
`alert_text(alert, lang)` writes the sentence and the advice (texts in i18n/overview.toml, the
reason's name from the bounce categories). No store access here and no Streamlit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pipeline.filters.mail_filter import MailFilter
from pipeline.filters.periods import Period, month_label
from pipeline.i18n import DEFAULT_LANGUAGE, has_key, t
from pipeline.i18n.numbers import format_count, format_percent, format_threshold
from pipeline.queries.overview import segment_filter
from pipeline.rules.deliverability import (
    JUDGED_RATES,
    NUMERATOR_FILTERS,
    RATES,
    Threshold,
    crossed,
    level_rank,
)
from pipeline.rules.statuses import BOUNCE_CATEGORIES

#: The slices a month is cut into, as `dimension` values of the monthly slices frame.
SLICE_DIMENSIONS: tuple[str, ...] = ("recipient_domain", "provider", "email_type")
SLICE_FACTOR = 1.5

# The failure whose reason a rate's alert names.
_CATEGORY_COLUMN = {"undeliverable": "undeliverable_category", "send_error": "send_error_category"}


@dataclass(frozen=True)
class Alert:
    """A rate that crossed a threshold in one month, for all mails or one slice of them."""

    month: dt.date  # first day of the month
    dimension: str  # "all" or one of SLICE_DIMENSIONS
    value: str | None  # the domain, provider or mail type; None for "all"
    rate: str  # a key of deliverability.RATES
    threshold: Threshold
    numerator: int
    denominator: int
    category: str | None  # the most frequent bounce category of the failed mails

    @property
    def share(self) -> float:
        return self.numerator / self.denominator


def find_alerts(slices: Iterable[Mapping[str, Any]]) -> list[Alert]:
    """Every alert worth showing, the most serious first (level, then newest month, then the
    number of mails concerned)."""
    rows = list(slices)
    month_wide = {
        (row["month"], rate): _judge(row, rate)
        for row in rows
        if row["dimension"] == "all"
        for rate in JUDGED_RATES
    }
    month_rates = {
        (row["month"], rate): RATES[rate].of(row)
        for row in rows
        if row["dimension"] == "all"
        for rate in JUDGED_RATES
    }
    found: list[Alert] = []
    for row in rows:
        for rate in JUDGED_RATES:
            alert = _judge(row, rate)
            if alert is None:
                continue
            if row["dimension"] == "all" or _tells_more(
                alert, month_wide.get((row["month"], rate)), month_rates.get((row["month"], rate))
            ):
                found.append(alert)
    return sorted(
        found, key=lambda a: (-level_rank(a.threshold.level), -a.month.toordinal(), -a.numerator)
    )


@dataclass(frozen=True)
class AlertGroup:
    """One problem: a month's alert for a rate, and the slices of that month that fail clearly
    more (gmail.com, one mail type…). `lead` is the month-wide alert, or the slice with the
    most failures when the month as a whole stayed under the thresholds."""

    lead: Alert
    slices: tuple[Alert, ...]

    @property
    def level_rank(self) -> int:
        return max(level_rank(a.threshold.level) for a in (self.lead, *self.slices))


def group_alerts(alerts: Iterable[Alert]) -> list[AlertGroup]:
    """The alerts of find_alerts, one group per month and rate, the most serious first."""
    by_key: dict[tuple[dt.date, str], list[Alert]] = {}
    for alert in alerts:
        by_key.setdefault((alert.month, alert.rate), []).append(alert)
    groups = []
    for members in by_key.values():
        month_wide = [a for a in members if a.dimension == "all"]
        lead = month_wide[0] if month_wide else max(members, key=_weight)
        rest = sorted((a for a in members if a is not lead), key=lambda a: (-a.numerator, -a.share))
        groups.append(AlertGroup(lead, tuple(rest)))
    return sorted(
        groups, key=lambda g: (-g.level_rank, -g.lead.month.toordinal(), -g.lead.numerator)
    )


def slice_name(alert: Alert, lang: str = DEFAULT_LANGUAGE) -> str:
    """The slice an alert is about, as people name it: "gmail.com", "SendGrid", "Convocation"."""
    value = alert.value or ""
    prefix = {"provider": "provider", "email_type": "mail_type"}.get(alert.dimension)
    if prefix and has_key(f"{prefix}.{value}"):
        return t(f"{prefix}.{value}", lang)
    return value


def alert_text(alert: Alert, lang: str = DEFAULT_LANGUAGE) -> str:
    """ "In August 2026, 24.3% of the mails to gmail.com were refused by the recipient's server,
    mostly because sender authentication (DMARC, SPF, DKIM) failed" — what happened, in one
    sentence; `alert_advice` says what to do."""
    sentence = t(
        f"alert.sentence.{alert.rate}",
        lang,
        month=month_label(alert.month, lang),
        share=format_percent(alert.share, lang),
        mails=_subject(alert, lang),
    )
    reason_key = f"alert.reason.{alert.category}"
    if alert.category and has_key(reason_key):
        sentence = t("alert.with_reason", lang, sentence=sentence, reason=t(reason_key, lang))
    return sentence


def alert_advice(alert: Alert, lang: str = DEFAULT_LANGUAGE) -> str:
    """What a manager should do: the advice for the reason of the failures, else for the rate."""
    key = f"alert.advice.{alert.category}"
    if alert.rate == "complaint" or not alert.category or not has_key(key):
        key = f"alert.advice.{alert.rate}"
    return t(key, lang)


def alert_facts(alert: Alert, lang: str = DEFAULT_LANGUAGE) -> str:
    """The line under the sentence: the counts and the threshold crossed, with its source."""
    definition = RATES[alert.rate]
    return t(
        "alert.facts",
        lang,
        numerator=format_count(alert.numerator, lang),
        denominator=format_count(alert.denominator, lang),
        base=t(f"deliverability.count.{definition.denominator}", lang),
        threshold=format_threshold(alert.threshold.value, lang),
        source=t(f"deliverability.threshold.source.{alert.threshold.source}", lang),
    )


def _judge(row: Mapping[str, Any], rate: str) -> Alert | None:
    threshold = crossed(rate, row)
    if threshold is None:
        return None
    definition = RATES[rate]
    category = row.get(_CATEGORY_COLUMN.get(rate, ""), None)
    return Alert(
        month=_as_date(row["month"]),
        dimension=str(row["dimension"]),
        value=None if row["dimension"] == "all" else str(row["value"]),
        rate=rate,
        threshold=threshold,
        numerator=int(row[definition.numerator]),
        denominator=int(row[definition.denominator]),
        category=category if category in BOUNCE_CATEGORIES else None,
    )


def _weight(alert: Alert) -> tuple[int, int]:
    return level_rank(alert.threshold.level), alert.numerator


def _tells_more(alert: Alert, month_alert: Alert | None, month_rate: float | None) -> bool:
    """A slice's alert is worth its line when the whole month is judged lower, or when the
    slice fails clearly more often than the month as a whole."""
    if month_alert is None:
        return True
    if level_rank(alert.threshold.level) > level_rank(month_alert.threshold.level):
        return True
    return month_rate is not None and alert.share >= SLICE_FACTOR * month_rate


def _subject(alert: Alert, lang: str) -> str:
    if alert.dimension == "all":
        return t("alert.mails.all", lang)
    return t(f"alert.mails.{alert.dimension}", lang, value=slice_name(alert, lang))


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def alert_filter(alert: Alert, mail_filter: MailFilter, period: Period) -> MailFilter:
    """Exactly the mails an alert counts in its numerator: its rate's failures (or complaints)
    in its slice, in the days of its month inside `period`."""
    month_end = (alert.month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    days = period.clip(alert.month, month_end - dt.timedelta(days=1))
    return segment_filter(
        mail_filter,
        period=days,
        dimension=None if alert.dimension == "all" else alert.dimension,
        value=alert.value,
        **NUMERATOR_FILTERS[alert.rate],
    )
