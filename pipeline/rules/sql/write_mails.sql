-- Store the recomputed mails whole: the status the rules gave them (temp table computed_status,
-- from status_rules.sql) with what their send log says, as email_history shows them, and the
-- columns prepared for the app's searches and charts (the store's macros, migration 005). Their
-- old rows were deleted by refresh_mails.sql. Inserted in request order, so that a period's mails
-- sit in the same row groups and a period filter skips the others.

-- Days are calendar days in the writer's zone (the configured one). Should it differ from the
-- zone the stored days were computed in (the setting changed), every day is computed again.
UPDATE mail_status SET requested_day = CAST(requested_at AS DATE)
WHERE (SELECT value FROM schema_meta WHERE key = 'day_zone') IS DISTINCT FROM
      current_setting('TimeZone');
INSERT OR REPLACE INTO schema_meta VALUES ('day_zone', current_setting('TimeZone'));

INSERT INTO mail_status BY NAME
WITH joined AS (
    SELECT
        c.* EXCLUDE (provider_message_id, recipient_email),
        COALESCE(s.provider_message_id, c.provider_message_id)            AS provider_message_id,
        COALESCE(s.requested_at, c.first_event_at)                        AS requested_at,
        s.session_id, s.session_name, s.opportunity_id, s.email_type,
        COALESCE(s.sender_email, c.event_sender)                          AS sender_email,
        COALESCE(s.recipient_email, c.recipient_email)                    AS recipient_email,
        split_part(COALESCE(s.recipient_email, c.recipient_email), '@', 2) AS recipient_domain,
        s.recipient_name, s.recipient_kind, s.contact_id,
        COALESCE(s.subject, c.event_subject)                              AS subject,
        COALESCE(s.attachment_count, 0)                                   AS attachment_count
    FROM computed_status AS c
    LEFT JOIN sends AS s ON s.send_id = c.mail_id AND c.has_send_log
)
SELECT
    *,
    CAST(requested_at AS DATE)                                         AS requested_day,
    mail_search_text(recipient_name, recipient_email, subject)         AS search_text,
    contact_search_text(recipient_name, recipient_email, contact_id)   AS contact_text,
    recipient_sort_key(recipient_name, recipient_email)                AS recipient_sort
FROM joined
ORDER BY requested_at, mail_id;
