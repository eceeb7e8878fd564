"""Support notes on failed addresses: their own SQLite file, never the DuckDB store."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from pathlib import Path

import pytest

from pipeline.settings import Settings
from pipeline.support.notes import (
    MAX_NOTE,
    NotesError,
    add_note,
    delete_note,
    is_handled,
    latest_notes,
    notes_for,
)

UTC = dt.UTC


def at(day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, tzinfo=UTC)


def test_a_note_is_kept_with_its_author_time_and_mail(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    note = add_note(
        path, " Marie@Gmial.com ", " Alice ", " Address fixed ", send_id="M1", now=at(2)
    )
    assert (note.recipient_email, note.author, note.note, note.send_id) == (
        "marie@gmial.com", "Alice", "Address fixed", "M1",
    )  # fmt: skip
    assert notes_for(path, "MARIE@gmial.com") == [note]


def test_reading_notes_never_creates_the_file(tmp_path: Path) -> None:
    path = tmp_path / "none" / "notes.sqlite"
    assert notes_for(path, "a@b.fr") == []
    assert latest_notes(path) == {}
    assert not delete_note(path, 1)
    assert not path.exists()


def test_the_latest_note_of_each_address_wins(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    add_note(path, "a@b.fr", "Alice", "called", now=at(2))
    second = add_note(path, "a@b.fr", "Bob", "fixed", now=at(3))
    other = add_note(path, "c@d.fr", "Alice", "ok", now=at(1))
    same_time = add_note(path, "c@d.fr", "Carl", "later row", now=at(1))
    assert latest_notes(path) == {"a@b.fr": second, "c@d.fr": same_time}
    assert latest_notes(path, ["A@B.fr"]) == {"a@b.fr": second}
    assert [n.author for n in notes_for(path, "a@b.fr")] == ["Bob", "Alice"]
    assert other.note_id != same_time.note_id


def test_an_address_is_handled_until_it_fails_again(tmp_path: Path) -> None:
    note = add_note(tmp_path / "n.sqlite", "a@b.fr", "Alice", "fixed", now=at(5))
    assert is_handled(note, at(4))
    assert is_handled(note, at(5))
    assert not is_handled(note, at(6))
    assert not is_handled(None, at(4))
    paris = dt.timezone(dt.timedelta(hours=1))
    assert is_handled(note, dt.datetime(2026, 3, 5, 10, 30, tzinfo=paris))  # 09:30 UTC


def test_a_note_without_author_or_text_or_too_long_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "n.sqlite"
    for author, text in (("", "x"), ("Alice", "  "), ("Alice", "x" * (MAX_NOTE + 1))):
        with pytest.raises(NotesError):
            add_note(path, "a@b.fr", author, text)
    with pytest.raises(NotesError):
        add_note(path, " ", "Alice", "x")
    assert notes_for(path, "a@b.fr") == []


def test_a_note_can_be_deleted(tmp_path: Path) -> None:
    path = tmp_path / "n.sqlite"
    note = add_note(path, "a@b.fr", "Alice", "oops")
    assert delete_note(path, note.note_id)
    assert not delete_note(path, note.note_id)
    assert notes_for(path, "a@b.fr") == []


def test_an_unusable_notes_file_raises_a_notes_error(tmp_path: Path) -> None:
    path = tmp_path / "n.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(NotesError):
        add_note(path, "a@b.fr", "Alice", "x")
    with pytest.raises(NotesError):
        notes_for(path, "a@b.fr")


def test_notes_written_together_from_several_threads_are_all_kept(tmp_path: Path) -> None:
    path = tmp_path / "n.sqlite"
    errors: list[Exception] = []

    def write(i: int) -> None:
        try:
            for j in range(10):
                add_note(path, f"user{i}@b.fr", f"A{i}", f"note {j}")
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(len(notes_for(path, f"user{i}@b.fr")) for i in range(4)) == 40


def test_notes_live_beside_the_database_in_their_own_sqlite_file(tmp_path: Path) -> None:
    config = Settings.from_env(environ={}, db_path=tmp_path / "mailtrail.duckdb")
    add_note(config.resolved_notes_path, "a@b.fr", "Alice", "x")
    assert config.resolved_notes_path == tmp_path / "mailtrail_notes.sqlite"
    with sqlite3.connect(config.resolved_notes_path) as con:
        assert con.execute("SELECT count(*) FROM handled_notes").fetchone() == (1,)
    assert not (tmp_path / "mailtrail.duckdb").exists()
