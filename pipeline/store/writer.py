"""The single writer: every change to the store happens on a private copy that is published whole.

An ingest copies the published database to a private work file, changes it there in ordinary
transactions, checkpoints it, makes it durable and atomically renames it over the published file.
Readers never share a file with the writer, so neither ever waits on the other, and a reader sees
either the whole of an ingest or none of it. A writer killed at any point leaves the published
file untouched; its leftovers are cleared, and recorded as interrupted, by the next writer.
Writers queue on a lock file. Nothing here parses inputs or knows about pages.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import duckdb

from pipeline.errors import StoreBusyError, StoreError
from pipeline.i18n.messages import message
from pipeline.settings import Settings
from pipeline.store.failures import abort_transaction, disk_full_error, is_disk_full, os_error
from pipeline.store.schema import migrate, schema_version

log = logging.getLogger(__name__)


@dataclass
class Writer:
    """An open write session on a private copy of the store."""

    con: duckdb.DuckDBPyConnection
    settings: Settings
    journal_path: Path
    earlier_interruptions: list[dict] = field(default_factory=list)
    started_at: str = field(default_factory=lambda: _now_iso())
    files_in_hand: list[str] = field(default_factory=list)
    session_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def announce(self, path: Path | str) -> None:
        """Note a file in the journal before touching the store for it (crash forensics)."""
        self.files_in_hand.append(str(path))
        current = {
            "session": self.session_id,
            "pid": os.getpid(),
            "started_at": self.started_at,
            "files": self.files_in_hand,
        }
        _write_journal(self.journal_path, [*self.earlier_interruptions, current])


def sidecar(db_path: Path, suffix: str) -> Path:
    """A hidden file beside the database, e.g. `.mailtrail.duckdb.lock`."""
    return db_path.with_name(f".{db_path.name}.{suffix}")


@contextlib.contextmanager
def open_writer(
    settings: Settings, *, on_wait: Callable[[], None] | None = None
) -> Iterator[Writer]:
    """Open the store for writing; publish on clean exit, discard everything on an exception.

    `on_wait` is called once if another writer holds the lock, before waiting for it (up to
    `settings.writer_wait_seconds`, then StoreBusyError): a page says so instead of hanging.
    """
    db_path = settings.db_path.absolute()
    db_path.parent.mkdir(parents=True, exist_ok=True)
    lock = sidecar(db_path, "lock")
    with _exclusive_lock(lock, settings.writer_wait_seconds, on_wait):
        journal_path = sidecar(db_path, "journal.json")
        _remove_leftovers(db_path)
        work_path = sidecar(db_path, f"ingest-{os.getpid()}.tmp")
        try:
            _copy_published(db_path, work_path)
            con = _connect(work_path, settings)
        except BaseException as e:
            _unlink_work(work_path)
            _raise_store_failure(e, db_path, "making the work copy of the store")
        try:
            interrupted = _unpublished_sessions(con, _read_journal(journal_path))
            writer = Writer(con, settings, journal_path, earlier_interruptions=interrupted)
            _prepare(con, interrupted)
            yield writer
            _mark_published_sessions(con, writer)
            _checkpoint(con)
        except BaseException as e:
            con.close()
            _unlink_work(work_path)
            _raise_store_failure(e, db_path, "ingesting into the work copy")
        con.close()
        try:
            _publish(work_path, db_path)
        except OSError as e:
            _unlink_work(work_path)
            _raise_store_failure(e, db_path, "publishing the work copy")
        journal_path.unlink(missing_ok=True)


def _raise_store_failure(error: BaseException, db_path: Path, doing: str) -> NoReturn:
    """Raise `error` again, or, for a full disk or another OS error, the StoreError saying so in
    one sentence (pipeline.store.failures)."""
    if is_disk_full(error):
        raise disk_full_error(db_path, doing) from error
    if isinstance(error, OSError):
        raise os_error(db_path, doing, error) from error
    raise error


def _copy_published(db_path: Path, work_path: Path) -> None:
    if not db_path.exists():
        log.info("no published store yet at %s: starting an empty one", db_path)
        return
    started = time.perf_counter()
    log.info("copying the published store (%.1f MB) to the work file", _mb(db_path))
    shutil.copyfile(db_path, work_path)
    log.info("work copy ready in %.2f s", time.perf_counter() - started)


def _checkpoint(con: duckdb.DuckDBPyConnection) -> None:
    started = time.perf_counter()
    log.info("checkpointing the work file")
    con.execute("CHECKPOINT")
    log.info("checkpointed in %.2f s", time.perf_counter() - started)


def _connect(work_path: Path, settings: Settings) -> duckdb.DuckDBPyConnection:
    try:
        con = duckdb.connect(str(work_path))
    except duckdb.Error as e:
        raise StoreError(f"cannot open the work copy {work_path}: {e}") from e
    con.execute(f"SET TimeZone = '{settings.timezone}'")
    # The work file is private and checkpointed once before it is published; DuckDB's automatic
    # checkpoints (whenever the WAL passes 16 MB) only slow a session of several files down and
    # leave free blocks behind that every later publish copies.
    con.execute("SET checkpoint_threshold = '100GB'")
    return con


def _unpublished_sessions(con: duckdb.DuckDBPyConnection, journal: list[dict]) -> list[dict]:
    """The journal's sessions that the published store does not already account for.

    A writer killed after its rename but before it removed the journal did publish: the store
    names its session, and the earlier sessions it recorded as interrupted, so none of them is
    recorded (again) now.
    """
    if not journal or schema_version(con) == 0:
        return journal
    row = con.execute("SELECT value FROM schema_meta WHERE key = 'published_sessions'").fetchone()
    accounted = set(json.loads(row[0])) if row else set()
    unpublished = [s for s in journal if s.get("session") not in accounted]
    if len(unpublished) < len(journal):
        log.info("the last writer published before it stopped: its journal is stale")
    return unpublished


def _mark_published_sessions(con: duckdb.DuckDBPyConnection, writer: Writer) -> None:
    """Name in the store the writer sessions this publish accounts for (see above)."""
    sessions = [writer.session_id] + [
        s["session"] for s in writer.earlier_interruptions if s.get("session")
    ]
    con.execute(
        "INSERT OR REPLACE INTO schema_meta VALUES ('published_sessions', ?)",
        [json.dumps(sessions)],
    )


def _prepare(con: duckdb.DuckDBPyConnection, interrupted: list[dict]) -> None:
    con.execute("BEGIN TRANSACTION")
    try:
        migrate(con)
        for session in interrupted:
            _record_interrupted(con, session)
        con.execute("COMMIT")
    except BaseException:
        abort_transaction(con)
        raise


def _record_interrupted(con: duckdb.DuckDBPyConnection, journal: dict) -> None:
    started = journal.get("started_at")
    note = message("interrupted", started=str(started), pid=str(journal.get("pid")))
    for path in journal.get("files", []):
        con.execute(
            """
            INSERT INTO ingest_runs_log (run_id, file_path, file_name, status, started_at,
                                         finished_at, message, message_code, message_params)
            VALUES (nextval('ingest_run_ids'), ?, ?, 'interrupted', COALESCE(?, now()), now(),
                    ?, ?, ?)
            """,
            [path, Path(path).name, started, note.text, note.code, note.params_json()],
        )
    log.warning(
        "recorded the interrupted files of an earlier ingest: %d", len(journal.get("files", []))
    )


def _publish(work_path: Path, db_path: Path) -> None:
    started = time.perf_counter()
    log.info("publishing the work file (%.1f MB)", _mb(work_path))
    _fsync_file(work_path)
    os.replace(work_path, db_path)
    _fsync_dir(db_path.parent)
    log.info("published %s in %.2f s (fsync + rename)", db_path, time.perf_counter() - started)


def _mb(path: Path) -> float:
    return path.stat().st_size / 1e6


def _now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _write_journal(journal_path: Path, sessions: list[dict]) -> None:
    """The journal lists the writer sessions not yet published; it is removed on publish."""
    tmp = journal_path.with_suffix(".tmp")
    tmp.write_text(json.dumps(sessions), encoding="utf-8")
    _fsync_file(tmp)
    os.replace(tmp, journal_path)


def _read_journal(journal_path: Path) -> list[dict]:
    """Sessions of earlier writers that died before publishing (we hold the lock)."""
    if not journal_path.exists():
        return []
    try:
        sessions = json.loads(journal_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return [{"pid": "?", "started_at": None, "files": ["(unreadable ingest journal)"]}]
    if not isinstance(sessions, list):
        return []
    return [s for s in sessions if isinstance(s, dict) and s.get("files")]


def _remove_leftovers(db_path: Path) -> None:
    """Work files of writers that died (we hold the lock, so no live writer owns them)."""
    for leftover in db_path.parent.glob(f".{db_path.name}.ingest-*.tmp*"):
        log.warning("removing the work file of an interrupted ingest: %s", leftover)
        leftover.unlink(missing_ok=True)


def _unlink_work(work_path: Path) -> None:
    for path in (work_path, work_path.with_name(work_path.name + ".wal")):
        path.unlink(missing_ok=True)


@contextlib.contextmanager
def _exclusive_lock(
    lock_path: Path, wait_seconds: float, on_wait: Callable[[], None] | None = None
) -> Iterator[None]:
    deadline = time.monotonic() + wait_seconds
    waiting = False
    with open(lock_path, "a+") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as e:
                if e.errno not in (errno.EAGAIN, errno.EACCES):
                    raise StoreError(f"cannot lock {lock_path}: {e}") from e
                if not waiting:
                    waiting = True
                    log.info("another ingest holds %s: waiting for it", lock_path)
                    if on_wait is not None:
                        on_wait()
                if time.monotonic() >= deadline:
                    raise StoreBusyError(
                        f"another ingest has been writing to {lock_path.parent} for more than "
                        f"{wait_seconds:.0f} s; try again when it has finished"
                    ) from e
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
