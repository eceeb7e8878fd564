"""The overview's selection: the period picker and the filters (kept in the URL and remembered
for the visit), the caption saying which days are shown and compared, and the switches of
the charts over time (day / week / month, shares / counts).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

import streamlit as st

from pipeline.filters.mail_filter import URL_KEYS, MailFilter
from pipeline.filters.periods import (
    BUCKETS,
    DEFAULT_PRESET,
    PRESETS,
    Bucket,
    Period,
    Preset,
    auto_bucket,
    preset_period,
)
from pipeline.i18n import format_datetime, has_key
from ui.app.shell import Page

_FILTERS = (
    ("provider", "providers"),
    ("email_type", "email_types"),
    ("recipient_kind", "recipient_kinds"),
)

_LABELS = {"provider": "provider", "email_type": "mail_type", "recipient_kind": "recipient_kind"}

# The overview's own URL parameters for its filters (plural: Explore's are singular).
_URL_LISTS = {"providers": "providers", "types": "email_types", "kinds": "recipient_kinds"}

_PERIOD_KEY = "overview::period"

_REMEMBERED = "overview::remembered"


@dataclass(frozen=True)
class Selection:
    """What the bar selected: the period and the filter of every number on the page."""

    period: Period
    mail_filter: MailFilter  # without the period; narrow it with in_period()


def selection_bar(
    view: Page, anchor: dt.date, oldest: dt.date, choices: Mapping[str, list[str]]
) -> Selection:
    """The period picker and the filters, in one row. They start from the URL when it names
    any of them (a shared link), else from this visit's last choice (coming back from Explore),
    else from the defaults; they are written back to the URL and remembered."""
    start = _starting_point()
    _seed(_PERIOD_KEY, start.get("period", DEFAULT_PRESET))
    left, *filter_columns = st.columns([1.3, 1, 1, 1], vertical_alignment="top")
    with left:
        preset = cast(
            Preset,
            st.selectbox(
                view.t("overview.period"),
                PRESETS,
                format_func=lambda p: view.t(f"overview.preset.{p}"),
                key=_PERIOD_KEY,
            ),
        )
    period = preset_period(preset, anchor, oldest)
    if preset == "custom":
        with left:
            period = _custom_period(view, start.get("dates") or (period.start, period.end), anchor)
    chosen: dict[str, tuple[str, ...]] = {}
    for column, (dimension, field) in zip(filter_columns, _FILTERS, strict=True):
        options = choices.get(dimension, [])
        key = f"overview::{dimension}"
        _seed(key, [v for v in start.get(field, ()) if v in options])
        with column:
            chosen[field] = tuple(
                st.multiselect(
                    view.t(f"overview.filter.{dimension}"),
                    options,
                    key=key,
                    format_func=functools.partial(_value_label, view, dimension),
                    placeholder=view.t("overview.filter.all"),
                )
            )
    mail_filter = MailFilter(
        providers=chosen["providers"],
        email_types=chosen["email_types"],
        recipient_kinds=chosen["recipient_kinds"],
    )
    selection = Selection(period, mail_filter)
    _remember(preset, selection)
    return selection


def period_caption(
    view: Page,
    period: Period,
    anchor: dt.date,
    today: dt.date,
    oldest: dt.date,
    previous_mails: int,
) -> None:
    """The days shown and compared, and why they may not be the ones expected."""
    previous = period.previous()
    lines = [
        view.t(
            "overview.period_caption",
            start=_day(period.start, view),
            end=_day(period.end, view),
            days=period.days,
            previous_start=_day(previous.start, view),
            previous_end=_day(previous.end, view),
        ),
    ]
    if not previous_mails:
        lines.append(view.t("overview.previous_empty"))
    elif oldest > previous.start:
        lines.append(view.t("overview.previous_partial", day=_day(oldest, view)))
    if anchor < today:
        lines.append(view.t("overview.anchored", day=_day(anchor, view)))
    lines.append(view.t("overview.drill_hint"))
    st.caption(" ".join(lines))


def bucket_switch(view: Page, period: Period) -> Bucket:
    """Day, week or month: chosen from the period's length, switchable (per period)."""
    automatic = auto_bucket(period)
    chosen = st.segmented_control(
        view.t("overview.bucket"),
        BUCKETS,
        default=automatic,
        required=True,
        format_func=lambda b: view.t(f"overview.bucket_name.{b}"),
        key=f"overview::bucket::{period.start}:{period.end}",
    )
    return cast(Bucket, chosen or automatic)


def scale_switch(view: Page) -> bool:
    """Statuses as shares of each bar (True, the default) or as counts."""
    chosen = st.segmented_control(
        view.t("overview.scale"),
        ("share", "count"),
        default="share",
        required=True,
        format_func=lambda s: view.t(f"overview.scale_name.{s}"),
        key="overview::scale",
    )
    return chosen != "count"


def _custom_period(view: Page, start: tuple[dt.date, dt.date], anchor: dt.date) -> Period:
    """Two days picked in a calendar, starting from `start`."""
    chosen = st.date_input(
        view.t("overview.custom_range"),
        value=start,
        min_value=dt.date(2000, 1, 1),
        max_value=max(anchor, dt.date.today()),
        key="overview::dates",
        format="DD/MM/YYYY" if view.lang == "fr" else "YYYY-MM-DD",
    )
    if isinstance(chosen, tuple) and len(chosen) == 2:
        return Period(chosen[0], chosen[1])
    return Period(*start)  # the second day is not picked yet


def _seed(key: str, value: Any) -> None:
    """Start a widget from `value` the first time the page runs in this visit."""
    if key not in st.session_state:
        st.session_state[key] = value


def _starting_point() -> dict[str, Any]:
    """The selection the URL describes (its own parameters: period, since, until, providers,
    types, kinds), or this visit's last one. Explore's parameters, which Streamlit may leave in
    the URL when the browser goes back, are not the overview's and are ignored."""
    params = st.query_params
    if not any(key in params for key in ("period", "since", "until", *_URL_LISTS)):
        return dict(st.session_state.get(_REMEMBERED, {}))
    found: dict[str, Any] = {}
    if params.get("period") in PRESETS:
        found["period"] = params.get("period")
    for key, field in _URL_LISTS.items():
        found[field] = tuple(v for v in (params.get(key) or "").split(",") if v)
    since, until = _date(params.get("since")), _date(params.get("until"))
    if since and until and since <= until:
        found["dates"] = (since, until)
    return found


def _remember(preset: str, selection: Selection) -> None:
    """Keep the choice for this visit and write it into the URL (defaults left out), without
    any of Explore's parameters."""
    remembered: dict[str, Any] = {"period": preset}
    wanted: dict[str, str | None] = {"period": None if preset == DEFAULT_PRESET else preset}
    custom = preset == "custom"
    remembered["dates"] = (selection.period.start, selection.period.end) if custom else None
    wanted["since"] = selection.period.start.isoformat() if custom else None
    wanted["until"] = selection.period.end.isoformat() if custom else None
    for key, field in _URL_LISTS.items():
        values = getattr(selection.mail_filter, field)
        remembered[field] = values
        wanted[key] = ",".join(values) or None
    st.session_state[_REMEMBERED] = remembered
    for key in [k for k in st.query_params if k in URL_KEYS and k != "lang"]:
        del st.query_params[key]
    for key, value in wanted.items():
        if value is None and key in st.query_params:
            del st.query_params[key]
        elif value is not None and st.query_params.get(key) != value:
            st.query_params[key] = value


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _value_label(view: Page, dimension: str, value: str) -> str:
    key = f"{_LABELS[dimension]}.{value}"
    return view.t(key) if has_key(key) else value


def _day(day: dt.date, view: Page) -> str:
    return format_datetime(day, view.lang)
