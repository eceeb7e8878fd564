"""The store: its data contract, its schema version, the publishing writer and snapshot readers."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import duckdb
import pytest

from pipeline.errors import StoreError
from pipeline.ingest.messages import reject_reason, stored_message
from pipeline.store import SCHEMA_VERSION, SnapshotReader, migrate, open_writer, schema_version
from pipeline.store.schema import MIGRATIONS, _read_sql, migration_version
from tests.conftest import DATA
from tests.history_rows import create_history

GOLDEN = Path(__file__).parent / "golden"
ROOT = Path(__file__).resolve().parents[1]


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    return [r[0] for r in con.execute(f"DESCRIBE {relation}").fetchall()]


HISTORY_GOLDEN = GOLDEN / "email_history_columns.txt"


def _typed_columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    """One `name TYPE` line per column, as the golden file records them."""
    return [f"{name} {kind}" for name, kind, *_ in con.execute(f"DESCRIBE {relation}").fetchall()]


def test_email_history_keeps_exactly_the_contract_columns_and_types(ingest, db) -> None:
    ingest(DATA / "events/brevo_webhooks.jsonl")
    actual = _typed_columns(db(), "email_history")
    if os.environ.get("MAILTRAIL_REGENERATE_GOLDEN"):
        # A contract change is made on purpose: rewrite the file, then read its diff.
        HISTORY_GOLDEN.write_text("\n".join(actual) + "\n")
    expected = HISTORY_GOLDEN.read_text().splitlines()
    assert actual == expected, (
        "email_history changed its columns or types; if that is intended, rerun with "
        f"MAILTRAIL_REGENERATE_GOLDEN=1 and review the diff of {HISTORY_GOLDEN.name}"
    )


def test_the_tests_history_stand_in_has_the_views_columns_and_types(ingest, db) -> None:
    ingest(DATA / "events/brevo_webhooks.jsonl")
    stand_in = duckdb.connect()
    create_history(stand_in, [])
    assert _typed_columns(stand_in, "email_history") == _typed_columns(db(), "email_history")
    assert _typed_columns(stand_in, "mails") == _typed_columns(db(), "mails")


def test_the_other_contract_relations_exist_with_their_key_columns(ingest, db) -> None:
    ingest(DATA / "events/brevo_webhooks.jsonl")
    con = db()
    events = _columns(con, "email_events")
    for column in (
        "send_id",
        "provider",
        "raw_event",
        "event",
        "event_at",
        "reason",
        "smtp_code",
        "enhanced_code",
        "source_file",
        "source_line",
    ):
        assert column in events
    assert {"run_id", "file_path", "status", "records_read", "records_rejected"} <= set(
        _columns(con, "ingest_runs")
    )
    assert _columns(con, "ingest_rejects") == [
        "run_id", "file_path", "line", "reason", "raw", "reason_code", "reason_params", "element",
    ]  # fmt: skip
    assert {"message", "message_code", "message_params"} <= set(_columns(con, "ingest_runs"))


def test_migrating_twice_changes_nothing(tmp_path) -> None:
    con = duckdb.connect(str(tmp_path / "x.duckdb"))
    assert schema_version(con) == 0
    assert migrate(con) == SCHEMA_VERSION
    assert migrate(con) == SCHEMA_VERSION
    assert schema_version(con) == SCHEMA_VERSION


def test_an_older_store_gains_message_codes_and_its_old_rows_read_as_written(tmp_path) -> None:
    con = duckdb.connect(str(tmp_path / "x.duckdb"))
    con.execute("CREATE TABLE schema_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    for name in MIGRATIONS[:2]:  # the store as Mailtrail wrote it before message codes
        con.execute(_read_sql(name))
    con.execute("INSERT INTO schema_meta VALUES ('schema_version', '2')")
    con.execute(
        "INSERT INTO ingest_runs_log (run_id, file_path, file_name, status, started_at, message) "
        "VALUES (1, '/in/a.csv', 'a.csv', 'refused', now(), 'the file is empty')"
    )
    con.execute("INSERT INTO ingest_rejects_log VALUES (1, '/in/a.csv', 2, 'no event time', 'x')")
    assert migrate(con) == SCHEMA_VERSION == migration_version(MIGRATIONS[-1])
    assert con.execute("SELECT message, message_code FROM ingest_runs").fetchall() == [
        ("the file is empty", None)
    ]
    code, params = con.execute("SELECT reason_code, reason_params FROM ingest_rejects").fetchone()
    assert code is None and params is None
    assert reject_reason(stored_message(code, params), "no event time", "fr") == "no event time"


def test_migrations_are_numbered_one_after_another_from_their_file_names() -> None:
    versions = [migration_version(name) for name in MIGRATIONS]
    assert versions == list(range(1, len(MIGRATIONS) + 1))
    assert migration_version("004_message_codes.sql") == 4
    shipped = sorted(p.name for p in (ROOT / "pipeline/store/sql").glob("*.sql"))
    assert shipped == list(MIGRATIONS), "every migration file is listed, in order"


def test_a_database_newer_than_this_code_is_refused(tmp_path) -> None:
    con = duckdb.connect(str(tmp_path / "x.duckdb"))
    migrate(con)
    con.execute("UPDATE schema_meta SET value = '999' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match="newer than this Mailtrail"):
        migrate(con)


def test_a_failed_write_session_leaves_the_published_store_untouched(settings, ingest, db):
    ingest(DATA / "events/brevo_webhooks.jsonl")
    before = db().execute("SELECT count(*) FROM events").fetchone()
    with pytest.raises(RuntimeError), open_writer(settings) as writer:
        writer.con.execute("DELETE FROM events")
        raise RuntimeError("boom")
    assert db().execute("SELECT count(*) FROM events").fetchone() == before
    leftovers = list(settings.db_path.parent.glob(".mailtrail.duckdb.ingest-*"))
    assert leftovers == []


def test_a_killed_writer_is_recorded_as_interrupted_by_the_next_one(settings, ingest, db) -> None:
    ingest(DATA / "events/brevo_webhooks.jsonl")
    # What a writer killed mid-ingest leaves behind: its journal and its work file.
    journal = settings.db_path.with_name(".mailtrail.duckdb.journal.json")
    journal.write_text(
        '[{"pid": 99999, "started_at": "2026-01-05T10:00:00+00:00", "files": ["/inbox/big.jsonl"]}]'
    )
    settings.db_path.with_name(".mailtrail.duckdb.ingest-99999.tmp").write_bytes(b"half")
    ingest(DATA / "sendlogs/sends.jsonl")
    runs = (
        db()
        .execute("SELECT file_path, status, message FROM ingest_runs ORDER BY run_id")
        .fetchall()
    )
    assert runs[1][:2] == ("/inbox/big.jsonl", "interrupted")
    assert "nothing of it was kept" in runs[1][2]
    assert not journal.exists()
    assert list(settings.db_path.parent.glob(".mailtrail.duckdb.ingest-*")) == []


def test_analysts_can_open_the_database_read_only_during_an_ingest(settings, ingest) -> None:
    ingest(DATA / "events/brevo_webhooks.jsonl")
    with open_writer(settings) as writer:
        writer.con.execute("DELETE FROM mail_status")
        con = duckdb.connect(str(settings.db_path), read_only=True)
        assert con.execute("SELECT count(*) FROM email_history").fetchone() == (2,)
        con.close()


def test_snapshot_reader_moves_to_a_new_snapshot_and_keeps_pinned_ones(settings, ingest) -> None:
    ingest(DATA / "events/brevo_webhooks.jsonl")
    reader = SnapshotReader(settings.db_path)
    try:
        first = reader.latest_snapshot_id()
        with reader.cursor(first) as cur:
            assert cur.execute("SELECT count(*) FROM email_history").fetchone() == (2,)
        ingest(DATA / "sendlogs/sends.jsonl")
        second = reader.latest_snapshot_id()
        assert second != first
        with reader.cursor(second) as cur:
            assert cur.execute("SELECT count(*) FROM email_history").fetchone() == (5,)
        with reader.cursor(first) as cur:  # a page pinned to the old snapshot still sees it whole
            assert cur.execute("SELECT count(*) FROM email_history").fetchone() == (2,)
    finally:
        reader.close()


def test_snapshot_reader_serves_threads_their_own_cursors(settings, ingest) -> None:
    ingest(DATA / "sendlogs/sends.jsonl")
    reader = SnapshotReader(settings.db_path)
    counts: list[int] = []

    def work() -> None:
        for _ in range(20):
            with reader.cursor() as cur:
                counts.append(cur.execute("SELECT count(*) FROM email_history").fetchone()[0])

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    reader.close()
    assert counts == [5] * 80


def test_snapshot_reader_on_a_missing_database_says_how_to_build_one(tmp_path) -> None:
    reader = SnapshotReader(tmp_path / "none.duckdb")
    with pytest.raises(StoreError, match="python -m pipeline demo"):
        reader.latest_snapshot_id()


def test_a_writer_killed_between_publishing_and_clearing_its_journal_interrupted_nothing(
    settings, ingest, db
) -> None:
    ingest(DATA / "sendlogs/sends.jsonl")
    journal = settings.db_path.with_name(".mailtrail.duckdb.journal.json")
    with open_writer(settings) as writer:
        writer.announce("/inbox/late.jsonl")
        kept = journal.read_text()
    # What a kill right after the rename leaves: the new store is published, the journal remains.
    journal.write_text(kept)
    ingest(DATA / "events/brevo_webhooks.jsonl")
    statuses = db().execute("SELECT status FROM ingest_runs ORDER BY run_id").fetchall()
    assert ("interrupted",) not in statuses
    assert not journal.exists()


def test_an_unreadable_journal_is_recorded_and_does_not_block_later_ingests(
    settings, ingest, db
) -> None:
    ingest(DATA / "sendlogs/sends.jsonl")
    journal = settings.db_path.with_name(".mailtrail.duckdb.journal.json")
    journal.write_text('[{"pid": 12, "files": ["/inbox/a.json')  # torn by a disk fault
    reports = ingest(DATA / "events/brevo_webhooks.jsonl")
    assert reports[0].status == "completed"
    rows = db().execute("SELECT file_path, status FROM ingest_runs ORDER BY run_id").fetchall()
    assert ("(unreadable ingest journal)", "interrupted") in rows
    assert not journal.exists()


def test_a_run_records_when_its_file_finished_not_when_its_transaction_began(
    ingest, db, monkeypatch
) -> None:
    import time

    import pipeline.ingest.files as files

    real_stage = files.stage_file

    def slow_stage(*args, **kwargs):
        time.sleep(0.5)
        return real_stage(*args, **kwargs)

    monkeypatch.setattr(files, "stage_file", slow_stage)
    ingest(DATA / "events/brevo_webhooks.jsonl")
    started, finished = db().execute("SELECT started_at, finished_at FROM ingest_runs").fetchone()
    assert (finished - started).total_seconds() >= 0.5
