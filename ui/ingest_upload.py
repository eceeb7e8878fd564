"""The Data page's upload: files (and an optional column mapping) are saved to a private folder of
the inbox, ingested through the single writer with a progress bar, and summarised per file.

The ingest runs in this page's script while every other page keeps reading its snapshot; when it
is done the page reruns, and so reads the snapshot the ingest published. The summary stays until
dismissed. Nothing here reads the store or builds SQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from pipeline.errors import PipelineError, StoreBusyError
from pipeline.i18n import format_datetime, t
from pipeline.ingest import ingest_paths
from pipeline.ingest_reasons import format_label, run_message, run_status
from pipeline.readers.mapping_file import MappingError
from pipeline.runs import FileReport
from pipeline.uploads import new_upload_folder, save_uploads
from ui.data_health import format_duration
from ui.shell import Page

_ROUND = "data_upload_round"
_LAST = "data_last_import"


@dataclass(frozen=True)
class ImportResult:
    """One upload's outcome, kept in the session so that it survives the rerun."""

    when: dt.datetime
    folder: Path
    reports: tuple[FileReport, ...]


def upload_and_ingest(view: Page) -> None:
    """The upload form, the ingest with its progress, and the last import's summary."""
    st.subheader(view.t("data.upload.title"))
    round_ = st.session_state.setdefault(_ROUND, 0)
    files = st.file_uploader(
        view.t("data.upload.files"),
        accept_multiple_files=True,
        help=view.t("data.upload.files_help"),
        key=f"data_files_{round_}",
    )
    with st.expander(view.t("data.upload.mapping_title")):
        mapping = st.file_uploader(
            view.t("data.upload.mapping"),
            type=["toml"],
            help=view.t("data.upload.mapping_help"),
            key=f"data_mapping_{round_}",
        )
    start = st.button(
        view.t("data.upload.start"), type="primary", disabled=not files, key="data_start"
    )
    if start and files:
        result = _ingest(view, files, mapping)
        if result is not None:
            st.session_state[_LAST] = result
            st.session_state[_ROUND] = round_ + 1  # empties the upload widgets
            st.rerun()
    last = st.session_state.get(_LAST)
    if isinstance(last, ImportResult):
        _summary(view, last)


def _ingest(
    view: Page, files: Sequence[UploadedFile], mapping: UploadedFile | None
) -> ImportResult | None:
    folder = new_upload_folder(view.settings.inbox_dir)
    paths = save_uploads(((f.name, f.getvalue()) for f in files), folder)
    mapping_path = None
    if mapping is not None:
        (mapping_path,) = save_uploads(
            [(mapping.name, mapping.getvalue())], folder, subfolder="mapping"
        )
    total = len(paths)
    progress = st.progress(0.0, text=view.t("data.upload.preparing", total=total))
    notice = st.empty()
    done: list[FileReport] = []

    def on_file(report: FileReport) -> None:
        done.append(report)
        text = (
            view.t("data.upload.publishing", total=total)
            if len(done) == total
            else view.t("data.upload.progress", done=len(done), total=total, name=_name(report))
        )
        notice.empty()
        progress.progress(len(done) / total, text=text)

    wait = format_duration(dt.timedelta(seconds=view.settings.writer_wait_seconds), view.lang)

    def on_wait() -> None:
        notice.info(view.t("data.upload.waiting", wait=wait), icon="⏳")

    try:
        reports = ingest_paths(
            paths, view.settings, mapping=mapping_path, on_file=on_file, on_wait=on_wait
        )
    except MappingError as e:
        progress.empty()
        st.error(view.t("data.upload.bad_mapping", problem=_mapping_problem(e)))
        return None
    except StoreBusyError:
        progress.empty()
        st.error(view.t("data.upload.busy", wait=wait, folder=folder))
        return None
    except PipelineError as e:
        progress.empty()
        st.error(view.t("data.upload.failed", problem=e, folder=folder))
        return None
    now = dt.datetime.now(ZoneInfo(view.settings.timezone))
    return ImportResult(now, folder, tuple(reports))


def _summary(view: Page, result: ImportResult) -> None:
    reports = result.reports
    counts = {status: sum(r.status == status for r in reports) for status in _OUTCOMES}
    st.markdown(f"**{view.t('data.summary.title', when=_when(result.when, view))}**")
    headline = view.t(
        "data.summary.headline",
        files=len(reports),
        completed=counts["completed"],
        duplicates=counts["duplicate_file"],
        refused=counts["refused"],
        mails=sum(r.mails_changed for r in reports),
    )
    (st.warning if counts["refused"] else st.success)(headline)
    st.table(summary_frame(reports, view.lang, view.settings.timezone), hide_index=True)
    rejected = sum(r.records_rejected for r in reports)
    notes = [view.t("data.summary.saved_in", folder=result.folder)]
    if rejected:
        notes.insert(0, view.t("data.summary.rejected_records", count=rejected))
    st.caption(" ".join(notes))
    if st.button(view.t("data.summary.dismiss"), key="data_dismiss"):
        del st.session_state[_LAST]
        st.rerun()


_OUTCOMES = ("completed", "duplicate_file", "refused")


def summary_frame(reports: Sequence[FileReport], lang: str, timezone: str) -> pd.DataFrame:
    """One row per file: its outcome, format, counts and the message in plain words."""
    rows = [
        {
            t("data.col.file", lang): _name(r),
            t("data.col.result", lang): run_status(r.status, lang),
            t("data.col.format", lang): format_label(r.format, lang),
            t("data.col.read", lang): r.records_read,
            t("data.col.loaded", lang): r.records_loaded,
            t("data.col.duplicate", lang): r.records_duplicate,
            t("data.col.rejected", lang): r.records_rejected,
            t("data.col.mails_changed", lang): r.mails_changed,
            t("data.col.note", lang): run_message(r.message, lang, timezone),
        }
        for r in reports
    ]
    return pd.DataFrame(rows)


def _name(report: FileReport) -> str:
    return Path(report.path).name


def _when(moment: dt.datetime, view: Page) -> str:
    return format_datetime(moment.replace(tzinfo=None), view.lang)


def _mapping_problem(error: MappingError) -> str:
    return f"`{error.key}` — {error.problem}" if error.key else error.problem
