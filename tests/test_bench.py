"""The benchmark harness (`python -m bench`, docs/performance.md): it runs end to end on a tiny
demo and writes every section of its JSON; a query function added to pipeline/queries and not
timed is reported; the targets say "not measured" rather than guess.

The harness's figures depend on the machine and are not checked here, only their presence.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

import pipeline.queries.sessions
from bench.inputs import incremental_file
from bench.queries import not_benchmarked, page_calls, percentile, pick_context, query_functions
from bench.targets import evaluate

ROOT = Path(__file__).resolve().parents[1]
TARGETS = 14


@pytest.mark.slow
def test_the_harness_runs_end_to_end_on_300_mails_and_writes_every_section(tmp_path) -> None:
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--emails",
            "300",
            "--no-pages",
            "--repeat",
            "2",
            "--formats",
            "csv,parquet",
            "--json",
            str(out),
            "--markdown",
            "--work",
            str(tmp_path / "work"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads(out.read_text())
    assert results["errors"] == {}
    assert {
        "meta",
        "generate",
        "ingest",
        "floor",
        "peer",
        "ratios",
        "incremental",
        "queries",
        "exports",
        "targets",
    } <= set(results)
    assert "pages" not in results and results["meta"]["skipped"] == ["pages"]
    assert results["generate"]["mails"] == 300
    assert results["ingest"]["store_email_history"] >= 300
    assert results["floor"]["rows"] > 0 and results["floor"]["failed_files"] == []
    assert results["peer"]["rows"] > 0 and results["peer"]["failed_files"] == []
    assert [run["events"] for run in results["incremental"]][0] == 1_000
    for run in results["incremental"]:
        assert run["visible_s"] and run["loaded"] > 0 and run["rejected"] == 0
        assert run["loaded"] + run["already_known"] == run["events"]
    assert all(q["error"] is None and q["runs"] == 2 for q in results["queries"]["results"])
    assert [e["format"] for e in results["exports"]["formats"]] == ["csv", "parquet"]
    verdicts = {t["name"]: t["met"] for t in results["targets"]}
    assert len(verdicts) == TARGETS
    assert verdicts["every page's content ≤ 3 s warm"] is None  # pages were skipped
    assert "Targets" in done.stdout and out.with_suffix(".md").read_text().startswith("### ")
    assert not (tmp_path / "work").exists(), "the work folder is removed without --keep"


def test_a_query_function_nobody_times_is_reported(monkeypatch, demo_store) -> None:
    def sessions_by_trainer(con: duckdb.DuckDBPyConnection, trainer: str) -> None: ...

    sessions_by_trainer.__module__ = pipeline.queries.sessions.__name__
    monkeypatch.setattr(
        pipeline.queries.sessions, "sessions_by_trainer", sessions_by_trainer, raising=False
    )
    with demo_store.connect() as con:
        con.execute("SET TimeZone = 'Europe/Paris'")
        calls = page_calls(pick_context(con, demo_store.today))
    assert "sessions.sessions_by_trainer" in query_functions()
    assert "sessions.sessions_by_trainer" in not_benchmarked(calls)
    assert "contacts.search_words" not in query_functions()  # no connection: not a query


def test_the_incremental_file_holds_copied_events_under_fresh_message_ids(tmp_path) -> None:
    source = tmp_path / "brevo-webhooks-2026-01.jsonl"
    lines = [
        {"event": "delivered", "message-id": f"<m{i}@relay>", "email": "a@b.fr"} for i in range(3)
    ]
    source.write_text("".join(json.dumps(line) + "\n" for line in lines))
    out = tmp_path / "new.jsonl"
    assert incremental_file([str(source)], 7, out, "t") == 7
    written = [json.loads(line) for line in out.read_text().splitlines()]
    ids = [w["message-id"] for w in written]
    assert len(written) == 7 and len(set(ids)) == 7
    assert not {line["message-id"] for line in lines} & set(ids)


def test_p95_is_the_nearest_rank_of_the_runs() -> None:
    assert percentile([float(n) for n in range(1, 21)], 0.95) == 19.0
    assert percentile([5.0], 0.95) == 5.0


def test_targets_of_steps_not_run_are_not_measured_rather_than_met() -> None:
    targets = evaluate({"meta": {"emails": 100_000, "skipped": ["pages"]}})
    assert len(targets) == TARGETS
    assert all(t.met is None for t in targets)
