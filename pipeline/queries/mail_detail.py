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

# email_history's columns, plus what the send log and the status table know beyond the contract.
_MAIL_SQL = """
SELECT h.*,
       m.enhanced_code,
       s.session_place, s.session_start, s.session_end,
       s.body_html, s.body_text, CAST(s.attachments AS VARCHAR) AS attachments_json
FROM email_history AS h
JOIN mail_status AS m ON m.mail_id = h.send_id
LEFT JOIN sends AS s ON s.send_id = h.send_id AND h.has_send_log
WHERE h.send_id = ?
"""

_EVENTS_SQL = """
SELECT event_at, provider, raw_event, event, bounce_kind, is_machine_open, reason, smtp_code,
       enhanced_code, bounce_category, url, source_file, source_line
FROM email_events
WHERE send_id = ?
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
    names = [column[0] for column in cursor.description]
    values = dict(zip(names, row, strict=True))
    content = {name: values.pop(name) for name in _CONTENT_COLUMNS}
    return MailDetail(
        mail=values,
        body_html=content["body_html"] or None,
        body_text=content["body_text"] or None,
        attachments=parse_attachments(content["attachments_json"]),
        events=mail_events(con, send_id),
    )


def mail_events(con: duckdb.DuckDBPyConnection, send_id: str) -> pd.DataFrame:
    """Every provider event of the mail, oldest first, with where it was read (file, line)."""
    return con.execute(_EVENTS_SQL, [send_id]).df()
