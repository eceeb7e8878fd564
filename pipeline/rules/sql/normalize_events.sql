-- From staged provider events to events as the store keeps them.
-- Input : temp table stage_valid (EVENT_COLUMNS, validated, event NULL when unrecognised).
-- Output: temp table stage_events, with codes found in reason texts, the rule that a "deferral"
--         answered by a permanent 5.x.x reply is a hard bounce, the bounce category, and the keys
--         that de-duplicate replays.

CREATE OR REPLACE TEMP TABLE stage_events AS
WITH coded AS (
    SELECT * REPLACE (
        COALESCE(event, 'unknown') AS event,
        CAST(COALESCE(TRY_CAST(smtp_code AS INTEGER), smtp_code_of(reason)) AS VARCHAR)
            AS smtp_code,
        COALESCE(enhanced_code_of(enhanced_code), enhanced_code_of(reason)) AS enhanced_code
    )
    FROM stage_valid
),
effective AS (
    SELECT * REPLACE (
        effective_event(event, bounce_kind, enhanced_code, smtp_code) AS event,
        effective_bounce_kind(event, bounce_kind, enhanced_code, smtp_code) AS bounce_kind
    )
    FROM coded
),
categorised AS (
    SELECT *,
           bounce_category(provider, event, bounce_kind, provider_class, smtp_code,
                           enhanced_code, reason) AS bounce_category,
           md5(concat_ws('|', provider, message_key, COALESCE(recipient_email, ''), event,
                         COALESCE(bounce_kind, ''), CAST(is_machine_open AS VARCHAR),
                         CAST(epoch(date_trunc('second', event_at)) AS BIGINT),
                         COALESCE(url, ''))) AS content_key
    FROM effective
)
SELECT *,
       CASE WHEN provider_event_id IS NOT NULL
            THEN md5(concat_ws('|', 'id', provider, provider_event_id, event))
            ELSE content_key END AS event_id
FROM categorised;
