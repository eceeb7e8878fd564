-- INTERIM: replaced by bounce_rules.sql (knowledge branch) at merge.
CREATE OR REPLACE TEMP MACRO smtp_code_of(reason) AS (
    NULLIF(regexp_extract(reason, '(?:^|[^0-9.])([245][0-9][0-9])(?:[ -]|$)', 1), '')
);
CREATE OR REPLACE TEMP MACRO enhanced_code_of(reason) AS (
    NULLIF(regexp_extract(reason, '(?:^|[^0-9.])([245][.][0-9]{1,3}[.][0-9]{1,3})(?:[^0-9.]|$)', 1), '')
);
CREATE OR REPLACE TEMP MACRO effective_event(event, bounce_kind, smtp_code, enhanced_code) AS (
    CASE WHEN event IN ('deferred', 'bounced') AND (enhanced_code LIKE '5.%'
              OR (enhanced_code IS NULL AND smtp_code LIKE '5%')) THEN 'bounced' ELSE event END
);
CREATE OR REPLACE TEMP MACRO effective_bounce_kind(event, bounce_kind, smtp_code, enhanced_code) AS (
    CASE WHEN event IN ('deferred', 'bounced') AND (enhanced_code LIKE '5.%'
              OR (enhanced_code IS NULL AND smtp_code LIKE '5%')) THEN 'hard' ELSE bounce_kind END
);
CREATE OR REPLACE TEMP MACRO bounce_category(provider, event, bounce_kind, provider_class, smtp_code, enhanced_code, reason) AS (
    CASE WHEN event IN ('bounced', 'blocked', 'rejected', 'failed', 'deferred') THEN
        CASE WHEN enhanced_code IN ('5.1.1', '5.1.0') THEN 'unknown_recipient'
             WHEN enhanced_code IN ('5.2.2', '4.2.2') THEN 'mailbox_full'
             WHEN enhanced_code LIKE '5.7.2%' THEN 'sender_authentication'
             WHEN enhanced_code LIKE '5.7.%' THEN 'spam_or_policy'
             WHEN provider_class IN ('invalid_email', 'Invalid') THEN 'invalid_address'
             ELSE 'other' END
    END
);
