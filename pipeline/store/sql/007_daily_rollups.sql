-- Mailtrail store, schema version 7: pre-aggregated counts for the overview, the session list
-- and the Contacts list, kept current by each ingest for what it touched.
--
-- The overview's charts, the session list and the contact list used to group every mail of the
-- period at each page visit (at 2M mails, 150-1,740 ms a query; 10M would be five times that).
-- Their groups are few: a day of mails has a few hundred combinations of status, type, kind,
-- provider and domain. So the store keeps:
--
-- * `mail_days`: mails per calendar day (requested_day, in the zone of schema_meta.day_zone)
--   and every value the overview filters, groups or counts by, but the recipient's domain.
--   Counts add up across days, so any period is the sum of its days.
-- * `domain_days`: the same with the recipient's domain, for the domain breakdown and slices.
--   Apart because the long tail of company domains multiplies the rows (at 20,000 mails:
--   4,500 rows without domains, 11,600 with): the other charts read the small table.
-- * `session_days`: per day and session, without the recipient's domain (a session's mails to
--   one domain are often one mail: the table would be as large as mail_status).
-- * `session_totals` and `contact_totals`: one row per session, and per contact and kind (the
--   Contacts list shows one kind: its list is then a plain top-N, no grouping). Their distinct recipients and addresses do not add up across days, so they are
--   kept whole per session and contact and recomputed for the sessions and contacts an ingest
--   touched.
--
-- Each table is defined once, as a table macro that aggregates rows of mail_status given by
-- name (DuckDB's query_table): this migration fills the tables from the whole of mail_status,
-- and each ingest deletes the rows of the days, sessions and contacts it touched and inserts
-- them again from a temporary copy of just their mails (pipeline/rules/sql/refresh_rollups.sql).
-- A filter on a view would not do: DuckDB does not push a join with the touched keys below the
-- view's GROUP BY, so every refresh would aggregate the whole store. The macros and tables are
-- internal, not part of the data contract.

CREATE OR REPLACE MACRO mail_days_of(mail_rows) AS TABLE
SELECT requested_day, provider, email_type, recipient_kind, status, bounce_category,
       (open_count > 0 OR click_count > 0) AS human_open,
       complained, unsubscribed, has_send_log,
       count(*) AS mails
FROM query_table(mail_rows)
GROUP BY ALL;

CREATE OR REPLACE MACRO domain_days_of(mail_rows) AS TABLE
SELECT requested_day, recipient_domain, provider, email_type, recipient_kind, status,
       bounce_category,
       (open_count > 0 OR click_count > 0) AS human_open,
       complained,
       count(*) AS mails
FROM query_table(mail_rows)
GROUP BY ALL;

CREATE OR REPLACE MACRO session_days_of(mail_rows) AS TABLE
SELECT requested_day, session_id, provider, email_type, recipient_kind, status,
       (open_count > 0 OR click_count > 0) AS human_open,
       complained,
       -- the name of the latest mail that has one, and when it was sent: the name across days
       -- is the one of the latest of these
       arg_max(session_name, requested_at) AS session_name,
       max(requested_at) FILTER (WHERE session_name IS NOT NULL) AS named_at,
       count(*) AS mails
FROM query_table(mail_rows)
WHERE session_id IS NOT NULL
GROUP BY ALL;

CREATE OR REPLACE MACRO session_totals_of(mail_rows) AS TABLE
SELECT session_id,
       arg_max(session_name, requested_at)                           AS session_name,
       min(requested_at)                                             AS first_mail_at,
       max(requested_at)                                             AS last_mail_at,
       count(*)                                                      AS mails,
       count(*) FILTER (WHERE status IN ('undeliverable', 'send_error')) AS failures,
       count(DISTINCT recipient_email)                               AS recipients
FROM query_table(mail_rows)
WHERE session_id IS NOT NULL
GROUP BY session_id;

CREATE OR REPLACE MACRO contact_totals_of(mail_rows) AS TABLE
SELECT contact_id, recipient_kind,
       -- the name and address of the latest mail that has one, and when it was sent: across
       -- kinds, the contact's are those of the latest of these
       arg_max(recipient_name, requested_at)                         AS recipient_name,
       max(requested_at) FILTER (WHERE recipient_name IS NOT NULL)   AS named_at,
       arg_max(recipient_email, requested_at)                        AS recipient_email,
       max(requested_at) FILTER (WHERE recipient_email IS NOT NULL)  AS addressed_at,
       coalesce(list(DISTINCT recipient_email ORDER BY recipient_email)
                FILTER (WHERE recipient_email IS NOT NULL), [])      AS addresses,
       max(requested_at)                                             AS last_mail_at,
       count(*)                                                      AS mails,
       count(*) FILTER (WHERE status IN ('undeliverable', 'send_error')) AS failures,
       -- what a search is matched against: every mail's prepared contact_text (a contact is
       -- found when one of their mails holds every word)
       list(DISTINCT contact_text ORDER BY contact_text)             AS contact_texts
FROM query_table(mail_rows)
WHERE contact_id IS NOT NULL
GROUP BY contact_id, recipient_kind;

CREATE TABLE mail_days AS SELECT * FROM mail_days_of('mail_status') ORDER BY requested_day;
CREATE TABLE domain_days AS SELECT * FROM domain_days_of('mail_status') ORDER BY requested_day;
CREATE TABLE session_days AS SELECT * FROM session_days_of('mail_status') ORDER BY requested_day;
CREATE TABLE session_totals AS SELECT * FROM session_totals_of('mail_status') ORDER BY last_mail_at;
CREATE TABLE contact_totals AS SELECT * FROM contact_totals_of('mail_status') ORDER BY contact_id;

-- The zone the rollups' days were computed in: when the mails' days are computed again in
-- another zone (write_mails.sql), the next refresh rebuilds the daily tables whole.
INSERT OR REPLACE INTO schema_meta
SELECT 'rollup_day_zone', value FROM schema_meta WHERE key = 'day_zone';
