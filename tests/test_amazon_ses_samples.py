"""Every real Amazon SES sample ingests and gives the status MAPPING.md's table implies; one
record about several recipients gives one mail per recipient."""

from __future__ import annotations

import json

import pytest

from tests.conftest import SAMPLES
from tests.sample_checks import Details, Refused, check_details, check_status, samples_on_disk

EXPECTED_STATUS = {
    "amazon_ses/anymail_sns_bounce_permanent_full.json": "undeliverable",
    # anymail's abridged records have no timestamp in the event nor in `mail`; the SNS
    # Timestamp dates the notification, not the event, so they are refused (one row per
    # bounced recipient for the two-recipient bounce).
    "amazon_ses/anymail_sns_bounce_two_recipients.json": Refused("no event time"),
    "amazon_ses/anymail_sns_click.json": "opened",
    "amazon_ses/anymail_sns_complaint.json": Refused("no event time"),
    "amazon_ses/anymail_sns_delivery.json": "delivered",
    "amazon_ses/anymail_sns_open.json": "opened",
    "amazon_ses/anymail_sns_reject.json": "send_error",
    "amazon_ses/anymail_sns_rendering_failure.json": Refused("no event time"),
    "amazon_ses/anymail_sns_send.json": "sent",
    "amazon_ses/docs_event_bounce_permanent.json": "undeliverable",
    "amazon_ses/docs_event_click.json": "opened",
    "amazon_ses/docs_event_complaint.json": "delivered",
    "amazon_ses/docs_event_delivery.json": "delivered",
    "amazon_ses/docs_event_delivery_delay.json": "sent",
    "amazon_ses/docs_event_open.json": "opened",
    "amazon_ses/docs_event_reject.json": "send_error",
    "amazon_ses/docs_event_rendering_failure.json": "send_error",
    "amazon_ses/docs_event_send.json": "sent",
    "amazon_ses/docs_event_subscription.json": "delivered",
    "amazon_ses/docs_notification_bounce_with_dsn.json": "undeliverable",
    "amazon_ses/docs_notification_bounce_without_dsn.json": ["undeliverable", "undeliverable"],
    "amazon_ses/docs_notification_complaint_with_feedback.json": "delivered",
    "amazon_ses/docs_notification_complaint_without_feedback.json": "delivered",
    "amazon_ses/docs_notification_delivery.json": "delivered",
    "amazon_ses/spatie_sns_bounce_permanent_gmail.json": "undeliverable",
    "amazon_ses/spatie_sns_click.json": "opened",
    "amazon_ses/spatie_sns_complaint_simulator.json": "delivered",
    "amazon_ses/spatie_sns_open.json": "opened",
}

EXPECTED_DETAILS = {
    "amazon_ses/anymail_sns_bounce_permanent_full.json": Details(
        "Permanent/General", "550", "5.1.1", "User unknown"
    ),
    "amazon_ses/docs_event_bounce_permanent.json": Details(
        "Permanent/General", "550", "5.1.1", "smtp; 550 5.1.1 user unknown"
    ),
    "amazon_ses/docs_event_delivery_delay.json": Details(
        "DeliveryDelay/TransientCommunicationFailure", "421", "4.4.1", "Unable to connect"
    ),
    "amazon_ses/docs_event_reject.json": Details("Reject/Bad content", None, None, "Bad content"),
    "amazon_ses/anymail_sns_reject.json": Details("Reject/Bad content", None, None, "Bad content"),
    "amazon_ses/docs_event_rendering_failure.json": Details(
        None, None, None, "Attribute 'attributeName' is not present"
    ),
    "amazon_ses/docs_notification_bounce_with_dsn.json": Details(
        "Permanent/General", "550", "5.1.1", "User"
    ),
    "amazon_ses/docs_notification_bounce_without_dsn.json": Details(
        "Permanent/General", None, None, None
    ),
    "amazon_ses/spatie_sns_bounce_permanent_gmail.json": Details(
        "Permanent/General", "550", "5.1.1", "NoSuchUser"
    ),
}


def _record(sample: str) -> dict:
    doc = json.loads((SAMPLES / sample).read_text())
    return json.loads(doc["Message"]) if "Message" in doc else doc


def test_every_amazon_ses_sample_has_an_expected_status() -> None:
    assert samples_on_disk("amazon_ses") == set(EXPECTED_STATUS)


@pytest.mark.parametrize("sample", sorted(EXPECTED_STATUS))
def test_ses_sample_ingests_alone_with_the_status_the_rules_imply(sample, ingest, db) -> None:
    check_status(sample, EXPECTED_STATUS[sample], ingest, db)


@pytest.mark.parametrize("sample", sorted(EXPECTED_DETAILS))
def test_ses_failure_carries_its_class_codes_and_reason(sample, ingest, db) -> None:
    check_details(sample, EXPECTED_DETAILS[sample], ingest, db)


def test_ses_bounce_of_two_recipients_gives_two_undeliverable_mails(ingest, db) -> None:
    ingest(SAMPLES / "amazon_ses/docs_notification_bounce_without_dsn.json")
    rows = db().execute("SELECT recipient_email, status FROM email_history ORDER BY 1").fetchall()
    assert rows == [("jane@example.com", "undeliverable"), ("richard@example.com", "undeliverable")]


def test_ses_bounce_names_only_the_bounced_recipient_of_three(ingest, db) -> None:
    ingest(SAMPLES / "amazon_ses/anymail_sns_bounce_permanent_full.json")
    rows = db().execute("SELECT recipient_email FROM email_history").fetchall()
    assert rows == [("jane@example.com",)]


def test_ses_event_time_comes_from_the_event_never_from_sns(ingest, db) -> None:
    ingest(SAMPLES / "amazon_ses/anymail_sns_bounce_permanent_full.json")
    at = db().execute(
        "SELECT strftime(event_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%g') FROM events"
    )
    assert at.fetchone()[0] == "2016-01-27T14:59:44.101"  # bounce.timestamp, not 2018 (SNS)


def test_ses_send_and_reject_are_dated_by_mail_timestamp(ingest, db) -> None:
    ingest(SAMPLES / "amazon_ses/docs_event_reject.json")
    at = db().execute(
        "SELECT strftime(event_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%g') FROM events"
    )
    assert at.fetchone()[0] == "2016-10-14T17:38:15.211"


@pytest.mark.parametrize(
    ("subtype", "status", "provider_class"),
    [
        ("General", "undeliverable", "Permanent/General"),
        ("NoEmail", "undeliverable", "Permanent/NoEmail"),
        ("Suppressed", "send_error", "Permanent/Suppressed"),
        ("OnAccountSuppressionList", "send_error", "Permanent/OnAccountSuppressionList"),
    ],
)
def test_ses_permanent_bounce_subtypes(subtype, status, provider_class, ingest, db, write):
    record = _record("amazon_ses/docs_event_bounce_permanent.json")
    record["bounce"]["bounceSubType"] = subtype
    ingest(write("bounce.json", json.dumps(record)))
    row = db().execute("SELECT status, provider_class FROM email_history, events").fetchone()
    assert row == (status, provider_class)


@pytest.mark.parametrize(
    ("bounce_type", "subtype"), [("Transient", "MailboxFull"), ("Undetermined", "Undetermined")]
)
def test_ses_transient_and_undetermined_bounces_are_final(bounce_type, subtype, ingest, db, write):
    # SES retries soft bounces itself and only reports those it stopped retrying.
    record = _record("amazon_ses/docs_event_bounce_permanent.json")
    record["bounce"].update(bounceType=bounce_type, bounceSubType=subtype)
    record["bounce"]["bouncedRecipients"][0].update(status="4.2.2", diagnosticCode="452 full")
    ingest(write("bounce.json", json.dumps(record)))
    row = db().execute("SELECT status, provider_class FROM email_history, events").fetchone()
    assert row == ("undeliverable", f"{bounce_type}/{subtype}")


def test_ses_subscription_without_opt_out_changes_nothing(ingest, db, write) -> None:
    record = _record("amazon_ses/docs_event_subscription.json")
    record["subscription"]["newTopicPreferences"] = {
        "unsubscribeAll": False,
        "topicSubscriptionStatus": [{"topicName": "News", "subscriptionStatus": "OptIn"}],
    }
    ingest(write("subscription.json", json.dumps(record)))
    assert db().execute("SELECT status FROM email_history").fetchone()[0] == "requested"


def test_ses_subscription_opting_out_of_one_topic_is_an_unsubscribe(ingest, db, write) -> None:
    record = _record("amazon_ses/docs_event_subscription.json")
    record["subscription"]["newTopicPreferences"]["unsubscribeAll"] = False
    ingest(write("subscription.json", json.dumps(record)))
    row = db().execute("SELECT status, unsubscribed FROM email_history").fetchone()
    assert row == ("delivered", True)


def test_ses_open_of_a_multi_recipient_message_goes_to_its_only_known_recipient(
    ingest, db, write
) -> None:
    record = _record("amazon_ses/docs_event_open.json")
    record["mail"]["destination"] = ["recipient@example.com", "other@example.com"]
    send = {
        "send_id": "M-1",
        "requested_at": "2017-08-09T21:59:49Z",
        "provider": "amazon_ses",
        "provider_message_id": record["mail"]["messageId"],
        "recipient_email": "recipient@example.com",
    }
    ingest(write("sends.jsonl", json.dumps(send) + "\n"), write("open.json", json.dumps(record)))
    assert db().execute("SELECT recipient_email FROM events").fetchone()[0] is None
    rows = db().execute("SELECT send_id, status FROM email_history").fetchall()
    assert rows == [("M-1", "opened")]


def test_ses_apple_prefetch_open_is_a_machine_open(ingest, db) -> None:
    ingest(SAMPLES / "amazon_ses/spatie_sns_open.json")  # userAgent 'Mozilla/5.0', relay IP
    row = db().execute("SELECT status, open_count, machine_open_count FROM email_history")
    assert row.fetchone() == ("opened", 0, 1)


def test_ses_iphone_open_with_a_full_user_agent_is_a_human_open(ingest, db) -> None:
    ingest(SAMPLES / "amazon_ses/docs_event_open.json")
    row = db().execute("SELECT open_count, machine_open_count FROM email_history").fetchone()
    assert row == (1, 0)


def test_ses_sns_notification_and_raw_record_give_the_same_event(ingest, db, write) -> None:
    sns = json.loads((SAMPLES / "amazon_ses/spatie_sns_bounce_permanent_gmail.json").read_text())
    raw = write("raw.json", sns["Message"])
    first, second = ingest(SAMPLES / "amazon_ses/spatie_sns_bounce_permanent_gmail.json", raw)
    assert (first.records_loaded, second.records_loaded, second.records_duplicate) == (1, 0, 1)


def test_all_amazon_ses_samples_ingest_together_without_fatal_error(ingest) -> None:
    reports = ingest(SAMPLES / "amazon_ses")
    assert len(reports) == len(EXPECTED_STATUS)
    assert all(r.status == "completed" for r in reports)
    refused = sum(isinstance(e, Refused) for e in EXPECTED_STATUS.values())
    assert sum(r.records_rejected > 0 for r in reports) == refused
