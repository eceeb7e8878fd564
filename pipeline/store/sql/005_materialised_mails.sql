-- Mailtrail store, schema version 5: the mail rows are stored whole, not joined at query time.
--
-- Up to version 4, `email_history` joined every mail's status to its send log and
-- `email_events` joined every event to every send, at every query: a filter on their computed
-- keys ran after the whole join, so looking up one mail joined the whole store, and
-- `requested_at` (a COALESCE across the two tables) let no zone map skip a period. Now:
--
-- * `mail_status` holds the whole row of each mail — its status as before, plus what its send
--   log says and what email_history computes from it — and columns prepared for the app's
--   searches (lower case, accents stripped, computed once when the mail is written). Each
--   ingest deletes and re-inserts the rows of the mails it touched (pipeline/rules/sql/),
--   sorted by requested_at, so that the rows of one period sit together.
-- * Each event carries `mail_id`, the mail it belongs to (the send_id email_events showed),
--   set when the ingest that touched it recomputes its mail.
-- * `email_history` and `email_events` become plain projections of these tables, with the same
--   names, columns and types; `mails` is email_history plus the prepared columns, which the
--   app's named queries read.
--
-- Both tables are rebuilt (created anew, filled from the old ones with the old views' own
-- expressions, swapped in), as 003 did: no row is dropped.

-- How the prepared columns are computed, defined once in the store: the ingest's refresh and
-- this backfill use them. Lower case, then accents stripped: what a search typed as
-- "helene chretien" or "CHRÉTIEN" is folded to as well (in SQL, strip_accents(lower(?))).
-- Free text is searched as one phrase in the name, the address or the subject (the unit
-- separator keeps a phrase from running across two of them); a contact by every word of a
-- search in their name, address or contact id; the recipient column sorts by name, or by the
-- address when there is none.
CREATE OR REPLACE MACRO mail_search_text(recipient_name, recipient_email, subject) AS
    strip_accents(lower(concat_ws(chr(31), recipient_name, recipient_email, subject)));
CREATE OR REPLACE MACRO contact_search_text(recipient_name, recipient_email, contact_id) AS
    CASE WHEN contact_id IS NOT NULL THEN strip_accents(lower(
        coalesce(recipient_name, '') || ' ' || coalesce(recipient_email, '') || ' ' || contact_id
    )) END;
CREATE OR REPLACE MACRO recipient_sort_key(recipient_name, recipient_email) AS
    strip_accents(lower(coalesce(nullif(trim(recipient_name), ''), recipient_email)));

CREATE TABLE mail_status_v5 (
    mail_id             VARCHAR NOT NULL, -- send_id, or 'provider:message_key:recipient' without send log
    provider            VARCHAR NOT NULL,
    provider_message_id VARCHAR,
    message_key         VARCHAR,
    recipient_email     VARCHAR,
    has_send_log        BOOLEAN NOT NULL,
    status              VARCHAR NOT NULL,
    status_at           TIMESTAMPTZ,
    first_event_at      TIMESTAMPTZ,
    last_event_at       TIMESTAMPTZ,
    delivered_at        TIMESTAMPTZ,
    first_opened_at     TIMESTAMPTZ,
    open_count          INTEGER NOT NULL,
    machine_open_count  INTEGER NOT NULL,
    click_count         INTEGER NOT NULL,
    complained          BOOLEAN NOT NULL,
    unsubscribed        BOOLEAN NOT NULL,
    last_reason         VARCHAR,
    smtp_code           VARCHAR,
    enhanced_code       VARCHAR,
    bounce_category     VARCHAR,
    event_subject       VARCHAR,          -- subject / sender as the provider reported them
    event_sender        VARCHAR,
    -- What email_history shows beyond the status: from the send log, else from the events.
    requested_at        TIMESTAMPTZ,      -- the send log's request time, else the first event's
    session_id          VARCHAR,
    session_name        VARCHAR,
    opportunity_id      VARCHAR,
    email_type          VARCHAR,
    sender_email        VARCHAR,
    recipient_domain    VARCHAR,
    recipient_name      VARCHAR,
    recipient_kind      VARCHAR,
    contact_id          VARCHAR,
    subject             VARCHAR,
    attachment_count    INTEGER NOT NULL DEFAULT 0,
    -- Prepared for the app's searches, sorts and days (the macros above).
    requested_day       DATE,             -- requested_at's calendar day in the zone of schema_meta.day_zone
    search_text         VARCHAR,
    contact_text        VARCHAR,
    recipient_sort      VARCHAR,
    CONSTRAINT mail_status_status_known CHECK (status IN (
        'requested',
        'sent',
        'delivered',
        'opened',
        'undeliverable',
        'send_error'
    )),
    CONSTRAINT mail_status_bounce_category_known CHECK (bounce_category IN (
        'unknown_recipient',
        'mailbox_full',
        'domain_not_found',
        'spam_or_policy',
        'sender_authentication',
        'suppressed',
        'invalid_address',
        'other'
    ))
);

INSERT INTO mail_status_v5 BY NAME
WITH joined AS (
    -- The expressions of version 4's email_history view.
    SELECT
        m.* EXCLUDE (provider_message_id, recipient_email),
        COALESCE(s.provider_message_id, m.provider_message_id)        AS provider_message_id,
        COALESCE(s.requested_at, m.first_event_at)                    AS requested_at,
        s.session_id, s.session_name, s.opportunity_id, s.email_type,
        COALESCE(s.sender_email, m.event_sender)                      AS sender_email,
        COALESCE(s.recipient_email, m.recipient_email)                AS recipient_email,
        split_part(COALESCE(s.recipient_email, m.recipient_email), '@', 2) AS recipient_domain,
        s.recipient_name, s.recipient_kind, s.contact_id,
        COALESCE(s.subject, m.event_subject)                          AS subject,
        COALESCE(s.attachment_count, 0)                               AS attachment_count
    FROM mail_status AS m
    LEFT JOIN sends AS s ON s.send_id = m.mail_id AND m.has_send_log
)
SELECT
    *,
    CAST(requested_at AS DATE)                                         AS requested_day,
    mail_search_text(recipient_name, recipient_email, subject)         AS search_text,
    contact_search_text(recipient_name, recipient_email, contact_id)   AS contact_text,
    recipient_sort_key(recipient_name, recipient_email)                AS recipient_sort
FROM joined
ORDER BY requested_at, mail_id;

-- The zone requested_day was computed in (the writer's TimeZone, the configured one). A writer in
-- another zone recomputes every day (write_mails.sql); a reader in another zone computes the day
-- itself (pipeline/queries/overview.py).
INSERT OR REPLACE INTO schema_meta VALUES ('day_zone', current_setting('TimeZone'));

DROP VIEW IF EXISTS email_history;
DROP TABLE mail_status;
ALTER TABLE mail_status_v5 RENAME TO mail_status;
-- One mail by its id (the detail panel, a link naming a send_id): an index lookup instead of a
-- scan. Measured on 2M mails: 230 ms → 5 ms, and an ingest no slower. Events get none: keeping
-- an index current through the refresh's UPDATE made an ingest of 20,000 events 2.4 times
-- slower; their lookup uses the mail's time span instead (pipeline/queries/mail_detail.py).
CREATE INDEX mail_status_mail_id ON mail_status (mail_id);

CREATE TABLE events_v5 (
    event_id            VARCHAR NOT NULL, -- de-duplication key: provider event id, else content
    content_key         VARCHAR NOT NULL, -- what the event says, for replays that lack the id
    provider            VARCHAR NOT NULL,
    provider_message_id VARCHAR,
    message_key         VARCHAR NOT NULL,
    recipient_email     VARCHAR,          -- as the event gives it (lower-cased), may be NULL
    mail_recipient      VARCHAR,          -- recipient the event is attributed to (resolved at refresh)
    event_at            TIMESTAMPTZ NOT NULL,
    raw_event           VARCHAR NOT NULL, -- the provider's own event name / label
    event               VARCHAR NOT NULL, -- DESIGN.md vocabulary
    bounce_kind         VARCHAR,          -- hard | soft, for bounced
    is_machine_open     BOOLEAN NOT NULL DEFAULT false,
    reason              VARCHAR,
    smtp_code           VARCHAR,
    enhanced_code       VARCHAR,
    provider_class      VARCHAR,          -- the provider's own failure classification
    bounce_category     VARCHAR,
    subject             VARCHAR,
    sender_email        VARCHAR,
    url                 VARCHAR,
    provider_event_id   VARCHAR,
    ingest_run_id       BIGINT NOT NULL,
    source_file         VARCHAR NOT NULL,
    source_line         BIGINT NOT NULL,
    mail_id             VARCHAR,          -- the mail it belongs to (mail_status.mail_id), set at refresh
    CONSTRAINT events_event_known CHECK (event IN (
        'queued',
        'accepted',
        'deferred',
        'delivered',
        'opened',
        'clicked',
        'bounced',
        'blocked',
        'rejected',
        'failed',
        'complained',
        'unsubscribed',
        'unknown'
    )),
    CONSTRAINT events_bounce_category_known CHECK (bounce_category IN (
        'unknown_recipient',
        'mailbox_full',
        'domain_not_found',
        'spam_or_policy',
        'sender_authentication',
        'suppressed',
        'invalid_address',
        'other'
    ))
);

-- Version 4's email_events joined each event to the sends of its message and recipient; where
-- several sends share them, the event now belongs to the first (a send log that reuses a
-- provider message id for one recipient; the view repeated the event for each).
INSERT INTO events_v5 BY NAME
SELECT
    e.*,
    COALESCE(s.send_id, e.provider || ':' || e.message_key || ':' || COALESCE(e.mail_recipient, ''))
        AS mail_id
FROM events AS e
LEFT JOIN (
    SELECT provider, message_key, recipient_email, min(send_id) AS send_id
    FROM sends GROUP BY ALL
) AS s
    ON s.provider = e.provider
   AND s.message_key = e.message_key
   AND s.recipient_email = e.mail_recipient
ORDER BY e.event_at, e.event_id;

DROP VIEW IF EXISTS email_events;
DROP TABLE events;
ALTER TABLE events_v5 RENAME TO events;

-- The data contract, unchanged for analysts: projections, no join.
CREATE OR REPLACE VIEW email_history AS
SELECT
    mail_id AS send_id, provider, provider_message_id, requested_at, session_id, session_name,
    opportunity_id, email_type, sender_email, recipient_email, recipient_domain, recipient_name,
    recipient_kind, contact_id, subject, attachment_count, status, status_at, delivered_at,
    first_opened_at, open_count, machine_open_count, click_count, complained, unsubscribed,
    last_reason, smtp_code, bounce_category, has_send_log
FROM mail_status;

CREATE OR REPLACE VIEW email_events AS
SELECT
    mail_id                                       AS send_id,
    event_id,
    provider,
    provider_message_id,
    COALESCE(recipient_email, mail_recipient)     AS recipient_email,
    event_at, raw_event, event, bounce_kind, is_machine_open, reason, smtp_code, enhanced_code,
    bounce_category, url, ingest_run_id, source_file, source_line
FROM events;

-- What the app's named queries read: email_history's columns, the enhanced status code and the
-- prepared columns (not part of the contract; it may change with any version). requested_day is
-- the day in the zone of schema_meta.day_zone: a reader in another zone computes its own
-- (pipeline/queries/overview.py); choosing per row here would cost every query a join.
CREATE OR REPLACE VIEW mails AS
SELECT
    mail_id AS send_id, provider, provider_message_id, requested_at, session_id, session_name,
    opportunity_id, email_type, sender_email, recipient_email, recipient_domain, recipient_name,
    recipient_kind, contact_id, subject, attachment_count, status, status_at, delivered_at,
    first_opened_at, open_count, machine_open_count, click_count, complained, unsubscribed,
    last_reason, smtp_code, bounce_category, has_send_log,
    enhanced_code, requested_day, search_text, contact_text, recipient_sort
FROM mail_status;
