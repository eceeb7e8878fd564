"""The command line: summaries per file, exit codes, messages that name the file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import DATA

ROOT = Path(__file__).resolve().parents[1]


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_ingest_prints_a_summary_per_file_and_exits_0(tmp_path) -> None:
    db = tmp_path / "m.duckdb"
    out = cli("ingest", "--db", str(db), str(DATA / "sendlogs/sends_iso.csv"), str(DATA / "events"))
    assert out.returncode == 0, out.stderr
    assert "sends_iso.csv: send_log_csv: 5 read, 5 loaded, 0 already known, 0 refused" in out.stdout
    assert "brevo_webhooks.jsonl: brevo_webhook: 5 read, 5 loaded" in out.stdout
    assert "sendgrid_batches.jsonl: sendgrid_webhook: 4 read, 4 loaded" in out.stdout


def test_ingest_reports_refused_records_without_failing(tmp_path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("send_id,requested_at,provider,recipient_email\nB-1,hier,brevo,a@b.fr\n")
    out = cli("ingest", "--db", str(tmp_path / "m.duckdb"), str(bad))
    assert out.returncode == 0
    assert "1 read, 0 loaded, 0 already known, 1 refused" in out.stdout


def test_a_file_refused_whole_exits_1_naming_the_file(tmp_path) -> None:
    empty = tmp_path / "empty.json"
    empty.write_text("")
    out = cli("ingest", "--db", str(tmp_path / "m.duckdb"), str(empty), str(DATA / "events"))
    assert out.returncode == 1
    assert f"{empty}: REFUSED: the file is empty" in out.stderr
    assert "brevo_webhooks.jsonl: brevo_webhook" in out.stdout  # the others still loaded


def test_a_missing_path_is_a_usage_error(tmp_path) -> None:
    out = cli("ingest", "--db", str(tmp_path / "m.duckdb"), str(tmp_path / "nope.csv"))
    assert out.returncode == 2
    assert "nope.csv" in out.stderr


def test_a_bad_setting_is_reported_plainly(tmp_path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "pipeline", "ingest", str(DATA / "events")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"MAILTRAIL_TZ": "Mars/Olympus", "PATH": ""},
        timeout=120,
    )
    assert out.returncode == 1
    assert "unknown time zone 'Mars/Olympus'" in out.stderr
