-- Mailtrail store, schema version 4: every ingest message as a stable code with its parameters.
-- The readable English text stays beside them; rows of older stores keep NULL codes and are
-- shown with their text. IF NOT EXISTS keeps this safe to run on a store that already has them.

ALTER TABLE ingest_runs_log ADD COLUMN IF NOT EXISTS message_code VARCHAR;
ALTER TABLE ingest_runs_log ADD COLUMN IF NOT EXISTS message_params JSON;
ALTER TABLE ingest_rejects_log ADD COLUMN IF NOT EXISTS reason_code VARCHAR;
ALTER TABLE ingest_rejects_log ADD COLUMN IF NOT EXISTS reason_params JSON;

CREATE OR REPLACE VIEW ingest_runs AS
SELECT run_id, file_path, file_name, file_sha256, file_size, format, status, started_at, finished_at,
       records_read, records_loaded, records_duplicate, records_rejected, unknown_events,
       mails_changed, message, message_code, message_params
FROM ingest_runs_log;

CREATE OR REPLACE VIEW ingest_rejects AS
SELECT run_id, file_path, line, reason, raw, reason_code, reason_params
FROM ingest_rejects_log;
