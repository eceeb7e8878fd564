-- Recount the rollups (migration 006) for what an ingest touched, and only that.
-- Input: the temp tables of refresh_mails.sql — previous_status (the touched mails' old rows'
-- day, session and contact, taken before they were deleted) and mail_candidates (the mails
-- whose new rows write_mails.sql has just stored). Runs after write_mails.sql.

-- 1. The days, sessions and contacts whose counts may have changed: those of the old rows and
--    of the new ones (a mail whose status or day changed leaves one and joins the other).
CREATE OR REPLACE TEMP TABLE rollup_touched AS
SELECT requested_day, session_id, contact_id FROM previous_status
UNION ALL
SELECT m.requested_day, m.session_id, m.contact_id
FROM mail_status AS m JOIN mail_candidates USING (mail_id);

-- When write_mails.sql computed every mail's day again in another zone (the setting changed),
-- every day is touched: the old ones and the new ones.
CREATE OR REPLACE TEMP TABLE rollup_zone_changed AS
SELECT (SELECT value FROM schema_meta WHERE key = 'rollup_day_zone')
       IS DISTINCT FROM (SELECT value FROM schema_meta WHERE key = 'day_zone') AS changed;

CREATE OR REPLACE TEMP TABLE rollup_days AS
SELECT requested_day FROM rollup_touched
UNION SELECT requested_day FROM mail_days WHERE (SELECT changed FROM rollup_zone_changed)
UNION SELECT requested_day FROM domain_days WHERE (SELECT changed FROM rollup_zone_changed)
UNION SELECT requested_day FROM session_days WHERE (SELECT changed FROM rollup_zone_changed)
UNION SELECT requested_day FROM mail_status WHERE (SELECT changed FROM rollup_zone_changed);

CREATE OR REPLACE TEMP TABLE rollup_sessions AS
SELECT DISTINCT session_id FROM rollup_touched WHERE session_id IS NOT NULL;

CREATE OR REPLACE TEMP TABLE rollup_contacts AS
SELECT DISTINCT contact_id FROM rollup_touched WHERE contact_id IS NOT NULL;

-- 2. The current mails of those days, sessions and contacts, with only what the rollups read
--    (a mail without a day is counted under the NULL day, so NULL matches NULL here).
CREATE OR REPLACE TEMP TABLE rollup_day_mails AS
SELECT m.requested_day, m.provider, m.email_type, m.recipient_kind, m.recipient_domain,
       m.status, m.bounce_category, m.open_count, m.click_count, m.complained, m.unsubscribed,
       m.has_send_log, m.session_id, m.session_name, m.requested_at
FROM mail_status AS m
WHERE m.requested_day IN (SELECT requested_day FROM rollup_days)
   OR (m.requested_day IS NULL
       AND EXISTS (SELECT 1 FROM rollup_days WHERE requested_day IS NULL));

CREATE OR REPLACE TEMP TABLE rollup_session_mails AS
SELECT m.session_id, m.session_name, m.requested_at, m.status, m.recipient_email
FROM mail_status AS m
WHERE m.session_id IN (SELECT session_id FROM rollup_sessions);

CREATE OR REPLACE TEMP TABLE rollup_contact_mails AS
SELECT m.contact_id, m.recipient_kind, m.recipient_email, m.recipient_name, m.requested_at,
       m.status, m.contact_text
FROM mail_status AS m
WHERE m.contact_id IN (SELECT contact_id FROM rollup_contacts);

-- 3. Their rollup rows, deleted and counted again with the macros the migration filled them
--    with.
DELETE FROM mail_days
WHERE requested_day IN (SELECT requested_day FROM rollup_days)
   OR (requested_day IS NULL AND EXISTS (SELECT 1 FROM rollup_days WHERE requested_day IS NULL));
INSERT INTO mail_days BY NAME
SELECT * FROM mail_days_of('rollup_day_mails') ORDER BY requested_day;

DELETE FROM domain_days
WHERE requested_day IN (SELECT requested_day FROM rollup_days)
   OR (requested_day IS NULL AND EXISTS (SELECT 1 FROM rollup_days WHERE requested_day IS NULL));
INSERT INTO domain_days BY NAME
SELECT * FROM domain_days_of('rollup_day_mails') ORDER BY requested_day;

DELETE FROM session_days
WHERE requested_day IN (SELECT requested_day FROM rollup_days)
   OR (requested_day IS NULL AND EXISTS (SELECT 1 FROM rollup_days WHERE requested_day IS NULL));
INSERT INTO session_days BY NAME
SELECT * FROM session_days_of('rollup_day_mails') ORDER BY requested_day;

DELETE FROM session_totals WHERE session_id IN (SELECT session_id FROM rollup_sessions);
INSERT INTO session_totals BY NAME
SELECT * FROM session_totals_of('rollup_session_mails');

DELETE FROM contact_totals WHERE contact_id IN (SELECT contact_id FROM rollup_contacts);
INSERT INTO contact_totals BY NAME
SELECT * FROM contact_totals_of('rollup_contact_mails');

INSERT OR REPLACE INTO schema_meta
SELECT 'rollup_day_zone', value FROM schema_meta WHERE key = 'day_zone';
