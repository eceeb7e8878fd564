"""One mail in full, for the detail panel: its history row, its content and its provider events.

`load_mail(con, send_id)` answers None for a send_id the store does not know (a stale link), never
raises for it. Content (body, attachments) comes from the send log and is absent for mails known
only from provider events. No Streamlit, no statuses computed here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandas as pd

from pipeline.mail.attachments import Attachment, parse_attachments

# The mail's row of `mails` (email_history's columns and enhanced_code), looked up by its key.
_MAIL_SQL = (
    "SELECT * EXCLUDE (requested_day, search_text, contact_text, recipient_sort) "
    "FROM mails WHERE send_id = ?"
)

# Its content, from the send log: found by its id and request time, both bound as values, so that
# DuckDB skips every row group of `sends` from other times (no scan of the whole table).
_CONTENT_SQL = """
SELECT session_place, session_start, session_end, source_file, source_line,
       body_html, body_text, CAST(attachments AS VARCHAR) AS attachments_json
FROM sends
WHERE send_id = ? AND requested_at = ?
LIMIT 1
"""
_SEND_COLUMNS = ("session_place", "session_start", "session_end", "send_source_file",
                 "send_source_line")  # fmt: skip

# The events the store attributed to the mail (email_events' rows of the send_id). They all lie
# between its first and last event, bounds bound as values so that DuckDB skips the row groups
# of other times (events are stored in time order, file after file): no scan of the whole table.
_SPAN_SQL = "SELECT first_event_at, last_event_at FROM mail_status WHERE mail_id = ?"
_EVENTS_SQL = """
SELECT event_at, provider, raw_event, event, bounce_kind, is_machine_open, reason, smtp_code,
       enhanced_code, bounce_category, url, source_file, source_line
FROM events
WHERE mail_id = ? AND event_at BETWEEN ? AND ?
ORDER BY event_at, source_file, source_line, event_id
"""

_CONTENT_COLUMNS = ("body_html", "body_text", "attachments_json")


@dataclass(frozen=True)
class MailDetail:
    """A mail: its `email_history` row (plus enhanced_code and the session's place and dates),
    its content from the send log, its attachments and its provider events in time order."""

    mail: dict[str, Any]
    body_html: str | None
    body_text: str | None
    attachments: tuple[Attachment, ...]
    events: pd.DataFrame = field(compare=False)

    @property
    def send_id(self) -> str:
        return str(self.mail["send_id"])

    @property
    def has_send_log(self) -> bool:
        return bool(self.mail.get("has_send_log"))


def load_mail(con: duckdb.DuckDBPyConnection, send_id: str) -> MailDetail | None:
    """The mail `send_id` with its content and events, or None when there is no such mail."""
    cursor = con.execute(_MAIL_SQL, [send_id])
    row = cursor.fetchone()
    if row is None:
        return None
    values = dict(zip([column[0] for column in cursor.description], row, strict=True))
    found = None
    if values["has_send_log"]:
        found = con.execute(_CONTENT_SQL, [send_id, values["requested_at"]]).fetchone()
    names = (*_SEND_COLUMNS, *_CONTENT_COLUMNS)
    content = dict(zip(names, found or (None,) * len(names), strict=True))
    values.update({name: content.pop(name) for name in _SEND_COLUMNS})
    return MailDetail(
        mail=values,
        body_html=content["body_html"] or None,
        body_text=content["body_text"] or None,
        attachments=parse_attachments(content["attachments_json"]),
        events=mail_events(con, send_id),
    )


def mail_events(con: duckdb.DuckDBPyConnection, send_id: str) -> pd.DataFrame:
    """Every provider event of the mail, oldest first, with where it was read (file, line)."""
    span = con.execute(_SPAN_SQL, [send_id]).fetchone()
    first, last = span if span else (None, None)
    return con.execute(_EVENTS_SQL, [send_id, first, last]).df()
