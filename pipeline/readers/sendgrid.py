"""SendGrid: Event Webhook payloads (JSON arrays of events) and the Email Activity CSV export.

Webhooks: `timestamp` in epoch seconds; `sg_message_id` is the send-time X-Message-Id followed by a
per-event suffix, except on some `dropped` events whose id lacks that prefix: their `smtp-id`
(<xid@ismtpd…>) still carries it. `sg_event_id` identifies an event. Bounces have `type`
bounce|blocked, `status` (enhanced code), `reason`, and in newer payloads `bounce_classification`;
deferrals have `response` and `attempt`; Apple privacy prefetch opens carry `sg_machine_open`.
Activity export: 28 columns read by name (their order varies); `processed` is the event time as
epoch seconds or a date-time string; event names also come in the API's spellings.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pipeline.readers.base import ReaderSpec

_EVENTS = """
    (VALUES
        ('processed', 'accepted', NULL), ('deferred', 'deferred', NULL),
        ('delivered', 'delivered', NULL),
        ('open', 'opened', NULL), ('opened', 'opened', NULL),
        ('click', 'clicked', NULL), ('clicked', 'clicked', NULL),
        ('bounce', 'bounced', 'hard'), ('bounced', 'bounced', 'hard'),
        ('dropped', 'rejected', NULL),
        ('spamreport', 'complained', NULL), ('spam report', 'complained', NULL),
        ('spam_report', 'complained', NULL),
        ('unsubscribe', 'unsubscribed', NULL), ('group_unsubscribe', 'unsubscribed', NULL),
        ('group unsubscribe', 'unsubscribed', NULL),
        -- A resubscription says nothing about delivery: known, but no bearing on the status.
        ('group_resubscribe', 'unknown', NULL), ('group resubscribe', 'unknown', NULL),
        ('not_delivered', 'unknown', NULL)
    ) AS sg_event(name, event, bounce_kind)
"""

# Bounces of type 'blocked' are refusals by the recipient's side, which SendGrid does not retry.
_EVENT_WITH_TYPE = """
    CASE WHEN sg_event.event = 'bounced' AND lower(bounce_type) = 'blocked' THEN 'blocked'
         ELSE sg_event.event END
"""

# Where SendGrid classifies a failure, as pipeline/rules/sql/bounce_rules.sql expects it.
_PROVIDER_CLASS = """
    CASE
        WHEN sg_event.event = 'rejected' THEN 'dropped/' || COALESCE(reason_text, '')
        WHEN sg_event.event = 'bounced' THEN
            COALESCE(blank_null(bounce_type), 'bounce') || '/' || COALESCE(classification, '')
        WHEN sg_event.event = 'deferred' THEN 'deferred'
    END
"""

WEBHOOK_SQL = f"""
WITH d AS (
    SELECT line, raw, doc,
           lower(trim(doc->>'event')) AS name,
           doc->>'event' AS raw_event,
           blank_null(doc->>'sg_message_id') AS sg_message_id,
           blank_null(doc->>'smtp-id') AS smtp_id,
           doc->>'type' AS bounce_type,
           doc->>'bounce_classification' AS classification,
           COALESCE(blank_null(doc->>'reason'), blank_null(doc->>'response')) AS reason_text
    FROM raw_docs
)
SELECT
    line, raw,
    'sendgrid' AS provider,
    COALESCE(sg_message_id, smtp_id) AS provider_message_id,
    message_key('sendgrid',
        CASE WHEN sg_message_id IS NULL OR regexp_matches(sg_message_id, '^(filter|recvd)')
             THEN COALESCE(smtp_id, sg_message_id) ELSE sg_message_id END) AS message_key,
    lower(blank_null(doc->>'email')) AS recipient_email,
    doc->>'timestamp' AS time_text,
    epoch_time(doc->>'timestamp') AS event_at,
    raw_event,
    {_EVENT_WITH_TYPE} AS event,
    CASE WHEN sg_event.event = 'bounced' AND lower(bounce_type) IS DISTINCT FROM 'blocked'
         THEN sg_event.bounce_kind END AS bounce_kind,
    COALESCE(TRY_CAST(doc->>'sg_machine_open' AS BOOLEAN), false) AS is_machine_open,
    reason_text AS reason,
    CAST(NULL AS VARCHAR) AS smtp_code,
    blank_null(doc->>'status') AS enhanced_code,
    {_PROVIDER_CLASS} AS provider_class,
    blank_null(doc->>'subject') AS subject,
    lower(blank_null(doc->>'from')) AS sender_email,
    blank_null(doc->>'url') AS url,
    blank_null(doc->>'sg_event_id') AS provider_event_id
FROM d
LEFT JOIN {_EVENTS} ON sg_event.name = d.name
"""

ACTIVITY_SQL = f"""
WITH d AS (
    SELECT *,
           lower(trim(event)) AS name,
           event AS raw_event,
           COALESCE(blank_null(recv_message_id), blank_null(message_id)) AS id_text,
           "type" AS bounce_type,
           CAST(NULL AS VARCHAR) AS classification,
           blank_null(reason) AS reason_text
    FROM raw_csv
)
SELECT
    line, raw,
    'sendgrid' AS provider,
    id_text AS provider_message_id,
    message_key('sendgrid', id_text) AS message_key,
    lower(blank_null(email)) AS recipient_email,
    processed AS time_text,
    COALESCE(epoch_time(processed), TRY_CAST(timezone('UTC', TRY_CAST(processed AS TIMESTAMP))
                                             AS TIMESTAMPTZ),
             TRY_CAST(processed AS TIMESTAMPTZ)) AS event_at,
    raw_event,
    {_EVENT_WITH_TYPE} AS event,
    CASE WHEN sg_event.event = 'bounced' AND lower(bounce_type) IS DISTINCT FROM 'blocked'
         THEN sg_event.bounce_kind END AS bounce_kind,
    false AS is_machine_open,
    reason_text AS reason,
    CAST(NULL AS VARCHAR) AS smtp_code,
    CAST(NULL AS VARCHAR) AS enhanced_code,
    {_PROVIDER_CLASS} AS provider_class,
    blank_null(subject) AS subject,
    lower(blank_null("from")) AS sender_email,
    blank_null(url) AS url,
    CAST(NULL AS VARCHAR) AS provider_event_id
FROM d
LEFT JOIN {_EVENTS} ON sg_event.name = d.name
"""

_ACTIVITY_COLUMNS = ("processed", "message_id", "event", "email")


def _is_webhook(doc: Mapping[str, Any]) -> bool:
    return "event" in doc and any(k in doc for k in ("sg_event_id", "sg_message_id", "smtp-id"))


def _is_activity_export(header: frozenset[str]) -> bool:
    return set(_ACTIVITY_COLUMNS) <= header


READERS = (
    ReaderSpec(
        name="sendgrid_webhook",
        label="SendGrid Event Webhook events (JSON)",
        provider="sendgrid",
        kind="events",
        container="json",
        sniff=_is_webhook,
        stage_sql=WEBHOOK_SQL,
    ),
    ReaderSpec(
        name="sendgrid_activity_export",
        label="SendGrid Email Activity export (CSV)",
        provider="sendgrid",
        kind="events",
        container="csv",
        sniff=_is_activity_export,
        stage_sql=ACTIVITY_SQL,
        required_columns=_ACTIVITY_COLUMNS,
        optional_columns=("recv_message_id", "reason", "subject", "from", "type", "url"),
    ),
)
