"""The ingest history: one row per file per ingest, and one row per refused record.

Recorded inside the ingest's transaction, so a run is only ever recorded with everything it
loaded; refusals of whole files are recorded in a transaction of their own.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipeline.i18n.messages import Message
from pipeline.ingest.limits import record_capped_rejects
from pipeline.settings import InputLimits


@dataclass(frozen=True)
class FileReport:
    """The summary of one file's ingest, as the CLI and the Data page show it."""

    path: str
    status: str  # completed | duplicate_file | refused
    format: str | None = None
    records_read: int = 0
    records_loaded: int = 0
    records_duplicate: int = 0
    records_rejected: int = 0
    unknown_events: int = 0
    mails_changed: int = 0
    note: Message | None = None  # why refused, what was skipped, notes on the run
    run_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.status != "refused"

    @property
    def message(self) -> str | None:
        """The note in the recorded English (as the CLI and failed/*.reason.txt show it)."""
        return self.note.text if self.note else None


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def next_run_id(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT nextval('ingest_run_ids')").fetchone()
    assert row is not None
    return int(row[0])


def earlier_ingest_of(con: duckdb.DuckDBPyConnection, sha256: str) -> tuple[int, str, str] | None:
    """(run_id, file_path, finished_at) of a completed ingest of identical bytes, if any."""
    row = con.execute(
        """
        SELECT run_id, file_path, strftime(finished_at, '%Y-%m-%d %H:%M')
        FROM ingest_runs_log WHERE file_sha256 = ? AND status = 'completed'
        ORDER BY run_id LIMIT 1
        """,
        [sha256],
    ).fetchone()
    return (int(row[0]), str(row[1]), str(row[2])) if row else None


def record_run(
    con: duckdb.DuckDBPyConnection,
    report: FileReport,
    *,
    run_id: int,
    sha256: str | None,
    size: int | None,
    started_at: object,
) -> None:
    con.execute(
        """
        INSERT INTO ingest_runs_log (run_id, file_path, file_name, file_sha256, file_size, format,
            status, started_at, finished_at, records_read, records_loaded, records_duplicate,
            records_rejected, unknown_events, mails_changed, message, message_code,
            message_params)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [
            run_id,
            report.path,
            Path(report.path).name,
            sha256,
            size,
            report.format,
            report.status,
            started_at,
            # The clock, not now(): inside the file's transaction now() is when it began.
            dt.datetime.now(dt.UTC),
            report.records_read,
            report.records_loaded,
            report.records_duplicate,
            report.records_rejected,
            report.unknown_events,
            report.mails_changed,
            report.message,
            report.note.code if report.note else None,
            report.note.params_json() if report.note else None,
        ],
    )


def record_rejects(
    con: duckdb.DuckDBPyConnection, run_id: int, path: str, cap: int | None = None
) -> None:
    """Copy this file's stage_rejects into the store's refused records, at most `cap` of them
    one by one (pipeline.ingest.limits)."""
    record_capped_rejects(con, run_id, path, cap or InputLimits().rejects_per_file)
