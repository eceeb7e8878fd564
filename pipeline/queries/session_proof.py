"""Questions behind a session's proof of sending: what the session is, and every mail sent to
every person invited to it, with when it was requested, delivered and opened.

Times come back as local wall-clock times (the connection's TimeZone), ready for a document.
No Streamlit here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import pandas as pd

from pipeline.rules.statuses import MAIL_TYPES, RECIPIENT_KINDS


@dataclass(frozen=True)
class SessionFacts:
    """What the send log says of a session, and the span of its mails (local times)."""

    session_id: str
    session_name: str | None
    place: str | None
    start: dt.date | None
    end: dt.date | None
    first_mail_at: dt.datetime | None
    last_mail_at: dt.datetime | None
    mails: int
    timezone: str


def session_facts(con: duckdb.DuckDBPyConnection, session_id: str) -> SessionFacts | None:
    """The session's name, place and dates (optional in send logs), and its mails' span; None
    when no mail of the store belongs to the session."""
    row = con.execute(
        """
        WITH mails AS (
            SELECT max(session_name) AS session_name, count(*) AS mails,
                   CAST(min(requested_at) AS TIMESTAMP) AS first_mail_at,
                   CAST(max(requested_at) AS TIMESTAMP) AS last_mail_at
            FROM email_history WHERE session_id = $session
        ), logged AS (
            SELECT max(session_place) AS place, min(session_start) AS start,
                   max(session_end) AS "end"
            FROM sends WHERE session_id = $session
        )
        SELECT session_name, place, start, "end", first_mail_at, last_mail_at, mails,
               current_setting('TimeZone')
        FROM mails, logged
        """,
        {"session": session_id},
    ).fetchall()[0]
    if not row[6]:
        return None
    name, place, start, end, first, last, mails, zone = row
    return SessionFacts(session_id, name, place, start, end, first, last, int(mails), zone)


def session_mails(con: duckdb.DuckDBPyConnection, session_id: str) -> pd.DataFrame:
    """Every mail of the session, one row each, grouped by recipient kind (learners first), then
    person (by name), then mail type in the order of a training's life, then time.

    A person is a contact id, or the address when the send log gives no contact; `person_name`
    is the name of their latest mail.
    """
    return con.execute(
        """
        WITH mails AS (
            SELECT *, COALESCE(contact_id, recipient_email) AS person_key
            FROM email_history WHERE session_id = $session
        )
        SELECT
            recipient_kind,
            person_key,
            contact_id,
            arg_max(recipient_name, requested_at) OVER (PARTITION BY person_key) AS person_name,
            recipient_email,
            email_type,
            subject,
            CAST(requested_at AS TIMESTAMP) AS requested_at,
            CAST(delivered_at AS TIMESTAMP) AS delivered_at,
            CAST(first_opened_at AS TIMESTAMP) AS first_opened_at,
            status,
            bounce_category,
            last_reason,
            send_id
        FROM mails
        ORDER BY
            COALESCE(list_position($kinds, recipient_kind), 99),
            strip_accents(lower(person_name)) NULLS LAST,
            person_key,
            COALESCE(list_position($types, email_type), 99),
            requested_at,
            send_id
        """,
        {"session": session_id, "kinds": list(RECIPIENT_KINDS), "types": list(MAIL_TYPES)},
    ).df()
