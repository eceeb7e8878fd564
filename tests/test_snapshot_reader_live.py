"""The dashboard's SnapshotReader while ingests keep publishing, and in a folder it cannot write.

Threads share one reader as Streamlit sessions do; the ingests run in the same process, as the
Data page runs them. Readers must never fail, never see a half-published state, never go back
to an older state, and superseded generations must be closed and their links removed once
nobody uses them and the grace period is over.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from pipeline.ingest.files import ingest_paths
from pipeline.store import SnapshotReader
from tests.conftest import DATA
from tests.eventgen import write_brevo_webhooks, write_send_log
from tests.live_readers import ReaderLog, dashboard_loop, is_consistent

PUBLISHES = 6


def _links(reader: SnapshotReader) -> list[str]:
    folder = reader.db_path.parent / f".{reader.db_path.name}.readers" / str(os.getpid())
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


@pytest.mark.slow
def test_reader_threads_keep_answering_while_ingests_publish_and_old_generations_go(
    settings, tmp_path: Path
) -> None:
    inputs = tmp_path / "inputs"
    write_send_log(inputs / "sends.jsonl", range(0, 5_000))
    ingest_paths([inputs / "sends.jsonl"], settings)
    files = []
    for i in range(PUBLISHES):
        path = inputs / f"brevo_{i}.jsonl"
        write_brevo_webhooks(path, 8_000, first_mail=i * 2_000, seed=i)  # overlapping replays
        files.append(path)

    reader = SnapshotReader(settings.db_path, retire_grace_seconds=0.5)
    pinned_id = reader.latest_snapshot_id()
    stop = threading.Event()
    logs = [ReaderLog(f"dashboard-{i}") for i in range(4)]
    threads = [threading.Thread(target=dashboard_loop, args=(reader, stop, log)) for log in logs]
    published_states = []
    try:
        for t in threads:
            t.start()
        # A page that pinned the first snapshot keeps a cursor on it across every publish.
        with reader.cursor(pinned_id) as pinned:
            first_state = pinned.execute("SELECT count(*) FROM events").fetchone()
            for path in files:
                ingest_paths([path], settings)
                published_states.append(reader.latest_snapshot_id())
                time.sleep(0.3)
            assert pinned.execute("SELECT count(*) FROM events").fetchone() == first_state
        time.sleep(0.8)  # past the grace period of every superseded generation
        stop.set()
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=60)

    try:
        assert len(set(published_states)) == PUBLISHES
        for log in logs:
            assert log.errors == [], log.errors[:3]
            assert len(log.states) > 20
            assert all(is_consistent(s) for s in log.states), log.name
            events_seen = [s[0] for s in log.states]
            assert events_seen == sorted(events_seen), f"{log.name} went back to an older state"
        seen = {s for log in logs for s in log.states}
        assert len(seen) >= 3  # the readers really followed the publishes
        # One more query: every superseded generation is now idle and old, so it goes.
        with reader.cursor() as cur:
            cur.execute("SELECT 1").fetchone()
        assert _links(reader) == [f"{published_states[-1]}.duckdb"]
    finally:
        reader.close()
    assert _links(reader) == []


def test_a_pinned_generation_outlives_the_grace_period_while_a_cursor_uses_it(
    settings, ingest
) -> None:
    ingest(DATA / "sendlogs/sends.jsonl")
    reader = SnapshotReader(settings.db_path, retire_grace_seconds=0.0)
    try:
        first = reader.latest_snapshot_id()
        with reader.cursor(first) as cur:
            ingest(DATA / "events/brevo_webhooks.jsonl")
            second = reader.latest_snapshot_id()
            assert len(_links(reader)) == 2
            assert cur.execute("SELECT count(*) FROM events").fetchone() == (0,)
        assert _links(reader) == [f"{second}.duckdb"]
    finally:
        reader.close()


@pytest.fixture
def links_forbidden(settings):  # type: ignore[no-untyped-def]
    """Make hard links beside the database impossible, as in a folder the reader cannot write.

    A real read-only folder (mode 0555) binds only non-root users, and tests may run as root:
    a plain file where the reader wants its link folder has the same effect on the reader.
    """
    blocker = settings.db_path.with_name(f".{settings.db_path.name}.readers")
    settings.db_path.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_text("not a folder")
    yield
    blocker.unlink()


def test_a_reader_that_cannot_link_snapshots_reads_the_file_itself_and_moves_on_when_idle(
    settings, ingest, links_forbidden
) -> None:
    ingest(DATA / "sendlogs/sends.jsonl")
    reader = SnapshotReader(settings.db_path)
    try:
        first = reader.latest_snapshot_id()
        with reader.cursor(first) as cur:
            assert cur.execute("SELECT count(*) FROM events").fetchone() == (0,)
            ingest(DATA / "events/brevo_webhooks.jsonl")
            # The old file is still in use: the reader keeps serving it, whole and named as it is.
            assert reader.latest_snapshot_id() == first
            assert cur.execute("SELECT count(*) FROM events").fetchone() == (0,)
        second = reader.latest_snapshot_id()
        assert second != first
        with reader.cursor(second) as cur:
            assert cur.execute("SELECT count(*) FROM events").fetchone() == (5,)
    finally:
        reader.close()


@pytest.mark.skipif(os.geteuid() == 0, reason="file modes do not bind root")
def test_a_reader_in_a_read_only_data_folder_answers_queries(settings, ingest) -> None:
    ingest(DATA / "sendlogs/sends.jsonl")
    folder = settings.db_path.parent
    folder.chmod(0o555)
    try:
        reader = SnapshotReader(settings.db_path)
        with reader.cursor() as cur:
            assert cur.execute("SELECT count(*) FROM email_history").fetchone() == (5,)
        reader.close()
    finally:
        folder.chmod(0o755)
