"""The Data page's view of the data's health: freshness per provider and mails still requested;
and the wording shared by the page's sections (durations, providers, date-times).

Every number comes from `pipeline.queries.data_health` on the page's pinned snapshot; this module
only lays them out and translates them. The history and refused records: `ui/data/history.py`.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

import pandas as pd
import streamlit as st

from pipeline.i18n import format_datetime, has_key, labels, t
from pipeline.i18n.numbers import format_count, format_number
from pipeline.queries import data_health as health
from ui.app.db import cached_query, settings
from ui.app.shell import Page

STUCK_SHOWN = 500
_DATETIME_FORMAT = {"fr": "DD/MM/YYYY HH:mm", "en": "YYYY-MM-DD HH:mm"}


def format_duration(span: dt.timedelta, lang: str) -> str:
    """`3 j 4 h`, `14 h`, `1 h 30 min`, `45 min`, `20 s` (rounded down)."""
    if span < dt.timedelta(minutes=1):
        return t("data.duration.seconds", lang, seconds=int(span.total_seconds()))
    minutes = int(span.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days >= 3 or (days and not hours):
        return t("data.duration.days", lang, days=days)
    if days:
        return t("data.duration.days_hours", lang, days=days, hours=hours)
    if hours and minutes and hours < 10:
        return t("data.duration.hours_minutes", lang, hours=hours, minutes=minutes)
    if hours:
        return t("data.duration.hours", lang, hours=hours)
    return t("data.duration.minutes", lang, minutes=minutes)


def provider_name(provider: str, lang: str) -> str:
    key = f"provider.{provider}"
    return t(key, lang) if has_key(key) else provider


# --- freshness -----------------------------------------------------------------------------------


def freshness_section(view: Page) -> None:
    st.subheader(view.t("data.freshness.title"))
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    store = cached_query(health.store_freshness)(view.snapshot, now)
    if store is None:
        st.info(view.t("data.freshness.none"))
        return
    last_import = store.last_import_at
    st.markdown(
        view.t(
            "data.freshness.as_of",
            as_of=moment_text(store.as_of, view),
            ago=view.t("data.freshness.ago", age=format_duration(store.age, view.lang)),
            last_import=moment_text(last_import, view)
            if last_import
            else view.t("data.freshness.never"),
        )
    )
    if store.stale:
        st.warning(
            view.t(
                "data.freshness.stale",
                age=format_duration(store.age, view.lang),
                usual=format_duration(store.usual_gap, view.lang),
            ),
            icon="⏰",
        )
    providers = cached_query(health.provider_freshness)(view.snapshot)
    st.table(freshness_frame(providers, view.lang), hide_index=True)
    for item in providers:
        message = freshness_message(item, view)
        if message:
            (st.info if item.verdict == "idle" else st.warning)(message)
    st.caption(view.t("data.freshness.rule"))


def freshness_frame(providers: list[health.ProviderFreshness], lang: str) -> pd.DataFrame:
    """One row per provider, every cell already worded (a small static table)."""

    def when(value: dt.datetime | None) -> str:
        return format_datetime(value.replace(tzinfo=None), lang) if value else "—"

    def column(name: str) -> str:
        return t(f"data.freshness.col.{name}", lang)

    return pd.DataFrame(
        {
            column("provider"): [provider_name(p.provider, lang) for p in providers],
            column("state"): [t(f"data.freshness.verdict.{p.verdict}", lang) for p in providers],
            column("last_event"): [when(p.last_event_at) for p in providers],
            column("events_24h"): [count_text(p.events_24h, lang) for p in providers],
            column("events_7d"): [count_text(p.events_7d, lang) for p in providers],
            column("requests_7d"): [count_text(p.requests_7d, lang) for p in providers],
            column("last_request"): [when(p.last_request_at) for p in providers],
            column("usual_gap"): [
                format_duration(p.usual_gap, lang) if p.usual_gap_measured else "—"
                for p in providers
            ],
        }
    )


def freshness_message(item: health.ProviderFreshness, view: Page) -> str | None:
    """The sentence under the table for a provider that is not up to date."""
    params = {
        "provider": provider_name(item.provider, view.lang),
        "last_event": moment_text(item.last_event_at, view),
        "last_request": moment_text(item.last_request_at, view),
        "count": item.requests_since_last_event,
        "usual": format_duration(item.usual_gap, view.lang),
        "silence": format_duration(item.silence or dt.timedelta(0), view.lang),
    }
    if item.verdict == "no_events":
        return view.t("data.freshness.no_events", **params)
    if item.verdict == "late":
        key = "late" if item.last_request_at else "late_events_only"
        return view.t(f"data.freshness.{key}", **params)
    if item.verdict == "idle":
        key = "idle" if item.last_request_at else "idle_events_only"
        return view.t(f"data.freshness.{key}", **params)
    return None


# --- mails still requested -----------------------------------------------------------------------


def stuck_section(view: Page) -> None:
    st.subheader(view.t("data.stuck.title"))
    lowest, highest = 0.5, 24.0 * 30
    hours = st.number_input(
        view.t("data.stuck.hours"),
        min_value=lowest,
        max_value=highest,
        value=min(max(settings().stuck_hours, lowest), highest),  # MAILTRAIL_STUCK_HOURS
        step=0.5,
        format="%g",  # "4", not "4.0"
        help=view.t("data.stuck.help"),
        key="data_stuck_hours",
        width=220,
    )
    count = cached_query(health.count_stuck_requested)(view.snapshot, hours)
    hours_text = format_number(hours, view.lang)
    if not count:
        st.success(view.t("data.stuck.none", hours=hours_text))
        return
    st.warning(view.t("data.stuck.count", count=count, hours=hours_text))
    mails = cached_query(health.stuck_requested_mails)(view.snapshot, hours, None, STUCK_SHOWN)
    if count > len(mails):
        st.caption(view.t("data.stuck.limited", shown=len(mails)))
    st.dataframe(
        stuck_frame(mails, view.lang),
        hide_index=True,
        column_config={
            "link": st.column_config.LinkColumn(
                view.t("data.stuck.col.open"), display_text=view.t("data.stuck.open_link")
            ),
            "requested_at": datetime_column(view)(view.t("data.stuck.col.requested_at")),
            # Text in the page's language ("4,5" in French), as the browser would write "4.5".
            "hours_waiting": st.column_config.TextColumn(
                view.t("data.stuck.col.waiting"), alignment="right"
            ),
            "provider": view.t("data.stuck.col.provider"),
            "session": view.t("data.stuck.col.session"),
            "recipient_email": view.t("data.stuck.col.recipient"),
            "recipient_name": view.t("data.stuck.col.recipient_name"),
            "email_type": view.t("data.stuck.col.type"),
        },
    )


def stuck_frame(mails: pd.DataFrame, lang: str) -> pd.DataFrame:
    types = labels("mail_type", lang)
    return pd.DataFrame(
        {
            "link": [mail_link(send_id, lang) for send_id in mails["send_id"]],
            "requested_at": mails["requested_at"],
            "hours_waiting": [format_number(h, lang, 1) for h in mails["hours_waiting"]],
            "provider": [provider_name(p, lang) for p in mails["provider"]],
            "session": [
                " — ".join(str(part) for part in (sid, name) if isinstance(part, str) and part)
                for sid, name in zip(mails["session_id"], mails["session_name"], strict=True)
            ],
            "recipient_email": mails["recipient_email"].fillna(""),
            "recipient_name": mails["recipient_name"].fillna(""),
            "email_type": [
                types.get(x, x) if isinstance(x, str) else "" for x in mails["email_type"]
            ],
        }
    )


def mail_link(send_id: str, lang: str) -> str:
    """The Explore page opened on one mail (relative, so it works behind any base path)."""
    return f"explore?mail={quote(send_id, safe='')}&lang={lang}"


# --- shared --------------------------------------------------------------------------------------


def count_text(value: int, lang: str) -> str:
    """12 345 (fr, narrow no-break space) / 12,345 (en)."""
    return format_count(value, lang)


def moment_text(value: dt.datetime | None, view: Page) -> str:
    if value is None:
        return "—"
    return format_datetime(value.replace(tzinfo=None), view.lang)


def datetime_column(view: Page):  # type: ignore[no-untyped-def]
    def column(label: str) -> object:
        return st.column_config.DatetimeColumn(
            label, format=_DATETIME_FORMAT[view.lang], timezone=view.settings.timezone
        )

    return column
