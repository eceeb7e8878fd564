-- Mailtrail store, schema version 3: the vocabulary, enforced.
--
-- Every stored mail status, normalized event, bounce category and recipient kind is one of the
-- values pipeline/rules/statuses.py names (tests/test_vocabulary.py checks that these lists and
-- the Python tuples agree). DuckDB cannot add a CHECK constraint to an existing table, so each
-- table is rebuilt: created anew with its constraints, filled from the old one, swapped in. A
-- value outside the vocabulary then fails the statement, and the ingest's transaction, loudly.
-- The columns stay VARCHAR (NULL still means "none"), so the contract views keep their types.

CREATE TABLE sends_v3 (
    send_id             VARCHAR NOT NULL,
    requested_at        TIMESTAMPTZ NOT NULL,
    provider            VARCHAR NOT NULL,
    provider_message_id VARCHAR,
    message_key         VARCHAR,          -- provider_message_id normalised: the join key with events
    session_id          VARCHAR,
    session_name        VARCHAR,
    session_place       VARCHAR,
    session_start       DATE,
    session_end         DATE,
    opportunity_id      VARCHAR,
    email_type          VARCHAR,
    sender_email        VARCHAR,
    recipient_email     VARCHAR NOT NULL, -- lower-cased
    recipient_name      VARCHAR,
    recipient_kind      VARCHAR,
    contact_id          VARCHAR,
    subject             VARCHAR,
    body_html           VARCHAR,
    body_text           VARCHAR,
    attachments         JSON,             -- [{filename, content_type, size_bytes, sha256, path}]
    attachment_count    INTEGER NOT NULL DEFAULT 0,
    content_hash        VARCHAR NOT NULL, -- to tell a re-sent identical record from a corrected one
    ingest_run_id       BIGINT NOT NULL,
    source_file         VARCHAR NOT NULL,
    source_line         BIGINT NOT NULL,
    CONSTRAINT sends_recipient_kind_known CHECK (recipient_kind IN (
        'learner',
        'client',
        'company',
        'trainer'
    ))
);
INSERT INTO sends_v3 SELECT * FROM sends;
DROP TABLE sends;
ALTER TABLE sends_v3 RENAME TO sends;

CREATE TABLE events_v3 (
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
INSERT INTO events_v3 SELECT * FROM events;
DROP TABLE events;
ALTER TABLE events_v3 RENAME TO events;

CREATE TABLE mail_status_v3 (
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
INSERT INTO mail_status_v3 SELECT * FROM mail_status;
DROP TABLE mail_status;
ALTER TABLE mail_status_v3 RENAME TO mail_status;
