"""The files of one ingest have their mails refreshed once, together, after the last file.

The stored mails equal those of the same files ingested one call each; each mail that changed
status over the batch is counted once, on the last file that touched it, in the reports and in
ingest_runs; a file refused in the middle leaves the others' mails refreshed.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from pipeline.ingest.files import ingest_paths
from pipeline.settings import Settings

T0 = 1_767_600_000  # 2026-01-05 08:00 UTC
SEND_LOG = (
    "send_id,requested_at,provider,provider_message_id,recipient_email\n"
    "S-1,2026-01-05T08:00:00Z,brevo,<m1@x>,lea.petit@free.fr\n"
    "S-2,2026-01-05T08:00:00Z,brevo,<m2@x>,paul.martin@free.fr\n"
)


def brevo_line(event: str, message_id: str, email: str, second: int) -> str:
    return json.dumps(
        {"event": event, "email": email, "message-id": message_id, "ts_epoch": (T0 + second) * 1000}
    )


def write_inputs(folder: Path) -> list[Path]:
    folder.mkdir()
    sends = folder / "a-sends.csv"
    sends.write_text(SEND_LOG)
    delivered = folder / "b-delivered.jsonl"
    delivered.write_text(brevo_line("delivered", "<m1@x>", "lea.petit@free.fr", 5) + "\n")
    broken = folder / "c-broken.csv"
    broken.write_bytes(b"\x00\x01 not a known format")
    opened = folder / "d-opened.jsonl"
    opened.write_text(
        brevo_line("opened", "<m1@x>", "lea.petit@free.fr", 60)
        + "\n"
        + brevo_line("delivered", "<m3@x>", "nobody@free.fr", 7)
        + "\n"
    )
    return [sends, delivered, broken, opened]


def stored(db: Path) -> tuple[list[tuple], list[tuple]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        mails = con.execute(
            "SELECT send_id, recipient_email, status, has_send_log FROM email_history ORDER BY ALL"
        ).fetchall()
        events = con.execute("SELECT mail_id, event, event_at FROM events ORDER BY ALL").fetchall()
        return mails, events
    finally:
        con.close()


def test_a_batch_stores_the_same_mails_as_its_files_ingested_one_by_one(tmp_path: Path) -> None:
    batch = Settings.from_env(environ={}, db_path=tmp_path / "batch.duckdb")
    one_by_one = Settings.from_env(environ={}, db_path=tmp_path / "single.duckdb")
    paths = write_inputs(tmp_path / "in")
    ingest_paths(paths, batch)
    for path in paths:
        ingest_paths([path], one_by_one)
    mails, events = stored(batch.db_path)
    assert (mails, events) == stored(one_by_one.db_path)
    statuses = {recipient: status for _, recipient, status, _ in mails}
    assert statuses == {
        "lea.petit@free.fr": "opened",
        "paul.martin@free.fr": "requested",
        "nobody@free.fr": "delivered",
    }
    assert all(mail_id is not None for mail_id, _, _ in events)


def test_each_changed_mail_is_counted_once_on_the_last_file_that_touched_it(
    tmp_path: Path,
) -> None:
    config = Settings.from_env(environ={}, db_path=tmp_path / "m.duckdb")
    reports = ingest_paths(write_inputs(tmp_path / "in"), config)
    assert [r.status for r in reports] == ["completed", "completed", "refused", "completed"]
    # S-2 only by the send log; S-1 last by the opens file, with the mail known from events alone.
    assert [r.mails_changed for r in reports] == [1, 0, 0, 2]
    con = duckdb.connect(str(config.db_path), read_only=True)
    try:
        recorded = con.execute(
            "SELECT file_name, mails_changed FROM ingest_runs ORDER BY run_id"
        ).fetchall()
    finally:
        con.close()
    assert recorded == [(Path(r.path).name, r.mails_changed) for r in reports]
