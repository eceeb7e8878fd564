"""Postmark: webhooks (JSON), one record per POST: Delivery, Bounce, SpamComplaint, Open, Click,
SubscriptionChange.

The message id is `MessageID` (the UUID the send API returns); the recipient `Recipient`, or
`Email` on Bounce and SpamComplaint. The time field depends on RecordType (DeliveredAt,
BouncedAt, ReceivedAt, ChangedAt): ISO-8601 with 7 fractional digits and sometimes a local
offset. A bounce is classified by its `Type` name (TypeCode only when Type is missing: some
published payloads pair a Type with another type's code) following MAPPING.md's table. Postmark
gives no SMTP code fields: codes are read from `Details` later. Machine opens: the bare
`Mozilla/5.0` user agent of Apple Mail's privacy prefetch.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pipeline.readers.base import ReaderSpec

# Bounce Type (TypeCode, from postmark.js BounceTypeCode) → (vocabulary event, bounce kind).
_BOUNCE_TYPES = """
    (VALUES
        ('HardBounce', 1, 'bounced', 'hard'),
        ('SoftBounce', 4096, 'bounced', 'soft'), ('Transient', 2, 'bounced', 'soft'),
        ('DnsError', 256, 'bounced', 'soft'),
        ('Blocked', 100006, 'blocked', NULL), ('DMARCPolicy', 100009, 'blocked', NULL),
        ('BadEmailAddress', 100000, 'rejected', NULL),
        ('ManuallyDeactivated', 100002, 'rejected', NULL),
        ('Unconfirmed', 100003, 'rejected', NULL),
        ('SMTPApiError', 100007, 'failed', NULL),
        ('TemplateRenderingFailed', 100010, 'failed', NULL),
        ('VirusNotification', 8192, 'bounced', 'hard'),
        ('SpamNotification', 512, 'complained', NULL),
        ('SpamComplaint', 100001, 'complained', NULL),
        ('Unsubscribe', 16, 'unsubscribed', NULL),
        ('AutoResponder', 64, 'delivered', NULL), ('AddressChange', 128, 'delivered', NULL),
        ('ChallengeVerification', 16384, 'delivered', NULL),
        -- Recognised, but they say nothing about this mail's fate.
        ('OpenRelayTest', 1024, 'unknown', NULL), ('Unknown', 2048, 'unknown', NULL),
        ('Subscribe', 32, 'unknown', NULL), ('InboundError', 100008, 'unknown', NULL)
    )
"""

# SubscriptionChange with SuppressSending=true, by SuppressionReason.
_SUPPRESSIONS = """
    (VALUES
        ('HardBounce', 'bounced', 'hard'), ('SpamComplaint', 'complained', NULL),
        ('ManualSuppression', 'unsubscribed', NULL)
    ) AS pm_suppression(reason, event, bounce_kind)
"""

STAGE_SQL = f"""
WITH d AS (
    SELECT line, raw, doc,
           doc->>'RecordType' AS record_type,
           blank_null(doc->>'Type') AS type_name,
           TRY_CAST(doc->>'TypeCode' AS BIGINT) AS type_code,
           TRY_CAST(doc->>'SuppressSending' AS BOOLEAN) AS suppress,
           blank_null(doc->>'SuppressionReason') AS suppression_reason,
           blank_null(doc->>'MessageID') AS message_id,
           CASE doc->>'RecordType'
               WHEN 'Delivery' THEN doc->>'DeliveredAt'
               WHEN 'Bounce' THEN doc->>'BouncedAt'
               WHEN 'SpamComplaint' THEN doc->>'BouncedAt'
               WHEN 'Open' THEN doc->>'ReceivedAt'
               WHEN 'Click' THEN doc->>'ReceivedAt'
               WHEN 'SubscriptionChange' THEN doc->>'ChangedAt'
               ELSE COALESCE(doc->>'DeliveredAt', doc->>'BouncedAt', doc->>'ReceivedAt',
                             doc->>'ChangedAt')
           END AS time_text
    FROM raw_docs
),
classified AS (
    SELECT d.*,
        CASE record_type
            WHEN 'Delivery' THEN 'delivered'
            WHEN 'Open' THEN 'opened'
            WHEN 'Click' THEN 'clicked'
            WHEN 'SpamComplaint' THEN 'complained'
            WHEN 'Bounce' THEN COALESCE(by_name.event, by_code.event)
            WHEN 'SubscriptionChange' THEN
                CASE WHEN suppress THEN pm_suppression.event
                     WHEN NOT suppress THEN 'unknown' END  -- reactivated: no bearing
        END AS event,
        CASE record_type
            WHEN 'Bounce' THEN COALESCE(by_name.bounce_kind, by_code.bounce_kind)
            WHEN 'SubscriptionChange' THEN
                CASE WHEN suppress THEN pm_suppression.bounce_kind END
        END AS bounce_kind
    FROM d
    LEFT JOIN {_BOUNCE_TYPES} AS by_name(type_name, type_code, event, bounce_kind)
           ON by_name.type_name = d.type_name
    LEFT JOIN {_BOUNCE_TYPES} AS by_code(type_name, type_code, event, bounce_kind)
           ON d.type_name IS NULL AND by_code.type_code = d.type_code
    LEFT JOIN {_SUPPRESSIONS} ON pm_suppression.reason = d.suppression_reason
)
SELECT
    line, raw,
    'postmark' AS provider,
    message_id AS provider_message_id,
    message_key('postmark', message_id) AS message_key,
    lower(COALESCE(blank_null(doc->>'Recipient'), blank_null(doc->>'Email'))) AS recipient_email,
    time_text,
    TRY_CAST(trim(time_text) AS TIMESTAMPTZ) AS event_at,
    record_type AS raw_event,
    event,
    bounce_kind,
    COALESCE(record_type = 'Open' AND trim(doc->>'UserAgent') = 'Mozilla/5.0', false)
        AS is_machine_open,
    COALESCE(blank_null(doc->>'Details'), blank_null(doc->>'Description')) AS reason,
    CAST(NULL AS VARCHAR) AS smtp_code,
    CAST(NULL AS VARCHAR) AS enhanced_code,
    CASE WHEN record_type IN ('Bounce', 'SpamComplaint') THEN type_name
         WHEN record_type = 'SubscriptionChange' AND suppress THEN suppression_reason
    END AS provider_class,
    blank_null(doc->>'Subject') AS subject,
    email_address(doc->>'From') AS sender_email,
    blank_null(doc->>'OriginalLink') AS url,
    CASE WHEN record_type IN ('Bounce', 'SpamComplaint') THEN blank_null(doc->>'ID')
         END AS provider_event_id
FROM classified
"""


def _is_webhook(doc: Mapping[str, Any]) -> bool:
    return "RecordType" in doc and ("MessageID" in doc or "ID" in doc)


READERS = (
    ReaderSpec(
        name="postmark_webhook",
        label="Postmark webhooks (JSON)",
        provider="postmark",
        kind="events",
        container="json",
        sniff=_is_webhook,
        stage_sql=STAGE_SQL,
    ),
)
