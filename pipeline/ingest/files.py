"""Ingesting files into the store: the checklist every file goes through.

    detect → read & stage → validate → merge → note the touched mails → record the run
    and once the batch's files are loaded: refresh the statuses of every touched mail

Each file is one transaction: it is recorded as ingested only with everything it loaded, and a
file refused as a whole changes nothing but the ingest history. All files of one call share one
writer session, published when the last file is done; the statuses of the mails they touched are
refreshed once for the batch, after the last file and before the publish (readers only ever see
published stores, so they never see a file loaded without its mails refreshed).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import duckdb

from pipeline.errors import InputFileError, PipelineError, StoreError
from pipeline.i18n.messages import Message, message, notes
from pipeline.ingest.file_checks import is_directory, refusal_before_reading
from pipeline.ingest.merge import merge_events, merge_sends, note_touched_mails, refresh_noted_mails
from pipeline.ingest.runs import (
    FileReport,
    earlier_ingest_of,
    file_sha256,
    next_run_id,
    record_rejects,
    record_run,
)
from pipeline.ingest.stage import stage_file
from pipeline.ingest.validate import DateWindow
from pipeline.readers import READERS, ReaderSpec
from pipeline.readers.detect import detect_format
from pipeline.readers.mapped_csv import MappingError, load_mapping
from pipeline.rules.sql_files import install_macros
from pipeline.settings import InputLimits, Settings
from pipeline.store import Writer, abort_transaction, disk_full_error, is_disk_full, open_writer

log = logging.getLogger(__name__)

Progress = Callable[[FileReport], None]


def ingest_paths(
    paths: Iterable[Path | str],
    settings: Settings,
    *,
    readers: tuple[ReaderSpec, ...] = READERS,
    mapping: Path | str | None = None,
    on_file: Progress | None = None,
    on_wait: Callable[[], None] | None = None,
) -> list[FileReport]:
    """Ingest files and folders (recursively) into the store named by `settings`.

    `mapping` names a column mapping file (TOML, docs/mappings.md): CSV files that have its
    columns are read through it, before any built-in reader is tried. A mapping that cannot be
    used raises MappingError before anything is ingested. `on_file` is called with each file's
    report as soon as it is done; `on_wait` once, if another ingest holds the store and this one
    queues behind it (StoreBusyError after `settings.writer_wait_seconds`).
    """
    if mapping is not None:
        readers = (load_mapping(mapping), *readers)
    files = list(expand_paths(paths))
    reports: list[FileReport] = []
    with open_writer(settings, on_wait=on_wait) as writer:
        install_macros(writer.con)
        for path in files:
            report = load_file(writer, path, readers=readers)
            reports.append(report)
            if on_file:
                on_file(report)
        return refresh_loaded_mails(writer, reports)


def expand_paths(paths: Iterable[Path | str]) -> Iterator[Path]:
    """Files as given, and everything under folders that is not a folder (sorted, hidden ones
    skipped): links and special files too, so that ingest_file refuses them with a reason
    instead of following them or leaving them out unsaid."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                hidden = any(part.startswith(".") for part in child.relative_to(path).parts)
                if not hidden and not is_directory(child):
                    yield child
        else:
            yield path


def ingest_file(
    writer: Writer, path: Path, *, readers: tuple[ReaderSpec, ...] = READERS
) -> FileReport:
    """Ingest one file alone: load it, then refresh the mails it touched."""
    (report,) = refresh_loaded_mails(writer, [load_file(writer, path, readers=readers)])
    return report


def refresh_loaded_mails(writer: Writer, reports: list[FileReport]) -> list[FileReport]:
    """Refresh, in one transaction, every mail the files loaded since the last refresh touched;
    the reports (and their runs in ingest_runs) with how many mails changed status."""
    if not any(r.run_id for r in reports):
        return reports  # only duplicates and refusals: nothing was loaded, nothing to refresh
    con = writer.con
    con.execute("BEGIN TRANSACTION")
    try:
        changed = refresh_noted_mails(con)
        for run_id, count in changed.items():
            con.execute(
                "UPDATE ingest_runs_log SET mails_changed = ? WHERE run_id = ?", [count, run_id]
            )
        con.execute("COMMIT")
    except duckdb.Error as e:
        abort_transaction(con)  # a failed COMMIT has rolled back: its error is the one to tell
        if is_disk_full(e):
            raise disk_full_error(writer.settings.db_path, "refreshing the mails loaded") from e
        log.exception("refreshing the mails of %d files failed", len(reports))
        raise StoreError(f"the database refused the status refresh: {e}") from e
    except BaseException:
        abort_transaction(con)
        raise
    return [
        dataclasses.replace(r, mails_changed=changed.get(r.run_id, 0)) if r.run_id else r
        for r in reports
    ]


def load_file(
    writer: Writer, path: Path, *, readers: tuple[ReaderSpec, ...] = READERS
) -> FileReport:
    """Load one file in its own transaction, noting the mails it touched for the next
    `refresh_loaded_mails`; never raises for a bad file, only reports it."""
    con = writer.con
    writer.announce(path)
    started_at = dt.datetime.now(dt.UTC)
    limits = writer.settings.limits
    try:
        refusal = refusal_before_reading(path, limits)
        if refusal is not None:
            return _refuse(con, path, refusal, started_at)
        sha256, size = file_sha256(path), path.stat().st_size
    except OSError as e:
        return _refuse(con, path, message("unreadable", detail=str(e.strerror or e)), started_at)
    earlier = earlier_ingest_of(con, sha256)
    if earlier:
        return _record_duplicate_file(con, path, sha256, size, earlier, started_at)
    try:
        spec = detect_format(path, readers, limits)
        window = DateWindow(writer.settings.plausible_since, writer.settings.plausible_days_ahead)
        return _ingest_in_transaction(con, path, spec, sha256, size, started_at, window, limits)
    except InputFileError as e:
        return _refuse(con, path, e.message, started_at, sha256=sha256, size=size)
    except (RecursionError, MemoryError, ValueError, TypeError, KeyError, IndexError) as e:
        # A reader's bug on some input must cost that file only, recorded and logged, never the
        # other files of the call (nor the watcher, which would die on it at every restart).
        log.exception("unexpected %s while ingesting %s", type(e).__name__, path)
        problem = message("unexpected_error", error=type(e).__name__)
        return _refuse(con, path, problem, started_at, sha256=sha256, size=size)
    except duckdb.Error as e:
        if is_disk_full(e):
            raise disk_full_error(writer.settings.db_path, f"ingesting {path.name}") from e
        log.exception("ingest of %s failed", path)
        raise StoreError(f"{path}: the database refused the ingest: {e}") from e


def _ingest_in_transaction(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    spec: ReaderSpec,
    sha256: str,
    size: int,
    started_at: dt.datetime,
    window: DateWindow,
    limits: InputLimits,
) -> FileReport:
    con.execute("BEGIN TRANSACTION")
    try:
        run_id = next_run_id(con)
        staged = stage_file(con, path, spec, window, limits)
        if spec.kind == "events":
            merged = merge_events(con, run_id, str(path))
        else:
            merged = merge_sends(con, run_id, str(path))
        note_touched_mails(con, run_id)
        report = FileReport(
            path=str(path),
            status="completed",
            format=spec.name,
            records_read=staged.records_read,
            records_loaded=merged.loaded,
            records_duplicate=merged.duplicates,
            records_rejected=staged.records_rejected + merged.rejected_in_merge,
            unknown_events=staged.unknown_events,
            note=_summary_note(staged.unknown_events, merged.loaded, merged.duplicates),
            run_id=run_id,
        )
        record_run(con, report, run_id=run_id, sha256=sha256, size=size, started_at=started_at)
        record_rejects(con, run_id, str(path), limits.rejects_per_file)
        con.execute("COMMIT")
    except BaseException:
        abort_transaction(con)  # a failed COMMIT has rolled back: its error is the one to tell
        raise
    log.info("%s: %s", path, report)
    return report


def _summary_note(unknown: int, loaded: int, duplicates: int) -> Message | None:
    found = []
    if unknown:
        found.append(message("unknown_events", count=unknown))
    if duplicates and not loaded:
        found.append(message("all_known"))
    return notes(found)


def _record_duplicate_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    sha256: str,
    size: int,
    earlier: tuple[int, str, str],
    started_at: dt.datetime,
) -> FileReport:
    run_id, earlier_path, when = earlier
    report = FileReport(
        path=str(path),
        status="duplicate_file",
        note=message("duplicate_file", path=earlier_path, run=run_id, when=when),
    )
    _record_alone(con, report, sha256, size, started_at)
    return report


def _refuse(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    problem: Message,
    started_at: dt.datetime,
    *,
    sha256: str | None = None,
    size: int | None = None,
) -> FileReport:
    report = FileReport(path=str(path), status="refused", note=problem)
    _record_alone(con, report, sha256, size, started_at)
    log.warning("%s refused: %s", path, problem.text)
    return report


def _record_alone(
    con: duckdb.DuckDBPyConnection,
    report: FileReport,
    sha256: str | None,
    size: int | None,
    started_at: dt.datetime,
) -> FileReport:
    con.execute("BEGIN TRANSACTION")
    try:
        run_id = next_run_id(con)
        record_run(con, report, run_id=run_id, sha256=sha256, size=size, started_at=started_at)
        con.execute("COMMIT")
    except BaseException:
        abort_transaction(con)  # a failed COMMIT has rolled back: its error is the one to tell
        raise
    return report


__all__ = [
    "FileReport",
    "MappingError",
    "PipelineError",
    "expand_paths",
    "ingest_file",
    "ingest_paths",
    "load_file",
    "refresh_loaded_mails",
]
