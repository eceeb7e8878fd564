"""The overview's Streamlit pieces: the period and filter bar (kept in the URL), the KPI cards
with their change and definition, and the warnings. Numbers come from pipeline queries through
the page; words from i18n/overview.toml; every number opens Explore on its mails (ui.drill).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import pandas as pd
import streamlit as st

from pipeline.alerts import AlertGroup, alert_advice, alert_facts, alert_text, slice_name
from pipeline.deliverability import NUMERATOR_FILTERS, RATES
from pipeline.formats import format_change, format_count, format_percent, format_points
from pipeline.i18n import format_datetime, has_key
from pipeline.periods import (
    BUCKETS,
    DEFAULT_PRESET,
    PRESETS,
    Bucket,
    Period,
    Preset,
    auto_bucket,
    preset_period,
)
from pipeline.queries.mail_filter import URL_KEYS, MailFilter
from pipeline.queries.overview import alert_filter, in_period, segment_filter
from ui.drill import explore_button
from ui.shell import Page

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
# The cards, in order: a rate key of deliverability.RATES, or "mails".
KPIS = ("mails", "delivery", "open", "undeliverable", "send_error", "complaint")


@dataclass(frozen=True)
class Selection:
    """What the bar selected: the period and the filter of every number on the page."""

    period: Period
    mail_filter: MailFilter  # without the period; narrow it with in_period()


def selection_bar(view: Page, anchor: dt.date, choices: Mapping[str, list[str]]) -> Selection:
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
    period = preset_period(preset, anchor)
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
                    format_func=lambda v, d=dimension: _value_label(view, d, v),
                    placeholder=view.t("overview.filter.all"),
                )
            )
    selection = Selection(period, MailFilter(**chosen))
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


def kpi_cards(
    view: Page,
    selection: Selection,
    current: Mapping[str, int],
    previous: Mapping[str, int],
    previous_complete: bool,
    trend: pd.DataFrame,
) -> None:
    """Six cards: value, change against the previous period, definition on hover, a sparkline
    per bucket, and the count of the mails behind it as a link to them."""
    base = in_period(selection.mail_filter, selection.period)
    for column, kpi in zip(st.columns(len(KPIS)), KPIS, strict=True):
        with column, st.container(border=True, height="stretch"):
            if kpi == "mails":
                _mails_card(view, base, current, previous, previous_complete, trend)
            else:
                _rate_card(view, kpi, base, current, previous, trend)


def alerts_section(view: Page, groups: Sequence[AlertGroup], selection: Selection) -> None:
    """The warnings, one box per problem (a month and a rate); the serious ones shown, the
    points to watch folded. Every count opens its mails."""
    st.subheader(view.t("overview.alerts.title"))
    if not groups:
        st.success(view.t("overview.alerts.none"), icon=":material/check_circle:")
        return
    shown = [g for g in groups if g.level_rank > 1]
    folded = [g for g in groups if g.level_rank <= 1]
    for index, group in enumerate(shown):
        _alert_box(view, group, selection, key=f"overview::alert::{index}")
    if folded:
        with st.expander(view.t("overview.alerts.more", count=len(folded))):
            for index, group in enumerate(folded):
                _alert_box(view, group, selection, key=f"overview::watch::{index}")


# --- pieces -------------------------------------------------------------------------------------


def _mails_card(
    view: Page,
    base: MailFilter,
    current: Mapping[str, int],
    previous: Mapping[str, int],
    previous_complete: bool,
    trend: pd.DataFrame,
) -> None:
    delta = None
    if previous_complete and previous["mails"]:
        delta = format_change(current["mails"] / previous["mails"] - 1, view.lang)
    st.metric(
        view.t("overview.kpi.mails"),
        format_count(current["mails"], view.lang),
        delta=delta,
        delta_color="off",
        help=_help(view, "overview.kpi.definition.mails", current),
        chart_data=trend["mails"].tolist() if len(trend) > 1 else None,
        chart_type="bar",
    )
    _see(view, current["mails"], base, "mails")


def _rate_card(
    view: Page,
    kpi: str,
    base: MailFilter,
    current: Mapping[str, int],
    previous: Mapping[str, int],
    trend: pd.DataFrame,
) -> None:
    definition = RATES[kpi]
    value = definition.of(current)
    before = definition.of(previous)
    delta = None if value is None or before is None else format_points(value - before, view.lang)
    counts = view.t(
        "overview.kpi.help_counts",
        numerator=format_count(current[definition.numerator], view.lang),
        denominator=format_count(current[definition.denominator], view.lang),
        base=view.t(f"deliverability.count.{definition.denominator}"),
    )
    series = [definition.of(row) for row in trend.to_dict("records")]
    st.metric(
        view.t(f"overview.kpi.{kpi}"),
        format_percent(value, view.lang),
        delta=delta,
        delta_color="normal" if definition.better == "higher" else "inverse",
        help=_help(view, f"overview.kpi.definition.{kpi}", current, counts),
        chart_data=[v * 100 for v in series if v is not None] if len(series) > 1 else None,
        chart_type="line",
    )
    if kpi == "open":
        machine = RATES["machine_open"].of(current)
        st.caption(view.t("overview.kpi.machine_opens", share=format_percent(machine, view.lang)))
    _see(view, current[definition.numerator], segment_filter(base, **NUMERATOR_FILTERS[kpi]), kpi)


def _help(view: Page, key: str, current: Mapping[str, int], *more: str) -> str:
    """A card's hover text: its definition, its counts, and the mails not counted yet."""
    parts = [view.t(key), *more]
    if current["in_flight"]:
        parts.append(
            view.t("overview.kpi.in_flight", count=format_count(current["in_flight"], view.lang))
        )
    return "\n\n".join(parts)


def _see(view: Page, count: int, mail_filter: MailFilter, kpi: str) -> None:
    explore_button(
        view.t("overview.kpi.see", count=format_count(count, view.lang)),
        mail_filter,
        view.lang,
        key=f"overview::see::{kpi}",
        help=view.t("overview.kpi.see_help"),
    )


def _alert_box(view: Page, group: AlertGroup, selection: Selection, *, key: str) -> None:
    lead = group.lead
    icon = ":material/error:" if group.level_rank == 3 else ":material/warning:"
    with st.container(border=True, gap="small"):
        st.markdown(
            f"{icon} **{_escape(alert_text(lead, view.lang))}.** "
            f"{_escape(alert_advice(lead, view.lang))}"
        )
        st.caption(_escape(alert_facts(lead, view.lang)))
        with st.container(horizontal=True, gap="small", vertical_alignment="center"):
            explore_button(
                view.t("overview.alerts.see", count=format_count(lead.numerator, view.lang)),
                alert_filter(lead, selection.mail_filter, selection.period),
                view.lang,
                key=key,
            )
            if group.slices:
                st.caption(view.t("overview.alerts.most_hit"), width="content")
            for index, alert in enumerate(group.slices):
                explore_button(
                    view.t(
                        "overview.alerts.slice",
                        name=slice_name(alert, view.lang),
                        share=format_percent(alert.share, view.lang),
                        count=format_count(alert.numerator, view.lang),
                    ),
                    alert_filter(alert, selection.mail_filter, selection.period),
                    view.lang,
                    key=f"{key}::{index}",
                    help=alert_facts(alert, view.lang),
                )


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


def _escape(text: str) -> str:
    """Markdown-safe text (a domain or a type name must not turn into formatting)."""
    for char in ("\\", "*", "_", "`", "[", "]", "$"):
        text = text.replace(char, "\\" + char)
    return text
