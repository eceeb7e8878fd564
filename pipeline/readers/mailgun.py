"""Mailgun: event webhooks, Events API pages and bare events (JSON).

Webhook body `{"signature": {...}, "event-data": {...}}`; Events API page `{"items": [...],
"paging": {...}}` (one record per item); or the event itself. The message id is
`message.headers.message-id`, written without the angle brackets the send API returns; time is
`timestamp`, float epoch seconds (never `signature.timestamp`, which dates the signature). `failed`
splits on `severity`: temporary → deferred; permanent → rejected when Mailgun did not try
(suppress-bounce/-unsubscribe/-complaint, or delivery-status code 605/607), else a hard bounce.
`rejected` events name no recipient: the address is then taken from `message.headers.to`.
Machine opens: `client-info.bot` set by Mailgun's bot detection (apple, gmail, generic), or the
bare `Mozilla/5.0` user agent of Apple Mail's privacy prefetch.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pipeline.readers.base import ReaderSpec

_EVENTS = """
    (VALUES
        ('accepted', 'accepted'), ('rejected', 'rejected'), ('delivered', 'delivered'),
        ('opened', 'opened'), ('clicked', 'clicked'), ('complained', 'complained'),
        ('unsubscribed', 'unsubscribed'),
        -- Not outbound mail, or no bearing on a mail's fate: known, nothing more.
        ('stored', 'unknown'), ('list_member_uploaded', 'unknown'),
        ('list_member_upload_error', 'unknown'), ('list_uploaded', 'unknown')
    ) AS mg_event(name, event)
"""

# Permanent failures Mailgun did not even attempt: the address is on a suppression list.
_SUPPRESSED = "('suppress-bounce', 'suppress-unsubscribe', 'suppress-complaint')"

STAGE_SQL = f"""
WITH pages AS (
    SELECT line, CAST(item AS VARCHAR) AS raw, item AS e
    FROM raw_docs, unnest(CAST(json_extract(doc, '$.items[*]') AS JSON[])) AS t(item)
    WHERE json_type(doc->'items') = 'ARRAY'
),
single AS (
    SELECT line, raw, COALESCE(doc->'event-data', doc) AS e
    FROM raw_docs
    WHERE json_type(doc->'items') IS DISTINCT FROM 'ARRAY'
),
d AS (
    SELECT line, raw, e,
           lower(trim(e->>'event')) AS name,
           e->>'event' AS raw_event,
           lower(e->>'severity') AS severity,
           blank_null(e->>'reason') AS failure_reason,
           blank_null(e->'delivery-status'->>'code') AS status_code,
           blank_null(e->'message'->'headers'->>'message-id') AS message_id,
           e->>'timestamp' AS time_text
    FROM (SELECT * FROM pages UNION ALL SELECT * FROM single)
),
classified AS (
    SELECT d.*, mg_event.event AS named_event,
        CASE
            WHEN d.name <> 'failed' THEN mg_event.event
            WHEN severity = 'temporary' THEN 'deferred'
            WHEN failure_reason IN {_SUPPRESSED} OR status_code IN ('605', '607') THEN 'rejected'
            ELSE 'bounced'
        END AS event,
        -- A failure without severity (older payloads) is left to its SMTP code to decide.
        CASE WHEN d.name = 'failed' AND severity = 'permanent' THEN 'hard' END AS bounce_kind
    FROM d
    LEFT JOIN {_EVENTS} ON mg_event.name = d.name
)
SELECT
    line, raw,
    'mailgun' AS provider,
    message_id AS provider_message_id,
    message_key('mailgun', message_id) AS message_key,
    COALESCE(lower(blank_null(e->>'recipient')),
             email_address(e->'message'->'headers'->>'to')) AS recipient_email,
    time_text,
    epoch_time(time_text) AS event_at,
    raw_event,
    event,
    CASE WHEN event = 'bounced' THEN bounce_kind END AS bounce_kind,
    COALESCE(event = 'opened' AND (blank_null(e->'client-info'->>'bot') IS NOT NULL
                                   OR trim(e->'client-info'->>'user-agent') = 'Mozilla/5.0'),
             false) AS is_machine_open,
    COALESCE(blank_null(e->'delivery-status'->>'message'),
             blank_null(e->'delivery-status'->>'description'),
             blank_null(e->'reject'->>'reason'),
             blank_null(e->'reject'->>'description')) AS reason,
    -- Mailgun's own codes (605 suppressed, 607 complained, 680…) are not SMTP replies.
    CASE WHEN regexp_full_match(status_code, '[245][0-9][0-9]') THEN status_code END AS smtp_code,
    COALESCE(blank_null(e->'delivery-status'->>'enhanced-code'),
             CASE WHEN regexp_full_match(e->'delivery-status'->>'bounce-code',
                                         '[245][.][0-9]{{1,3}}[.][0-9]{{1,3}}')
                  THEN e->'delivery-status'->>'bounce-code' END) AS enhanced_code,
    CASE WHEN name = 'failed' THEN NULLIF(concat_ws('/', failure_reason, status_code), '')
         END AS provider_class,
    blank_null(e->'message'->'headers'->>'subject') AS subject,
    email_address(e->'message'->'headers'->>'from') AS sender_email,
    blank_null(e->>'url') AS url,
    blank_null(e->>'id') AS provider_event_id
FROM classified
"""


def _is_event(doc: Mapping[str, Any]) -> bool:
    message = doc.get("message")
    has_headers = isinstance(message, Mapping) and "headers" in message
    return "event" in doc and "timestamp" in doc and ("log-level" in doc or has_headers)


def _is_mailgun(doc: Mapping[str, Any]) -> bool:
    if isinstance(doc.get("event-data"), Mapping):
        return "event" in doc["event-data"]
    if isinstance(doc.get("items"), list) and "paging" in doc:
        return True
    return _is_event(doc)


READERS = (
    ReaderSpec(
        name="mailgun_events",
        label="Mailgun webhook events and Events API pages (JSON)",
        provider="mailgun",
        kind="events",
        container="json",
        sniff=_is_mailgun,
        stage_sql=STAGE_SQL,
    ),
)
