"""Every real Brevo and SendGrid sample ingests and gives the status DESIGN.md's rules imply.

Samples reuse placeholder message ids across unrelated files, so each is ingested alone.
"""

from __future__ import annotations

import pytest

from tests.conftest import SAMPLES

EXPECTED_STATUS = {
    "brevo/anymail_blocked.json": "send_error",
    "brevo/anymail_click.json": "opened",
    "brevo/anymail_complaint.json": "delivered",
    "brevo/anymail_deferred_actually_550.json": "undeliverable",
    "brevo/anymail_delivered.json": "delivered",
    "brevo/anymail_error.json": "send_error",
    "brevo/anymail_hard_bounce.json": "undeliverable",
    "brevo/anymail_opened.json": "opened",
    "brevo/anymail_proxy_open.json": "opened",
    "brevo/anymail_request.json": "sent",
    "brevo/anymail_soft_bounce.json": "sent",
    "brevo/anymail_unique_opened.json": "opened",
    "brevo/anymail_unique_proxy_open.json": "opened",
    "brevo/symfony_blocked_unsubscribed_user.json": "send_error",
    "brevo/symfony_click.json": "opened",
    "brevo/symfony_complaint.json": "delivered",
    "brevo/symfony_deferred.json": "sent",
    "brevo/symfony_delivered.json": "delivered",
    "brevo/symfony_error_file_is_invalid_email.json": "send_error",
    "brevo/symfony_hard_bounce.json": "undeliverable",
    "brevo/symfony_invalid_email.json": "send_error",
    "brevo/symfony_opened.json": "opened",
    "brevo/symfony_proxy_open.json": "opened",
    "brevo/symfony_request.json": "sent",
    "brevo/symfony_request_without_tags.json": "sent",
    "brevo/symfony_soft_bounce.json": "sent",
    "brevo/symfony_unique_opened.json": "opened",
    "brevo/symfony_unsubscribed.json": "delivered",
    "csv_exports/brevo_transactional_logs_sample_it.csv": "sent",
    "sendgrid/anymail_bounce.json": "undeliverable",
    "sendgrid/anymail_click.json": "opened",
    "sendgrid/anymail_deferred.json": "sent",
    "sendgrid/anymail_delivered.json": "delivered",
    "sendgrid/anymail_delivered_custom_smtp_id.json": "delivered",
    "sendgrid/anymail_dropped_bounced_address.json": "send_error",
    "sendgrid/anymail_dropped_invalid.json": "send_error",
    "sendgrid/anymail_dropped_unsubscribed.json": "send_error",
    "sendgrid/anymail_open.json": "opened",
    "sendgrid/anymail_processed.json": "sent",
    "sendgrid/docs_all_event_types.json": "opened",
    "sendgrid/docs_bounce_type_blocked.json": "undeliverable",
    "sendgrid/docs_bounce_type_bounce.json": "undeliverable",
    "sendgrid/docs_deferred.json": "sent",
    "sendgrid/docs_delivered.json": "delivered",
    "sendgrid/docs_dropped_bounced_address.json": "send_error",
    # A resubscription says nothing about delivery: the mail is known, nothing more.
    "sendgrid/docs_group_resubscribe.json": "requested",
    "sendgrid/docs_group_unsubscribe.json": "delivered",
    "sendgrid/docs_processed_with_pool.json": "sent",
    "sendgrid/docs_spamreport.json": "delivered",
    "sendgrid/symfony_batch_dropped_then_click.json": "opened",
    "sendgrid/symfony_bounce_classification.json": "undeliverable",
    "sendgrid/symfony_open_machine_open_flag.json": "opened",
    "sendgrid/symfony_signed_dropped.json": "send_error",
}


def test_every_brevo_and_sendgrid_sample_has_an_expected_status() -> None:
    on_disk = {
        str(p.relative_to(SAMPLES))
        for folder in ("brevo", "sendgrid", "csv_exports")
        for p in (SAMPLES / folder).glob("*.*")
    }
    assert on_disk == set(EXPECTED_STATUS)


# SendGrid's docs give every event the placeholder id "sg_event_id": its second "unsubscribed"
# event under that id has other content, and is refused as a conflicting replay (issue 12).
REUSED_EVENT_IDS = {"sendgrid/docs_all_event_types.json": 1}


@pytest.mark.parametrize("sample", sorted(EXPECTED_STATUS))
def test_sample_ingests_alone_with_the_status_the_rules_imply(sample, ingest, db) -> None:
    (report,) = ingest(SAMPLES / sample)
    assert report.status == "completed", report.message
    assert report.records_rejected == REUSED_EVENT_IDS.get(sample, 0)
    assert report.unknown_events == 0
    rows = db().execute("SELECT status, has_send_log FROM email_history").fetchall()
    assert rows == [(EXPECTED_STATUS[sample], False)]


def test_brevo_hard_bounce_carries_reason_codes_and_category(ingest, db) -> None:
    ingest(SAMPLES / "brevo/symfony_hard_bounce.json")
    row = (
        db().execute("SELECT last_reason, smtp_code, bounce_category FROM email_history").fetchone()
    )
    assert "5.1.1" in row[0]
    assert row[1] == "550"
    assert row[2] == "unknown_recipient"


def test_brevo_deferral_answered_by_a_permanent_reply_is_not_still_being_retried(ingest, db):
    ingest(SAMPLES / "brevo/anymail_deferred_actually_550.json")
    event = db().execute("SELECT raw_event, event, bounce_kind FROM email_events").fetchone()
    assert event == ("deferred", "bounced", "hard")


def test_brevo_proxy_open_counts_as_machine_open_and_proves_receipt(ingest, db) -> None:
    ingest(SAMPLES / "brevo/anymail_proxy_open.json")
    row = (
        db().execute("SELECT status, open_count, machine_open_count FROM email_history").fetchone()
    )
    assert row == ("opened", 0, 1)


def test_brevo_time_comes_from_ts_epoch_in_milliseconds(ingest, db) -> None:
    ingest(SAMPLES / "brevo/symfony_delivered.json")
    at = db().execute("SELECT epoch_ms(event_at) FROM email_events").fetchone()[0]
    assert at == 1685539713018


def test_brevo_time_in_seconds_in_ts_epoch_is_not_read_as_1970(ingest, db) -> None:
    ingest(SAMPLES / "brevo/symfony_deferred.json")
    year = db().execute("SELECT year(event_at) FROM email_events").fetchone()[0]
    assert year == 2020


def test_sendgrid_machine_open_flag_false_is_a_human_open(ingest, db) -> None:
    ingest(SAMPLES / "sendgrid/symfony_open_machine_open_flag.json")
    row = db().execute("SELECT open_count, machine_open_count FROM email_history").fetchone()
    assert row == (1, 0)


def test_sendgrid_dropped_without_prefix_joins_through_its_smtp_id(ingest, db) -> None:
    ingest(SAMPLES / "sendgrid/anymail_dropped_invalid.json")
    key = db().execute("SELECT send_id FROM email_history").fetchone()[0]
    assert key == "sendgrid:wrfRRvF7Q0GgwUo2CvDmEA:invalid@invalid"


def test_sendgrid_blocked_bounce_is_a_refusal_by_the_recipient_side(ingest, db) -> None:
    ingest(SAMPLES / "sendgrid/docs_bounce_type_blocked.json")
    assert db().execute("SELECT event FROM email_events").fetchone()[0] == "blocked"


def test_all_brevo_and_sendgrid_samples_ingest_together_without_fatal_error(ingest) -> None:
    reports = ingest(SAMPLES / "brevo", SAMPLES / "sendgrid", SAMPLES / "csv_exports")
    assert all(r.status == "completed" for r in reports)
    # The placeholder id above, and anymail's copy of a docs event id with other content.
    assert sum(r.records_rejected for r in reports) == 2
