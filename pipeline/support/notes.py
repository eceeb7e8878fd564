"""Support's notes on failed sends: "handled — address corrected in the platform (Alice, 12/11)".

A note is about a recipient address (what support fixes is the address, whatever mail failed) and
may name the mail it was written from. Notes live in their own SQLite file (settings'
`resolved_notes_path`), apart from the DuckDB store: writing one never needs the ingest's write
lock, and an ingest never touches them. An address counts as handled until it fails again after
its latest note. Reading never creates the file. No Streamlit here.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import PipelineError

MAX_NOTE = 1000
MAX_AUTHOR = 80
_TIMEOUT_SECONDS = 10
_SCHEMA = """
CREATE TABLE IF NOT EXISTS handled_notes (
    note_id         INTEGER PRIMARY KEY,
    recipient_email TEXT NOT NULL,  -- lower-cased, as in the store
    send_id         TEXT,           -- the mail the note was written from, when there was one
    author          TEXT NOT NULL,
    note            TEXT NOT NULL,
    written_at      TEXT NOT NULL   -- ISO 8601, UTC
);
CREATE INDEX IF NOT EXISTS handled_notes_by_address ON handled_notes (recipient_email, written_at);
"""


class NotesError(PipelineError):
    """A note cannot be saved or read (empty text, unwritable file)."""


@dataclass(frozen=True)
class Note:
    """One "handled" note on an address."""

    note_id: int
    recipient_email: str
    send_id: str | None
    author: str
    note: str
    written_at: dt.datetime  # aware, UTC


def add_note(
    path: Path,
    recipient_email: str,
    author: str,
    note: str,
    *,
    send_id: str | None = None,
    now: dt.datetime | None = None,
) -> Note:
    """Record that `author` handled the failures of `recipient_email`, with a short note."""
    email, author, note = recipient_email.strip().lower(), author.strip(), note.strip()
    if not email:
        raise NotesError("a note needs the recipient address it is about")
    if not author or not note:
        raise NotesError("a note needs its author and a text")
    if len(author) > MAX_AUTHOR or len(note) > MAX_NOTE:
        raise NotesError(f"an author holds at most {MAX_AUTHOR} characters, a note {MAX_NOTE}")
    written = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    with _connect(path, create=True) as con:
        cursor = con.execute(
            "INSERT INTO handled_notes (recipient_email, send_id, author, note, written_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (email, send_id, author, note, written.isoformat(timespec="microseconds")),
        )
        note_id = int(cursor.lastrowid or 0)
    return Note(note_id, email, send_id, author, note, written)


def delete_note(path: Path, note_id: int) -> bool:
    """Remove a note written by mistake; True when there was one."""
    if not path.exists():
        return False
    with _connect(path, create=True) as con:
        return con.execute("DELETE FROM handled_notes WHERE note_id = ?", (note_id,)).rowcount > 0


def notes_for(path: Path, recipient_email: str) -> list[Note]:
    """Every note on an address, the latest first."""
    with _reading(path) as con:
        if con is None:
            return []
        rows = con.execute(
            f"SELECT {_COLUMNS} FROM handled_notes WHERE recipient_email = ? "
            "ORDER BY written_at DESC, note_id DESC",
            (recipient_email.strip().lower(),),
        ).fetchall()
    return [_note(row) for row in rows]


def latest_notes(path: Path, recipient_emails: Iterable[str] | None = None) -> dict[str, Note]:
    """The latest note of each address (of those given, or of every address)."""
    wanted = None if recipient_emails is None else {e.strip().lower() for e in recipient_emails}
    with _reading(path) as con:
        if con is None:
            return {}
        rows = con.execute(
            f"SELECT {_COLUMNS} FROM handled_notes AS n WHERE NOT EXISTS ("
            " SELECT 1 FROM handled_notes AS later WHERE later.recipient_email = n.recipient_email"
            " AND (later.written_at, later.note_id) > (n.written_at, n.note_id))"
        ).fetchall()
    found = (_note(row) for row in rows)
    return {n.recipient_email: n for n in found if wanted is None or n.recipient_email in wanted}


def is_handled(note: Note | None, last_failed_at: dt.datetime | None) -> bool:
    """An address is handled when a note was written after its latest failure."""
    if note is None:
        return False
    if last_failed_at is None:
        return True
    failed = last_failed_at if last_failed_at.tzinfo else last_failed_at.replace(tzinfo=dt.UTC)
    return note.written_at >= failed


_COLUMNS = "note_id, recipient_email, send_id, author, note, written_at"


def _note(row: tuple) -> Note:
    note_id, email, send_id, author, text, written = row
    return Note(int(note_id), email, send_id, author, text, dt.datetime.fromisoformat(written))


@contextlib.contextmanager
def _connect(path: Path, *, create: bool) -> Iterator[sqlite3.Connection]:
    """A connection in one transaction (committed on success), closed afterwards."""
    try:
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(path, timeout=_TIMEOUT_SECONDS)
    except (OSError, sqlite3.Error) as e:
        raise NotesError(f"cannot open the notes file {path}: {e}") from e
    try:
        with con:
            if create:
                con.executescript(_SCHEMA)
            yield con
    except sqlite3.Error as e:
        raise NotesError(f"the notes file {path} cannot be used: {e}") from e
    finally:
        con.close()


@contextlib.contextmanager
def _reading(path: Path) -> Iterator[sqlite3.Connection | None]:
    """A read-only connection, or None when no note was ever written (no file, no table)."""
    if not path.exists():
        yield None
        return
    try:
        con = sqlite3.connect(
            f"{path.absolute().as_uri()}?mode=ro", uri=True, timeout=_TIMEOUT_SECONDS
        )
    except sqlite3.Error as e:
        raise NotesError(f"cannot read the notes file {path}: {e}") from e
    try:
        exists = con.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'handled_notes'"
        ).fetchone()
        yield con if exists else None
    except sqlite3.Error as e:
        raise NotesError(f"the notes file {path} cannot be read: {e}") from e
    finally:
        con.close()
