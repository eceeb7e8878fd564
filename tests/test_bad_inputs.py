"""Bad inputs get a clear message naming file, line and problem; nothing else is lost."""

from __future__ import annotations

import json

from tests.conftest import DATA, SAMPLES

EVENTS = DATA / "events"


def test_a_truncated_json_line_is_refused_alone(ingest, db, write) -> None:
    lines = (EVENTS / "brevo_webhooks.jsonl").read_text().splitlines()
    lines[2] = lines[2][:57]
    (report,) = ingest(write("truncated.jsonl", "\n".join(lines) + "\n"))
    assert report.status == "completed"
    assert (report.records_read, report.records_loaded, report.records_rejected) == (5, 4, 1)
    line, reason, raw = db().execute("SELECT line, reason, raw FROM ingest_rejects").fetchone()
    assert line == 3 and reason.startswith("invalid JSON") and raw == lines[2]


def test_a_truncated_first_line_does_not_lose_the_rest_of_a_json_lines_file(ingest, write):
    lines = (EVENTS / "brevo_webhooks.jsonl").read_text().splitlines()
    lines[0] = lines[0][:30]
    (report,) = ingest(write("first_broken.jsonl", "\n".join(lines) + "\n"))
    assert (report.records_loaded, report.records_rejected) == (4, 1)


def test_a_truncated_json_array_keeps_its_complete_elements(ingest, db, write) -> None:
    text = (SAMPLES / "sendgrid/docs_all_event_types.json").read_text()
    cut = text[: text.index('"event": "open"')]
    (report,) = ingest(write("cut.json", cut))
    assert report.status == "completed"
    assert report.records_loaded == 3
    assert report.records_rejected == 1
    line, reason = db().execute("SELECT line, reason FROM ingest_rejects").fetchone()
    assert line == 32 and "invalid JSON" in reason


def test_an_empty_file_is_refused_and_recorded(ingest, db, write) -> None:
    (report,) = ingest(write("empty.csv", ""))
    assert report.status == "refused" and report.message == "the file is empty"
    assert db().execute("SELECT status, file_name FROM ingest_runs").fetchall() == [
        ("refused", "empty.csv")
    ]


def test_a_binary_file_is_refused_with_what_was_expected(ingest, write) -> None:
    (report,) = ingest(write("photo.jpg", bytes(range(256)) * 10))
    assert report.status == "refused"
    assert report.message.startswith("binary file: expected CSV, JSON, JSON Lines or Parquet")


def test_an_unrecognised_csv_names_its_columns_and_the_formats_expected(ingest, write) -> None:
    (report,) = ingest(write("other.csv", "date,destinataire,etat\n2026-01-01,a@b.fr,ok\n"))
    assert report.status == "refused"
    assert "destinataire, etat" in report.message
    assert "Brevo transactional log export" in report.message
    assert "--mapping" in report.message


def test_an_unrecognised_json_names_its_fields(ingest, write) -> None:
    (report,) = ingest(write("other.json", json.dumps({"hello": "world", "n": 1})))
    assert report.status == "refused"
    assert "hello, n" in report.message


def test_the_same_file_twice_changes_nothing_and_says_so(ingest, db, write, settings) -> None:
    path = EVENTS / "brevo_webhooks.jsonl"
    ingest(path)
    before = db().execute("SELECT * FROM email_history ORDER BY send_id").fetchall()
    copy = write("renamed.jsonl", path.read_bytes())
    first, second = ingest(path, copy)
    assert first.status == "duplicate_file" and second.status == "duplicate_file"
    assert "nothing changed" in first.message and "run 1" in first.message
    assert db().execute("SELECT * FROM email_history ORDER BY send_id").fetchall() == before
    statuses = [
        r[0] for r in db().execute("SELECT status FROM ingest_runs ORDER BY run_id").fetchall()
    ]
    assert statuses == ["completed", "duplicate_file", "duplicate_file"]


def test_overlapping_files_de_duplicate_their_common_events(ingest, db, write) -> None:
    lines = (EVENTS / "brevo_webhooks.jsonl").read_text().splitlines()
    ingest(write("part1.jsonl", "\n".join(lines[:3]) + "\n"))
    (report,) = ingest(write("part2.jsonl", "\n".join(lines[1:]) + "\n"))
    assert (report.records_loaded, report.records_duplicate) == (2, 2)
    assert db().execute("SELECT count(*) FROM email_events").fetchone()[0] == 5


def test_an_unknown_event_name_is_kept_as_unknown_and_reported(ingest, db, write) -> None:
    event = json.loads((SAMPLES / "brevo/symfony_delivered.json").read_text())
    event["event"] = "teleported"
    (report,) = ingest(write("odd.json", json.dumps(event)))
    assert report.status == "completed"
    assert report.unknown_events == 1 and "unrecognised" in report.message
    row = db().execute("SELECT raw_event, event FROM email_events").fetchone()
    assert row == ("teleported", "unknown")
    runs = db().execute("SELECT unknown_events FROM ingest_runs").fetchone()
    assert runs == (1,)


def test_an_event_without_message_id_or_time_is_refused_with_the_reason(ingest, db, write) -> None:
    good = json.loads((SAMPLES / "brevo/symfony_delivered.json").read_text())
    no_id = {k: v for k, v in good.items() if k != "message-id"} | {"message-id": ""}
    bad_time = good | {"ts_epoch": "soon", "ts": None, "ts_event": None, "date": None}
    path = write("mixed.jsonl", "\n".join(json.dumps(d) for d in (good, no_id, bad_time)) + "\n")
    (report,) = ingest(path)
    assert (report.records_loaded, report.records_rejected) == (1, 2)
    reasons = [
        r[0] for r in db().execute("SELECT reason FROM ingest_rejects ORDER BY line").fetchall()
    ]
    assert reasons == ["no message id", "unreadable event time 'soon'"]


def test_a_json_value_that_is_not_an_object_is_refused(ingest, db, write) -> None:
    good = (SAMPLES / "brevo/symfony_delivered.json").read_text().replace("\n", " ")
    (report,) = ingest(write("values.jsonl", good + '\n"just a string"\n'))
    assert (report.records_loaded, report.records_rejected) == (1, 1)
    assert db().execute("SELECT reason FROM ingest_rejects").fetchone()[0] == (
        "expected a JSON object, found varchar"
    )


def test_a_refused_file_does_not_stop_the_others(ingest, db, write) -> None:
    reports = ingest(write("empty.json", "  \n"), EVENTS / "brevo_webhooks.jsonl")
    assert [r.status for r in reports] == ["refused", "completed"]
    assert db().execute("SELECT count(*) FROM email_history").fetchone()[0] == 2


def test_a_json_array_element_with_non_utf8_bytes_is_refused_alone(ingest, db, write) -> None:
    elements = json.loads((SAMPLES / "sendgrid/docs_all_event_types.json").read_text())[:3]
    parts = [json.dumps(e).encode() for e in elements]
    parts[1] = parts[1].replace(b'"email"', b'"\xe9mail"', 1)  # Windows-1252 'é'
    (report,) = ingest(write("mixed.json", b"[\n" + b",\n".join(parts) + b"\n]\n"))
    assert report.status == "completed"
    assert (report.records_loaded, report.records_rejected) == (2, 1)
    assert db().execute("SELECT line, reason FROM ingest_rejects").fetchall() == [
        (3, "not valid UTF-8 text")
    ]


def test_a_csv_field_longer_than_the_csv_modules_default_limit_loads(ingest, db, write) -> None:
    body = "<p>" + "x" * 300_000 + "</p>"
    text = (
        "send_id,requested_at,provider,recipient_email,body_html\n"
        f'M-1,2026-01-05T10:00:00Z,brevo,a@exemple.fr,"{body}"\n'
    )
    (report,) = ingest(write("long.csv", text))
    assert (report.status, report.records_loaded) == ("completed", 1)
