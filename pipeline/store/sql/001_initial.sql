-- Mailtrail store, schema version 1.
-- Internal tables (sends, events, mail_status, runs, rejects) may change between versions;
-- the views at the end are the data contract of DESIGN.md and keep their names and columns.

CREATE TABLE sends (
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
    source_line         BIGINT NOT NULL
);

CREATE TABLE events (
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
    source_line         BIGINT NOT NULL
);

-- One row per mail: every send, plus every (provider, message, recipient) known only from events.
CREATE TABLE mail_status (
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
    event_sender        VARCHAR
);

CREATE SEQUENCE ingest_run_ids START 1;

CREATE TABLE ingest_runs_log (
    run_id              BIGINT NOT NULL,
    file_path           VARCHAR NOT NULL,
    file_name           VARCHAR NOT NULL,
    file_sha256         VARCHAR,
    file_size           BIGINT,
    format              VARCHAR,
    status              VARCHAR NOT NULL, -- completed | duplicate_file | refused | interrupted
    started_at          TIMESTAMPTZ NOT NULL,
    finished_at         TIMESTAMPTZ,
    records_read        BIGINT NOT NULL DEFAULT 0,
    records_loaded      BIGINT NOT NULL DEFAULT 0,
    records_duplicate   BIGINT NOT NULL DEFAULT 0,
    records_rejected    BIGINT NOT NULL DEFAULT 0,
    unknown_events      BIGINT NOT NULL DEFAULT 0,
    mails_changed       BIGINT NOT NULL DEFAULT 0,
    message             VARCHAR
);

CREATE TABLE ingest_rejects_log (
    run_id              BIGINT NOT NULL,
    file_path           VARCHAR NOT NULL,
    line                BIGINT,
    reason              VARCHAR NOT NULL,
    raw                 VARCHAR
);
