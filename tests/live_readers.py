"""Busy readers for the live-ingest tests and bench: dashboard threads and analyst processes.

A reader queries the published store back to back until told to stop, and records for every query
the state it saw, whether that state was internally consistent, and how long the query took
(connect or cursor included: that is the time a user waits). Dashboard readers go through one
`SnapshotReader` shared by threads; analyst readers are separate processes that open the file
with `duckdb.connect(path, read_only=True)` for each query, as a notebook re-run would.

A reader may run at a lower CPU priority (`nice`): on a small machine, readers that query back
to back without pause take CPU time from the ingest whatever the design; lowering their priority
separates that from any waiting on each other (see docs/architecture.md).

Run as `python -m tests.live_readers DB STOP_FILE OUT_JSON [NICE]` for one analyst process.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipeline.store import SnapshotReader

# One statement, so one snapshot: the events table against the ingest history that says what
# was loaded into it, and the per-mail relation. In a published file they always agree.
STATE_SQL = """
SELECT
    (SELECT count(*) FROM events)                                       AS events,
    (SELECT COALESCE(sum(records_loaded), 0) FROM ingest_runs
      WHERE status = 'completed' AND format LIKE 'brevo%')              AS events_loaded,
    (SELECT count(*) FROM email_history)                                AS mails,
    (SELECT count(*) FROM ingest_runs WHERE status = 'completed')       AS runs,
    (SELECT count(DISTINCT (provider, message_key, mail_recipient))
       FROM events)                                                     AS mails_with_events,
    (SELECT count(*) FROM mail_status WHERE last_event_at IS NOT NULL)  AS mails_with_status
"""


def read_state(con: duckdb.DuckDBPyConnection) -> tuple[int, ...]:
    """(events, events_loaded, mails, runs, mails_with_events, mails_with_status)."""
    row = con.execute(STATE_SQL).fetchone()
    assert row is not None
    return tuple(int(v) for v in row)


def is_consistent(state: tuple[int, ...]) -> bool:
    """The relations of one state agree with one another."""
    events, loaded, _mails, _runs, with_events, with_status = state
    return events == loaded and with_events == with_status


@dataclass
class ReaderLog:
    """What one reader saw."""

    name: str
    states: list[tuple[int, ...]] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    started_at: list[float] = field(default_factory=list)  # wall clock (time.time) of each query

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "states": self.states,
            "latencies": self.latencies,
            "errors": self.errors,
            "started_at": self.started_at,
        }

    @classmethod
    def from_json(cls, data: dict) -> ReaderLog:
        return cls(
            data["name"],
            [tuple(s) for s in data["states"]],
            list(data["latencies"]),
            list(data["errors"]),
            list(data.get("started_at", [])),
        )


def analyst_loop(db_path: Path, stop: threading.Event | Path, log: ReaderLog) -> None:
    """Open the published file read-only for each query until `stop` is set or exists."""
    while not _stopped(stop):
        started, log_at = time.perf_counter(), time.time()
        try:
            con = duckdb.connect(str(db_path), read_only=True)
            try:
                state = read_state(con)
            finally:
                con.close()
        except Exception as e:  # noqa: BLE001 - every failure is what the test looks for
            log.errors.append(f"{type(e).__name__}: {e}")
            continue
        log.latencies.append(time.perf_counter() - started)
        log.started_at.append(log_at)
        log.states.append(state)


def dashboard_loop(
    reader: SnapshotReader, stop: threading.Event, log: ReaderLog, nice: int = 0
) -> None:
    """Query the newest snapshot through `reader`, as a dashboard page run does, until stopped."""
    if nice:
        # Linux: a thread is a task with its own priority.
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)
    while not stop.is_set():
        started, log_at = time.perf_counter(), time.time()
        try:
            with reader.cursor() as cur:
                state = read_state(cur)
        except Exception as e:  # noqa: BLE001
            log.errors.append(f"{type(e).__name__}: {e}")
            continue
        log.latencies.append(time.perf_counter() - started)
        log.started_at.append(log_at)
        log.states.append(state)


def _stopped(stop: threading.Event | Path) -> bool:
    return stop.is_set() if isinstance(stop, threading.Event) else stop.exists()


def main(argv: list[str]) -> None:
    db_path, stop_file, out = (Path(a) for a in argv[:3])
    if len(argv) > 3:
        os.nice(int(argv[3]))
    log = ReaderLog(f"analyst-{out.stem}")
    analyst_loop(db_path, stop_file, log)
    out.write_text(json.dumps(log.to_json()), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
