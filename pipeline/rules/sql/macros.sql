-- Shared conversion macros used by every reader's staging query.
-- They only convert; they decide nothing about statuses.

-- Provider names as the send log or a console may spell them → Mailtrail's provider keys.
CREATE OR REPLACE TEMP MACRO provider_name(raw) AS (
    CASE lower(trim(raw))
        WHEN 'sendinblue' THEN 'brevo'
        WHEN 'brevo' THEN 'brevo'
        WHEN 'sendgrid' THEN 'sendgrid'
        WHEN 'twilio sendgrid' THEN 'sendgrid'
        WHEN 'mailgun' THEN 'mailgun'
        WHEN 'postmark' THEN 'postmark'
        WHEN 'mailjet' THEN 'mailjet'
        WHEN 'ses' THEN 'amazon_ses'
        WHEN 'aws ses' THEN 'amazon_ses'
        WHEN 'amazon ses' THEN 'amazon_ses'
        WHEN 'amazon_ses' THEN 'amazon_ses'
        WHEN 'amazonses' THEN 'amazon_ses'
        ELSE NULLIF(lower(trim(raw)), '')
    END
);

-- The key on which send logs and provider events meet, computed once for both sides.
-- Angle brackets and blanks never matter. SendGrid ids are case-sensitive: the send-time
-- X-Message-Id is the per-event sg_message_id without its '.filter…'/'.recvd…' suffix (old ids
-- such as 14c5d75ce93.dfd.64b469 contain dots themselves), or the local part of a
-- <xid@ismtpd….sendgrid.net> Message-ID. Other providers' ids compare case-insensitively:
-- Mailgun's send API answers <id@domain> while its events write id@domain; Postmark's are UUIDs;
-- Mailjet's are decimal integers (kept as text, never as a float). Amazon SES events carry the
-- SendEmail MessageId, while an SMTP log may hold the Message-ID header SES built from it,
-- <MessageId@region.amazonses.com>: the amazonses.com domain is dropped.
CREATE OR REPLACE TEMP MACRO message_key(provider, raw_id) AS (
    CASE
        WHEN NULLIF(trim(trim(CAST(raw_id AS VARCHAR)), '<> '), '') IS NULL THEN NULL
        WHEN provider = 'sendgrid' THEN regexp_replace(
            split_part(trim(trim(CAST(raw_id AS VARCHAR)), '<> '), '@', 1),
            '[.](filter|recvd|ismtpd)[^.]*([.].*)?$', '')
        WHEN provider = 'amazon_ses' THEN regexp_replace(
            lower(trim(trim(CAST(raw_id AS VARCHAR)), '<> ')), '@([a-z0-9-]+[.])*amazonses[.]com$', '')
        ELSE lower(trim(trim(CAST(raw_id AS VARCHAR)), '<> '))
    END
);

-- The one e-mail address in a header value ('Alice <alice@example.com>', 'bob@example.org'),
-- lower-cased; NULL when the value holds none or several.
CREATE OR REPLACE TEMP MACRO email_address(text) AS (
    CASE WHEN len(regexp_extract_all(CAST(text AS VARCHAR), '[^\s<>,;:"()\[\]]+@[^\s<>,;:"()\[\]]+')) = 1
         THEN lower(regexp_extract_all(CAST(text AS VARCHAR), '[^\s<>,;:"()\[\]]+@[^\s<>,;:"()\[\]]+')[1])
    END
);

-- Epoch numbers: milliseconds when too large to be seconds (Brevo's ts_epoch is either).
-- Values beyond year 5000 (or NaN, infinite) are unreadable, not an error that stops the file.
CREATE OR REPLACE TEMP MACRO epoch_time(x) AS (
    CASE
        WHEN TRY_CAST(x AS DOUBLE) IS NULL THEN NULL
        WHEN TRY_CAST(x AS DOUBLE) BETWEEN 100000000000 AND 99999999999999
            THEN to_timestamp(TRY_CAST(x AS DOUBLE) / 1000)
        WHEN TRY_CAST(x AS DOUBLE) > 0 AND TRY_CAST(x AS DOUBLE) < 100000000000
            THEN to_timestamp(TRY_CAST(x AS DOUBLE))
    END
);

-- Epoch seconds or milliseconds as a column mapping declares them, with the same guard.
CREATE OR REPLACE TEMP MACRO epoch_seconds(x, per_second) AS (
    CASE WHEN TRY_CAST(x AS DOUBLE) / per_second > 0
              AND TRY_CAST(x AS DOUBLE) / per_second < 100000000000
         THEN to_timestamp(TRY_CAST(x AS DOUBLE) / per_second) END
);

-- A wall-clock time written without zone, in the configured zone (the session TimeZone).
CREATE OR REPLACE TEMP MACRO local_time(text, fmt) AS (
    timezone(current_setting('TimeZone'), try_strptime(trim(text), fmt))
);

-- Dates as people and platforms write them: ISO-8601 with or without offset (a time without
-- zone is in the configured zone), or French Excel's dd/mm/yyyy hh:mm[:ss].
CREATE OR REPLACE TEMP MACRO any_time(text) AS (
    COALESCE(
        TRY_CAST(trim(text) AS TIMESTAMPTZ),
        local_time(text, '%d/%m/%Y %H:%M:%S'),
        local_time(text, '%d/%m/%Y %H:%M'),
        local_time(text, '%d/%m/%Y'),
        local_time(text, '%d-%m-%Y %H:%M:%S'),
        local_time(text, '%d-%m-%Y %H:%M')
    )
);

-- Empty strings and the placeholders exports use for "nothing" are NULL.
CREATE OR REPLACE TEMP MACRO blank_null(text) AS (
    CASE WHEN trim(CAST(text AS VARCHAR)) IN ('', 'NA', 'N/A', 'null', 'NULL', 'None') THEN NULL
         ELSE trim(CAST(text AS VARCHAR)) END
);

-- A value quoted for an error message, cut to a readable length.
CREATE OR REPLACE TEMP MACRO quoted(text) AS (
    '''' || CASE WHEN length(CAST(text AS VARCHAR)) > 80
                 THEN left(CAST(text AS VARCHAR), 77) || '...'
                 ELSE CAST(text AS VARCHAR) END || ''''
);
