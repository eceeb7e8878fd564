"""The Data page's record of imports: every file of every ingest, and every record an ingest
refused, with filters and the CSV download.

Every number comes from `pipeline.queries.data_health` / `rejects` on the page's pinned snapshot;
this module only lays them out and translates them.
"""

from __future__ import annotations

import io

import pandas as pd
import streamlit as st

from pipeline.i18n.numbers import format_count
from pipeline.ingest.messages import format_label, run_message, run_status, stored_message
from pipeline.queries import data_health as health
from pipeline.queries import rejects
from ui.app.db import cached_query, reader
from ui.app.shell import Page
from ui.data.health import datetime_column

RUNS_SHOWN = 1000
REJECTS_SHOWN = 1000
RAW_SHOWN = 2000  # characters of a refused record's text on screen; the CSV keeps it whole


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
            **{name: [format_count(n, lang) for n in runs[name]] for name in _COUNTS},
            "message": [
                run_message(
                    stored_message(code, params), m if isinstance(m, str) else None, lang, timezone
                )
                for m, code, params in zip(
                    runs["message"], runs["message_code"], runs["message_params"], strict=True
                )
            ],
        }
    )


# Counts are written in the page's language here: a "localized" number column would follow the
# browser's locale instead ("3,380" on a French page).
_COUNTS = (
    "records_read",
    "records_loaded",
    "records_duplicate",
    "records_rejected",
    "mails_changed",
)


def _runs_columns(view: Page) -> dict:
    def number(label: str, width: int) -> object:
        return st.column_config.TextColumn(label, width=width, alignment="right")

    text = st.column_config.TextColumn
    return {
        "run_id": st.column_config.NumberColumn(view.t("data.col.run"), width=95),
        "file_name": text(view.t("data.col.file"), width="medium"),
        "status": text(view.t("data.col.result"), width=130),
        "format": text(view.t("data.col.format"), width="medium"),
        "finished_at": datetime_column(view)(view.t("data.col.finished")),
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
            "element": st.column_config.NumberColumn(
                view.t("data.rejects.column.element"),
                help=view.t("data.rejects.column.element_help"),
                width="small",
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
