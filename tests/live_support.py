"""Shared helpers of the live-ingest tests and bench: run the real CLI, fingerprint a database.

The CLI runs as a real subprocess (`python -m pipeline …`), as operators and cron jobs run it, so
that readers and the writer are separate processes exactly as in production.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parent.parent


def cli_env() -> dict[str, str]:
    """The environment of a CLI subprocess: this checkout on the path, nothing else changed."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("MAILTRAIL_DB", None)
    return env


def cli(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "pipeline", *(str(a) for a in args)]


def start_verbose_ingest(db: Path, path: Path) -> subprocess.Popen[str]:
    """Start `python -m pipeline -v ingest --db DB PATH`; its stderr logs each phase."""
    proc = subprocess.Popen(
        cli("-v", "ingest", "--db", db, path),
        env=cli_env(),
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    return proc


def start_analyst(db: Path, stop_file: Path, log_file: Path, nice: int) -> subprocess.Popen:
    """Start `python -m tests.live_readers` in its own process: an analyst querying `db`
    read-only back to back, at CPU priority `nice`, until `stop_file` exists; its log (each
    query's state and timing) goes to `log_file`."""
    return subprocess.Popen(
        [sys.executable, "-m", "tests.live_readers", str(db), str(stop_file), str(log_file),
         str(nice)],
        env=cli_env(),
        cwd=REPO,
    )  # fmt: skip


def run_ingest(db: Path, *paths: Path, timeout: float = 600) -> tuple[float, str]:
    """Run `python -m pipeline ingest --db DB PATHS…`; returns (seconds, stdout). Must succeed."""
    started = time.perf_counter()
    done = subprocess.run(
        cli("ingest", "--db", db, *paths),
        env=cli_env(),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    elapsed = time.perf_counter() - started
    assert done.returncode == 0, f"ingest failed ({done.returncode}):\n{done.stderr[-3000:]}"
    return elapsed, done.stdout


def fingerprint(db: Path) -> str:
    """md5 of the published state: mails in order, event ids, and the ingest history.

    Opens the file exactly as an analyst does (`read_only=True`). Rows that say what happened
    to an ingest rather than what it loaded are left out: `interrupted` (written by the writer
    after a killed one) and `duplicate_file` (a re-run of a file already in the store). Run ids
    are left out too: interrupted rows take numbers from the same sequence.
    """
    con = duckdb.connect(str(db), read_only=True)
    try:
        parts = [
            con.execute(sql).fetchone()[0]  # type: ignore[index]
            for sql in (
                "SELECT md5(string_agg(CAST(h AS VARCHAR), chr(10) ORDER BY h.send_id)) "
                "FROM email_history AS h",
                "SELECT md5(string_agg(event_id || ' ' || source_file || ' ' || source_line, "
                "chr(10) ORDER BY event_id)) FROM events",
                "SELECT md5(string_agg(concat_ws(' ', file_path, file_sha256, status, "
                "records_read, records_loaded, records_duplicate, records_rejected), chr(10) "
                "ORDER BY run_id)) FROM ingest_runs "
                "WHERE status NOT IN ('interrupted', 'duplicate_file')",
            )
        ]
    finally:
        con.close()
    return hashlib.md5("|".join(str(p) for p in parts).encode()).hexdigest()


# Log lines of `python -m pipeline -v ingest` that open each phase of an ingest, in order.
PHASE_MARKERS: tuple[tuple[str, str], ...] = (
    ("copy", "copying the published store"),
    ("stage", "work copy ready"),
    ("merge", " records read, "),
    ("checkpoint", "FileReport("),
    ("publish", "publishing the work file"),
    ("published", "(fsync + rename)"),
)


def phase_of(stderr: str) -> str:
    """The phase an ingest was in when its log stopped (the last phase marker it wrote)."""
    phase = "start"
    for line in stderr.replace("\r", "\n").splitlines():
        for name, marker in PHASE_MARKERS:
            if marker in line:
                phase = name
    return phase


@dataclass
class KilledIngest:
    """What an ingest killed with SIGKILL left: the phase it was in, and its whole stderr."""

    phase: str
    stderr: str
    finished: bool  # it completed before the kill came


def timed_phases(db: Path, path: Path) -> dict[str, float]:
    """Run a verbose ingest to the end; seconds spent in each phase (for aiming kills)."""
    proc = start_verbose_ingest(db, path)
    started = time.perf_counter()
    entered: dict[str, float] = {}
    for line in proc.stderr:
        for name, marker in PHASE_MARKERS:
            if marker in line and name not in entered:
                entered[name] = time.perf_counter() - started
    assert proc.wait() == 0
    entered["end"] = time.perf_counter() - started
    names = [n for n, _ in PHASE_MARKERS if n in entered] + ["end"]
    return {a: entered[b] - entered[a] for a, b in zip(names, names[1:], strict=False)}


def kill_ingest_in(db: Path, path: Path, phase: str, delay: float) -> KilledIngest:
    """Start an ingest, and SIGKILL it `delay` seconds after it enters `phase`."""
    marker = dict(PHASE_MARKERS)[phase]
    proc = start_verbose_ingest(db, path)
    seen: list[str] = []
    for line in proc.stderr:
        seen.append(line)
        if marker in line:
            if delay > 0:
                time.sleep(delay)
            proc.send_signal(signal.SIGKILL)
            break
    seen.append(proc.stderr.read())
    code = proc.wait()
    stderr = "".join(seen)
    return KilledIngest(phase_of(stderr), stderr, finished=code == 0)
