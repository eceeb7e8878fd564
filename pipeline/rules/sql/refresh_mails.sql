-- Recompute the mails an ingest touched, and only those.
-- Input: temp tables touched_keys(provider, message_key) and touched_sends(send_id).
-- Steps: attribute the touched events to a recipient and to their mail, list the touched mails
-- (sends, and events no send log claims), remember their old status, drop their rows; then the
-- caller applies the status rules (status_rules.sql) and writes the new rows (write_mails.sql).

-- 1. Each event belongs to the mail of its own recipient; an event that names none (an Amazon
--    SES open of a multi-recipient message, a Mailgun rejection) belongs to the message's only
--    known recipient, if it has exactly one.
CREATE OR REPLACE TEMP TABLE key_recipient AS
SELECT provider, message_key, min(recipient) AS only_recipient
FROM (
    SELECT s.provider, s.message_key, s.recipient_email AS recipient
    FROM sends AS s JOIN touched_keys USING (provider, message_key)
    UNION
    SELECT e.provider, e.message_key, e.recipient_email
    FROM events AS e JOIN touched_keys USING (provider, message_key)
    WHERE e.recipient_email IS NOT NULL
)
GROUP BY provider, message_key
HAVING count(DISTINCT recipient) = 1;

-- Each event also carries the id of its mail: the send of its message and recipient (the first
-- one, should a send log reuse them), else the mail known from events alone. Only events whose
-- attribution changed are written.
CREATE OR REPLACE TEMP TABLE touched_events AS
WITH attributed AS (
    SELECT e.rowid AS event_row, e.provider, e.message_key,
           COALESCE(e.recipient_email, k.only_recipient) AS mail_recipient
    FROM events AS e
    JOIN touched_keys USING (provider, message_key)
    LEFT JOIN key_recipient AS k USING (provider, message_key)
),
key_sends AS (
    SELECT s.provider, s.message_key, s.recipient_email, min(s.send_id) AS send_id
    FROM sends AS s JOIN touched_keys USING (provider, message_key)
    GROUP BY ALL
)
SELECT a.event_row, a.mail_recipient,
       COALESCE(s.send_id,
                a.provider || ':' || a.message_key || ':' || COALESCE(a.mail_recipient, ''))
           AS mail_id
FROM attributed AS a
LEFT JOIN key_sends AS s
  ON s.provider = a.provider
 AND s.message_key = a.message_key
 AND s.recipient_email = a.mail_recipient;

UPDATE events
SET mail_recipient = t.mail_recipient, mail_id = t.mail_id
FROM touched_events AS t
WHERE events.rowid = t.event_row
  AND (events.mail_recipient IS DISTINCT FROM t.mail_recipient
       OR events.mail_id IS DISTINCT FROM t.mail_id);

-- 2. The touched mails.
CREATE OR REPLACE TEMP TABLE mail_candidates AS
SELECT s.send_id AS mail_id, s.provider, s.provider_message_id, s.message_key,
       s.recipient_email, true AS has_send_log, s.requested_at
FROM sends AS s
WHERE s.send_id IN (SELECT send_id FROM touched_sends)
   OR (s.provider, s.message_key) IN (SELECT (provider, message_key) FROM touched_keys)
UNION ALL
SELECT e.provider || ':' || e.message_key || ':' || COALESCE(e.mail_recipient, ''),
       e.provider, min(e.provider_message_id), e.message_key, e.mail_recipient, false,
       CAST(NULL AS TIMESTAMPTZ)
FROM events AS e
JOIN touched_keys USING (provider, message_key)
WHERE NOT EXISTS (
    SELECT 1 FROM sends AS s
    WHERE s.provider = e.provider AND s.message_key = e.message_key
      AND s.recipient_email = e.mail_recipient)
GROUP BY e.provider, e.message_key, e.mail_recipient;

-- 3. Their status before this ingest, to count what changed, and the day, session and contact
--    their old rows were counted under (the rollups recount those: pipeline/rules/rollups.py).
CREATE OR REPLACE TEMP TABLE previous_status AS
SELECT m.mail_id, m.status, m.requested_day, m.session_id, m.contact_id
FROM mail_status AS m
WHERE m.mail_id IN (SELECT mail_id FROM mail_candidates)
   OR m.mail_id IN (SELECT send_id FROM touched_sends)
   OR (m.provider, m.message_key) IN (SELECT (provider, message_key) FROM touched_keys);

DELETE FROM mail_status WHERE mail_id IN (SELECT mail_id FROM previous_status);
