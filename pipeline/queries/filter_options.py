"""What a filter bar can offer: the providers, recipient domains, sessions and contacts present in
the store, most used or most recent first. One query per list; no Streamlit here."""

from __future__ import annotations

import duckdb
import pandas as pd

from pipeline.rules.statuses import RECIPIENT_KINDS

MAX_DOMAINS = 2_000
MAX_SESSIONS = 500
# A selectbox of more contacts than this is slow to draw and useless to scroll: the others are
# found with the free-text filter (name, address).
MAX_CONTACTS = 500
_ROWS_PER_CONTACT = len(RECIPIENT_KINDS) + 1  # contact_totals: one row per kind, and one without


def providers(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every provider of the store, the busiest first."""
    rows = con.execute(
        "SELECT provider FROM email_history GROUP BY provider ORDER BY count(*) DESC, provider"
    ).fetchall()
    return [r[0] for r in rows]


def recipient_domains(con: duckdb.DuckDBPyConnection, limit: int = MAX_DOMAINS) -> list[str]:
    """Recipient domains, the ones most mailed first (at most `limit`)."""
    rows = con.execute(
        "SELECT recipient_domain FROM email_history WHERE recipient_domain <> '' "
        "GROUP BY recipient_domain ORDER BY count(*) DESC, recipient_domain LIMIT ?",
        [limit],
    ).fetchall()
    return [r[0] for r in rows]


def sessions(con: duckdb.DuckDBPyConnection, limit: int = MAX_SESSIONS) -> pd.DataFrame:
    """The sessions with mails, the latest mailed first, at most `limit`: session_id,
    session_name, mails; and `matches`, how many sessions there are in all."""
    return con.execute(
        "SELECT session_id, session_name, mails, count(*) OVER () AS matches "
        "FROM session_totals ORDER BY last_mail_at DESC, session_id LIMIT ?",
        [limit],
    ).df()


def contacts(
    con: duckdb.DuckDBPyConnection, session_id: str | None = None, limit: int = MAX_CONTACTS
) -> pd.DataFrame:
    """Contacts (contact_id, name, email, kind as of their latest mail), by name; only those of
    `session_id` when given; at most `limit`, the most recently mailed kept. Without a session
    they are read from the store's `contact_totals` (one row per contact and kind)."""
    if session_id is None:
        # The latest contacts without grouping them all: a contact has at most one row per kind
        # (and one without), so the `limit` latest are among the latest `limit` × that rows.
        people = f"""
            WITH latest_rows AS (
                SELECT contact_id, last_mail_at FROM contact_totals
                ORDER BY last_mail_at DESC, contact_id
                LIMIT CAST($limit AS BIGINT) * {_ROWS_PER_CONTACT}
            ),
            chosen AS (
                SELECT contact_id FROM latest_rows GROUP BY contact_id
                ORDER BY max(last_mail_at) DESC, contact_id LIMIT $limit
            )
            SELECT contact_id,
                   arg_max(recipient_name, named_at) AS name,
                   arg_max(recipient_email, addressed_at) AS email,
                   arg_max(recipient_kind, last_mail_at) AS kind,
                   max(last_mail_at) AS last_mail_at
            FROM contact_totals
            WHERE contact_id IN (SELECT contact_id FROM chosen)
            GROUP BY contact_id
        """
    else:
        people = """
            SELECT contact_id,
                   arg_max(recipient_name, requested_at) AS name,
                   arg_max(recipient_email, requested_at) AS email,
                   arg_max(recipient_kind, requested_at) AS kind,
                   max(requested_at) AS last_mail_at
            FROM mails
            WHERE contact_id IS NOT NULL AND session_id = $session
            GROUP BY contact_id
        """
    return con.execute(
        f"""
        WITH people AS ({people}),
        recent AS (SELECT * FROM people ORDER BY last_mail_at DESC, contact_id LIMIT $limit)
        SELECT contact_id, name, email, kind FROM recent
        ORDER BY lower(name) NULLS LAST, contact_id
        """,
        {"limit": limit, **({"session": session_id} if session_id is not None else {})},
    ).df()
