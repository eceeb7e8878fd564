"""Questions the Sessions page asks: which sessions exist (for its picker), one session's figures,
and which session a mail belongs to (so a link naming only a mail opens its session).

A session is what the send logs call one (`session_id`, `session_name`); the demo's names carry
the course, the mode, the place and the start date. The list and a session's figures are read
from the store's `session_totals` (one row per session, kept current by each ingest: migration
006); the rest from `mails`. No Streamlit here.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

from pipeline.filters.mail_filter import MailFilter
from pipeline.rules.status_sql import status_in
from pipeline.rules.statuses import FAILED_STATUSES

_FAILED = status_in(FAILED_STATUSES)

#: At most this many sessions in the list; the others are found by typing (`text`).
MAX_SESSIONS = 500

SESSION_COLUMNS = (
    "session_id", "session_name", "first_mail_at", "last_mail_at", "mails", "failures",
    "recipients",
)  # fmt: skip
# A session is matched by its name or ID, ignoring case and accents.
_MATCH = "contains(strip_accents(lower(concat_ws(' ', session_name, session_id))), " \
    "strip_accents(lower(?)))"  # fmt: skip


def session_list(
    con: duckdb.DuckDBPyConnection,
    text: str | None = None,
    limit: int = MAX_SESSIONS,
    include: str | None = None,
) -> pd.DataFrame:
    """The sessions whose name or ID contains `text` (every session without), the most recently
    mailed first, at most `limit` of them, and `include` (a session a link names) wherever it
    ranks: session_id, session_name (that of its latest mail), first_mail_at, last_mail_at,
    mails, failures (undeliverable and send errors), recipients; and `matches`, how many
    sessions match in all (more than the rows when the list is cut)."""
    words = (text or "").split()
    match = " AND ".join(_MATCH for _ in words) or "TRUE"
    columns = ", ".join(SESSION_COLUMNS)
    return con.execute(
        f"""
        WITH matching AS (
            SELECT {columns}, count(*) OVER () AS matches,
                   row_number() OVER (ORDER BY last_mail_at DESC, session_id) AS rank
            FROM session_totals WHERE {match}
        )
        SELECT {columns}, matches FROM matching
        WHERE rank <= ? OR session_id = ?
        ORDER BY rank
        """,
        [*words, limit, include],
    ).df()


def session_summary(con: duckdb.DuckDBPyConnection, session_id: str) -> dict[str, Any] | None:
    """One session's row of `session_list`, or None when no mail names that session."""
    row = con.execute(
        f"SELECT {', '.join(SESSION_COLUMNS)} FROM session_totals WHERE session_id = ?",
        [session_id],
    ).fetchone()
    return dict(zip(SESSION_COLUMNS, row, strict=True)) if row else None


def type_status_counts(con: duckdb.DuckDBPyConnection, mail_filter: MailFilter) -> pd.DataFrame:
    """How many mails of each type are in each status: email_type, status, mails (mails without
    a type, known only from provider data, have email_type NULL)."""
    where, params = mail_filter.where()
    return con.execute(
        f"SELECT email_type, status, count(*) AS mails FROM mails WHERE {where} "
        "GROUP BY ALL ORDER BY email_type NULLS LAST, status",
        params,
    ).df()


def session_of_mail(con: duckdb.DuckDBPyConnection, send_id: str) -> str | None:
    """The session a mail was sent for, or None (a sales opportunity's mail, an unknown id)."""
    row = con.execute(
        "SELECT session_id FROM mails WHERE send_id = ? LIMIT 1", [send_id]
    ).fetchone()
    return row[0] if row else None
