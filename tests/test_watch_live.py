"""`python -m pipeline watch` as a real process: files landing in its folder, then SIGTERM.

Dropped in: a good send log; a provider file written slowly in pieces cut mid-record, with pauses
shorter than the settle time; a garbage file; and a copy of the send log under another name. The
watcher must ingest the slow file once and whole, refuse the garbage into failed/ with its reason,
skip the copy, move the rest to processed/, say so on its output, and stop promptly on SIGTERM.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import duckdb
import pytest

from tests.eventgen import brevo_webhook_lines, write_brevo_webhooks, write_send_log
from tests.live_support import REPO, cli, cli_env

SETTLE = 1.0
PAUSE = 0.4  # between two pieces of the slow file: shorter than SETTLE


def _wait_for(condition, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def _inbox_files(inbox: Path) -> list[str]:
    return sorted(p.name for p in inbox.iterdir() if p.is_file())


def _write_slowly(path: Path, data: bytes, pieces: int) -> None:
    """Append `data` in `pieces` chunks cut at arbitrary bytes, pausing between them."""
    cut = [len(data) * i // pieces + 7 for i in range(1, pieces)]
    bounds = [0, *cut, len(data)]
    for start, end in zip(bounds, bounds[1:], strict=False):
        with open(path, "ab") as handle:
            handle.write(data[start:end])
        time.sleep(PAUSE)


@pytest.mark.slow
def test_the_watcher_ingests_complete_files_files_them_away_and_stops_on_sigterm(
    tmp_path: Path,
) -> None:
    inbox, db = tmp_path / "inbox", tmp_path / "data" / "mailtrail.duckdb"
    inbox.mkdir()
    sources = tmp_path / "sources"
    write_send_log(sources / "sends.jsonl", range(0, 1_000))
    slow_lines = list(brevo_webhook_lines(3_000, first_mail=0))
    slow_bytes = "".join(slow_lines).encode()
    out, err = tmp_path / "watch.out", tmp_path / "watch.err"
    with open(out, "w") as stdout, open(err, "w") as stderr:
        proc = subprocess.Popen(
            cli("watch", "--db", db, "--settle", SETTLE, "--poll", 0.2, inbox),
            env=cli_env(),
            cwd=REPO,
            stdout=stdout,
            stderr=stderr,
        )
    try:
        _wait_for(lambda: "watching" in err.read_text(), 30, "the watcher to start")
        shutil.copy(sources / "sends.jsonl", inbox / "sends.jsonl")
        _wait_for(lambda: (inbox / "processed" / "sends.jsonl").exists(), 30, "the send log")

        (inbox / "garbage.dat").write_bytes(bytes(range(256)) * 40)
        shutil.copy(sources / "sends.jsonl", inbox / "sends_again.jsonl")
        _write_slowly(inbox / "brevo_slow.jsonl", slow_bytes, pieces=8)
        _wait_for(lambda: _inbox_files(inbox) == [], 60, "every file to be filed away")

        stop_sent = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=15)
        stop_seconds = time.monotonic() - stop_sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    assert code == 0
    assert stop_seconds < 5, f"the watcher took {stop_seconds:.1f} s to stop"

    assert sorted(os.listdir(inbox / "processed")) == [
        "brevo_slow.jsonl",
        "sends.jsonl",
        "sends_again.jsonl",
    ]
    assert (inbox / "processed" / "brevo_slow.jsonl").read_bytes() == slow_bytes
    assert sorted(os.listdir(inbox / "failed")) == ["garbage.dat", "garbage.dat.reason.txt"]
    reason = (inbox / "failed" / "garbage.dat.reason.txt").read_text()
    assert reason.startswith("binary file: expected CSV, JSON, JSON Lines or Parquet")

    con = duckdb.connect(str(db), read_only=True)
    try:
        runs = con.execute(
            "SELECT file_name, status, records_read, records_loaded, records_rejected "
            "FROM ingest_runs ORDER BY file_name"
        ).fetchall()
        mails = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE has_send_log) FROM email_history"
        ).fetchone()
        events = con.execute("SELECT count(*) FROM events").fetchone()
    finally:
        con.close()
    # The slow file: one run, with every record, none refused (no half line was ever read).
    assert runs == [
        ("brevo_slow.jsonl", "completed", len(slow_lines), len(slow_lines), 0),
        ("garbage.dat", "refused", 0, 0, 0),
        ("sends.jsonl", "completed", 1_000, 1_000, 0),
        ("sends_again.jsonl", "duplicate_file", 0, 0, 0),
    ]
    assert events == (len(slow_lines),)
    mails_in_slow_file = len({line.split('"message-id": "')[1][:32] for line in slow_lines})
    assert mails == (1_000, 1_000) and mails_in_slow_file <= 1_000

    printed, logged = out.read_text(), err.read_text()
    assert f"brevo_slow.jsonl: brevo_webhook: {len(slow_lines)} read, {len(slow_lines)} loaded" in (
        printed
    )
    assert "sends.jsonl: send_log_jsonl: 1000 read, 1000 loaded" in printed
    assert "sends_again.jsonl: skipped: identical to" in printed
    assert f"moved to {inbox / 'processed' / 'brevo_slow.jsonl'}" in printed
    assert "garbage.dat: REFUSED: binary file" in logged
    assert f"moved to {inbox / 'failed' / 'garbage.dat'}" in logged
    assert logged.rstrip().endswith("stopped")


@pytest.mark.slow
def test_sigterm_during_a_batch_finishes_the_file_in_hand_publishes_and_leaves_the_rest(
    tmp_path: Path,
) -> None:
    inbox, db = tmp_path / "inbox", tmp_path / "data" / "mailtrail.duckdb"
    first, second = inbox / "a_first.jsonl", inbox / "b_second.jsonl"
    write_brevo_webhooks(first, 60_000, first_mail=0)
    write_brevo_webhooks(second, 60_000, first_mail=100_000)
    os.utime(second, ns=(first.stat().st_mtime_ns + 10**9,) * 2)  # an order for the batch
    err = tmp_path / "watch.err"
    with open(err, "w") as stderr:
        proc = subprocess.Popen(
            cli("-v", "watch", "--db", db, "--settle", 0.5, "--poll", 0.2, inbox),
            env=cli_env(),
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        _wait_for(lambda: "a_first.jsonl: 60" in err.read_text(), 60, "the first file's staging")
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    assert code == 0
    assert _inbox_files(inbox) == ["b_second.jsonl"]  # waits for the next start
    assert os.listdir(inbox / "processed") == ["a_first.jsonl"]
    con = duckdb.connect(str(db), read_only=True)
    try:
        runs = con.execute("SELECT file_name, status FROM ingest_runs").fetchall()
    finally:
        con.close()
    assert runs == [("a_first.jsonl", "completed")]
    assert not db.with_name(f".{db.name}.journal.json").exists()


def _inbox_entries(inbox: Path) -> list[str]:
    """Every entry left in the inbox but its folders (links and FIFOs included)."""
    return sorted(e.name for e in os.scandir(inbox) if not e.is_dir(follow_symlinks=False))


@pytest.mark.slow
def test_the_watcher_refuses_hostile_files_and_keeps_running(tmp_path: Path) -> None:
    """A line nested 100,000 levels deep, a link to a secret, a FIFO and a file with a NUL line:
    each refused (the file, or its bad record) with a reason quoting nothing of a link's target;
    the watcher still running afterwards, and ingesting the next file."""
    inbox, db = tmp_path / "inbox", tmp_path / "data" / "mailtrail.duckdb"
    inbox.mkdir()
    good = list(brevo_webhook_lines(20, first_mail=0))
    secret = tmp_path / "shadow"
    secret.write_text("root:$6$topsecret:19000:0:99999:7:::\n")
    err = tmp_path / "watch.err"
    with open(err, "w") as stderr:
        proc = subprocess.Popen(
            cli("watch", "--db", db, "--settle", SETTLE, "--poll", 0.2, inbox),
            env=cli_env(),
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        _wait_for(lambda: "watching" in err.read_text(), 30, "the watcher to start")
        deep = '{"a":' * 100_000 + "1" + "}" * 100_000
        (inbox / "deep.jsonl").write_text("".join([good[0], deep + "\n", *good[1:10]]))
        (inbox / "nul.jsonl").write_text("".join([good[10], '{"x": "\x00"}\n', *good[11:15]]))
        (inbox / "shadow.csv").symlink_to(secret)
        os.mkfifo(inbox / "pipe.jsonl")
        _wait_for(lambda: _inbox_entries(inbox) == [], 60, "every hostile file to be filed away")
        assert proc.poll() is None, "the watcher stopped on a hostile file"

        (inbox / "after.jsonl").write_text("".join(good[15:]))
        _wait_for(lambda: (inbox / "processed" / "after.jsonl").exists(), 30, "the next file")
        assert proc.poll() is None
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    assert code == 0
    assert sorted(os.listdir(inbox / "processed")) == ["after.jsonl", "deep.jsonl", "nul.jsonl"]
    assert sorted(os.listdir(inbox / "failed")) == [
        "pipe.jsonl",
        "pipe.jsonl.reason.txt",
        "shadow.csv",
        "shadow.csv.reason.txt",
    ]
    assert (inbox / "failed" / "shadow.csv").is_symlink()  # the link moved, not its target
    link_reason = (inbox / "failed" / "shadow.csv.reason.txt").read_text()
    assert link_reason.startswith("not a regular file but a symbolic link")
    assert "root" not in link_reason and "topsecret" not in link_reason
    pipe_reason = (inbox / "failed" / "pipe.jsonl.reason.txt").read_text()
    assert pipe_reason.startswith("not a regular file but a named pipe (FIFO)")
    con = duckdb.connect(str(db), read_only=True)
    try:
        runs = con.execute(
            "SELECT file_name, status, records_loaded, records_rejected FROM ingest_runs "
            "ORDER BY file_name"
        ).fetchall()
        reasons = con.execute(
            "SELECT file_path, line, reason_code FROM ingest_rejects ORDER BY file_path"
        ).fetchall()
        stored = con.execute("SELECT string_agg(message, ' ') FROM ingest_runs").fetchone()
    finally:
        con.close()
    assert runs == [
        ("after.jsonl", "completed", len(good) - 15, 0),
        ("deep.jsonl", "completed", 10, 1),
        ("nul.jsonl", "completed", 5, 1),
        ("pipe.jsonl", "refused", 0, 0),
        ("shadow.csv", "refused", 0, 0),
    ]
    assert [(Path(p).name, line, code) for p, line, code in reasons] == [
        ("deep.jsonl", 2, "too_deep"),
        ("nul.jsonl", 2, "nul_byte"),
    ]
    assert stored and "topsecret" not in (stored[0] or "")
