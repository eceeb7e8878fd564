"""Questions about mails: the latest ones, counts by status."""

from __future__ import annotations

import duckdb
import pandas as pd


def latest_mails(con: duckdb.DuckDBPyConnection, limit: int = 1000) -> pd.DataFrame:
    """The most recently requested mails, newest first."""
    return con.execute(
        """
        SELECT send_id, requested_at, email_type, recipient_name, recipient_email,
               recipient_kind, session_name, subject, status, status_at, last_reason
        FROM email_history ORDER BY requested_at DESC NULLS LAST, send_id LIMIT ?
        """,
        [limit],
    ).df()


def status_counts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """How many mails are in each status."""
    return con.execute(
        "SELECT status, count(*) AS mails FROM email_history GROUP BY status ORDER BY mails DESC"
    ).df()
