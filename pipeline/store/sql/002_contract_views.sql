-- The data contract of DESIGN.md: stable relation names and columns for analysts and exports.

CREATE OR REPLACE VIEW email_history AS
SELECT
    m.mail_id                                              AS send_id,
    m.provider                                             AS provider,
    COALESCE(s.provider_message_id, m.provider_message_id) AS provider_message_id,
    COALESCE(s.requested_at, m.first_event_at)             AS requested_at,
    s.session_id                                           AS session_id,
    s.session_name                                         AS session_name,
    s.opportunity_id                                       AS opportunity_id,
    s.email_type                                           AS email_type,
    COALESCE(s.sender_email, m.event_sender)               AS sender_email,
    COALESCE(s.recipient_email, m.recipient_email)         AS recipient_email,
    split_part(COALESCE(s.recipient_email, m.recipient_email), '@', 2) AS recipient_domain,
    s.recipient_name                                       AS recipient_name,
    s.recipient_kind                                       AS recipient_kind,
    s.contact_id                                           AS contact_id,
    COALESCE(s.subject, m.event_subject)                   AS subject,
    COALESCE(s.attachment_count, 0)                        AS attachment_count,
    m.status                                               AS status,
    m.status_at                                            AS status_at,
    m.delivered_at                                         AS delivered_at,
    m.first_opened_at                                      AS first_opened_at,
    m.open_count                                           AS open_count,
    m.machine_open_count                                   AS machine_open_count,
    m.click_count                                          AS click_count,
    m.complained                                           AS complained,
    m.unsubscribed                                         AS unsubscribed,
    m.last_reason                                          AS last_reason,
    m.smtp_code                                            AS smtp_code,
    m.bounce_category                                      AS bounce_category,
    m.has_send_log                                         AS has_send_log
FROM mail_status AS m
LEFT JOIN sends AS s ON s.send_id = m.mail_id AND m.has_send_log;

CREATE OR REPLACE VIEW email_events AS
SELECT
    COALESCE(s.send_id, e.provider || ':' || e.message_key || ':' || COALESCE(e.mail_recipient, ''))
                                                           AS send_id,
    e.event_id                                             AS event_id,
    e.provider                                             AS provider,
    e.provider_message_id                                  AS provider_message_id,
    COALESCE(e.recipient_email, e.mail_recipient)          AS recipient_email,
    e.event_at                                             AS event_at,
    e.raw_event                                            AS raw_event,
    e.event                                                AS event,
    e.bounce_kind                                          AS bounce_kind,
    e.is_machine_open                                      AS is_machine_open,
    e.reason                                               AS reason,
    e.smtp_code                                            AS smtp_code,
    e.enhanced_code                                        AS enhanced_code,
    e.bounce_category                                      AS bounce_category,
    e.url                                                  AS url,
    e.ingest_run_id                                        AS ingest_run_id,
    e.source_file                                          AS source_file,
    e.source_line                                          AS source_line
FROM events AS e
LEFT JOIN sends AS s
    ON s.provider = e.provider
   AND s.message_key = e.message_key
   AND s.recipient_email = e.mail_recipient;

CREATE OR REPLACE VIEW ingest_runs AS
SELECT run_id, file_path, file_name, file_sha256, file_size, format, status, started_at, finished_at,
       records_read, records_loaded, records_duplicate, records_rejected, unknown_events,
       mails_changed, message
FROM ingest_runs_log;

CREATE OR REPLACE VIEW ingest_rejects AS
SELECT run_id, file_path, line, reason, raw
FROM ingest_rejects_log;
