"""Every real Postmark sample ingests and gives the status MAPPING.md's table implies."""

from __future__ import annotations

import json

import pytest

from tests.conftest import SAMPLES
from tests.sample_checks import Details, Refused, check_details, check_status, samples_on_disk

EXPECTED_STATUS = {
    "postmark/anymail_bounce_hard.json": "undeliverable",
    # A real (scrubbed) payload with neither time nor recipient: refused, nothing to date it by.
    "postmark/anymail_bounce_type_unsubscribe.json": Refused("no event time"),
    "postmark/anymail_click.json": "opened",
    "postmark/anymail_delivery.json": "delivered",
    "postmark/anymail_open.json": "opened",
    "postmark/anymail_spam_complaint.json": "delivered",
    "postmark/anymail_subscription_change_hard_bounce.json": "undeliverable",
    "postmark/anymail_subscription_change_manual_suppression.json": "delivered",
    # Reactivation says nothing about delivery: the mail is known, nothing more.
    "postmark/anymail_subscription_change_resubscribe.json": "requested",
    # Type SoftBounce wins over its inconsistent TypeCode 1 (HardBounce's code).
    "postmark/spatie_bounce_soft_typecode_1.json": "sent",
    "postmark/spatie_open_escaped_slashes.json": "opened",
    "postmark/spatie_subscription_change_spam_complaint.json": "delivered",
    "postmark/symfony_bounce_hard.json": "undeliverable",
    "postmark/symfony_click.json": "opened",
    "postmark/symfony_delivery.json": "delivered",
    "postmark/symfony_open.json": "opened",
    "postmark/symfony_spam_complaint_typecode_100001.json": "delivered",
    "postmark/symfony_subscription_change_hard_bounce.json": "undeliverable",
}

EXPECTED_DETAILS = {
    # Postmark has no code fields: codes come from the Details text.
    "postmark/anymail_bounce_hard.json": Details(
        "HardBounce", "550", "5.1.1", "smtp;550 5.1.1 The email account"
    ),
    "postmark/symfony_bounce_hard.json": Details("HardBounce", None, None, "Test bounce details"),
    "postmark/spatie_bounce_soft_typecode_1.json": Details(
        "SoftBounce", None, None, "Test bounce details"
    ),
    "postmark/anymail_spam_complaint.json": Details(
        "SpamComplaint", None, None, "Test spam complaint details"
    ),
    "postmark/anymail_subscription_change_hard_bounce.json": Details(
        "HardBounce", None, None, None
    ),
}

# MAPPING.md's Postmark table: bounce Type → the mail's status when it is the only event.
BOUNCE_TYPE_STATUS = {
    "HardBounce": "undeliverable",
    "SoftBounce": "sent",
    "Transient": "sent",
    "DnsError": "sent",
    "Blocked": "undeliverable",
    "DMARCPolicy": "undeliverable",
    "BadEmailAddress": "send_error",
    "ManuallyDeactivated": "send_error",
    "Unconfirmed": "send_error",
    "SMTPApiError": "send_error",
    "TemplateRenderingFailed": "send_error",
    "VirusNotification": "undeliverable",
    "SpamNotification": "delivered",
    "Unsubscribe": "delivered",
    "AutoResponder": "delivered",
    "AddressChange": "delivered",
    "ChallengeVerification": "delivered",
    # Recognised, no bearing on the mail's fate.
    "OpenRelayTest": "requested",
    "Unknown": "requested",
    "Subscribe": "requested",
}


def _bounce(**changes: object) -> str:
    doc = json.loads((SAMPLES / "postmark/symfony_bounce_hard.json").read_text())
    doc["Details"] = "Test bounce details"
    doc.update(changes)
    return json.dumps({k: v for k, v in doc.items() if v is not None})


def test_every_postmark_sample_has_an_expected_status() -> None:
    assert samples_on_disk("postmark") == set(EXPECTED_STATUS)


@pytest.mark.parametrize("sample", sorted(EXPECTED_STATUS))
def test_postmark_sample_ingests_alone_with_the_status_the_rules_imply(sample, ingest, db):
    check_status(sample, EXPECTED_STATUS[sample], ingest, db)


@pytest.mark.parametrize("sample", sorted(EXPECTED_DETAILS))
def test_postmark_failure_carries_its_type_and_reason(sample, ingest, db) -> None:
    check_details(sample, EXPECTED_DETAILS[sample], ingest, db)


@pytest.mark.parametrize("bounce_type", sorted(BOUNCE_TYPE_STATUS))
def test_postmark_bounce_type_gives_mapping_status(bounce_type, ingest, db, write) -> None:
    (report,) = ingest(write(f"{bounce_type}.json", _bounce(Type=bounce_type)))
    assert report.unknown_events == 0
    status, provider_class = (
        db().execute("SELECT status, provider_class FROM email_history, events").fetchone()
    )
    assert (status, provider_class) == (BOUNCE_TYPE_STATUS[bounce_type], bounce_type)


def test_postmark_bounce_without_type_is_classified_by_its_type_code(ingest, db, write) -> None:
    ingest(write("code.json", _bounce(Type=None, TypeCode=100000)))  # BadEmailAddress
    assert db().execute("SELECT status FROM email_history").fetchone()[0] == "send_error"


def test_postmark_time_keeps_its_local_offset_and_seven_digit_fraction(ingest, db) -> None:
    ingest(SAMPLES / "postmark/anymail_bounce_hard.json")  # 2016-04-27T16:28:50.3963933-04:00
    at = db().execute("SELECT strftime(event_at AT TIME ZONE 'UTC', '%H:%M:%S.%f') FROM events")
    assert at.fetchone()[0] == "20:28:50.396393"


def test_postmark_recipient_is_in_email_on_bounces_and_recipient_elsewhere(ingest, db) -> None:
    ingest(SAMPLES / "postmark/anymail_bounce_hard.json", SAMPLES / "postmark/anymail_open.json")
    recipients = {r[0] for r in db().execute("SELECT recipient_email FROM events").fetchall()}
    assert recipients == {"bounce@example.com", "recipient@example.com"}


def test_postmark_apple_prefetch_user_agent_is_a_machine_open(ingest, db, write) -> None:
    doc = json.loads((SAMPLES / "postmark/symfony_open.json").read_text())
    doc["UserAgent"] = "Mozilla/5.0"
    ingest(write("mpp.json", json.dumps(doc)))
    row = db().execute("SELECT status, open_count, machine_open_count FROM email_history")
    assert row.fetchone() == ("opened", 0, 1)


def test_all_postmark_samples_ingest_together_without_fatal_error(ingest) -> None:
    reports = ingest(SAMPLES / "postmark")
    assert len(reports) == len(EXPECTED_STATUS)
    assert all(r.status == "completed" for r in reports)
    refused = sum(isinstance(e, Refused) for e in EXPECTED_STATUS.values())
    # Two libraries' samples use the bounce ID 42 for different bounces: the later one is refused
    # as a conflicting replay (issue 12), one more file with a refusal.
    assert sum(r.records_rejected > 0 for r in reports) == refused + 1
