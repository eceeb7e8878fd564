"""Mailjet: Event API webhooks (JSON), one event per object, or arrays of them when events are
grouped.

The message id is `MessageID`, the integer the send API returns (v3 `Sent[].MessageID`, v3.1
`Messages[].To[].MessageID`, next to `MessageUUID`); a platform's send log holds that number, so
it is the join key. It is often above 2^53: DuckDB reads it from the raw JSON text and keeps every
digit (it never goes through a float here); `mj_message_id`, the same number as a string, is the
fallback. A MessageID that is not a whole number is refused. `Message_GUID` (= MessageUUID) is not
in every payload, so it cannot be the key. Time: `time`, epoch seconds. `sent` means accepted by
the recipient's server (delivered); `bounce` is hard or soft by `hard_bounce`; `blocked` is
Mailjet refusing to send (rejected). Machine opens: the bare `Mozilla/5.0` user agent of Apple
Mail's privacy prefetch (Gmail's `GoogleImageProxy` fetches on a real open: a human open).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pipeline.readers.base import ReaderSpec

_EVENTS = """
    (VALUES
        ('sent', 'delivered'), ('open', 'opened'), ('click', 'clicked'),
        ('bounce', 'bounced'), ('blocked', 'rejected'), ('spam', 'complained'),
        ('unsub', 'unsubscribed')
    ) AS mj_event(name, event)
"""

STAGE_SQL = f"""
WITH d AS (
    SELECT line, raw, doc,
           lower(trim(doc->>'event')) AS name,
           doc->>'event' AS raw_event,
           COALESCE(blank_null(doc->>'MessageID'), blank_null(doc->>'mj_message_id')) AS id_text,
           TRY_CAST(doc->>'hard_bounce' AS BOOLEAN) AS hard_bounce,
           blank_null(doc->>'error_related_to') AS related_to,
           blank_null(doc->>'error') AS error
    FROM raw_docs
)
SELECT
    line, raw,
    'mailjet' AS provider,
    id_text AS provider_message_id,
    CASE WHEN regexp_full_match(id_text, '[0-9]+') THEN message_key('mailjet', id_text)
         END AS message_key,
    lower(blank_null(doc->>'email')) AS recipient_email,
    doc->>'time' AS time_text,
    epoch_time(doc->>'time') AS event_at,
    raw_event,
    mj_event.event,
    CASE WHEN mj_event.event = 'bounced' THEN
        CASE WHEN hard_bounce THEN 'hard' WHEN NOT hard_bounce THEN 'soft' END
    END AS bounce_kind,
    COALESCE(mj_event.event = 'opened' AND trim(doc->>'agent') = 'Mozilla/5.0', false)
        AS is_machine_open,
    COALESCE(blank_null(doc->>'comment'), error, blank_null(doc->>'smtp_reply'),
             blank_null(doc->>'source')) AS reason,
    CAST(NULL AS VARCHAR) AS smtp_code,
    CAST(NULL AS VARCHAR) AS enhanced_code,
    CASE WHEN related_to IS NOT NULL OR error IS NOT NULL
         THEN COALESCE(related_to, '') || '/' || COALESCE(error, '') END AS provider_class,
    CAST(NULL AS VARCHAR) AS subject,
    CAST(NULL AS VARCHAR) AS sender_email,
    blank_null(doc->>'url') AS url,
    CAST(NULL AS VARCHAR) AS provider_event_id
FROM d
LEFT JOIN {_EVENTS} ON mj_event.name = d.name
"""


def _is_event(doc: Mapping[str, Any]) -> bool:
    return "event" in doc and "time" in doc and ("MessageID" in doc or "mj_message_id" in doc)


READERS = (
    ReaderSpec(
        name="mailjet_events",
        label="Mailjet Event API webhooks (JSON)",
        provider="mailjet",
        kind="events",
        container="json",
        sniff=_is_event,
        stage_sql=STAGE_SQL,
    ),
)
