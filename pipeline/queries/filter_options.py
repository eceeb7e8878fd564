"""What a filter bar can offer: the providers, recipient domains, sessions and contacts present in
the store, most used or most recent first. One query per list; no Streamlit here."""

from __future__ import annotations

import duckdb
import pandas as pd

MAX_DOMAINS = 2_000
MAX_CONTACTS = 20_000


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


def sessions(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every session with mails: session_id, session_name, mails; the latest mailed first."""
    return con.execute(
        "SELECT session_id, arg_max(session_name, requested_at) AS session_name, "
        "count(*) AS mails FROM email_history WHERE session_id IS NOT NULL "
        "GROUP BY session_id ORDER BY max(requested_at) DESC, session_id"
    ).df()


def contacts(
    con: duckdb.DuckDBPyConnection, session_id: str | None = None, limit: int = MAX_CONTACTS
) -> pd.DataFrame:
    """Contacts (contact_id, name, email, kind as of their latest mail), by name; only those of
    `session_id` when given; at most `limit`, the most recently mailed kept."""
    return con.execute(
        """
        WITH people AS (
            SELECT contact_id,
                   arg_max(recipient_name, requested_at) AS name,
                   arg_max(recipient_email, requested_at) AS email,
                   arg_max(recipient_kind, requested_at) AS kind,
                   max(requested_at) AS last_mail_at
            FROM email_history
            WHERE contact_id IS NOT NULL AND ($session IS NULL OR session_id = $session)
            GROUP BY contact_id
            ORDER BY last_mail_at DESC
            LIMIT $limit
        )
        SELECT contact_id, name, email, kind FROM people
        ORDER BY lower(name) NULLS LAST, contact_id
        """,
        {"session": session_id, "limit": limit},
    ).df()
