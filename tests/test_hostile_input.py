"""Hostile input (issue 12, the reading side): each bad file or record is refused with its file,
position and reason, everything else of the file and of the call loads, limits hold, a full disk
is said in one sentence and leaves the published store as it was."""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import json
import os
import threading
from pathlib import Path

import duckdb
import pytest

from pipeline.errors import ConfigError, StoreError
from pipeline.i18n.messages import message
from pipeline.ingest.files import ingest_paths
from pipeline.ingest.job import IngestJob
from pipeline.ingest.messages import reject_reason, run_message
from pipeline.ingest.uploads import save_uploads
from pipeline.queries.rejects import RejectFilter, rejected_records
from pipeline.readers.detect import detect_format
from pipeline.settings import InputLimits, Settings
from tests.conftest import DATA, SAMPLES

BREVO = (DATA / "events" / "brevo_webhooks.jsonl").read_text().splitlines()
DEEP = '{"a":' * 100_000 + "1" + "}" * 100_000
SES = SAMPLES / "amazon_ses"


def _limited(settings: Settings, **limits: object) -> Settings:
    return dataclasses.replace(settings, **limits)  # type: ignore[arg-type]


def _rejects(db, path: Path | None = None) -> list[tuple]:  # type: ignore[no-untyped-def]
    sql = "SELECT line, element, reason_code, reason, raw FROM ingest_rejects"
    if path is not None:
        return db().execute(sql + " WHERE file_path = ? ORDER BY line", [str(path)]).fetchall()
    return db().execute(sql + " ORDER BY file_path, line").fetchall()


# --- 1. nesting deeper than the limit ---------------------------------------------------------


def test_a_json_line_nested_100000_levels_deep_is_refused_alone_and_the_call_goes_on(
    ingest, db, write
) -> None:
    deep = write("deep.jsonl", "\n".join([BREVO[0], DEEP, *BREVO[1:]]) + "\n")
    other = write("other.jsonl", BREVO[0].replace("@", "+other@") + "\n")
    first, second = ingest(deep, other)
    assert (first.status, first.records_read, first.records_loaded) == ("completed", 6, 5)
    assert first.records_rejected == 1
    assert second.status == "completed" and second.records_loaded == 1
    ((line, element, code, reason, raw),) = _rejects(db, deep)
    assert (line, element, code) == (2, None, "too_deep")
    assert reason == "nested deeper than 64 levels (MAILTRAIL_MAX_NESTING)"
    assert raw.startswith('{"a":{"a":') and "[cut: 600001 characters in all]" in raw


def test_a_deep_element_of_a_one_line_json_array_is_refused_by_its_line_and_element(
    ingest, db, write
) -> None:
    path = write("batch.json", "[" + ",".join([BREVO[0], DEEP, BREVO[1]]) + "]")
    (report,) = ingest(path)
    assert (report.records_loaded, report.records_rejected) == (2, 1)
    assert [r[:3] for r in _rejects(db, path)] == [(1, 2, "too_deep")]


def test_a_file_holding_only_a_value_nested_too_deep_is_refused_as_having_no_record(
    ingest, write
) -> None:
    (report,) = ingest(write("deep.json", DEEP))
    assert report.status == "refused"
    assert report.message == "invalid JSON: no complete record could be read"


def test_a_document_whose_second_value_is_nested_too_deep_keeps_the_first(
    ingest, db, write
) -> None:
    path = write("two.json", BREVO[0] + "\n  " + DEEP)  # indented: not JSON Lines
    (report,) = ingest(path)
    assert (report.records_loaded, report.records_rejected) == (1, 1)
    assert [r[:3] for r in _rejects(db, path)] == [(2, None, "too_deep")]


def test_nesting_within_the_python_decoder_but_over_the_setting_is_refused(
    settings, db, write
) -> None:
    nested = '{"event": "delivered", "x": ' + "[" * 20 + "]" * 20 + "}"
    path = write("nested.jsonl", "\n".join([BREVO[0], nested, BREVO[1]]) + "\n")
    (report,) = ingest_paths([path], _limited(settings, max_nesting=10))
    assert report.records_rejected == 1
    assert [r[2] for r in _rejects(db)] == ["too_deep"]


def test_an_upload_holding_a_deep_line_reports_the_refusal_not_a_recursion_error(
    settings, write
) -> None:
    deep = write("deep.jsonl", "\n".join([DEEP, *BREVO]) + "\n")
    job = IngestJob([deep], settings).start()
    assert job.wait(120)
    assert job.error is None
    (report,) = job.reports or ()
    assert report.status == "completed" and report.records_rejected == 1
    assert "Recursion" not in repr(report)


# --- 2. symbolic links and special files ---------------------------------------------------------


def test_a_symbolic_link_in_an_ingested_folder_is_refused_without_quoting_its_target(
    ingest, db, tmp_path
) -> None:
    secret = tmp_path / "secret.csv"
    secret.write_text("root:$6$secretsecret:19000:0:99999:7:::\n")
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "shadow.csv").symlink_to(secret)
    (folder / "brevo.jsonl").write_text("\n".join(BREVO) + "\n")
    reports = {Path(r.path).name: r for r in ingest(folder)}
    link = reports["shadow.csv"]
    assert link.status == "refused"
    assert link.message == "not a regular file but a symbolic link: refused without reading it"
    assert run_message(link.note, link.message, "fr").startswith(
        "Ce n'est pas un fichier ordinaire mais un lien symbolique"
    )
    assert reports["brevo.jsonl"].records_loaded == 5
    stored = db().execute("SELECT string_agg(message, ' ') FROM ingest_runs").fetchone()[0]
    assert "secret" not in stored and "root" not in stored
    assert db().execute("SELECT count(*) FROM ingest_rejects").fetchone() == (0,)


def test_a_fifo_and_a_link_to_a_folder_in_an_ingested_folder_are_refused_without_blocking(
    ingest, tmp_path
) -> None:
    folder = tmp_path / "drop"
    folder.mkdir()
    os.mkfifo(folder / "pipe.jsonl")
    (folder / "etc").symlink_to("/etc", target_is_directory=True)
    (folder / "brevo.jsonl").write_text("\n".join(BREVO) + "\n")
    reports = {Path(r.path).name: r for r in ingest(folder)}
    assert reports["pipe.jsonl"].message.startswith("not a regular file but a named pipe (FIFO)")
    assert reports["etc"].message.startswith("not a regular file but a symbolic link")
    assert reports["brevo.jsonl"].status == "completed"
    assert len(reports) == 3  # nothing under /etc was looked at


def test_an_upload_never_writes_through_a_link_left_under_its_name(tmp_path) -> None:
    folder = tmp_path / "upload"
    folder.mkdir()
    outside = tmp_path / "outside.txt"
    (folder / "sends.csv").symlink_to(outside)  # dangling: exists() would say it is free
    (written,) = save_uploads([("sends.csv", b"send_id\n")], folder)
    assert written.name == "sends (2).csv" and not outside.exists()


# --- 6. format detection on several records ------------------------------------------------------


def _sns_lines(*, bad_at: int) -> list[str]:
    good = [
        json.dumps(json.loads((SES / name).read_text()))
        for name in ("anymail_sns_delivery.json", "anymail_sns_open.json", "anymail_sns_send.json")
    ]
    bad = json.dumps({"Type": "Notification", "MessageId": "x", "Message": "hello, not JSON"})
    return [*good[:bad_at], bad, *good[bad_at:]]


@pytest.mark.parametrize("bad_at", [0, 2])
def test_an_sns_envelope_whose_message_is_not_json_is_refused_alone_wherever_it_is(
    ingest, db, write, bad_at: int
) -> None:
    path = write("sns.jsonl", "\n".join(_sns_lines(bad_at=bad_at)) + "\n")
    (report,) = ingest(path)
    assert report.status == "completed" and report.format == "amazon_ses_events"
    assert report.records_rejected == 1 and report.records_loaded >= 3
    ((line, _, code, reason, _),) = _rejects(db, path)
    assert (line, code) == (bad_at + 1, "sns_message_not_json")
    assert reason == "an SNS notification whose Message is not a JSON object"


def test_detection_follows_the_majority_of_the_first_records(write) -> None:
    odd = json.dumps({"hello": "world"})
    path = write("mostly_brevo.jsonl", "\n".join([odd, *BREVO]) + "\n")
    assert detect_format(path).name == "brevo_webhook"


# --- 7. NUL bytes ------------------------------------------------------------------------------


def test_a_json_lines_file_with_one_nul_line_early_refuses_that_line_only(ingest, db, write):
    path = write("nul.jsonl", "\n".join([BREVO[0], '{"event": "x\x00"}', *BREVO[1:]]) + "\n")
    (report,) = ingest(path)
    assert (report.status, report.records_loaded, report.records_rejected) == ("completed", 5, 1)
    assert [r[:3] for r in _rejects(db, path)] == [(2, None, "nul_byte")]


def test_a_csv_send_log_with_one_nul_row_refuses_that_row_only(ingest, db, write) -> None:
    lines = (DATA / "sendlogs" / "sends_iso.csv").read_text(encoding="utf-8").splitlines()
    lines.insert(2, lines[1].replace(lines[1].split(",")[0], "NUL\x00ROW", 1))
    path = write("nul.csv", "\n".join(lines) + "\n")
    (report,) = ingest(path)
    assert report.status == "completed" and report.records_rejected == 1
    assert [r[2] for r in _rejects(db, path)] == ["nul_byte"]


def test_a_truly_binary_file_is_refused_as_binary_with_its_evidence(ingest, write) -> None:
    (report,) = ingest(write("photo.bin", bytes(range(256)) * 10))
    assert report.status == "refused" and report.note.code == "binary_evidence"
    assert report.message.endswith("its start holds 10 NUL bytes and 11 % control characters")


# --- 9. positions in one-line JSON arrays ---------------------------------------------------------


def test_rejects_of_a_one_line_json_array_name_their_element(ingest, db, write) -> None:
    no_id = json.loads(BREVO[1])
    no_id.pop("message-id")
    elements = [BREVO[0], json.dumps(no_id), "42", BREVO[2]]
    path = write("batch.json", "[" + ",".join(elements) + "]")
    (report,) = ingest(path)
    assert (report.records_loaded, report.records_rejected) == (2, 2)
    assert [r[:3] for r in _rejects(db, path)] == [(1, 2, "no_message_id"), (1, 3, "not_an_object")]
    shown = rejected_records(db(), RejectFilter(file_path=str(path)), lang="en")
    assert list(zip(shown["line"], shown["element"], strict=True)) == [(1, 2), (1, 3)]


# --- 10. limits -----------------------------------------------------------------------------------


def test_beyond_the_rejects_cap_one_summary_record_gives_the_count(settings, db, write) -> None:
    bad_rows = "".join(f"bad{i}\n" for i in range(50))
    lines = (DATA / "sendlogs" / "sends_iso.csv").read_text(encoding="utf-8")
    path = write("many_bad.csv", lines + bad_rows)
    (report,) = ingest_paths([path], _limited(settings, max_rejects_per_file=5))
    assert report.records_rejected == 50
    rejects = _rejects(db, path)
    assert len(rejects) == 6
    summary = rejects[-1]
    assert summary[2] == "rejects_capped" and summary[4] is None
    assert summary[3].startswith("and 45 more refused records, not kept one by one: over 5")
    said = reject_reason(message("rejects_capped", count=45, limit=5), None, "fr")
    assert said.startswith("Et 45 autres enregistrements refusés")


def test_a_long_subject_is_kept_cut_with_a_marker_not_refused(settings, db, write) -> None:
    event = json.loads(BREVO[0])
    event["subject"] = "Convocation " * 5_000
    path = write("long.jsonl", json.dumps(event) + "\n")
    (report,) = ingest_paths([path], _limited(settings, max_field_chars=100))
    assert (report.records_loaded, report.records_rejected) == (1, 0)
    (subject,) = db().execute("SELECT subject FROM email_history").fetchone()
    assert subject.startswith("Convocation ") and subject.endswith(
        "… [cut: 59999 characters in all]"
    )  # trimmed
    assert len(subject) < 200


def test_a_record_over_the_size_limit_is_refused_alone(settings, db, write) -> None:
    event = json.loads(BREVO[0])
    event["subject"] = "x" * 5_000
    path = write("big.jsonl", "\n".join([json.dumps(event), *BREVO[1:]]) + "\n")
    (report,) = ingest_paths([path], _limited(settings, max_record_mb=0.002))
    assert (report.records_loaded, report.records_rejected) == (4, 1)
    ((line, _, code, reason, _),) = _rejects(db, path)
    assert (line, code) == (1, "record_too_large")
    assert "over the limit of 0.0 MB" in reason


def test_a_line_longer_than_the_limit_is_never_held_whole(settings, db, write, monkeypatch):
    monkeypatch.setattr("pipeline.readers.records.JSON_BLOCK_BYTES", 1024)
    path = write("long_line.jsonl", "\n".join([BREVO[0], "[" + "1," * 20_000 + "1]", BREVO[1]]))
    (report,) = ingest_paths([path], _limited(settings, max_record_mb=0.004))
    assert (report.records_loaded, report.records_rejected) == (2, 1)
    ((line, _, code, _, raw),) = _rejects(db, path)
    assert (line, code) == (2, "record_too_large") and len(raw) < 11_000


def test_a_csv_row_over_the_size_limit_is_refused_alone(settings, db, write) -> None:
    lines = (DATA / "sendlogs" / "sends_iso.csv").read_text(encoding="utf-8").splitlines()
    path = write("big.csv", "\n".join([*lines, lines[1] + "x" * 5_000]) + "\n")
    (report,) = ingest_paths([path], _limited(settings, max_record_mb=0.002))
    assert report.records_rejected >= 1
    assert "record_too_large" in [r[2] for r in _rejects(db, path)]


def test_a_file_over_the_size_limit_is_refused_whole_before_it_is_read(settings, write) -> None:
    path = write("big.jsonl", "\n".join(BREVO * 50) + "\n")
    (report,) = ingest_paths([path], _limited(settings, max_file_mb=0.01))
    assert report.status == "refused" and report.note.code == "file_too_large"
    assert "MAILTRAIL_MAX_FILE_MB" in report.message


def test_the_limits_have_documented_defaults_and_environment_variables() -> None:
    assert Settings.from_env(environ={}).limits == InputLimits()
    limits = Settings.from_env(
        environ={"MAILTRAIL_MAX_NESTING": "12", "MAILTRAIL_MAX_REJECTS": "7"}
    ).limits
    assert (limits.nesting_depth, limits.rejects_per_file) == (12, 7)
    security = (Path(__file__).parents[1] / "docs" / "security.md").read_text()
    for env in ("MAILTRAIL_MAX_FILE_MB", "MAILTRAIL_MAX_RECORD_MB", "MAILTRAIL_MAX_NESTING",
                "MAILTRAIL_MAX_FIELD_CHARS", "MAILTRAIL_MAX_REJECTS"):  # fmt: skip
        assert env in security


# --- 8. a full disk -----------------------------------------------------------------------------


def _published(settings: Settings) -> tuple[str, int]:
    """The published file's bytes and modification time: untouched means both unchanged."""
    path = settings.db_path
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns


def test_a_work_copy_that_cannot_be_made_on_a_full_disk_is_said_in_one_sentence(
    ingest, settings, write, monkeypatch
) -> None:
    ingest(write("first.jsonl", BREVO[0] + "\n"))
    before = _published(settings)

    def no_space(*_args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("pipeline.store.writer.shutil.copyfile", no_space)
    second = write("second.jsonl", "\n".join(BREVO[1:]) + "\n")
    with pytest.raises(StoreError) as refused:
        ingest(second)
    said = str(refused.value)
    assert said.startswith(f"the disk holding {settings.db_path.parent} is full (")
    assert "MB free) while making the work copy of the store" in said
    assert "an ingest needs at least 64 MB free there" in said and "\n" not in said
    assert _published(settings) == before
    assert not list(settings.db_path.parent.glob(".*.ingest-*.tmp*"))

    monkeypatch.undo()
    (report,) = ingest(second)  # the next run recovers
    assert report.status == "completed" and report.records_loaded == 4


class _CommitFailsForLackOfSpace:
    """A real connection whose COMMIT of a file's ingest fails as DuckDB's does on a full disk:
    the transaction is rolled back, then the IO error raised (so a ROLLBACK after it finds
    none). Only the failure is simulated; every statement runs on the real database."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con
        self._file_written = False

    def execute(self, sql: str, *args: object) -> duckdb.DuckDBPyConnection:
        if "INSERT INTO ingest_rejects_log" in sql:  # the last step of a file's transaction
            self._file_written = True
        if sql.strip().upper() == "COMMIT" and self._file_written:
            self._con.execute("ROLLBACK")
            raise duckdb.IOException('Could not write file "x.tmp": No space left on device')
        return self._con.execute(sql, *args)

    def __getattr__(self, name: str) -> object:
        return getattr(self._con, name)


def test_a_commit_failing_on_a_full_disk_says_so_not_cannot_rollback(
    ingest, settings, db, write, monkeypatch
) -> None:
    ingest(write("first.jsonl", BREVO[0] + "\n"))
    before = _published(settings)
    real_connect = __import__("pipeline.store.writer", fromlist=["_connect"])._connect
    monkeypatch.setattr(
        "pipeline.store.writer._connect",
        lambda path, s: _CommitFailsForLackOfSpace(real_connect(path, s)),
    )
    second = write("second.jsonl", "\n".join(BREVO[1:]) + "\n")
    with pytest.raises(StoreError) as refused:
        ingest(second)
    said = str(refused.value)
    assert "no transaction is active" not in said
    assert said.startswith(f"the disk holding {settings.db_path.parent} is full (")
    assert "while ingesting second.jsonl" in said
    assert _published(settings) == before

    monkeypatch.undo()
    (report,) = ingest(second)
    assert report.status == "completed" and report.records_loaded == 4
    statuses = db().execute("SELECT status FROM ingest_runs ORDER BY run_id").fetchall()
    assert statuses == [("completed",), ("interrupted",), ("completed",)]


@pytest.mark.parametrize(
    ("env", "raw"), [("MAILTRAIL_MAX_NESTING", "0"), ("MAILTRAIL_MAX_FILE_MB", "lots")]
)
def test_a_limit_that_is_not_a_positive_number_is_a_clear_error(env: str, raw: str) -> None:
    with pytest.raises(ConfigError, match=env):
        Settings.from_env(environ={env: raw})


def test_the_watcher_keeps_the_files_and_tries_again_when_the_store_cannot_take_them(
    settings, tmp_path, monkeypatch
) -> None:
    from pipeline.ingest import watch

    def disk_full(*_args: object) -> None:
        raise StoreError("the disk holding /data is full (0 MB free) while …")

    monkeypatch.setattr(watch, "_ingest_batch", disk_full)
    inbox = watch.Inbox(tmp_path, settle_seconds=0)
    stop = threading.Event()
    stop.set()  # the retry wait returns at once
    assert not watch._ingested_or_retry_later(inbox, [tmp_path / "x.jsonl"], settings, stop, None)
