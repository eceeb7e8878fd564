"""The stored mail rows (schema 5): `email_history` and `email_events` read as the join views of
schema 4 did, after a migration and after every ingest, whatever order files arrive in; the
searches over their prepared columns ignore case and accents; their prepared days are those of
the reader's zone."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest

from pipeline.filters.mail_filter import MailFilter
from pipeline.ingest.files import ingest_paths
from pipeline.queries.contacts import find_contacts
from pipeline.queries.history import count_mails, history_rows
from pipeline.queries.mail_detail import load_mail, mail_events
from pipeline.queries.overview import data_days
from pipeline.settings import Settings
from pipeline.store import SCHEMA_VERSION, migrate, schema_version
from pipeline.store.schema import MIGRATIONS, _read_sql
from tests.conftest import DATA, DemoStore

# The oracle: email_history and email_events as schema 4 computed them, by joining at query time
# (pipeline/store/sql/002_contract_views.sql), over the tables every later schema still has.
OLD_EMAIL_HISTORY = """
SELECT
    m.mail_id                                              AS send_id,
    m.provider                                             AS provider,
    COALESCE(s.provider_message_id, m.provider_message_id) AS provider_message_id,
    COALESCE(s.requested_at, m.first_event_at)             AS requested_at,
    s.session_id                                           AS session_id,
    s.session_name                                         AS session_name,
    s.opportunity_id                                       AS opportunity_id,
    s.email_type                                           AS email_type,
    COALESCE(s.sender_email, m.event_sender)               AS sender_email,
    COALESCE(s.recipient_email, m.recipient_email)         AS recipient_email,
    split_part(COALESCE(s.recipient_email, m.recipient_email), '@', 2) AS recipient_domain,
    s.recipient_name                                       AS recipient_name,
    s.recipient_kind                                       AS recipient_kind,
    s.contact_id                                           AS contact_id,
    COALESCE(s.subject, m.event_subject)                   AS subject,
    COALESCE(s.attachment_count, 0)                        AS attachment_count,
    m.status, m.status_at, m.delivered_at, m.first_opened_at, m.open_count,
    m.machine_open_count, m.click_count, m.complained, m.unsubscribed, m.last_reason,
    m.smtp_code, m.bounce_category, m.has_send_log
FROM mail_status AS m
LEFT JOIN sends AS s ON s.send_id = m.mail_id AND m.has_send_log
"""
OLD_EMAIL_EVENTS = """
SELECT
    COALESCE(s.send_id, e.provider || ':' || e.message_key || ':' || COALESCE(e.mail_recipient, ''))
                                                           AS send_id,
    e.event_id, e.provider, e.provider_message_id,
    COALESCE(e.recipient_email, e.mail_recipient)          AS recipient_email,
    e.event_at, e.raw_event, e.event, e.bounce_kind, e.is_machine_open, e.reason, e.smtp_code,
    e.enhanced_code, e.bounce_category, e.url, e.ingest_run_id, e.source_file, e.source_line
FROM events AS e
LEFT JOIN sends AS s
    ON s.provider = e.provider
   AND s.message_key = e.message_key
   AND s.recipient_email = e.mail_recipient
"""

MESSAGE_ID = "<202601051000.42@smtp-relay.mailin.fr>"
T0 = 1_767_600_000  # 2026-01-05 08:00 UTC


def differences(con: duckdb.DuckDBPyConnection, relation: str, oracle: str) -> list[tuple]:
    """Rows in one and not the other (as multisets), both ways."""
    return con.execute(
        f"(SELECT * FROM {relation} EXCEPT ALL ({oracle})) "
        f"UNION ALL (({oracle}) EXCEPT ALL SELECT * FROM {relation})"
    ).fetchall()


def assert_as_the_join_views(con: duckdb.DuckDBPyConnection) -> None:
    assert differences(con, "email_history", OLD_EMAIL_HISTORY) == []
    assert differences(con, "email_events", OLD_EMAIL_EVENTS) == []
    stale = con.execute(
        """
        SELECT count(*) FROM mail_status
        WHERE search_text IS DISTINCT FROM
              mail_search_text(recipient_name, recipient_email, subject)
           OR contact_text IS DISTINCT FROM
              contact_search_text(recipient_name, recipient_email, contact_id)
           OR recipient_sort IS DISTINCT FROM recipient_sort_key(recipient_name, recipient_email)
           OR requested_day IS DISTINCT FROM CAST(timezone(
                  (SELECT value FROM schema_meta WHERE key = 'day_zone'), requested_at) AS DATE)
        """
    ).fetchone()
    assert stale == (0,)


def brevo(name: str, second: int, email: str = "lea.petit@free.fr") -> str:
    return json.dumps(
        {"event": name, "email": email, "message-id": MESSAGE_ID, "ts_epoch": (T0 + second) * 1000}
    )


SEND_LOG_HEADER = (
    "send_id,requested_at,provider,provider_message_id,session_id,session_name,email_type,"
    "recipient_email,recipient_name,recipient_kind,contact_id,subject\n"
)


def send_log(name: str = "Léa Petit", subject: str = "Votre convocation") -> str:
    return SEND_LOG_HEADER + (
        f"S-1,2026-01-05T08:00:00Z,brevo,{MESSAGE_ID},SES-1,Excel avancé,convocation,"
        f"lea.petit@free.fr,{name},learner,C-1,{subject}\n"
    )


# --- the migration -----------------------------------------------------------------------------


def _as_version_4(source: Path, target: Path) -> None:
    """A store as schema 4 wrote it, holding the tables of `source` (a store the pipeline built):
    the same sends and mail statuses, the events without their mail id."""
    con = duckdb.connect(str(target))
    con.execute("CREATE TABLE schema_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    for name in MIGRATIONS[:4]:
        con.execute(_read_sql(name))
    con.execute("INSERT INTO schema_meta VALUES ('schema_version', '4')")
    con.execute(f"ATTACH '{source}' AS new (READ_ONLY)")
    con.execute("INSERT INTO sends SELECT * FROM new.sends")
    con.execute("INSERT INTO events SELECT * EXCLUDE (mail_id) FROM new.events")
    columns = ", ".join(
        name for name, *_ in con.execute("DESCRIBE mail_status").fetchall()
    )  # schema 4's columns, all still in schema 5's mail_status
    con.execute(f"INSERT INTO mail_status SELECT {columns} FROM new.mail_status")
    con.execute("DETACH new")
    con.close()


def test_the_migration_brings_a_version_4_store_to_5_with_the_same_history_and_events(
    ingest, settings, tmp_path: Path
) -> None:
    ingest(DATA / "sendlogs/sends_iso.csv", DATA / "events", DATA / "provider_samples/mailgun")
    old_path = tmp_path / "old.duckdb"
    _as_version_4(settings.db_path, old_path)
    old = duckdb.connect(str(old_path))
    before = {
        relation: old.execute(f"SELECT * FROM {relation} ORDER BY ALL").fetchall()
        for relation in ("email_history", "email_events")
    }
    assert len(before["email_history"]) > 5 and len(before["email_events"]) > 10
    old.begin()
    # Through 5 and on: 6 adds the array element of refused records, 7 the daily rollups.
    assert migrate(old) == SCHEMA_VERSION == 7
    old.commit()
    assert schema_version(old) == 7
    for relation, rows in before.items():
        assert old.execute(f"SELECT * FROM {relation} ORDER BY ALL").fetchall() == rows
    assert_as_the_join_views(old)
    assert old.execute("SELECT count(*) FROM events WHERE mail_id IS NULL").fetchone() == (0,)


# --- every ingest keeps the rows current ------------------------------------------------------


def test_a_status_change_rewrites_the_mails_row(ingest, db, write) -> None:
    ingest(write("sends.csv", send_log()))
    ingest(write("a.jsonl", brevo("request", 1) + "\n" + brevo("delivered", 2) + "\n"))
    assert db().execute("SELECT status FROM email_history").fetchall() == [("delivered",)]
    ingest(write("b.jsonl", brevo("hard_bounce", 60) + "\n"))
    con = db()
    assert con.execute("SELECT send_id, status FROM email_history").fetchall() == [
        ("S-1", "undeliverable")
    ]
    assert con.execute("SELECT DISTINCT send_id FROM email_events").fetchall() == [("S-1",)]
    assert_as_the_join_views(con)


def test_events_before_their_send_log_become_the_send_logs_mail(ingest, db, write) -> None:
    ingest(write("a.jsonl", brevo("request", 1) + "\n" + brevo("opened", 90) + "\n"))
    con = db()
    (alone,) = con.execute("SELECT send_id, has_send_log FROM email_history").fetchall()
    assert alone[1] is False and alone[0].startswith("brevo:")
    assert_as_the_join_views(con)
    ingest(write("sends.csv", send_log()))
    con = db()
    assert con.execute("SELECT send_id, status, has_send_log FROM email_history").fetchall() == [
        ("S-1", "opened", True)
    ]
    assert con.execute("SELECT send_id, count(*) FROM email_events GROUP BY 1").fetchall() == [
        ("S-1", 2)
    ]
    assert_as_the_join_views(con)


def test_a_send_log_before_its_events_gains_them(ingest, db, write) -> None:
    ingest(write("sends.csv", send_log()))
    assert db().execute("SELECT status FROM email_history").fetchall() == [("requested",)]
    ingest(write("a.jsonl", brevo("request", 1) + "\n" + brevo("soft_bounce", 5) + "\n"))
    con = db()
    assert con.execute("SELECT send_id, status FROM email_history").fetchall() == [("S-1", "sent")]
    assert [tuple(r) for r in mail_events(con, "S-1")[["event"]].itertuples(index=False)] == [
        ("accepted",),
        ("bounced",),
    ]
    assert_as_the_join_views(con)


def test_a_corrected_send_log_record_replaces_the_row_and_its_search_text(
    ingest, db, write
) -> None:
    ingest(write("sends.csv", send_log(name="Lea Petit")))
    ingest(write("a.jsonl", brevo("delivered", 3) + "\n"))
    ingest(write("sends-fixed.csv", send_log(name="Léa Petit-Martin", subject="Convocation")))
    con = db()
    assert con.execute("SELECT recipient_name, subject, status FROM email_history").fetchall() == [
        ("Léa Petit-Martin", "Convocation", "delivered")
    ]
    assert count_mails(con, MailFilter(text="petit-martin")) == 1
    assert_as_the_join_views(con)


def test_the_demo_store_reads_as_the_join_views(demo_store: DemoStore) -> None:
    con = demo_store.connect()
    assert_as_the_join_views(con)


def test_one_mail_is_found_by_its_key_with_its_content_and_events(demo_store: DemoStore) -> None:
    con = demo_store.connect()
    send_id, events = con.execute(
        "SELECT send_id, count(*) FROM email_events WHERE send_id IN "
        "(SELECT send_id FROM email_history WHERE has_send_log AND attachment_count > 0) "
        "GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1"
    ).fetchone()
    detail = load_mail(con, send_id)
    assert detail is not None and detail.send_id == send_id
    assert detail.body_html and detail.attachments
    assert len(detail.events) == events
    assert list(detail.events["event_at"]) == sorted(detail.events["event_at"])


# --- searches ignore case and accents ---------------------------------------------------------


@pytest.fixture
def helene(ingest, db, write) -> duckdb.DuckDBPyConnection:
    ingest(
        write(
            "sends.csv",
            SEND_LOG_HEADER
            + f"S-1,2026-01-05T08:00:00Z,brevo,{MESSAGE_ID},SES-1,Excel,convocation,"
            "h.chretien@exemple.fr,Hélène Chrétien,learner,C-7,Votre convocation\n"
            "S-2,2026-01-05T08:01:00Z,brevo,<m2@x>,SES-1,Excel,convocation,"
            "paul@exemple.fr,Paul Martin,learner,C-8,Votre convocation Excel\n",
        )
    )
    return db()


@pytest.mark.parametrize("text", ["helene chretien", "CHRÉTIEN", "Hélène", "hélène CHRETIEN"])
def test_contact_search_ignores_case_and_accents(helene, text: str) -> None:
    found = find_contacts(helene, "learner", text)
    assert list(found["contact_id"]) == ["C-7"]
    assert found.loc[0, "recipient_name"] == "Hélène Chrétien"


@pytest.mark.parametrize("text", ["helene chretien", "CHRÉTIEN", " Hélène Chrétien "])
def test_the_explore_free_text_ignores_case_and_accents(helene, text: str) -> None:
    assert count_mails(helene, MailFilter(text=text)) == 1
    assert list(history_rows(helene, MailFilter(text=text))["send_id"]) == ["S-1"]


def test_the_free_text_is_one_phrase_within_one_field(helene) -> None:
    assert count_mails(helene, MailFilter(text="convocation")) == 2
    assert count_mails(helene, MailFilter(text="convocation excel")) == 1
    # Name and address are separate fields: a phrase running from one to the other matches none.
    assert count_mails(helene, MailFilter(text="chrétien h.chretien")) == 0


# --- days are calendar days of the reader's zone ----------------------------------------------

LATE_SEND = SEND_LOG_HEADER + (
    f"S-1,2026-01-05T23:30:00Z,brevo,{MESSAGE_ID},SES-1,Excel,convocation,"
    "lea.petit@free.fr,Léa Petit,learner,C-1,Convocation\n"
)  # 6 January at 00:30 in Paris


def test_a_mails_day_is_the_day_of_the_readers_zone(ingest, settings, db, write) -> None:
    ingest(write("sends.csv", LATE_SEND))
    assert settings.timezone == "Europe/Paris"
    paris = db()
    assert paris.execute("SELECT requested_day FROM mails").fetchall() == [(dt.date(2026, 1, 6),)]
    assert data_days(paris) == (dt.date(2026, 1, 6), dt.date(2026, 1, 6))
    paris.close()
    utc = duckdb.connect(str(settings.db_path), read_only=True)
    utc.execute("SET TimeZone = 'UTC'")
    assert data_days(utc) == (dt.date(2026, 1, 5), dt.date(2026, 1, 5))
    utc.close()


def test_a_writer_in_another_zone_computes_every_stored_day_again(
    ingest, settings, tmp_path: Path, write
) -> None:
    ingest(write("sends.csv", LATE_SEND))
    in_utc = Settings.from_env(environ={"MAILTRAIL_TZ": "UTC"}, db_path=settings.db_path)
    ingest_paths([write("a.jsonl", brevo("delivered", 1) + "\n")], in_utc)
    con = duckdb.connect(str(settings.db_path), read_only=True)
    assert con.execute("SELECT value FROM schema_meta WHERE key = 'day_zone'").fetchone() == (
        "UTC",
    )
    assert con.execute("SELECT requested_day FROM mail_status").fetchall() == [
        (dt.date(2026, 1, 5),)
    ]
    con.close()
