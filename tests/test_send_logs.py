"""The send-log reader: CSV as French Excel writes it, JSON Lines, Parquet; bad records
refused alone."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from tests.conftest import DATA

SENDLOGS = DATA / "sendlogs"
EVENTS = DATA / "events"


def _history(db) -> dict[str, tuple]:
    rows = (
        db()
        .execute(
            """
        SELECT send_id, status, recipient_email, recipient_domain, session_name,
               strftime(requested_at, '%Y-%m-%d %H:%M'), attachment_count, has_send_log
        FROM email_history ORDER BY send_id
        """
        )
        .fetchall()
    )
    return {r[0]: r[1:] for r in rows}


@pytest.mark.parametrize("name", ["sends_iso.csv", "sends.jsonl", "sends_excel_fr.csv"])
def test_send_log_formats_load_the_same_five_mails(name, ingest, db) -> None:
    (report,) = ingest(SENDLOGS / name)
    assert report.status == "completed", report.message
    assert (report.records_read, report.records_loaded, report.records_rejected) == (5, 5, 0)
    history = _history(db)
    assert sorted(history) == ["M-0001", "M-0002", "M-0003", "M-0004", "M-0005"]
    assert {row[0] for row in history.values()} == {"requested"}
    # Paris wall-clock times, whatever way the file wrote them.
    assert history["M-0001"][4] == "2026-01-05 10:00"
    assert history["M-0003"][4] == "2026-01-06 10:00"
    assert history["M-0001"][5] == 1
    assert history["M-0004"][2] == "gmial.com"


def test_windows_1252_semicolon_csv_keeps_its_accents(ingest, db) -> None:
    raw = (SENDLOGS / "sends_excel_fr.csv").read_bytes()
    assert b"\xe9lectrique" in raw  # really cp1252, not UTF-8
    ingest(SENDLOGS / "sends_excel_fr.csv")
    names = {r[0] for r in db().execute("SELECT recipient_name FROM email_history").fetchall()}
    assert "Léa Petit" in names


def test_utf8_bom_csv_reads_its_first_column(ingest, db, write) -> None:
    text = (SENDLOGS / "sends_iso.csv").read_text(encoding="utf-8")
    path = write("bom.csv", "\ufeff" + text)
    (report,) = ingest(path)
    assert report.records_loaded == 5


def test_parquet_send_log_loads(ingest, db, tmp_path) -> None:
    parquet = tmp_path / "sends.parquet"
    duckdb.execute(
        f"COPY (SELECT * FROM read_json_auto('{SENDLOGS / 'sends.jsonl'}')) TO '{parquet}'"
    )
    (report,) = ingest(parquet)
    assert report.format == "send_log_parquet"
    assert report.records_loaded == 5
    assert _history(db)["M-0001"][5] == 1


def test_send_log_then_events_join_on_normalised_message_ids(ingest, db) -> None:
    ingest(
        SENDLOGS / "sends_iso.csv",
        EVENTS / "brevo_webhooks.jsonl",
        EVENTS / "sendgrid_batches.jsonl",
    )
    history = _history(db)
    assert {k: v[0] for k, v in history.items()} == {
        "M-0001": "opened",
        "M-0002": "undeliverable",
        "M-0003": "undeliverable",  # an asynchronous bounce after the delivery
        "M-0004": "send_error",  # a dropped event whose id lacks the send-time prefix
        "M-0005": "requested",
    }
    assert all(v[6] for v in history.values())


def test_events_before_their_send_log_appear_alone_then_join_it(ingest, db) -> None:
    ingest(EVENTS / "brevo_webhooks.jsonl")
    alone = (
        db()
        .execute("SELECT send_id, status, has_send_log FROM email_history ORDER BY 1")
        .fetchall()
    )
    assert [r[2] for r in alone] == [False, False]
    assert {r[1] for r in alone} == {"opened", "undeliverable"}
    ingest(SENDLOGS / "sends_iso.csv")
    joined = _history(db)
    assert len(joined) == 5
    assert joined["M-0001"][0] == "opened" and joined["M-0001"][6] is True
    assert joined["M-0002"][0] == "undeliverable"


def test_missing_fields_bad_dates_and_malformed_addresses_are_refused_alone(ingest, db, write):
    header = "send_id;requested_at;provider;provider_message_id;recipient_email;recipient_kind\n"
    lines = [
        "A-1;05/01/2026 10:00;brevo;<a1@x>;ok@example.fr;learner",
        ";05/01/2026 10:00;brevo;<a2@x>;ok2@example.fr;learner",
        "A-3;le 5 janvier;brevo;<a3@x>;ok3@example.fr;learner",
        "A-4;05/01/2026 10:00;brevo;<a4@x>;pas une adresse;learner",
        "A-5;05/01/2026 10:00;brevo;<a5@x>;ok5@example.fr;astronaut",
        "A-6;05/01/2026 10:00;;<a6@x>;ok6@example.fr;learner",
        "A-7;05/01/2026 10:00;brevo;<a7@x>;ok7@example.fr",
        "A-8;2026-01-05T10:00:00+01:00;brevo;<a8@x>;ok8@example.fr;stagiaire",
    ]
    path = write("mixed.csv", header + "\n".join(lines) + "\n", encoding="cp1252")
    (report,) = ingest(path)
    assert report.status == "completed"
    assert (report.records_read, report.records_loaded, report.records_rejected) == (8, 2, 6)
    rejects = dict(db().execute("SELECT line, reason FROM ingest_rejects ORDER BY line").fetchall())
    assert rejects[3] == "missing send_id"
    assert rejects[4].startswith("unreadable requested_at 'le 5 janvier'")
    assert rejects[5].startswith("malformed recipient_email 'pas une adresse'")
    assert rejects[6].startswith("unknown recipient_kind 'astronaut'")
    assert rejects[7] == "missing provider"
    assert rejects[8] == "expected 6 fields as in the header, found 5"
    raw = db().execute("SELECT raw, file_path FROM ingest_rejects WHERE line = 3").fetchone()
    assert raw[0].startswith(";05/01/2026 10:00;brevo") and raw[1].endswith("mixed.csv")
    kinds = db().execute("SELECT send_id, recipient_kind FROM email_history ORDER BY 1").fetchall()
    assert kinds == [("A-1", "learner"), ("A-8", "learner")]


def test_send_log_missing_a_required_column_is_refused_whole_with_the_column_named(
    ingest, db, write
):
    path = write("nocol.csv", "send_id,requested_at,provider\nX-1,2026-01-05T10:00:00Z,brevo\n")
    (report,) = ingest(path)
    assert report.status == "refused"
    assert "missing required column recipient_email" in report.message
    runs = db().execute("SELECT status, message FROM ingest_runs").fetchall()
    assert runs[0][0] == "refused" and "recipient_email" in runs[0][1]
    assert db().execute("SELECT count(*) FROM email_history").fetchone()[0] == 0


def test_a_corrected_send_record_replaces_the_earlier_one(ingest, db, write) -> None:
    header = "send_id,requested_at,provider,provider_message_id,recipient_email\n"
    ingest(write("v1.csv", header + "Z-1,2026-01-05T10:00:00Z,brevo,<z1@x>,wrong@gmial.com\n"))
    ingest(write("v2.csv", header + "Z-1,2026-01-05T10:00:00Z,brevo,<z1@x>,right@gmail.com\n"))
    rows = db().execute("SELECT send_id, recipient_email FROM email_history").fetchall()
    assert rows == [("Z-1", "right@gmail.com")]


def test_the_same_send_id_twice_in_a_file_with_other_content_refuses_the_second(ingest, db, write):
    header = "send_id,requested_at,provider,provider_message_id,recipient_email\n"
    body = (
        "D-1,2026-01-05T10:00:00Z,brevo,<d1@x>,a@example.fr\n"
        "D-1,2026-01-05T10:00:00Z,brevo,<d1@x>,a@example.fr\n"
        "D-1,2026-01-05T10:00:00Z,brevo,<d1@x>,b@example.fr\n"
    )
    (report,) = ingest(write("dups.csv", header + body))
    assert (report.records_loaded, report.records_duplicate, report.records_rejected) == (1, 1, 1)
    reason = db().execute("SELECT reason FROM ingest_rejects").fetchone()[0]
    assert reason == "send_id 'D-1' is already used at line 2 of this file with other content"


def test_times_without_zone_are_in_the_configured_zone(ingest, db, write) -> None:
    header = "send_id,requested_at,provider,recipient_email\n"
    ingest(write("tz.csv", header + "T-1,2026-07-01 09:00:00,brevo,a@example.fr\n"))
    at = db().execute("SELECT requested_at FROM email_history").fetchone()[0]
    assert at.astimezone(dt.UTC) == dt.datetime(2026, 7, 1, 7, 0, tzinfo=dt.UTC)


def test_sends_are_stored_with_their_source_file_and_line(ingest, settings) -> None:
    ingest(SENDLOGS / "sends.jsonl")
    con = duckdb.connect(str(settings.db_path), read_only=True)
    rows = con.execute("SELECT send_id, source_line, source_file FROM sends ORDER BY 1").fetchall()
    assert [r[1] for r in rows] == [1, 2, 3, 4, 5]
    assert Path(rows[0][2]).name == "sends.jsonl"


def test_the_first_record_of_a_csv_is_line_two_with_its_own_text(ingest, db, write) -> None:
    path = write("first.csv", "send_id,requested_at,provider,recipient_email\nF-1,,brevo,a@b.fr\n")
    ingest(path)
    assert db().execute("SELECT line, raw FROM ingest_rejects").fetchone() == (
        2,
        "F-1,,brevo,a@b.fr",
    )
