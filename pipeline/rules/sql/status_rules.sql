-- The status rules of DESIGN.md, in one place.
--
-- Input : temp table mail_candidates(mail_id, provider, provider_message_id, message_key,
--         recipient_email, has_send_log, requested_at) — the mails to (re)compute — and the
--         store's events, attributed to a mail by (provider, message_key, mail_recipient).
-- Output: temp table computed_status, one row per candidate: its status and what the rules
--         derive from its events (write_mails.sql then stores them with their send log).
--
-- A mail's status is a function of the SET of its events: every choice below orders events by
-- (time, rank, event_id), a total order that does not depend on the order events arrived in.
--   1. any opened/clicked                       → opened (an open proves receipt)
--   2. else the latest outcome decides: delivered, complained, unsubscribed → delivered;
--      hard bounced, blocked → undeliverable; rejected, failed → send_error. A later outcome
--      replaces an earlier one (an asynchronous bounce after a delivery); at the same instant a
--      failure outranks a delivery.
--   3. else in flight: accepted, deferred, soft bounced → sent; queued → requested
--   4. no provider event                        → requested

CREATE OR REPLACE TEMP TABLE computed_status AS
WITH mail_events AS (
    SELECT
        c.mail_id,
        e.event_id, e.event_at, e.event, e.bounce_kind, e.is_machine_open, e.reason,
        e.smtp_code, e.enhanced_code, e.bounce_category, e.subject, e.sender_email,
        CASE
            WHEN e.event IN ('delivered', 'complained', 'unsubscribed') THEN 'delivered'
            WHEN (e.event = 'bounced' AND e.bounce_kind = 'hard') OR e.event = 'blocked'
                THEN 'undeliverable'
            WHEN e.event IN ('rejected', 'failed') THEN 'send_error'
        END AS outcome,
        CASE
            WHEN e.event IN ('accepted', 'deferred') THEN 'sent'
            WHEN e.event = 'bounced' AND e.bounce_kind IS DISTINCT FROM 'hard' THEN 'sent'
            WHEN e.event = 'queued' THEN 'requested'
        END AS in_flight,
        -- Events that explain a failure or a retry, and carry its reason.
        e.event IN ('bounced', 'blocked', 'rejected', 'failed', 'deferred') AS explains
    FROM mail_candidates AS c
    JOIN events AS e
      ON e.provider = c.provider
     AND e.message_key = c.message_key
     AND e.mail_recipient IS NOT DISTINCT FROM c.recipient_email
),
per_mail AS (
    SELECT
        mail_id,
        bool_or(event IN ('opened', 'clicked')) AS any_open,
        min(event_at) FILTER (WHERE event IN ('opened', 'clicked')) AS first_opened_at,
        arg_max(outcome, {'t': event_at, 'rank': outcome <> 'delivered', 'id': event_id})
            FILTER (WHERE outcome IS NOT NULL) AS last_outcome,
        arg_max(event_at, {'t': event_at, 'rank': outcome <> 'delivered', 'id': event_id})
            FILTER (WHERE outcome IS NOT NULL) AS last_outcome_at,
        bool_or(in_flight = 'sent') AS any_sent,
        max(event_at) FILTER (WHERE in_flight IS NOT NULL) AS last_in_flight_at,
        min(event_at) FILTER (WHERE event = 'delivered') AS delivered_at,
        min(event_at) AS first_event_at,
        max(event_at) AS last_event_at,
        count(*) FILTER (WHERE event = 'opened' AND NOT is_machine_open) AS open_count,
        count(*) FILTER (WHERE event = 'opened' AND is_machine_open) AS machine_open_count,
        count(*) FILTER (WHERE event = 'clicked') AS click_count,
        bool_or(event = 'complained') AS complained,
        bool_or(event = 'unsubscribed') AS unsubscribed,
        arg_max({'reason': reason, 'smtp': smtp_code, 'enhanced': enhanced_code,
                 'category': bounce_category},
                {'t': event_at, 'rank': outcome IS NOT NULL, 'id': event_id})
            FILTER (WHERE explains) AS last_explanation,
        arg_max(subject, {'t': event_at, 'id': event_id}) FILTER (WHERE subject IS NOT NULL)
            AS event_subject,
        arg_max(sender_email, {'t': event_at, 'id': event_id})
            FILTER (WHERE sender_email IS NOT NULL) AS event_sender
    FROM mail_events
    GROUP BY mail_id
),
decided AS (
    SELECT
        c.*,
        p.*  EXCLUDE (mail_id),
        CASE
            WHEN p.any_open THEN 'opened'
            WHEN p.last_outcome IS NOT NULL THEN p.last_outcome
            WHEN p.any_sent THEN 'sent'
            ELSE 'requested'
        END AS status
    FROM mail_candidates AS c
    LEFT JOIN per_mail AS p USING (mail_id)
), explained AS (
    -- Reasons explain failures and retries; a delivered or opened mail carries none.
    SELECT
        *,
        CASE WHEN status IN ('undeliverable', 'send_error', 'sent') THEN last_explanation END
            AS kept_explanation
    FROM decided
)
SELECT
    mail_id,
    provider,
    provider_message_id,
    message_key,
    recipient_email,
    has_send_log,
    status,
    CASE status
        WHEN 'opened' THEN first_opened_at
        WHEN 'requested' THEN COALESCE(last_in_flight_at, requested_at)
        WHEN 'sent' THEN last_in_flight_at
        ELSE last_outcome_at
    END AS status_at,
    first_event_at,
    last_event_at,
    delivered_at,
    first_opened_at,
    COALESCE(open_count, 0)                 AS open_count,
    COALESCE(machine_open_count, 0)         AS machine_open_count,
    COALESCE(click_count, 0)                AS click_count,
    COALESCE(complained, false)             AS complained,
    COALESCE(unsubscribed, false)           AS unsubscribed,
    kept_explanation.reason                 AS last_reason,
    kept_explanation.smtp                   AS smtp_code,
    kept_explanation.enhanced               AS enhanced_code,
    kept_explanation.category               AS bounce_category,
    event_subject,
    event_sender
FROM explained;
