"""The Data page's read-only sections: freshness per provider, mails still requested, the ingest
history and the refused records (filters and CSV download).

Every number comes from `pipeline.queries.data_health` / `rejects` on the page's pinned snapshot;
this module only lays them out and translates them.
"""

from __future__ import annotations

import datetime as dt
import io
from urllib.parse import quote

import pandas as pd
import streamlit as st

from pipeline.i18n import format_datetime, has_key, labels, t
from pipeline.ingest_reasons import format_label, run_message, run_status
from pipeline.queries import data_health as health
from pipeline.queries import rejects
from ui.db import cached_query, reader
from ui.shell import Page

RUNS_SHOWN = 1000
REJECTS_SHOWN = 1000
STUCK_SHOWN = 500
RAW_SHOWN = 2000  # characters of a refused record's text on screen; the CSV keeps it whole
_DATETIME_FORMAT = {"fr": "DD/MM/YYYY HH:mm", "en": "YYYY-MM-DD HH:mm"}


def format_duration(span: dt.timedelta, lang: str) -> str:
    """`3 j 4 h`, `14 h`, `1 h 30 min`, `45 min`, `20 s` (rounded down)."""
    if span < dt.timedelta(minutes=1):
        return t("data.duration.seconds", lang, seconds=int(span.total_seconds()))
    minutes = int(span.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days >= 3:
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
            as_of=_moment(store.as_of, view),
            ago=view.t("data.freshness.ago", age=format_duration(store.age, view.lang)),
            last_import=_moment(last_import, view)
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
            column("events_24h"): [_count(p.events_24h, lang) for p in providers],
            column("events_7d"): [_count(p.events_7d, lang) for p in providers],
            column("requests_7d"): [_count(p.requests_7d, lang) for p in providers],
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
        "last_event": _moment(item.last_event_at, view),
        "last_request": _moment(item.last_request_at, view),
        "requests": item.requests_since_last_event,
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
    hours = st.number_input(
        view.t("data.stuck.hours"),
        min_value=0.5,
        max_value=24.0 * 30,
        value=health.DEFAULT_STUCK_HOURS,
        step=0.5,
        format="%.1f",
        help=view.t("data.stuck.help"),
        key="data_stuck_hours",
        width=220,
    )
    count = cached_query(health.count_stuck_requested)(view.snapshot, hours)
    hours_text = f"{hours:g}"
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
            "requested_at": _datetime_column(view)(view.t("data.stuck.col.requested_at")),
            "hours_waiting": st.column_config.NumberColumn(
                view.t("data.stuck.col.waiting"), format="%.1f"
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
            "hours_waiting": mails["hours_waiting"],
            "provider": [provider_name(p, lang) for p in mails["provider"]],
            "session": [
                " — ".join(str(part) for part in (sid, name) if isinstance(part, str) and part)
                for sid, name in zip(mails["session_id"], mails["session_name"], strict=True)
            ],
            "recipient_email": mails["recipient_email"],
            "recipient_name": mails["recipient_name"],
            "email_type": [
                types.get(x, x) if isinstance(x, str) else "" for x in mails["email_type"]
            ],
        }
    )


def mail_link(send_id: str, lang: str) -> str:
    """The Explore page opened on one mail (relative, so it works behind any base path)."""
    return f"explore?mail={quote(send_id, safe='')}&lang={lang}"


# --- ingest history ------------------------------------------------------------------------------


def runs_section(view: Page) -> None:
    st.subheader(view.t("data.runs.title"))
    count = cached_query(health.count_ingest_runs)(view.snapshot)
    if not count:
        st.info(view.t("data.runs.none"))
        return
    runs = cached_query(health.ingest_run_history)(view.snapshot, RUNS_SHOWN)
    caption = view.t("data.runs.count", count=count)
    if count > len(runs):
        caption += " " + view.t("data.runs.limited", shown=len(runs))
    st.caption(caption)
    st.dataframe(
        runs_frame(runs, view.lang, view.settings.timezone),
        hide_index=True,
        column_config=_runs_columns(view),
    )


def runs_frame(runs: pd.DataFrame, lang: str, timezone: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "run_id": runs["run_id"],
            "file_name": runs["file_name"],
            "status": [run_status(s, lang) for s in runs["status"]],
            "format": [
                format_label(f if isinstance(f, str) else None, lang) for f in runs["format"]
            ],
            "finished_at": runs["finished_at"],
            "records_read": runs["records_read"],
            "records_loaded": runs["records_loaded"],
            "records_duplicate": runs["records_duplicate"],
            "records_rejected": runs["records_rejected"],
            "mails_changed": runs["mails_changed"],
            "message": [
                run_message(m if isinstance(m, str) else None, lang, timezone)
                for m in runs["message"]
            ],
        }
    )


def _runs_columns(view: Page) -> dict:
    number = st.column_config.NumberColumn
    text = st.column_config.TextColumn
    return {
        "run_id": number(view.t("data.col.run"), width=70),
        "file_name": text(view.t("data.col.file"), width="medium"),
        "status": text(view.t("data.col.result"), width=130),
        "format": text(view.t("data.col.format"), width="medium"),
        "finished_at": _datetime_column(view)(view.t("data.col.finished")),
        "records_read": number(view.t("data.col.read"), width=70),
        "records_loaded": number(view.t("data.col.loaded"), width=70),
        "records_duplicate": number(view.t("data.col.duplicate"), width=90),
        "records_rejected": number(view.t("data.col.rejected"), width=70),
        "mails_changed": number(view.t("data.col.mails_changed"), width=110),
        "message": text(view.t("data.col.note"), width="large"),
    }


# --- refused records -----------------------------------------------------------------------------


def rejects_section(view: Page) -> None:
    st.subheader(view.t("data.rejects.title"))
    st.caption(view.t("data.rejects.intro"))
    sources = cached_query(rejects.reject_sources)(view.snapshot)
    if sources.empty:
        st.success(view.t("data.rejects.none"))
        return
    reject_filter = _reject_filter(view, sources)
    count = cached_query(rejects.count_rejects)(view.snapshot, reject_filter, view.lang)
    if not count:
        st.info(view.t("data.rejects.no_match"))
        return
    records = cached_query(rejects.rejected_records)(
        view.snapshot, reject_filter, view.lang, REJECTS_SHOWN, RAW_SHOWN
    )
    line = view.t("data.rejects.count", count=count)
    if count > len(records):
        line += " " + view.t("data.rejects.limited", shown=len(records), count=count)
    left, right = st.columns([3, 1], vertical_alignment="center")
    left.markdown(line)
    with right:
        _download(view, reject_filter)
    st.dataframe(
        records.drop(columns=["file_path"]),
        hide_index=True,
        column_config={
            "run_id": st.column_config.NumberColumn(
                view.t("data.rejects.column.run"), width="small"
            ),
            "file_name": view.t("data.rejects.column.file_name"),
            "line": st.column_config.NumberColumn(
                view.t("data.rejects.column.line"), width="small"
            ),
            "reason": st.column_config.TextColumn(
                view.t("data.rejects.column.reason"), width="large"
            ),
            "raw": st.column_config.TextColumn(view.t("data.rejects.column.raw"), width="large"),
        },
    )


def _reject_filter(view: Page, sources: pd.DataFrame) -> rejects.RejectFilter:
    files = sources.groupby(["file_path", "file_name"], dropna=False)["rejects"].sum().reset_index()
    names = dict(zip(files["file_path"], files["file_name"], strict=True))
    runs = {
        int(row.run_id): view.t(
            "data.rejects.run_option", run=int(row.run_id), name=row.file_name, count=row.rejects
        )
        for row in sources.itertuples()
    }
    first, second, third = st.columns([2, 2, 3])
    file_path = first.selectbox(
        view.t("data.rejects.file"),
        [None, *names],
        format_func=lambda p: view.t("data.rejects.all_files") if p is None else names[p],
        key=f"data_rejects_file_{view.lang}",  # its labels are worded in the language
    )
    run_id = second.selectbox(
        view.t("data.rejects.run"),
        [None, *runs],
        format_func=lambda r: view.t("data.rejects.all_runs") if r is None else runs[r],
        key=f"data_rejects_run_{view.lang}",
    )
    text = third.text_input(view.t("data.rejects.search"), key="data_rejects_text")
    return rejects.RejectFilter(run_id=run_id, file_path=file_path, text=text)


def _download(view: Page, reject_filter: rejects.RejectFilter) -> None:
    store_reader, snapshot, lang = reader(), view.snapshot, view.lang
    dialect: rejects.CsvDialect = "excel_fr" if lang == "fr" else "rfc4180"

    def csv_bytes() -> bytes:
        buffer = io.BytesIO()
        with store_reader.cursor(snapshot) as cur:
            rejects.write_rejects_csv(cur, reject_filter, buffer, lang=lang, dialect=dialect)
        return buffer.getvalue()

    st.download_button(
        view.t("data.rejects.download"),
        data=csv_bytes,
        file_name=rejects.export_file_name(reject_filter, lang),
        mime="text/csv",
        on_click="ignore",
        icon=":material/download:",
        key="data_rejects_download",
    )


# --- shared --------------------------------------------------------------------------------------


def _count(value: int, lang: str) -> str:
    """12 345 (fr, narrow no-break space) / 12,345 (en)."""
    return f"{value:,}".replace(",", "\u202f" if lang == "fr" else ",")


def _moment(value: dt.datetime | None, view: Page) -> str:
    if value is None:
        return "—"
    return format_datetime(value.replace(tzinfo=None), view.lang)


def _datetime_column(view: Page):  # type: ignore[no-untyped-def]
    def column(label: str) -> object:
        return st.column_config.DatetimeColumn(
            label, format=_DATETIME_FORMAT[view.lang], timezone=view.settings.timezone
        )

    return column
