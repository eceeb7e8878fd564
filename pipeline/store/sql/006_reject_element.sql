-- Mailtrail store, schema version 6: a refused record of a top-level JSON array names its
-- element (1-based) beside its line, since a webhook batch is often one line holding every
-- event. NULL for records that are not array elements, and for rows of older stores. Added
-- last, so that queries selecting the columns by position keep working.

ALTER TABLE ingest_rejects_log ADD COLUMN IF NOT EXISTS element BIGINT;

CREATE OR REPLACE VIEW ingest_rejects AS
SELECT run_id, file_path, line, reason, raw, reason_code, reason_params, element
FROM ingest_rejects_log;
