"""Amazon SES: event publishing records (`eventType`) and identity notifications
(`notificationType`), bare (Firehose, SNS `Message` content) or inside SNS envelopes.

An SNS envelope carries the SES record as a JSON string in `Message`: it is parsed here, in SQL.
One record covers every recipient of a message, so it becomes one event per recipient concerned:
Delivery → delivery.recipients; Bounce → bounce.bouncedRecipients[] (each with its own status
and diagnosticCode); Complaint → complainedRecipients; DeliveryDelay → delayedRecipients; Send,
Reject, Rendering Failure → mail.destination; Open, Click, Subscription → mail.destination only
when it names exactly one address, else no recipient (the store gives such an event to the
message's only known recipient). The event time is the event object's timestamp, else
mail.timestamp — never the SNS Timestamp, which dates the notification.
Bounces: Permanent General/NoEmail and Undetermined → hard; Permanent Suppressed/
OnAccountSuppressionList → rejected (SES did not send); Transient → hard too, since SES only
reports the soft bounces it has stopped retrying (DeliveryDelay is the in-flight signal).
Machine opens: the bare `Mozilla/5.0` user agent of Apple Mail's privacy prefetch.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import duckdb

from pipeline.i18n.messages import message
from pipeline.readers.base import ReaderSpec

_EVENTS = """
    (VALUES
        ('Send', 'accepted'), ('Delivery', 'delivered'), ('DeliveryDelay', 'deferred'),
        ('Bounce', 'bounced'), ('Complaint', 'complained'), ('Reject', 'rejected'),
        ('Rendering Failure', 'failed'), ('Open', 'opened'), ('Click', 'clicked'),
        ('Subscription', 'unknown'), ('AmazonSnsSubscriptionSucceeded', 'unknown')
    ) AS ses_event(name, event)
"""

# Where each record type lists the recipients it concerns (objects or plain addresses).
_TARGETS = """
    CASE kind
        WHEN 'Bounce' THEN rec->'bounce'->'bouncedRecipients'
        WHEN 'Complaint' THEN rec->'complaint'->'complainedRecipients'
        WHEN 'DeliveryDelay' THEN rec->'deliveryDelay'->'delayedRecipients'
        WHEN 'Delivery' THEN rec->'delivery'->'recipients'
        WHEN 'Open' THEN single_destination
        WHEN 'Click' THEN single_destination
        WHEN 'Subscription' THEN single_destination
        ELSE rec->'mail'->'destination'
    END
"""

# The event object of each record type, which holds the event's own timestamp.
_EVENT_OBJECT = """
    CASE kind
        WHEN 'Bounce' THEN rec->'bounce' WHEN 'Complaint' THEN rec->'complaint'
        WHEN 'Delivery' THEN rec->'delivery' WHEN 'DeliveryDelay' THEN rec->'deliveryDelay'
        WHEN 'Open' THEN rec->'open' WHEN 'Click' THEN rec->'click'
        WHEN 'Subscription' THEN rec->'subscription'
    END
"""

STAGE_SQL = f"""
WITH envelope AS (
    SELECT line, raw,
           CASE WHEN doc->>'Type' = 'Notification' AND json_type(doc->'Message') = 'VARCHAR'
                THEN TRY_CAST(doc->>'Message' AS JSON) ELSE doc END AS rec
    FROM raw_docs
),
records AS (
    SELECT line, raw, rec,
           COALESCE(rec->>'eventType', rec->>'notificationType') AS kind,
           CASE WHEN json_array_length(rec->'mail'->'destination') = 1
                THEN rec->'mail'->'destination' END AS single_destination
    FROM envelope
),
targeted AS (
    SELECT *, CAST(json_extract({_TARGETS}, '$[*]') AS JSON[]) AS targets,
           {_EVENT_OBJECT} AS event_object
    FROM records
),
-- One row per recipient concerned; a record that names none still gives one row.
d AS (
    SELECT line, raw, rec, kind, event_object, target,
           CASE json_type(target) WHEN 'VARCHAR' THEN target->>'$'
                                  WHEN 'OBJECT' THEN target->>'emailAddress' END AS recipient,
           rec->'bounce'->>'bounceType' AS bounce_type,
           rec->'bounce'->>'bounceSubType' AS bounce_subtype,
           blank_null(rec->'mail'->>'messageId') AS message_id,
           COALESCE(event_object->>'timestamp', rec->'mail'->>'timestamp') AS time_text
    FROM targeted,
         unnest(CASE WHEN len(targets) > 0 THEN targets ELSE [NULL::JSON] END) AS t(target)
),
classified AS (
    SELECT d.*,
        CASE
            WHEN kind = 'Bounce' AND bounce_type = 'Permanent'
                 AND bounce_subtype IN ('Suppressed', 'OnAccountSuppressionList') THEN 'rejected'
            WHEN kind = 'Subscription' AND (
                 TRY_CAST(event_object->'newTopicPreferences'->>'unsubscribeAll' AS BOOLEAN)
                 OR list_contains(json_extract_string(event_object,
                        '$.newTopicPreferences.topicSubscriptionStatus[*].subscriptionStatus'),
                        'OptOut')) THEN 'unsubscribed'
            ELSE ses_event.event
        END AS event
    FROM d
    LEFT JOIN {_EVENTS} ON ses_event.name = d.kind
)
SELECT
    line, raw,
    'amazon_ses' AS provider,
    message_id AS provider_message_id,
    message_key('amazon_ses', message_id) AS message_key,
    lower(blank_null(recipient)) AS recipient_email,
    time_text,
    TRY_CAST(trim(time_text) AS TIMESTAMPTZ) AS event_at,
    kind AS raw_event,
    event,
    CASE WHEN event = 'bounced' THEN 'hard' END AS bounce_kind,
    COALESCE(kind = 'Open' AND trim(event_object->>'userAgent') = 'Mozilla/5.0', false)
        AS is_machine_open,
    COALESCE(blank_null(target->>'diagnosticCode'), blank_null(rec->'reject'->>'reason'),
             blank_null(rec->'failure'->>'errorMessage'),
             blank_null(rec->'delivery'->>'smtpResponse'),
             blank_null(rec->'complaint'->>'complaintFeedbackType')) AS reason,
    CAST(NULL AS VARCHAR) AS smtp_code,
    CASE WHEN regexp_full_match(target->>'status', '[245][.][0-9]{{1,3}}[.][0-9]{{1,3}}')
         THEN target->>'status' END AS enhanced_code,
    CASE kind
        WHEN 'Bounce' THEN NULLIF(concat_ws('/', blank_null(bounce_type),
                                            blank_null(bounce_subtype)), '')
        WHEN 'Reject' THEN 'Reject/' || COALESCE(blank_null(rec->'reject'->>'reason'), '')
        WHEN 'DeliveryDelay' THEN 'DeliveryDelay/'
                                  || COALESCE(blank_null(event_object->>'delayType'), '')
    END AS provider_class,
    blank_null(rec->'mail'->'commonHeaders'->>'subject') AS subject,
    email_address(rec->'mail'->>'source') AS sender_email,
    blank_null(rec->'click'->>'link') AS url,
    CAST(NULL AS VARCHAR) AS provider_event_id
FROM classified
"""


# An SNS envelope whose Message is not an SES record: refused for that, before staging would
# refuse it for the lack of a message id.
_UNREADABLE_ENVELOPE = """
    doc->>'Type' = 'Notification' AND json_type(doc->'Message') = 'VARCHAR'
    AND json_type(TRY_CAST(doc->>'Message' AS JSON)) IS DISTINCT FROM 'OBJECT'
"""


def refuse_unreadable_envelopes(con: duckdb.DuckDBPyConnection) -> None:
    """Move the SNS notifications whose Message is not a JSON object to raw_rejects."""
    why = message("sns_message_not_json")
    con.execute(
        f"INSERT INTO raw_rejects SELECT line, raw, ?, ?, CAST(? AS JSON) FROM raw_docs "
        f"WHERE {_UNREADABLE_ENVELOPE}",
        [why.text, why.code, why.params_json()],
    )
    con.execute(f"DELETE FROM raw_docs WHERE {_UNREADABLE_ENVELOPE}")


def _ses_record(doc: Mapping[str, Any]) -> Any:
    """The SES record itself: the parsed `Message` of an SNS notification, or the document."""
    if doc.get("Type") == "Notification" and isinstance(doc.get("Message"), str):
        return json.loads(doc["Message"])
    return doc


def _is_ses(doc: Mapping[str, Any]) -> bool:
    record = _ses_record(doc)
    kind = record.get("eventType", record.get("notificationType"))
    return isinstance(kind, str) and isinstance(record.get("mail"), Mapping)


READERS = (
    ReaderSpec(
        name="amazon_ses_events",
        label="Amazon SES events and notifications, bare or in SNS envelopes (JSON)",
        provider="amazon_ses",
        kind="events",
        container="json",
        sniff=_is_ses,
        stage_sql=STAGE_SQL,
        prepare=refuse_unreadable_envelopes,
    ),
)
