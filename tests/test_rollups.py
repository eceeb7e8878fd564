"""The rollups (schema 6) and the queries that read them: after the migration and after every
ingest, each rollup table holds exactly what its macro computes from the whole of mail_status,
and each rewritten query returns exactly what the old formulation returns over `mails`
(tests/rollup_oracle.py) — over the demo store and over the ingests that move a mail between
statuses, days, sessions and contacts."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest

from pipeline.filters.mail_filter import MailFilter
from pipeline.filters.periods import Period, preset_period
from pipeline.ingest.files import ingest_paths
from pipeline.queries import contacts, filter_options, overview, sessions
from pipeline.queries.rollup import source
from pipeline.reports.alerts import find_alerts
from pipeline.rules.rollups import refresh_rollups
from tests import rollup_oracle as oracle
from tests.conftest import DemoStore
from tests.test_materialised_mails import (
    LATE_SEND,
    MESSAGE_ID,
    SEND_LOG_HEADER,
    brevo,
    send_log,
)

ROLLUPS = ("mail_days", "domain_days", "session_days", "session_totals", "contact_totals")
EVERYTHING = 10**9


def paris(demo_store: DemoStore) -> duckdb.DuckDBPyConnection:
    """A reader in the zone the store's days were computed in, as the pages open it."""
    con = demo_store.connect()
    con.execute("SET TimeZone = 'Europe/Paris'")
    return con


def assert_rollups_current(con: duckdb.DuckDBPyConnection) -> None:
    """Each rollup equals its macro over the whole of mail_status (as multisets)."""
    for table in ROLLUPS:
        whole = f"SELECT * FROM {table}_of('mail_status')"
        stale = con.execute(
            f"(SELECT * FROM {table} EXCEPT ALL {whole}) "
            f"UNION ALL ({whole} EXCEPT ALL SELECT * FROM {table})"
        ).fetchall()
        assert stale == [], table


def assert_same(new: pd.DataFrame, old: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(
        new.reset_index(drop=True), old.reset_index(drop=True), check_dtype=False
    )


def assert_queries_as_before(con: duckdb.DuckDBPyConnection, period: Period) -> None:
    """Every rewritten query against its old formulation, for the filters the pages pass."""
    everything = MailFilter()
    filters = [
        everything,
        MailFilter(providers=("brevo",)),
        MailFilter(email_types=("convocation",), recipient_kinds=("learner",)),
        MailFilter(statuses=("undeliverable", "send_error")),
        MailFilter(recipient_domains=("gmail.com",)),
        MailFilter(excluded_domains=("gmail.com",)),
        MailFilter(human_open=True),
        MailFilter(complained=False, has_send_log=True),
        MailFilter(text="a"),  # in no rollup: read from mails
    ]
    assert overview.data_days(con) == oracle.data_days(con)
    assert overview.filter_choices(con) == oracle.filter_choices(con)
    for mail_filter in filters:
        in_period = overview.in_period(mail_filter, period)
        assert overview.counts(con, in_period) == oracle.counts(con, in_period)
        assert overview.counts(con, mail_filter) == oracle.counts(con, mail_filter)
        for bucket in ("day", "week", "month"):
            assert_same(
                overview.counts_over_time(con, mail_filter, period, bucket),
                oracle.counts_over_time(con, mail_filter, period, bucket),
            )
        assert_same(
            overview.volume_over_time(con, mail_filter, period, "month", "provider"),
            oracle.volume_over_time(con, mail_filter, period, "month", "provider"),
        )
        for dimension in overview.DIMENSIONS:
            for top in (None, 1, 3, 10):
                assert_same(
                    overview.breakdown(con, in_period, dimension, top),
                    oracle.breakdown(con, in_period, dimension, top),
                )
        assert_same(
            overview.sessions_with_most_failures(con, in_period, 5),
            oracle.sessions_with_most_failures(con, in_period, 5),
        )
        new_slices = overview.monthly_slices(con, mail_filter, period)
        old_slices = oracle.monthly_slices(con, mail_filter, period)
        assert find_alerts(new_slices.to_dict("records")) == find_alerts(
            old_slices.to_dict("records")
        )
        returned = set(slice_keys(new_slices))
        kept = pd.Series([key in returned for key in slice_keys(old_slices)], dtype=bool)
        assert_same(new_slices, old_slices[kept.to_numpy()])
        assert set(old_slices["dimension"]) - {"recipient_domain"} <= set(new_slices["dimension"])


def slice_keys(slices: pd.DataFrame) -> list[tuple]:
    values = [None if pd.isna(v) else v for v in slices["value"]]
    return list(zip(slices["month"], slices["dimension"], values, strict=True))


def assert_lists_as_before(con: duckdb.DuckDBPyConnection) -> None:
    old_sessions = oracle.session_list(con)
    assert_same(sessions.session_list(con, limit=EVERYTHING).drop(columns="matches"), old_sessions)
    for row in old_sessions.to_dict("records"):
        assert sessions.session_summary(con, row["session_id"]) == row
    assert_same(
        filter_options.contacts(con, None, EVERYTHING),
        oracle.filter_contacts(con, None, EVERYTHING),
    )
    assert_same(filter_options.contacts(con, None, 7), oracle.filter_contacts(con, None, 7))
    for kind in (None, "learner", "client", "company", "trainer"):
        for text in (None, "a", "marie", "gmail.com", "helene chretien", "lea petit", "zzz"):
            words = contacts.search_words(text)
            exact = (text or "").strip().lower()
            for limit in (EVERYTHING, 3):
                assert_same(
                    contacts.find_contacts(con, kind, text, limit),
                    oracle.find_contacts(con, kind, words, exact, limit),
                )


def assert_everything_as_before(con: duckdb.DuckDBPyConnection, period: Period) -> None:
    assert_rollups_current(con)
    assert_queries_as_before(con, period)
    assert_lists_as_before(con)


# --- over the demo store ----------------------------------------------------------------------


def test_the_demo_stores_rollups_and_queries_are_as_before(demo_store: DemoStore) -> None:
    con = paris(demo_store)
    assert source(con, MailFilter(), {"status"}).is_rollup  # not the mails read by both
    assert con.execute("SELECT count(*) FROM mail_days").fetchone()[0] > 100
    assert_everything_as_before(con, preset_period("12m", demo_store.today))
    assert_everything_as_before(con, preset_period("30d", demo_store.today))


def test_the_overview_reads_the_smallest_rollup_that_has_its_columns(
    demo_store: DemoStore,
) -> None:
    con = paris(demo_store)
    assert source(con, MailFilter(), {"status"}).relation == "mail_days"
    assert source(con, MailFilter(recipient_domains=("x.fr",)), {"status"}).relation == (
        "domain_days"
    )
    assert source(con, MailFilter(session_id="S"), {"status"}).relation == "session_days"
    assert not source(con, MailFilter(contact_id="C-1"), {"status"}).is_rollup


def test_a_reader_in_another_zone_than_the_stored_days_reads_the_mails(
    demo_store: DemoStore,
) -> None:
    con = paris(demo_store)
    con.execute("SET TimeZone = 'America/New_York'")
    assert not source(con, MailFilter(), {"status"}).is_rollup
    assert_queries_as_before(con, preset_period("12m", demo_store.today))


def test_the_session_list_is_cut_and_counts_what_it_left_out(demo_store: DemoStore) -> None:
    con = paris(demo_store)
    every = sessions.session_list(con, limit=EVERYTHING)
    cut = sessions.session_list(con, limit=3)
    assert len(every) > 3 and len(cut) == 3
    assert list(cut["matches"]) == [len(every)] * 3
    assert_same(cut.drop(columns="matches"), every.head(3).drop(columns="matches"))
    oldest = every["session_id"].iloc[-1]
    shown = sessions.session_list(con, limit=3, include=oldest)
    assert list(shown["session_id"]) == [*cut["session_id"], oldest]


def test_a_session_is_found_by_its_name_without_accents(demo_store: DemoStore) -> None:
    con = paris(demo_store)
    name, session_id = con.execute(
        "SELECT session_name, session_id FROM session_totals "
        "WHERE session_name <> strip_accents(session_name) LIMIT 1"
    ).fetchone()
    word = next(w for w in name.split() if w != contacts.search_words(w)[0])
    found = sessions.session_list(con, text=contacts.search_words(word)[0].upper())
    assert session_id in set(found["session_id"])
    assert all(found["matches"] == len(found))


def test_the_explore_pickers_are_bounded(demo_store: DemoStore) -> None:
    con = paris(demo_store)
    assert len(filter_options.sessions(con, limit=4)) == 4
    assert filter_options.sessions(con, limit=4)["matches"].iloc[0] > 4
    assert len(filter_options.contacts(con, None, limit=5)) == 5


# --- ingests that move mails between days, statuses, sessions and contacts --------------------

PERIOD = Period(dt.date(2025, 12, 1), dt.date(2026, 2, 28))


def test_a_status_change_moves_the_mail_between_statuses(ingest, db, write) -> None:
    ingest(write("sends.csv", send_log()))
    ingest(write("a.jsonl", brevo("request", 1) + "\n" + brevo("delivered", 2) + "\n"))
    assert overview.counts(db(), MailFilter())["status_delivered"] == 1
    ingest(write("b.jsonl", brevo("hard_bounce", 60) + "\n"))
    con = db()
    counted = overview.counts(con, MailFilter())
    assert (counted["status_delivered"], counted["status_undeliverable"]) == (0, 1)
    assert_everything_as_before(con, PERIOD)


def test_a_corrected_send_log_moves_the_mail_to_another_day_session_and_contact(
    ingest, db, write
) -> None:
    ingest(write("sends.csv", send_log()))
    ingest(write("a.jsonl", brevo("delivered", 3) + "\n"))
    moved = SEND_LOG_HEADER + (
        f"S-1,2026-02-10T09:00:00Z,brevo,{MESSAGE_ID},SES-2,Word,convocation,"
        "lea.petit@free.fr,Léa Petit,client,C-2,Votre convocation\n"
    )
    ingest(write("sends-fixed.csv", moved))
    con = db()
    assert con.execute("SELECT DISTINCT requested_day FROM mail_days").fetchall() == [
        (dt.date(2026, 2, 10),)
    ]
    assert list(sessions.session_list(con)["session_id"]) == ["SES-2"]
    assert list(contacts.find_contacts(con, None)["contact_id"]) == ["C-2"]
    assert_everything_as_before(con, PERIOD)


def test_events_before_their_send_log_leave_their_day_for_the_send_logs(ingest, db, write) -> None:
    ingest(write("a.jsonl", brevo("request", 3 * 86_400) + "\n" + brevo("opened", 90) + "\n"))
    assert_everything_as_before(db(), PERIOD)
    ingest(write("sends.csv", send_log()))
    con = db()
    assert con.execute("SELECT requested_day, sum(mails) FROM mail_days GROUP BY 1").fetchall() == [
        (dt.date(2026, 1, 5), 1)
    ]
    assert_everything_as_before(con, PERIOD)


def test_a_writer_in_another_zone_rebuilds_the_daily_rollups(ingest, settings, db, write) -> None:
    ingest(write("sends.csv", LATE_SEND))  # 6 January in Paris, 5 January in UTC
    in_utc = settings.__class__.from_env(
        environ={}, db_path=settings.db_path, attachments_dir=settings.attachments_dir,
        timezone="UTC",
    )  # fmt: skip
    ingest_paths([write("a.jsonl", brevo("delivered", 1) + "\n")], in_utc)
    con = duckdb.connect(str(settings.db_path), read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    assert con.execute("SELECT DISTINCT requested_day FROM mail_days").fetchall() == [
        (dt.date(2026, 1, 5),)
    ]
    assert_everything_as_before(con, PERIOD)


def test_a_mail_without_a_day_is_counted_under_no_day(ingest, db, write, settings) -> None:
    # No ingest writes such a row today (a send log needs its request time, an event its own);
    # the rollups still count it as mails does, under the NULL day, and recount that day.
    ingest(write("sends.csv", send_log()))
    con = duckdb.connect(str(settings.db_path))
    con.execute("SET TimeZone = 'Europe/Paris'")
    con.execute(
        "CREATE TEMP TABLE previous_status AS "
        "SELECT mail_id, status, requested_day, session_id, contact_id FROM mail_status"
    )
    con.execute("UPDATE mail_status SET requested_at = NULL, requested_day = NULL")
    con.execute("CREATE TEMP TABLE mail_candidates AS SELECT mail_id FROM mail_status")
    refresh_rollups(con)
    assert con.execute("SELECT requested_day, mails FROM mail_days").fetchall() == [(None, 1)]
    assert overview.counts(con, MailFilter())["mails"] == 1
    assert_rollups_current(con)
    assert_queries_as_before(con, PERIOD)
    con.execute("UPDATE mail_status SET status = 'send_error'")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE previous_status AS "
        "SELECT mail_id, status, requested_day, session_id, contact_id FROM mail_status"
    )
    refresh_rollups(con)
    assert con.execute("SELECT status, mails FROM mail_days").fetchall() == [("send_error", 1)]
    assert_rollups_current(con)


@pytest.mark.parametrize("kind", [None, "learner"])
def test_the_contact_list_sums_a_contacts_addresses_and_kinds(ingest, db, write, kind) -> None:
    ingest(
        write(
            "sends.csv",
            SEND_LOG_HEADER
            + f"S-1,2026-01-05T08:00:00Z,brevo,{MESSAGE_ID},SES-1,Excel,convocation,"
            "lea.petit@free.fr,Léa Petit,learner,C-1,Convocation\n"
            "S-2,2026-01-06T08:00:00Z,brevo,<m2@x>,SES-1,Excel,evaluation,"
            "lea@petit.fr,Léa Petit-Martin,client,C-1,Évaluation\n"
            "S-3,2026-01-07T08:00:00Z,brevo,<m3@x>,SES-1,Excel,attestation,"
            "lea@petit.fr,,learner,C-1,Attestation\n",
        )
    )
    con = db()
    assert_lists_as_before(con)
    found = contacts.find_contacts(con, kind)
    assert found["mails"].iloc[0] == (3 if kind is None else 2)
    assert found["recipient_name"].iloc[0] == ("Léa Petit-Martin" if kind is None else "Léa Petit")
