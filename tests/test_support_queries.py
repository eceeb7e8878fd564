"""The support pages' named queries: sessions, contacts and failed sends, on the demo store and on
small hand-made stores ingested through the real pipeline."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest
from support_store import Mail, write_store

from pipeline.filters.mail_filter import MailFilter
from pipeline.queries.contacts import (
    contact_identity,
    contact_of_mail,
    find_contacts,
    search_words,
)
from pipeline.queries.failures import (
    default_period,
    failed_mails_filter,
    failures_by_address,
    failures_by_category,
    newest_mail_day,
    with_advice,
)
from pipeline.queries.history import count_mails
from pipeline.queries.sessions import (
    session_list,
    session_of_mail,
    session_summary,
    type_status_counts,
)

# --- on the demo store ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(demo_store):
    con = demo_store.connect()
    con.execute("SET TimeZone = 'Europe/Paris'")
    yield con
    con.close()


def test_the_session_list_counts_every_session_mail_once_and_its_failures(demo) -> None:
    sessions = session_list(demo)
    expected = demo.execute(
        "SELECT count(DISTINCT session_id), count(*) FILTER (WHERE session_id IS NOT NULL),"
        " count(*) FILTER (WHERE session_id IS NOT NULL"
        " AND status IN ('undeliverable', 'send_error')) FROM email_history"
    ).fetchone()
    assert (len(sessions), sessions["mails"].sum(), sessions["failures"].sum()) == expected
    assert sessions["session_id"].is_unique
    assert sessions["last_mail_at"].is_monotonic_decreasing
    assert (sessions["first_mail_at"] <= sessions["last_mail_at"]).all()


def test_demo_session_names_carry_the_place_and_the_start_date(demo) -> None:
    names = session_list(demo)["session_name"]
    assert names.str.contains(r" – (?:Inter|Intra) – .+ – \d{2}/\d{2}/\d{4}$").all()


def test_a_session_summary_and_its_type_counts_agree_with_its_mails(demo) -> None:
    first = session_list(demo).iloc[0]
    summary = session_summary(demo, first["session_id"])
    assert summary is not None
    assert (
        summary["mails"]
        == first["mails"]
        == count_mails(demo, MailFilter(session_id=first["session_id"]))
    )
    by_type = type_status_counts(demo, MailFilter(session_id=first["session_id"]))
    assert by_type["mails"].sum() == summary["mails"]
    assert session_summary(demo, "NO-SUCH-SESSION") is None


def test_a_mail_names_its_session_and_its_contact(demo) -> None:
    send_id, session_id, contact_id, kind = demo.execute(
        "SELECT send_id, session_id, contact_id, recipient_kind FROM email_history"
        " WHERE session_id IS NOT NULL AND contact_id IS NOT NULL ORDER BY send_id LIMIT 1"
    ).fetchone()
    assert session_of_mail(demo, send_id) == session_id
    assert contact_of_mail(demo, send_id) == (contact_id, kind)
    assert session_of_mail(demo, "nope") is None
    assert contact_of_mail(demo, "nope") is None


def test_the_demo_failures_of_the_default_period_match_the_failed_mail_filter(demo) -> None:
    start, end = default_period(demo)
    assert end == newest_mail_day(demo) and (end - start).days == 29
    by_address = failures_by_address(demo, start, end)
    by_category = failures_by_category(demo, start, end)
    failed = count_mails(demo, failed_mails_filter(start, end))
    assert failed > 0
    assert by_address["mails"].sum() == by_category["mails"].sum() == failed
    assert by_category["addresses"].sum() >= len(by_address)
    assert set(by_address["last_status"]) <= {"undeliverable", "send_error"}


def test_the_dmarc_incident_month_is_mostly_sender_authentication(demo) -> None:
    by_category = failures_by_category(demo, dt.date(2026, 8, 1), dt.date(2026, 8, 31))
    assert by_category.iloc[0]["bounce_category"] == "sender_authentication"
    assert by_category.iloc[0]["main_status"] == "undeliverable"


# --- on small hand-made stores ----------------------------------------------------------------

SHARED = [
    # Two contacts at one company mailbox, one contact with two addresses, one mail with no contact
    Mail("M1", "2026-03-02T09:00:00+01:00", "compta@acme.fr", "Paul Martin", "client", "CLI-1"),
    Mail("M2", "2026-03-03T09:00:00+01:00", "compta@acme.fr", "Julie Bernard", "client", "CLI-2"),
    Mail("M3", "2026-03-04T09:00:00+01:00", "julie.bernard@acme.fr", "Julie Bernard", "client",
         "CLI-2", opportunity_id="OPP-9", session_id=None, session_name=None),
    Mail("M4", "2026-03-05T09:00:00+01:00", "compta@acme.fr", "", "client", None),
    Mail("M5", "2026-03-06T09:00:00+01:00", "eleonore.ramos@gmail.com", "Éléonore Ramos",
         "learner", "STG-1", fate="hard_bounce"),
    Mail("M6", "2026-03-07T09:00:00+01:00", "jean_100%@free.fr", "Jean Cent", "learner", "STG-2"),
]  # fmt: skip


@pytest.fixture
def shared(write, ingest, db):
    write_store(SHARED, write, ingest)
    return db()


def test_contacts_are_found_by_name_without_accents_or_case_and_by_address(shared) -> None:
    assert find_contacts(shared, "learner", "ELEONORE ramos")["contact_id"].tolist() == ["STG-1"]
    assert find_contacts(shared, "learner", "ramos éléonore")["contact_id"].tolist() == ["STG-1"]
    assert find_contacts(shared, "learner", "gmail.com")["contact_id"].tolist() == ["STG-1"]
    assert find_contacts(shared, "client", "eleonore").empty  # another kind


def test_like_wildcards_in_a_search_are_taken_literally(shared) -> None:
    assert find_contacts(shared, "learner", "100%")["contact_id"].tolist() == ["STG-2"]
    assert find_contacts(shared, "learner", "cen_").empty  # "_" would match the "t" of "cent"
    assert find_contacts(shared, "learner", "cent")["contact_id"].tolist() == ["STG-2"]
    assert find_contacts(shared, "learner", "%")["contact_id"].tolist() == ["STG-2"]  # not everyone


def test_an_exact_address_lists_every_contact_using_it_the_latest_first(shared) -> None:
    found = find_contacts(shared, "client", "compta@acme.fr")
    assert found["contact_id"].tolist() == ["CLI-2", "CLI-1"]
    assert found["matches"].tolist() == [2, 2]
    everyone = find_contacts(shared, "client", None)
    assert set(everyone["contact_id"]) == {"CLI-1", "CLI-2"}  # the mail without a contact is no one


def test_a_contact_with_two_addresses_counts_the_mails_of_both(shared) -> None:
    julie = contact_identity(shared, "CLI-2")
    assert julie is not None
    assert (julie.name, julie.kind, julie.mails, julie.sessions, julie.opportunities) == (
        "Julie Bernard", "client", 2, 1, 1,
    )  # fmt: skip
    assert [a.recipient_email for a in julie.addresses] == [
        "julie.bernard@acme.fr",
        "compta@acme.fr",
    ]
    row = find_contacts(shared, "client", "julie").iloc[0]
    assert (row["addresses"], row["mails"], row["recipient_email"]) == (
        2,
        2,
        "julie.bernard@acme.fr",
    )


def test_a_shared_address_names_the_other_contacts_and_the_mails_of_no_contact(shared) -> None:
    paul = contact_identity(shared, "CLI-1")
    assert paul is not None
    (mailbox,) = paul.addresses
    assert mailbox.shared_with == (("CLI-2", "Julie Bernard", "client"),)
    assert mailbox.mails_without_contact == 1
    assert contact_identity(shared, "NO-ONE") is None


def test_search_words_fold_case_and_accents_and_are_bounded() -> None:
    assert search_words("  Éléonore   RAMOS ") == ["eleonore", "ramos"]
    assert search_words(None) == [] and search_words("   ") == []
    assert len(search_words("a " * 50)) == 6


def test_an_unknown_contact_kind_is_refused(shared) -> None:
    with pytest.raises(ValueError):
        find_contacts(shared, "robot", "x")


FAILURES = [
    Mail("F1", "2026-03-02T09:00:00+01:00", "marie@gmial.com", "Marie", contact_id="S1",
         fate="invalid_email"),
    Mail("F2", "2026-03-09T09:00:00+01:00", "marie@gmial.com", "Marie", contact_id="S1",
         fate="invalid_email"),
    Mail("F3", "2026-03-05T09:00:00+01:00", "paul@entreprise.fr", "Paul", contact_id="S2",
         fate="hard_bounce"),
    Mail("F4", "2026-03-06T09:00:00+01:00", "ok@entreprise.fr", "Ok", contact_id="S3"),
    Mail("F5", "2026-01-15T09:00:00+01:00", "old@entreprise.fr", "Old", contact_id="S4",
         fate="hard_bounce"),
]  # fmt: skip


@pytest.fixture
def failures(write, ingest, db):
    write_store(FAILURES, write, ingest)
    return db()


def test_failed_sends_are_grouped_by_address_with_the_latest_failure(failures) -> None:
    start, end = default_period(failures)
    assert (start, end) == (dt.date(2026, 2, 8), dt.date(2026, 3, 9))
    groups = failures_by_address(failures, start, end)
    assert groups["recipient_email"].tolist() == ["marie@gmial.com", "paul@entreprise.fr"]
    marie = groups.iloc[0]
    assert (marie["mails"], marie["send_errors"], marie["last_send_id"]) == (2, 2, "F2")
    assert marie["bounce_category"] == "invalid_address"
    assert marie["last_failed_at"] > marie["first_failed_at"]
    paul = groups.iloc[1]
    assert (paul["last_status"], paul["bounce_category"]) == ("undeliverable", "unknown_recipient")
    assert "User unknown" in paul["last_reason"]


def test_a_category_narrows_the_address_groups(failures) -> None:
    groups = failures_by_address(
        failures, dt.date(2026, 1, 1), dt.date(2026, 3, 31), "unknown_recipient"
    )
    assert groups["recipient_email"].tolist() == ["paul@entreprise.fr", "old@entreprise.fr"]


def test_failed_sends_are_counted_by_category(failures) -> None:
    groups = failures_by_category(failures, dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    counts = dict(zip(groups["bounce_category"], groups["mails"], strict=True))
    assert counts == {"unknown_recipient": 2, "invalid_address": 2}
    assert groups.set_index("bounce_category").loc["unknown_recipient", "addresses"] == 2


def test_advice_adds_the_action_and_a_typo_suggestion_in_the_users_language(failures) -> None:
    groups = failures_by_address(failures, dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    fr = with_advice(groups, "fr", "last_status").set_index("recipient_email")
    en = with_advice(groups, "en", "last_status").set_index("recipient_email")
    assert fr.loc["marie@gmial.com", "suggestion"] == "marie@gmail.com"
    assert pd.isna(fr.loc["paul@entreprise.fr", "suggestion"])
    assert fr.loc["marie@gmial.com", "action"].startswith("Corrigez l'adresse")
    assert en.loc["paul@entreprise.fr", "action"].startswith("Check the address")
    assert (
        "customer service" not in en.loc["paul@entreprise.fr", "action"]
    )  # said once, by the page
    assert len(groups) == len(fr)  # the query's frame is left as it was
    assert "action" not in groups.columns


def test_a_store_without_mail_has_no_default_period() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE email_history (requested_at TIMESTAMPTZ)")
    assert newest_mail_day(con) is None
    assert default_period(con) is None


def test_the_default_period_ends_on_the_newest_mail_not_today(failures) -> None:
    assert default_period(failures, days=1) == (dt.date(2026, 3, 9), dt.date(2026, 3, 9))
