"""Every real Mailjet sample ingests and gives the status MAPPING.md's table implies; message ids
above 2^53 keep every digit."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import SAMPLES
from tests.sample_checks import Details, Refused, check_details, check_status, samples_on_disk

EXPECTED_STATUS = {
    "mailjet/anymail_blocked_typofix.json": "send_error",
    "mailjet/anymail_bounce_greylisted.json": "sent",
    "mailjet/anymail_bounce_hard.json": "undeliverable",
    "mailjet/anymail_click_labelled_open.json": "opened",
    "mailjet/anymail_open.json": "opened",
    "mailjet/anymail_sent.json": "delivered",
    "mailjet/anymail_sent_non_grouped.json": "delivered",
    "mailjet/anymail_spam.json": "delivered",
    "mailjet/anymail_unsub.json": "delivered",
    "mailjet/docs_blocked.json": "send_error",
    "mailjet/docs_bounce.json": "undeliverable",
    "mailjet/docs_click.json": "opened",
    "mailjet/docs_grouped_sent_x2.json": ["delivered", "delivered"],
    "mailjet/docs_open.json": "opened",
    "mailjet/docs_sent.json": "delivered",
    "mailjet/docs_spam.json": "delivered",
    "mailjet/docs_unsub.json": "delivered",
    "mailjet/symfony_blocked_preblocked.json": "send_error",
    "mailjet/symfony_bounce_soft_policy.json": "sent",
    "mailjet/symfony_click.json": "opened",
    "mailjet/symfony_open.json": "opened",
    "mailjet/symfony_sent.json": "delivered",
    "mailjet/symfony_spam.json": "delivered",
    "mailjet/symfony_unsub.json": "delivered",
}

EXPECTED_DETAILS = {
    "mailjet/anymail_blocked_typofix.json": Details("domain/typofix", None, None, "typofix"),
    "mailjet/anymail_bounce_greylisted.json": Details(
        "domain/greylisted", None, None, "greylisted"
    ),
    "mailjet/anymail_bounce_hard.json": Details(
        "domain/invalid domain", None, None, "invalid domain"
    ),
    "mailjet/docs_blocked.json": Details("recipient/user unknown", None, None, "user unknown"),
    "mailjet/docs_bounce.json": Details(
        "recipient/user unknown", None, None, "Host or domain name not found"
    ),
    "mailjet/symfony_blocked_preblocked.json": Details(
        "mailjet/preblocked", None, None, "preblocked"
    ),
    # error is "": the class keeps its separator; codes come from the SMTP comment.
    "mailjet/symfony_bounce_soft_policy.json": Details("policy issue/", "421", "4.7.0", "TSS04"),
}


def test_every_mailjet_sample_has_an_expected_status() -> None:
    assert samples_on_disk("mailjet") == set(EXPECTED_STATUS)


@pytest.mark.parametrize("sample", sorted(EXPECTED_STATUS))
def test_mailjet_sample_ingests_alone_with_the_status_the_rules_imply(sample, ingest, db) -> None:
    check_status(sample, EXPECTED_STATUS[sample], ingest, db)


@pytest.mark.parametrize("sample", sorted(EXPECTED_DETAILS))
def test_mailjet_failure_carries_its_class_and_reason(sample, ingest, db) -> None:
    check_details(sample, EXPECTED_DETAILS[sample], ingest, db)


def test_mailjet_message_ids_above_2_53_keep_every_digit(ingest, db) -> None:
    # The ids as the files write them, read as text (no JSON parser, no float involved).
    written = {
        digits
        for path in (SAMPLES / "mailjet").glob("*.json")
        for digits in re.findall(r'"MessageID":\s*(\d+)', path.read_text())
    }
    assert any(int(d) > 2**53 for d in written)
    ingest(*sorted((SAMPLES / "mailjet").glob("*.json")))
    stored = db().execute("SELECT DISTINCT provider_message_id, message_key FROM events")
    rows = stored.fetchall()
    assert {r[0] for r in rows} == written
    assert all(key == text for text, key in rows)


def test_mailjet_grouped_events_with_ids_one_apart_stay_two_mails(ingest, db) -> None:
    # 19421777835146490 and …491 are the same float64: a float step would merge them.
    ingest(SAMPLES / "mailjet/docs_grouped_sent_x2.json")
    ids = db().execute("SELECT provider_message_id FROM email_history ORDER BY 1").fetchall()
    assert ids == [("19421777835146490",), ("19421777835146491",)]


def test_mailjet_message_id_that_is_not_a_whole_number_is_refused(ingest, db, write) -> None:
    doc = json.loads((SAMPLES / "mailjet/symfony_sent.json").read_text())
    doc["MessageID"] = 9.204231780466264e16
    (report,) = ingest(write("float.json", json.dumps(doc)))
    assert (report.records_loaded, report.records_rejected) == (0, 1)


def test_mailjet_soft_bounce_is_still_being_retried(ingest, db) -> None:
    ingest(SAMPLES / "mailjet/symfony_bounce_soft_policy.json")
    row = db().execute("SELECT event, bounce_kind FROM events").fetchone()
    assert row == ("bounced", "soft")


def test_mailjet_gmail_image_proxy_is_a_human_open(ingest, db) -> None:
    ingest(SAMPLES / "mailjet/symfony_open.json")  # "… (via ggpht.com GoogleImageProxy)"
    row = db().execute("SELECT open_count, machine_open_count FROM email_history").fetchone()
    assert row == (1, 0)


def test_mailjet_apple_prefetch_user_agent_is_a_machine_open(ingest, db, write) -> None:
    doc = json.loads((SAMPLES / "mailjet/symfony_open.json").read_text())
    doc["agent"] = "Mozilla/5.0"
    ingest(write("mpp.json", json.dumps(doc)))
    row = db().execute("SELECT status, open_count, machine_open_count FROM email_history")
    assert row.fetchone() == ("opened", 0, 1)


def test_all_mailjet_samples_ingest_together_without_fatal_error(ingest) -> None:
    reports = ingest(*(SAMPLES / name for name in EXPECTED_STATUS))
    assert len(reports) == len(EXPECTED_STATUS)
    assert all(r.status == "completed" for r in reports)
    refused = sum(isinstance(e, Refused) for e in EXPECTED_STATUS.values())
    assert sum(r.records_rejected > 0 for r in reports) == refused
