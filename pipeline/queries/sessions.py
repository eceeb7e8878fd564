"""Questions the Sessions page asks: which sessions exist (for its picker), one session's figures,
and which session a mail belongs to (so a link naming only a mail opens its session).

A session is what the send logs call one (`session_id`, `session_name`); the demo's names carry
the course, the mode, the place and the start date. Only `mails` (email_history and its prepared
columns) is read. No Streamlit here.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

from pipeline.filters.mail_filter import MailFilter
from pipeline.rules.status_sql import status_in
from pipeline.rules.statuses import FAILED_STATUSES

_FAILED = status_in(FAILED_STATUSES)

# One row per session. A session renamed in the platform keeps the name of its latest mail.
_SESSION_ROWS = f"""
SELECT session_id,
       arg_max(session_name, requested_at)           AS session_name,
       min(requested_at)                              AS first_mail_at,
       max(requested_at)                              AS last_mail_at,
       count(*)                                       AS mails,
       count(*) FILTER (WHERE {_FAILED})              AS failures,
       count(DISTINCT recipient_email)                AS recipients
FROM mails
WHERE session_id IS NOT NULL {{extra}}
GROUP BY session_id
"""

SESSION_COLUMNS = (
    "session_id", "session_name", "first_mail_at", "last_mail_at", "mails", "failures",
    "recipients",
)  # fmt: skip


def session_list(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every session, the most recently mailed first: session_id, session_name, first_mail_at,
    last_mail_at, mails, failures (undeliverable and send errors), recipients."""
    sql = _SESSION_ROWS.format(extra="") + " ORDER BY last_mail_at DESC, session_id"
    return con.execute(sql).df()


def session_summary(con: duckdb.DuckDBPyConnection, session_id: str) -> dict[str, Any] | None:
    """One session's row of `session_list`, or None when no mail names that session."""
    sql = _SESSION_ROWS.format(extra="AND session_id = ?")
    row = con.execute(sql, [session_id]).fetchone()
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
