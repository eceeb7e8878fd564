"""A million provider events ingested while dashboard threads and analyst processes keep querying.

The ingest runs as the real CLI in its own process. Two readers are threads sharing one
SnapshotReader (the dashboard), two are processes opening the file read-only for every query
(analysts). Every query must succeed, see a consistent state, and that state must be exactly the
store before the ingest or after it. How much the readers slow the ingest is a wall-clock figure
that depends on the machine: bench/live_ingest.py measures it and checks its bound.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from pipeline.store import SnapshotReader
from tests.eventgen import write_brevo_webhooks, write_send_log
from tests.live_readers import ReaderLog, dashboard_loop, is_consistent, read_state
from tests.live_support import REPO, cli_env, run_ingest, start_analyst

MILLION = 1_000_000
# CI has two cores: four readers querying back to back without pause plus the ingest are five
# CPU-hungry tasks, and at equal priority the ingest gets about two fifths of the machine. Readers
# run at a lower priority so that the test does not take minutes longer than the ingest itself.
READER_NICE = 10


def _state_of(db: Path) -> tuple[int, ...]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return read_state(con)
    finally:
        con.close()


def _build_before_state(folder: Path) -> Path:
    """A store holding a send log of 20,000 mails and the provider events of 6,000 of them."""
    inputs = folder / "before"
    write_send_log(inputs / "sends.jsonl", range(0, 20_000))
    write_brevo_webhooks(inputs / "brevo_first.jsonl", 20_000, first_mail=0)
    db = folder / "before.duckdb"
    run_ingest(db, inputs / "sends.jsonl", inputs / "brevo_first.jsonl")
    return db


def _start_analysts(db: Path, stop_file: Path, out_dir: Path, n: int) -> list[subprocess.Popen]:
    return [
        start_analyst(db, stop_file, out_dir / f"analyst{i}.json", READER_NICE) for i in range(n)
    ]


def _wait_until(condition, timeout: float) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "readers did not start in time"
        time.sleep(0.05)


@pytest.mark.slow
def test_a_million_event_ingest_keeps_four_readers_answering_with_before_or_after(
    tmp_path: Path,
) -> None:
    big = tmp_path / "inputs" / "brevo_1m.jsonl"
    events = write_brevo_webhooks(big, MILLION, first_mail=10_000)
    before_db = _build_before_state(tmp_path)
    before = _state_of(before_db)

    alone_db = tmp_path / "alone" / "mailtrail.duckdb"
    alone_db.parent.mkdir()
    shutil.copyfile(before_db, alone_db)
    run_ingest(alone_db, big)  # the store after the ingest, for the readers to recognise
    after = _state_of(alone_db)
    assert after[0] - before[0] == events  # every event is new
    assert is_consistent(before) and is_consistent(after)

    live_db = tmp_path / "live" / "mailtrail.duckdb"
    live_db.parent.mkdir()
    shutil.copyfile(before_db, live_db)
    stop_file = tmp_path / "live" / "stop"
    stop = threading.Event()
    reader = SnapshotReader(live_db, retire_grace_seconds=1.0)
    dashboards = [ReaderLog(f"dashboard-{i}") for i in range(2)]
    threads = [
        threading.Thread(target=dashboard_loop, args=(reader, stop, log, READER_NICE))
        for log in dashboards
    ]
    analysts = _start_analysts(live_db, stop_file, tmp_path / "live", 2)
    try:
        for t in threads:
            t.start()
        _wait_until(lambda: all(log.states for log in dashboards), timeout=60)
        time.sleep(1.0)  # let the analyst processes start querying too
        run_ingest(live_db, big)
        # Keep reading for a moment so that every reader sees the published result.
        _wait_until(lambda: all(log.states[-1] == after for log in dashboards), timeout=30)
        time.sleep(2.0)
    finally:
        stop.set()
        stop_file.touch()
        for t in threads:
            t.join(timeout=60)
        for p in analysts:
            p.wait(timeout=60)
        reader.close()

    logs = dashboards + [
        ReaderLog.from_json(json.loads((tmp_path / "live" / f"analyst{i}.json").read_text()))
        for i in range(2)
    ]
    for log in logs:
        assert log.errors == [], f"{log.name} failed: {log.errors[:3]}"
        assert len(log.states) >= 5, f"{log.name} hardly queried: {len(log.states)}"
        assert all(is_consistent(s) for s in log.states), f"{log.name} saw a mixed state"
        assert set(log.states) <= {before, after}, f"{log.name} saw {set(log.states)}"
        assert log.states[0] == before and log.states[-1] == after, log.name
        # Once a reader has seen the new snapshot it never goes back to the old one.
        first_after = log.states.index(after)
        assert set(log.states[first_after:]) == {after}, log.name
    assert _state_of(live_db) == after


def test_two_ingests_started_together_queue_on_the_lock_and_both_land(tmp_path: Path) -> None:
    db = tmp_path / "data" / "mailtrail.duckdb"
    first, second = tmp_path / "in" / "a.jsonl", tmp_path / "in" / "b.jsonl"
    write_brevo_webhooks(first, 20_000, first_mail=0)
    write_brevo_webhooks(second, 20_000, first_mail=50_000)
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "pipeline", "ingest", "--db", str(db), str(path)],
            env=cli_env(),
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for path in (first, second)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()[-2000:]
    con = duckdb.connect(str(db), read_only=True)
    try:
        runs = con.execute(
            "SELECT file_name, status FROM ingest_runs ORDER BY file_name"
        ).fetchall()
        state = read_state(con)
    finally:
        con.close()
    assert runs == [("a.jsonl", "completed"), ("b.jsonl", "completed")]
    assert is_consistent(state)
