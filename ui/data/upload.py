"""The Data page's upload: files (and an optional column mapping) are saved to a private folder of
the inbox, ingested through the single writer in a background job with a progress bar, and
summarised per file.

The job is kept in the session: a rerun while it works (any click) only redraws its progress, and
the same upload is never ingested twice by a replayed click. Every other page keeps reading its
snapshot meanwhile; once the job is done the page reruns and reads the snapshot it published.
The summary stays until dismissed. Nothing here reads the store or builds SQL.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from pipeline.errors import PipelineError, StoreBusyError
from pipeline.i18n import format_datetime, t
from pipeline.ingest.job import IngestJob
from pipeline.ingest.messages import (
    format_label,
    run_message,
    run_status,
    without_server_paths,
)
from pipeline.ingest.runs import FileReport
from pipeline.ingest.uploads import new_upload_folder, save_uploads
from pipeline.readers.mapping_file import MappingError
from ui.app.shell import Page
from ui.data.health import format_duration
from ui.mail.facts import md_escape

_ROUND = "data_upload_round"  # part of the upload widgets' keys: a new round empties them
_JOB = "data_import_job"
_LAST = "data_last_import"
_STARTED = "data_started_uploads"  # file ids of every upload this session already ingested
_POLL_SECONDS = 0.25


@dataclass(frozen=True)
class ImportResult:
    """One upload's outcome, kept in the session so that it survives reruns."""

    when: dt.datetime
    folder: Path
    reports: tuple[FileReport, ...]
    error: str | None = None  # the whole import failed: said in plain words
    detail: str | None = None  # for an unexpected failure, its technical words (no server path)


@dataclass
class _Running:
    job: IngestJob
    folder: Path
    upload_ids: frozenset[str]


def upload_and_ingest(view: Page) -> None:
    """The upload form, the running import's progress, and the last import's summary."""
    st.subheader(view.t("data.upload.title"))
    round_ = st.session_state.setdefault(_ROUND, 0)
    running = st.session_state.get(_JOB)
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
        view.t("data.upload.start"),
        type="primary",
        disabled=not files or running is not None,
        key="data_start",
    )
    if start and files and running is None:
        ids = frozenset(f.file_id for f in [*files, *([mapping] if mapping else [])])
        if ids not in st.session_state.setdefault(_STARTED, set()):  # not a replayed click
            running = _start(view, files, mapping, ids)
    if isinstance(running, _Running):
        _follow(view, running)
    last = st.session_state.get(_LAST)
    if isinstance(last, ImportResult):
        _summary(view, last)


def _start(
    view: Page,
    files: Sequence[UploadedFile],
    mapping: UploadedFile | None,
    upload_ids: frozenset[str],
) -> _Running:
    now = dt.datetime.now(ZoneInfo(view.settings.timezone)).replace(tzinfo=None)
    folder = new_upload_folder(view.settings.inbox_dir, now)
    paths = save_uploads(((f.name, f.getvalue()) for f in files), folder)
    mapping_path = None
    if mapping is not None:
        (mapping_path,) = save_uploads(
            [(mapping.name, mapping.getvalue())], folder, subfolder="mapping"
        )
    job = IngestJob(paths, view.settings, mapping=mapping_path).start()
    running = _Running(job, folder, upload_ids)
    st.session_state[_STARTED].add(upload_ids)
    st.session_state[_JOB] = running
    return running


def _follow(view: Page, running: _Running) -> None:
    """Show the job's progress until it is done, then keep its outcome and rerun."""
    job = running.job
    progress = st.progress(0.0, text=view.t("data.upload.preparing", count=job.total))
    notice = st.empty()
    wait = _writer_wait(view)
    while True:
        finished = job.finished
        done = len(job.done)
        if job.waiting:
            notice.info(view.t("data.upload.waiting", wait=wait), icon="⏳")
        else:
            notice.empty()
        if done:
            text = (
                view.t("data.upload.publishing", count=job.total)
                if done == job.total
                else view.t(
                    "data.upload.progress",
                    done=done,
                    total=job.total,
                    name=md_escape(_name(job.done[-1])),
                )
            )
            progress.progress(done / job.total, text=text)
        if finished:
            break
        time.sleep(_POLL_SECONDS)
    del st.session_state[_JOB]
    st.session_state[_LAST] = _outcome(view, running)
    if job.error is None:
        st.session_state[_ROUND] = st.session_state.get(_ROUND, 0) + 1  # empties the widgets
    else:
        st.session_state[_STARTED].discard(running.upload_ids)  # the same files may be retried
    st.rerun()


def _outcome(view: Page, running: _Running) -> ImportResult:
    job = running.job
    now = dt.datetime.now(ZoneInfo(view.settings.timezone))
    error, detail = failure_message(job.error, running.folder, view.lang, _writer_wait(view))
    return ImportResult(now, running.folder, job.reports or (), error, detail)


def failure_message(
    error: Exception | None, folder: Path, lang: str, wait: str
) -> tuple[str | None, str | None]:
    """What to tell the user of a failed import, in plain words and never with a server path or
    raw exception text, and the technical words of an unexpected failure (for an expander)."""
    shown = md_escape(upload_folder_name(folder))
    if error is None:
        return None, None
    if isinstance(error, MappingError):
        return t("data.upload.bad_mapping", lang, problem=_mapping_problem(error)), None
    if isinstance(error, StoreBusyError):
        return t("data.upload.busy", lang, wait=wait, folder=shown), None
    if isinstance(error, PipelineError):
        problem = md_escape(without_server_paths(str(error)))
        return t("data.upload.failed", lang, problem=problem, folder=shown), None
    problem = t("data.upload.unexpected", lang)
    detail = without_server_paths(f"{type(error).__name__}: {error}")
    return t("data.upload.failed", lang, problem=problem, folder=shown), detail


def upload_folder_name(folder: Path) -> str:
    """An upload's folder as the user may see it: `uploads/<when>`, from the inbox, not from the
    server's root."""
    return f"{folder.parent.name}/{folder.name}"


def _summary(view: Page, result: ImportResult) -> None:
    if result.error:
        st.error(result.error)
        if result.detail:
            with st.expander(view.t("data.upload.technical")):
                st.code(result.detail, language=None, wrap_lines=True)
        return
    reports = result.reports
    counts = {status: sum(r.status == status for r in reports) for status in _OUTCOMES}
    st.markdown(f"**{view.t('data.summary.title', when=_when(result.when, view))}**")
    headline = summary_headline(reports, view.lang)
    (st.warning if counts["refused"] else st.success)(headline)
    st.table(summary_frame(reports, view.lang, view.settings.timezone), hide_index=True)
    rejected = sum(r.records_rejected for r in reports)
    notes = [view.t("data.summary.saved_in", folder=md_escape(upload_folder_name(result.folder)))]
    if rejected:
        notes.insert(0, view.t("data.summary.rejected_records", count=rejected))
    st.caption(" ".join(notes))
    if st.button(view.t("data.summary.dismiss"), key="data_dismiss"):
        del st.session_state[_LAST]
        st.rerun()


_OUTCOMES = ("completed", "duplicate_file", "refused")


def summary_headline(reports: Sequence[FileReport], lang: str) -> str:
    """ "2 fichiers : 1 importé, 0 déjà importé, 1 refusé. 3 e-mails mis à jour." """
    counts = {status: sum(r.status == status for r in reports) for status in _OUTCOMES}

    def part(key: str, count: int) -> str:
        return t(f"data.summary.{key}", lang, count=count)

    return t(
        "data.summary.headline",
        lang,
        files=part("files", len(reports)),
        completed=part("completed", counts["completed"]),
        duplicates=part("duplicates", counts["duplicate_file"]),
        refused=part("refused", counts["refused"]),
        mails=part("mails", sum(r.mails_changed for r in reports)),
    )


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
            t("data.col.note", lang): run_message(r.note, r.message, lang, timezone),
        }
        for r in reports
    ]
    return pd.DataFrame(rows)


def _writer_wait(view: Page) -> str:
    return format_duration(dt.timedelta(seconds=view.settings.writer_wait_seconds), view.lang)


def _name(report: FileReport) -> str:
    return Path(report.path).name


def _when(moment: dt.datetime, view: Page) -> str:
    return format_datetime(moment.replace(tzinfo=None), view.lang)


def _mapping_problem(error: MappingError) -> str:
    return f"`{error.key}` — {error.problem}" if error.key else error.problem
