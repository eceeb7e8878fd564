"""The Explore page's filter bar: every MailFilter criterion as a widget, kept in the URL both ways.

A link (e.g. a drill-down from the overview) opens exactly the slice its query parameters
describe: when the URL's filter differs from the one last shown, the widgets are set from it.
Changing a widget rewrites the URL's filter parameters (other parameters, such as lang or mail,
are left alone). A criterion that has no widget here is kept from the URL and named, so the
slice shown is always the slice linked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import fields
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from pipeline.filters.mail_filter import URL_KEYS, MailFilter
from pipeline.i18n import labels
from pipeline.queries import filter_options
from pipeline.rules.statuses import BOUNCE_CATEGORIES, MAIL_TYPES, RECIPIENT_KINDS, STATUS_KEYS
from ui.app.db import cached_query
from ui.app.shell import Page

# MailFilter field → widget suffix. Multi-valued fields are multiselects, flags tri-state selects.
_LISTS = {
    "statuses": "status", "email_types": "type", "recipient_kinds": "kind",
    "providers": "provider", "recipient_domains": "domain", "bounce_categories": "category",
}  # fmt: skip
_DATES = {"period_start": "start", "period_end": "end"}
_CHOICES = {"session_id": "session", "contact_id": "contact"}
_TEXTS = {"text": "q", "recipient_email": "to", "opportunity_id": "opportunity"}
_FLAGS = {"complained": "complained", "unsubscribed": "unsubscribed", "has_send_log": "send_log"}
_WIDGETS = {**_LISTS, **_DATES, **_CHOICES, **_TEXTS, **_FLAGS}
_MORE = ("recipient_email", "opportunity_id", "complained", "unsubscribed", "has_send_log")


def mail_filter_bar(view: Page, key: str) -> MailFilter:
    """Show the filter bar and return the filter it describes (also written to the URL)."""
    url_filter = MailFilter.from_query_params(st.query_params.to_dict())
    synced = f"{key}::synced"
    if st.session_state.get(synced) != url_filter:
        _load_widgets(key, url_filter)
        st.session_state[synced] = url_filter
    with st.container(border=True):
        _widgets(view, key, url_filter)
    chosen = _chosen_filter(view, key, url_filter)
    if chosen != url_filter:
        write_filter_to_url(chosen)
        st.session_state[synced] = chosen
    return chosen


def write_filter_to_url(mail_filter: MailFilter) -> None:
    """Make the URL's filter parameters those of `mail_filter`, keeping the other parameters."""
    wanted = mail_filter.to_query_params()
    for name in URL_KEYS:
        if name in wanted:
            if st.query_params.get(name) != wanted[name]:
                st.query_params[name] = wanted[name]
        elif name in st.query_params:
            del st.query_params[name]


def _widget_key(key: str, field: str) -> str:
    return f"{key}::{_WIDGETS[field]}"


def _load_widgets(key: str, mail_filter: MailFilter) -> None:
    for field in _WIDGETS:
        value = getattr(mail_filter, field)
        st.session_state[_widget_key(key, field)] = (
            list(value) if field in _LISTS else ("" if value is None and field in _TEXTS else value)
        )


def _reset(key: str) -> None:
    _load_widgets(key, MailFilter())
    write_filter_to_url(MailFilter())
    st.session_state[f"{key}::synced"] = MailFilter()


def _widgets(view: Page, key: str, url_filter: MailFilter) -> None:
    t, k = view.t, lambda field: _widget_key(key, field)
    date_format = "DD/MM/YYYY" if view.lang == "fr" else "YYYY-MM-DD"
    row: Sequence[DeltaGenerator] = st.columns([2, 2, 3, 3])
    row[0].date_input(
        t("explore.filter.start"), value=None, format=date_format, key=k("period_start")
    )
    row[1].date_input(t("explore.filter.end"), value=None, format=date_format, key=k("period_end"))
    _multi(row[2], view, "statuses", k, STATUS_KEYS, labels("status", view.lang))
    _multi(row[3], view, "email_types", k, MAIL_TYPES, labels("mail_type", view.lang))
    row = st.columns(4)
    _multi(row[0], view, "recipient_kinds", k, RECIPIENT_KINDS, labels("recipient_kind", view.lang))
    _multi(row[1], view, "providers", k, _with(_providers(view), url_filter.providers), {})
    _multi(row[2], view, "recipient_domains", k,
           _with(_domains(view), url_filter.recipient_domains), {})  # fmt: skip
    _multi(row[3], view, "bounce_categories", k, BOUNCE_CATEGORIES,
           labels("bounce_category", view.lang))  # fmt: skip
    row = st.columns([3.2, 3, 3.2, 1.6], vertical_alignment="bottom")
    _session_select(row[0], view, k("session_id"))
    _contact_select(row[1], view, k("contact_id"), k("session_id"))
    row[2].text_input(t("explore.filter.text"), key=k("text"), max_chars=200,
                      placeholder=t("explore.filter.text_placeholder"))  # fmt: skip
    row[3].button(t("explore.filter.reset"), key=f"{key}::reset", on_click=_reset, args=(key,),
                  icon=":material/filter_alt_off:", width="stretch")  # fmt: skip
    more_set = any(getattr(url_filter, f) not in (None, "") for f in _MORE)
    with st.expander(t("explore.filter.more"), expanded=more_set):
        row = st.columns(5)
        row[0].text_input(t("explore.filter.to"), key=k("recipient_email"), max_chars=200)
        row[1].text_input(t("explore.filter.opportunity"), key=k("opportunity_id"), max_chars=200)
        for column, field in zip(
            row[2:], ("complained", "unsubscribed", "has_send_log"), strict=True
        ):
            column.selectbox(
                t(f"explore.filter.{field}"), [True, False], index=None, key=k(field),
                format_func=lambda v: t("explore.filter.yes" if v else "explore.filter.no"),
                placeholder=t("explore.filter.any"),
            )  # fmt: skip


def _multi(column: Any, view: Page, field: str, k: Any, options: Any, names: dict) -> None:
    column.multiselect(
        view.t(f"explore.filter.{field}"), list(options), key=k(field),
        format_func=lambda code: names.get(code, code),
        placeholder=view.t("explore.filter.all"),
    )  # fmt: skip


def _session_select(column: Any, view: Page, key: str) -> None:
    ids, names = _session_options(view.snapshot)
    options = _with(ids, (st.session_state.get(key),))
    column.selectbox(
        view.t("explore.filter.session_id"), options, index=None, key=key,
        format_func=lambda sid: names.get(sid, sid),
        placeholder=view.t("explore.filter.all_sessions"),
    )  # fmt: skip


def _contact_select(column: Any, view: Page, key: str, session_key: str) -> None:
    ids, names = _contact_options(view.snapshot, st.session_state.get(session_key), view.lang)
    options = _with(ids, (st.session_state.get(key),))
    column.selectbox(
        view.t("explore.filter.contact_id"), options, index=None, key=key,
        format_func=lambda cid: names.get(cid, cid),
        placeholder=view.t("explore.filter.all_contacts"),
        help=view.t("explore.filter.contact_help"),
    )  # fmt: skip


# The pickers' options and labels, built once per snapshot (and session, language) rather than
# on every run of the page: the lists are bounded (filter_options), the labels cached.
@st.cache_data(show_spinner=False, max_entries=16)
def _session_options(snapshot: str) -> tuple[list[str], dict[str, str]]:
    frame = cached_query(filter_options.sessions)(snapshot)
    ids = list(frame["session_id"])
    names = {
        sid: f"{name} ({sid})" if isinstance(name, str) and name else sid
        for sid, name in zip(ids, frame["session_name"], strict=True)
    }
    return ids, names


@st.cache_data(show_spinner=False, max_entries=64)
def _contact_options(
    snapshot: str, session_id: str | None, lang: str
) -> tuple[list[str], dict[str, str]]:
    frame = cached_query(filter_options.contacts)(snapshot, session_id)
    names = {row.contact_id: _contact_name(lang, row) for row in frame.itertuples(index=False)}
    return list(frame["contact_id"]), names


def _contact_name(lang: str, row: Any) -> str:
    kind = labels("recipient_kind", lang).get(row.kind, "") if isinstance(row.kind, str) else ""
    name = row.name if isinstance(row.name, str) and row.name else row.email
    return f"{name} · {row.email} · {kind}" if kind else f"{name} · {row.email}"


def _providers(view: Page) -> list[str]:
    return cached_query(filter_options.providers)(view.snapshot)


def _domains(view: Page) -> list[str]:
    return cached_query(filter_options.recipient_domains)(view.snapshot)


def _with(options: list[str], wanted: tuple[Any, ...]) -> list[str]:
    """The options, plus any wanted value they lack (a URL may name a value no mail has)."""
    extra = [v for v in wanted if v and v not in options]
    return [*options, *extra]


def _chosen_filter(view: Page, key: str, url_filter: MailFilter) -> MailFilter:
    """The widgets' filter; criteria without a widget are kept from the URL and named."""
    state = st.session_state
    values: dict[str, Any] = {}
    for field in _WIDGETS:
        value = state.get(_widget_key(key, field))
        if field in _LISTS:
            values[field] = tuple(value or ())
        elif field in _TEXTS:
            values[field] = (value or "").strip() or None
        else:
            values[field] = value if value is not None and not _is_missing(value) else None
    start, end = values["period_start"], values["period_end"]
    if isinstance(start, dt.date) and isinstance(end, dt.date) and start > end:
        st.warning(view.t("explore.filter.bad_period"))
        values["period_end"] = None
    _name_other_criteria(view, url_filter)
    return url_filter.with_(**values)


def _name_other_criteria(view: Page, url_filter: MailFilter) -> None:
    others = [
        f"{f.name} = {getattr(url_filter, f.name)}"
        for f in fields(MailFilter)
        if f.name not in _WIDGETS and getattr(url_filter, f.name) not in (None, (), "")
    ]
    if others:
        st.caption(view.t("explore.filter.other_criteria", criteria=", ".join(others)))


def _is_missing(value: Any) -> bool:
    return not isinstance(value, (str, tuple, list)) and bool(pd.isna(value))
