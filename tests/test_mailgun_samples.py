"""Every real Mailgun sample ingests and gives the status MAPPING.md's table implies.

Samples reuse placeholder message ids across unrelated files, so each is ingested alone.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import SAMPLES
from tests.sample_checks import Details, Refused, check_details, check_status, samples_on_disk

EXPECTED_STATUS = {
    # Abridged by anymail: no message id (and no time for the first): nothing to attach it to.
    "mailgun/anymail_accepted_null_delivery_status.json": Refused("no message id"),
    "mailgun/anymail_clicked_minimal.json": Refused("no message id"),
    "mailgun/anymail_complained.json": "delivered",
    "mailgun/anymail_delivered_full.json": "delivered",
    "mailgun/anymail_failed_permanent.json": "undeliverable",
    "mailgun/anymail_failed_temporary_greylisted.json": "sent",
    "mailgun/anymail_failed_temporary_no_mx.json": "sent",
    "mailgun/anymail_opened.json": "opened",
    "mailgun/anymail_rejected.json": "send_error",
    "mailgun/anymail_unsubscribed.json": "delivered",
    "mailgun/docs_accepted.json": "sent",
    "mailgun/docs_clicked.json": "opened",
    "mailgun/docs_complained.json": "delivered",
    "mailgun/docs_delivered.json": "delivered",
    "mailgun/docs_events_api_page_failed_temporary.json": "sent",
    "mailgun/docs_failed_permanent_delayed_bounce.json": "undeliverable",
    "mailgun/docs_failed_permanent_suppress_bounce.json": "send_error",
    "mailgun/docs_failed_temporary.json": "sent",
    "mailgun/docs_opened.json": "opened",
    "mailgun/docs_rejected.json": "send_error",
    "mailgun/docs_unsubscribed.json": "delivered",
    "mailgun/symfony_accepted_redacted.json": "sent",
    "mailgun/symfony_clicked.json": "opened",
    "mailgun/symfony_complained.json": "delivered",
    "mailgun/symfony_delivered.json": "delivered",
    "mailgun/symfony_failed_permanent_bounce.json": "undeliverable",
    "mailgun/symfony_failed_permanent_no_description.json": "undeliverable",
    "mailgun/symfony_failed_permanent_suppress_bounce.json": "send_error",
    "mailgun/symfony_failed_temporary_over_quota.json": "sent",
    "mailgun/symfony_opened.json": "opened",
    "mailgun/symfony_unsubscribed.json": "delivered",
}

EXPECTED_DETAILS = {
    "mailgun/anymail_failed_permanent.json": Details("bounce/550", "550", "5.1.1", "not exist"),
    "mailgun/anymail_failed_temporary_greylisted.json": Details(
        "greylisted/450", "450", None, "Greylisted"
    ),
    "mailgun/anymail_failed_temporary_no_mx.json": Details("generic/498", "498", None, "No MX"),
    "mailgun/anymail_rejected.json": Details(None, None, None, "Sandbox subdomains"),
    "mailgun/docs_events_api_page_failed_temporary.json": Details(
        "generic/498", "498", None, "No MX for [example.com]"
    ),
    "mailgun/docs_failed_permanent_delayed_bounce.json": Details(
        "generic/550", "550", "5.1.1", "smtp; 550-5.1.1"
    ),
    # 605 is Mailgun's own code (previously bounced), not an SMTP reply.
    "mailgun/docs_failed_permanent_suppress_bounce.json": Details(
        "suppress-bounce/605", None, None, "previously bounced address"
    ),
    "mailgun/docs_failed_temporary.json": Details(
        "generic/451", "451", "4.7.652", "maximum number of connections"
    ),
    "mailgun/docs_rejected.json": Details(None, None, None, "Sandbox subdomains"),
    "mailgun/symfony_failed_permanent_bounce.json": Details(
        "bounce/550", "550", None, "No Such User Here"
    ),
    "mailgun/symfony_failed_permanent_no_description.json": Details(
        "bounce/550", "550", None, "No Such User Here"
    ),
    "mailgun/symfony_failed_permanent_suppress_bounce.json": Details(
        "suppress-bounce/605", None, None, "previously bounced address"
    ),
    "mailgun/symfony_failed_temporary_over_quota.json": Details(
        "generic/452", "452", "4.2.2", "over quota"
    ),
}


def test_every_mailgun_sample_has_an_expected_status() -> None:
    assert samples_on_disk("mailgun") == set(EXPECTED_STATUS)


@pytest.mark.parametrize("sample", sorted(EXPECTED_STATUS))
def test_mailgun_sample_ingests_alone_with_the_status_the_rules_imply(sample, ingest, db) -> None:
    check_status(sample, EXPECTED_STATUS[sample], ingest, db)


@pytest.mark.parametrize("sample", sorted(EXPECTED_DETAILS))
def test_mailgun_failure_carries_its_class_codes_and_reason(sample, ingest, db) -> None:
    check_details(sample, EXPECTED_DETAILS[sample], ingest, db)


def test_mailgun_time_is_the_event_timestamp_not_the_signature_timestamp(ingest, db) -> None:
    ingest(SAMPLES / "mailgun/symfony_accepted_redacted.json")
    at = db().execute("SELECT epoch_us(event_at) FROM events").fetchone()[0]
    assert at == 1707402341_912420


def test_mailgun_rejected_event_takes_its_recipient_from_the_to_header(ingest, db) -> None:
    ingest(SAMPLES / "mailgun/anymail_rejected.json")
    assert db().execute("SELECT recipient_email FROM email_history").fetchone()[0] == (
        "recipient@example.org"
    )


def test_mailgun_events_api_page_gives_one_event_per_item(ingest, db, write) -> None:
    page = json.loads((SAMPLES / "mailgun/docs_events_api_page_failed_temporary.json").read_text())
    delivered = json.loads((SAMPLES / "mailgun/docs_delivered.json").read_text())
    page["items"].append(delivered)
    (report,) = ingest(write("page.json", json.dumps(page)))
    assert (report.records_read, report.records_loaded) == (2, 2)
    events = db().execute("SELECT event FROM events ORDER BY event").fetchall()
    assert events == [("deferred",), ("delivered",)]


def test_mailgun_bot_flag_and_apple_prefetch_user_agent_are_machine_opens(ingest, db, write):
    # Mailgun's bot detection sets client-info.bot ('apple', 'gmail', 'generic'); Apple's
    # privacy prefetch sends the bare 'Mozilla/5.0' user agent.
    bot = json.loads((SAMPLES / "mailgun/symfony_opened.json").read_text())
    bot["event-data"]["client-info"]["bot"] = "apple"
    apple = json.loads((SAMPLES / "mailgun/anymail_opened.json").read_text())
    apple["event-data"]["client-info"]["user-agent"] = "Mozilla/5.0"
    ingest(write("bot.json", json.dumps(bot)), write("apple.json", json.dumps(apple)))
    rows = db().execute("SELECT open_count, machine_open_count, status FROM email_history")
    assert rows.fetchall() == [(0, 1, "opened"), (0, 1, "opened")]


def test_mailgun_empty_bot_flag_is_a_human_open(ingest, db) -> None:
    ingest(SAMPLES / "mailgun/docs_opened.json")  # "bot": ""
    row = db().execute("SELECT open_count, machine_open_count FROM email_history").fetchone()
    assert row == (1, 0)


def test_all_mailgun_samples_ingest_together_without_fatal_error(ingest) -> None:
    reports = ingest(*(SAMPLES / name for name in EXPECTED_STATUS))
    assert len(reports) == len(EXPECTED_STATUS)
    assert all(r.status == "completed" for r in reports)
    refused = sum(isinstance(e, Refused) for e in EXPECTED_STATUS.values())
    # docs_complained.json has the event id of anymail_complained.json with other content: one
    # more file with a refusal, a conflicting replay (issue 12).
    assert sum(r.records_rejected > 0 for r in reports) == refused + 1
