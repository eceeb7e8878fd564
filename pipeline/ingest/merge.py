"""Merging staged records into the store, and recomputing the mails they touched.

Events already in the store (the same provider event id, or the same content when one side has
no id) are counted as duplicates and not inserted again; a provider event id seen again with
other content (another message, recipient or time) is refused, naming where it was first seen,
never silently dropped. A send log record replaces an earlier one with the same send_id only
when its content differs. Each file notes the mails it touched (`note_touched_mails`); once per
batch of files the status rules run on the noted mails, and only on those, their rows in
`mail_status` (what `email_history` shows) are written anew and the daily rollups recounted for
what they touched (`refresh_noted_mails`).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from pipeline.ingest.validate import insert_rejects
from pipeline.rules.rollups import refresh_rollups
from pipeline.rules.sql_files import run_sql_file

_EVENT_COLUMNS = (
    "event_id, content_key, provider, provider_message_id, message_key, recipient_email, "
    "mail_recipient, event_at, raw_event, event, bounce_kind, is_machine_open, reason, smtp_code, "
    "enhanced_code, provider_class, bounce_category, subject, sender_email, url, "
    "provider_event_id, ingest_run_id, source_file, source_line"
)

_SEND_COLUMNS = (
    "send_id, requested_at, provider, provider_message_id, message_key, session_id, "
    "session_name, session_place, session_start, session_end, opportunity_id, email_type, "
    "sender_email, recipient_email, recipient_name, recipient_kind, contact_id, subject, "
    "body_html, body_text, attachments, attachment_count, content_hash, ingest_run_id, "
    "source_file, source_line"
)


@dataclass(frozen=True)
class Merged:
    """What a merge changed."""

    loaded: int
    duplicates: int
    rejected_in_merge: int = 0


def merge_events(con: duckdb.DuckDBPyConnection, run_id: int, source: str) -> Merged:
    """Insert the staged events the store does not have yet, in time order (so that a mail's
    events sit in few row groups, see queries/mail_detail.py); note their mails as touched."""
    _reject_conflicting_event_ids(con)
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE stage_new AS
        WITH unique_in_file AS (
            SELECT * FROM stage_events
            WHERE line NOT IN (SELECT line FROM event_conflicts)
            QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY line) = 1
        )
        SELECT u.* FROM unique_in_file AS u
        WHERE NOT EXISTS (SELECT 1 FROM events AS e WHERE e.event_id = u.event_id)
          AND NOT EXISTS (
              SELECT 1 FROM events AS e
              WHERE e.content_key = u.content_key
                AND (e.provider_event_id IS NULL OR u.provider_event_id IS NULL))
        """
    )
    con.execute(
        f"""
        INSERT INTO events ({_EVENT_COLUMNS})
        SELECT event_id, content_key, provider, provider_message_id, message_key, recipient_email,
               recipient_email, event_at, raw_event, event, bounce_kind, is_machine_open, reason,
               smtp_code, enhanced_code, provider_class, bounce_category, subject, sender_email,
               url, provider_event_id, ?, ?, line
        FROM stage_new
        ORDER BY event_at, line
        """,
        [run_id, source],
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE touched_keys AS "
        "SELECT DISTINCT provider, message_key FROM stage_new"
    )
    con.execute("CREATE OR REPLACE TEMP TABLE touched_sends (send_id VARCHAR)")
    loaded = _count(con, "SELECT count(*) FROM stage_new")
    conflicts = _count(con, "SELECT count(*) FROM event_conflicts")
    return Merged(
        loaded=loaded,
        duplicates=_count(con, "SELECT count(*) FROM stage_events") - loaded - conflicts,
        rejected_in_merge=conflicts,
    )


def _reject_conflicting_event_ids(con: duckdb.DuckDBPyConnection) -> None:
    """A provider event id (with its event name) seen again with other content: refused, naming
    the line of this file or the file (its name only) and line in the store where it was first
    seen. Same id and same content stays a duplicate."""
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE event_conflicts AS
        WITH ranked AS (
            SELECT line, raw, event_id, content_key, provider_event_id,
                   first_value(line) OVER w AS first_line,
                   first_value(content_key) OVER w AS first_key
            FROM stage_events
            WHERE provider_event_id IS NOT NULL
            WINDOW w AS (PARTITION BY event_id ORDER BY line)
        ),
        stored AS (
            SELECT r.line, r.raw, r.provider_event_id,
                   parse_filename(e.source_file, false, 'both_slash') AS stored_file,
                   e.source_line AS stored_line
            FROM ranked AS r JOIN events AS e ON e.event_id = r.event_id
            WHERE r.line = r.first_line AND e.content_key <> r.content_key
        )
        SELECT line, raw, {'code': 'event_id_conflict',
                           'params': json_object('value', quoted(provider_event_id),
                                                 'line', first_line)} AS rejection
        FROM ranked WHERE content_key <> first_key
        UNION ALL
        SELECT line, raw, {'code': 'event_id_conflict_stored',
                           'params': json_object('value', quoted(provider_event_id),
                                                 'file', stored_file, 'line', stored_line)}
        FROM stored
        """
    )
    insert_rejects(con, "stage_rejects", "SELECT * FROM event_conflicts")


def merge_sends(con: duckdb.DuckDBPyConnection, run_id: int, source: str) -> Merged:
    """Insert new send records, replace changed ones, count identical ones as duplicates."""
    _reject_conflicting_send_ids(con)
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE stage_changed AS
        SELECT u.* FROM stage_sends_unique AS u
        LEFT JOIN sends AS s USING (send_id)
        WHERE s.send_id IS NULL OR s.content_hash <> u.content_hash
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE touched_keys AS
        SELECT DISTINCT provider, message_key FROM (
            SELECT provider, message_key FROM stage_changed
            UNION ALL
            SELECT s.provider, s.message_key FROM sends AS s
            JOIN stage_changed USING (send_id)
        ) WHERE message_key IS NOT NULL
        """
    )
    con.execute("CREATE OR REPLACE TEMP TABLE touched_sends AS SELECT send_id FROM stage_changed")
    con.execute("DELETE FROM sends WHERE send_id IN (SELECT send_id FROM stage_changed)")
    con.execute(
        f"""
        INSERT INTO sends ({_SEND_COLUMNS})
        SELECT send_id, requested_at, provider, provider_message_id, message_key, session_id,
               session_name, session_place, session_start, session_end, opportunity_id,
               email_type, sender_email, recipient_email, recipient_name, recipient_kind,
               contact_id, subject, body_html, body_text, attachments, attachment_count,
               content_hash, ?, ?, line
        FROM stage_changed
        """,
        [run_id, source],
    )
    loaded = _count(con, "SELECT count(*) FROM stage_changed")
    unique = _count(con, "SELECT count(*) FROM stage_sends_unique")
    in_file_dups = _count(con, "SELECT count(*) FROM stage_sends") - unique
    conflicts = _count(con, "SELECT count(*) FROM send_conflicts")
    return Merged(
        loaded=loaded,
        duplicates=unique - loaded + in_file_dups - conflicts,
        rejected_in_merge=conflicts,
    )


def note_touched_mails(con: duckdb.DuckDBPyConnection, run_id: int) -> None:
    """Add this file's touched keys and sends to those the batch's refresh will recompute.

    Inside the file's transaction: a file rolled back leaves nothing noted.
    """
    _create_notes(con)
    con.execute(
        "INSERT INTO noted_keys SELECT ?, provider, message_key FROM touched_keys", [run_id]
    )
    con.execute("INSERT INTO noted_sends SELECT ?, send_id FROM touched_sends", [run_id])


def refresh_noted_mails(con: duckdb.DuckDBPyConnection) -> dict[int, int]:
    """Re-apply the status rules to every mail noted since the last refresh, in one pass, and
    store their rows anew (with their events' mail ids); then forget the notes.

    Returns, per run, how many mails changed status over the batch: each changed mail counted
    once, on the last file of the batch that touched it. One set-based pass over the batch's
    mails costs about what one file's pass did, instead of once per file.
    """
    _create_notes(con)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE touched_keys AS "
        "SELECT DISTINCT provider, message_key FROM noted_keys"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE touched_sends AS SELECT DISTINCT send_id FROM noted_sends"
    )
    run_sql_file(con, "refresh_mails.sql")
    run_sql_file(con, "status_rules.sql")
    run_sql_file(con, "write_mails.sql")
    refresh_rollups(con)
    changed = con.execute(
        """
        WITH changed AS (
            SELECT c.mail_id, c.provider, c.message_key
            FROM mail_status AS m
            JOIN mail_candidates AS c USING (mail_id)
            LEFT JOIN previous_status AS p USING (mail_id)
            WHERE p.status IS DISTINCT FROM m.status
        ),
        touched_by AS (
            SELECT c.mail_id, k.run_id FROM changed AS c
            JOIN noted_keys AS k ON k.provider = c.provider AND k.message_key = c.message_key
            UNION ALL
            SELECT c.mail_id, s.run_id FROM changed AS c
            JOIN noted_sends AS s ON s.send_id = c.mail_id
        ),
        last_toucher AS (
            SELECT mail_id, max(run_id) AS run_id FROM touched_by GROUP BY mail_id
        )
        SELECT run_id, count(*) FROM last_toucher GROUP BY run_id
        """
    ).fetchall()
    con.execute("DELETE FROM noted_keys")
    con.execute("DELETE FROM noted_sends")
    return {int(run_id): int(count) for run_id, count in changed}


def _create_notes(con: duckdb.DuckDBPyConnection) -> None:
    """The batch's notes of touched mails, by the run that touched them (temp: one session)."""
    con.execute(
        "CREATE TEMP TABLE IF NOT EXISTS noted_keys "
        "(run_id BIGINT, provider VARCHAR, message_key VARCHAR)"
    )
    con.execute("CREATE TEMP TABLE IF NOT EXISTS noted_sends (run_id BIGINT, send_id VARCHAR)")


def _reject_conflicting_send_ids(con: duckdb.DuckDBPyConnection) -> None:
    """A send_id used twice in one file with different content: the later records are refused."""
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE send_conflicts AS
        WITH ranked AS (
            SELECT line, raw, send_id, content_hash,
                   first_value(line) OVER w AS first_line,
                   first_value(content_hash) OVER w AS first_hash
            FROM stage_sends
            WINDOW w AS (PARTITION BY send_id ORDER BY line)
        )
        SELECT line, raw, {'code': 'send_id_conflict',
                           'params': json_object('value', quoted(send_id), 'line', first_line)
                          } AS rejection
        FROM ranked WHERE content_hash <> first_hash
        """
    )
    insert_rejects(con, "stage_rejects", "SELECT * FROM send_conflicts")
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE stage_sends_unique AS
        SELECT * EXCLUDE (raw) FROM stage_sends  -- the raw text is only for refusals, made above
        QUALIFY row_number() OVER (PARTITION BY send_id ORDER BY line) = 1
        """
    )


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row else 0
