"""Send logs and provider events meet on one message key, whichever way each side writes the id.

Each test writes the send-log line a platform would write — provider_message_id as that
provider's send API (or SMTP reply) returns it — and ingests it with real sample events.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import SAMPLES


def _send_log(send_id: str, provider: str, message_id: str, recipient: str) -> str:
    return json.dumps(
        {
            "send_id": send_id,
            "requested_at": "2010-01-01T00:00:00Z",
            "provider": provider,
            "provider_message_id": message_id,
            "recipient_email": recipient,
        }
    )


JOINS = [
    # Mailgun's send API answers the id in angle brackets; its events write it bare.
    (
        "Mailgun",
        "<20130503182626.18666.16540@app.symfony.com>",
        "alice@example.com",
        "mailgun/symfony_delivered.json",
        "delivered",
    ),
    (
        "mailgun",
        "20180812214658.1.0DF563D0B3597700@example.org",
        "invalid@example.com",
        "mailgun/anymail_failed_permanent.json",
        "undeliverable",
    ),
    # Postmark: the MessageID UUID of the send response (case does not matter).
    (
        "postmark",
        "883953F4-6105-42A2-A16A-77A8EAC79483",
        "recipient@example.com",
        "postmark/anymail_delivery.json",
        "delivered",
    ),
    # Amazon SES: the MessageId returned by SendEmail…
    (
        "ses",
        "0107016eb1654604-5f27d09d-872f-4a34-be34-c4e24741cb66-000000",
        "mcbounceface@spatie.be",
        "amazon_ses/spatie_sns_bounce_permanent_gmail.json",
        "undeliverable",
    ),
    # …or the Message-ID header SES builds from it, as an SMTP sender logs it.
    (
        "Amazon SES",
        "<0107016eb1654604-5f27d09d-872f-4a34-be34-c4e24741cb66-000000@eu-central-1.amazonses.com>",
        "mcbounceface@spatie.be",
        "amazon_ses/spatie_sns_bounce_permanent_gmail.json",
        "undeliverable",
    ),
    # Mailjet: the MessageID integer of the send response, above 2^53.
    (
        "mailjet",
        "104427216766056450",
        "event-bounce@yahoo.fr",
        "mailjet/symfony_bounce_soft_policy.json",
        "sent",
    ),
    # Brevo: messageId with angle brackets; SendGrid: the X-Message-Id header.
    (
        "sendinblue",
        "<202305311328.81899448177@smtp-relay.mailin.fr>",
        "example@gmail.com",
        "brevo/symfony_delivered.json",
        "delivered",
    ),
    (
        "sendgrid",
        "wrfRRvF7Q0GgwUo2CvDmEA",
        "recipient@example.com",
        "sendgrid/anymail_delivered.json",
        "delivered",
    ),
]


@pytest.mark.parametrize(("provider", "message_id", "recipient", "sample", "status"), JOINS)
def test_send_log_line_joins_the_providers_sample_events(
    provider, message_id, recipient, sample, status, ingest, db, write
) -> None:
    sends = write("sends.jsonl", _send_log("M-1", provider, message_id, recipient) + "\n")
    reports = ingest(sends, SAMPLES / sample)
    assert [r.records_rejected for r in reports] == [0, 0]
    rows = db().execute("SELECT send_id, status, has_send_log FROM email_history").fetchall()
    assert rows == [("M-1", status, True)]


def test_mailjet_ids_one_apart_join_their_own_send_log_lines(ingest, db, write) -> None:
    lines = [
        _send_log("M-490", "mailjet", "19421777835146490", "api@mailjet.com"),
        _send_log("M-491", "mailjet", "19421777835146491", "api@mailjet.com"),
    ]
    ingest(
        write("sends.jsonl", "\n".join(lines) + "\n"), SAMPLES / "mailjet/docs_grouped_sent_x2.json"
    )
    rows = db().execute("SELECT send_id, provider_message_id, status FROM email_history ORDER BY 1")
    assert rows.fetchall() == [
        ("M-490", "19421777835146490", "delivered"),
        ("M-491", "19421777835146491", "delivered"),
    ]


def test_events_of_the_same_message_written_with_and_without_brackets_meet(ingest, db, write):
    delivered = json.loads((SAMPLES / "mailgun/symfony_delivered.json").read_text())
    opened = json.loads((SAMPLES / "mailgun/symfony_opened.json").read_text())
    opened["event-data"]["message"]["headers"]["message-id"] = (
        "<20130503182626.18666.16540@APP.symfony.com>"
    )
    ingest(write("d.json", json.dumps(delivered)), write("o.json", json.dumps(opened)))
    rows = db().execute("SELECT status, delivered_at IS NOT NULL FROM email_history").fetchall()
    assert rows == [("opened", True)]
