"""A session's proof of sending: for each person invited (learners first), each mail sent to them
with when it was requested, delivered and opened, and its status — the evidence a training
organisation shows an auditor (Qualiopi) that learners were informed.

Two documents from one SessionProof: an XLSX workbook (summary sheet, mail sheet) and a
printable HTML page (pipeline.reports.session_proof.html). Texts come from the translation table
(pipeline/i18n/explore.toml), times are local. No Streamlit here.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd
import xlsxwriter

from pipeline.errors import ExportError
from pipeline.filters.mail_filter import file_safe
from pipeline.i18n import format_datetime, labels, t
from pipeline.queries.session_proof import SessionFacts, session_facts, session_mails
from pipeline.reports.export import neutralise
from pipeline.reports.export_xlsx import DATE_FORMAT, HEADER_FORMAT, SAFE_STRINGS
from pipeline.rules.statuses import RECIPIENT_KINDS, STATUS_KEYS

RECEIVED = ("delivered", "opened")
NOT_RECEIVED = ("undeliverable", "send_error")
IN_PROGRESS = ("requested", "sent")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HTML_MIME = "text/html"

#: The mail sheet's columns: translation key under session_proof.col, width.
MAIL_COLUMNS = (
    ("recipient_kind", 13), ("person", 24), ("contact", 13), ("address", 32), ("mail", 26),
    ("subject", 50), ("requested", 18), ("delivered", 18), ("opened", 18), ("status", 20),
    ("problem", 28), ("reason", 50), ("send_id", 38),
)  # fmt: skip


@dataclass(frozen=True)
class KindSummary:
    """How one kind of recipient fared: people, mails, and mails by outcome."""

    kind: str
    people: int
    mails: int
    received: int
    opened: int
    not_received: int
    in_progress: int


@dataclass(frozen=True)
class SessionProof:
    """Everything a proof document shows, in one language."""

    facts: SessionFacts
    rows: pd.DataFrame  # pipeline.queries.session_proof.session_mails
    lang: str
    generated_at: dt.datetime  # aware, in the store's time zone

    def t(self, key: str, **params: Any) -> str:
        return t(key, self.lang, **params)

    def summaries(self) -> list[KindSummary]:
        """One line per recipient kind present, learners first."""
        out = []
        for kind in _kinds_in(self.rows):
            mails = self.rows[self.rows["recipient_kind"].fillna("") == kind]
            status = mails["status"]
            out.append(KindSummary(
                kind=kind, people=mails["person_key"].nunique(), mails=len(mails),
                received=int(status.isin(RECEIVED).sum()), opened=int((status == "opened").sum()),
                not_received=int(status.isin(NOT_RECEIVED).sum()),
                in_progress=int(status.isin(IN_PROGRESS).sum()),
            ))  # fmt: skip
        return out

    def kind_label(self, kind: str) -> str:
        return labels("recipient_kind", self.lang).get(kind) or self.t("session_proof.no_kind")

    def kind_heading(self, kind: str) -> str:
        return labels("session_proof.kinds", self.lang).get(kind) or self.t("session_proof.no_kind")

    def when(self, value: Any) -> str:
        """A local time as people read it, '' for none."""
        if value is None or pd.isna(value):
            return ""
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return format_datetime(value, self.lang)
        return format_datetime(pd.Timestamp(value).to_pydatetime(), self.lang)

    def header_lines(self) -> list[str]:
        """The facts under the title: session, place and dates, span of mails, generation."""
        f = self.facts
        first = [self.t("session_proof.session", session_id=f.session_id)]
        if f.place:
            first.append(self.t("session_proof.place", place=f.place))
        if f.start:
            end = f.end or f.start
            first.append(
                self.t("session_proof.dates", start=self.when(f.start), end=self.when(end))
            )
        return [
            " · ".join(first),
            self.t("session_proof.mail_span", count=f.mails,
                   first=self.when(f.first_mail_at), last=self.when(f.last_mail_at)),
            self.t("session_proof.generated", timezone=f.timezone,
                   when=self.when(self.generated_at.replace(tzinfo=None))),
        ]  # fmt: skip

    def title(self) -> str:
        return self.facts.session_name or self.facts.session_id


def load_session_proof(
    con: duckdb.DuckDBPyConnection, session_id: str, lang: str, now: dt.datetime | None = None
) -> SessionProof:
    """Gather the proof of `session_id`; ExportError when the store holds no mail of it."""
    facts = session_facts(con, session_id)
    if facts is None:
        raise ExportError(t("session_proof.no_mail", lang, session_id=session_id))
    generated = (now or dt.datetime.now(dt.UTC)).astimezone(ZoneInfo(facts.timezone))
    return SessionProof(facts, session_mails(con, session_id), lang, generated)


def proof_file_name(session_id: str, lang: str, extension: str) -> str:
    """`mailtrail_preuve-envoi_SES-2026-00042.xlsx` (the word in the document's language)."""
    return f"mailtrail_{t('session_proof.file_word', lang)}_{file_safe(session_id)}.{extension}"


def write_proof(proof: SessionProof, format_key: str, out: Path) -> None:
    """Write the proof as `xlsx` or `html` to `out`."""
    from pipeline.reports.session_proof.html import proof_html

    try:
        if format_key == "xlsx":
            out.write_bytes(proof_xlsx(proof))
        elif format_key == "html":
            out.write_text(proof_html(proof), encoding="utf-8")
        else:
            raise ExportError(f"unknown proof format {format_key!r}: choose xlsx or html")
    except OSError as e:
        raise ExportError(f"cannot write {out}: {e}") from e


def proof_xlsx(proof: SessionProof) -> bytes:
    """The proof as a workbook: a summary sheet (facts, counts by kind, status legend) and a
    mail sheet (one row per mail, bold frozen header with filters, real dates)."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, **SAFE_STRINGS})
    formats = {
        "title": workbook.add_format({"bold": True, "font_size": 14}),
        "header": workbook.add_format(HEADER_FORMAT),
        "date": workbook.add_format({"num_format": DATE_FORMAT, "align": "left"}),
        "muted": workbook.add_format({"font_color": "#555555"}),
        "bold": workbook.add_format({"bold": True}),
    }
    _summary_sheet(workbook, proof, formats)
    _mail_sheet(workbook, proof, formats)
    workbook.close()
    return buffer.getvalue()


def _summary_sheet(workbook: Any, proof: SessionProof, formats: dict[str, Any]) -> None:
    sheet = workbook.add_worksheet(proof.t("session_proof.summary_sheet")[:31])
    sheet.set_column(0, 0, 24)
    sheet.set_column(1, 6, 16)
    sheet.write_string(0, 0, neutralise(proof.t("session_proof.title")), formats["title"])
    sheet.write_string(1, 0, neutralise(proof.title()), formats["bold"])
    for i, line in enumerate(proof.header_lines(), start=2):
        sheet.write_string(i, 0, neutralise(line), formats["muted"])
    row = 6
    columns = ["kind", "people", "mails", "received", "opened_count", "not_received", "in_progress"]
    for c, key in enumerate(columns):
        sheet.write_string(row, c, proof.t(f"session_proof.col.{key}"), formats["header"])
    for summary in proof.summaries():
        row += 1
        sheet.write_string(row, 0, proof.kind_heading(summary.kind))
        values = (summary.people, summary.mails, summary.received, summary.opened,
                  summary.not_received, summary.in_progress)  # fmt: skip
        for c, value in enumerate(values, start=1):
            sheet.write_number(row, c, value)
    row += 2
    sheet.write_string(row, 0, proof.t("session_proof.legend_title"), formats["bold"])
    for key in STATUS_KEYS:
        row += 1
        sheet.write_string(row, 0, t(f"status.{key}", proof.lang))
        sheet.write_string(row, 1, t(f"status_meaning.{key}", proof.lang))
    sheet.write_string(row + 2, 0, proof.t("session_proof.open_note"), formats["muted"])


def _mail_sheet(workbook: Any, proof: SessionProof, formats: dict[str, Any]) -> None:
    sheet = workbook.add_worksheet(proof.t("session_proof.mail_sheet")[:31])
    for c, (key, width) in enumerate(MAIL_COLUMNS):
        sheet.set_column(c, c, width)
        sheet.write_string(0, c, proof.t(f"session_proof.col.{key}"), formats["header"])
    sheet.freeze_panes(1, 2)
    sheet.autofilter(0, 0, max(len(proof.rows), 1), len(MAIL_COLUMNS) - 1)
    for r, cells in enumerate(mail_cells(proof), start=1):
        for c, value in enumerate(cells):
            if isinstance(value, dt.datetime):
                sheet.write_datetime(r, c, value, formats["date"])
            elif value:
                sheet.write_string(r, c, neutralise(str(value)))


def mail_cells(proof: SessionProof) -> list[list[Any]]:
    """The mail sheet's rows: labels translated, times as naive local datetimes (or None)."""
    types = labels("mail_type", proof.lang)
    statuses = labels("status", proof.lang)
    categories = labels("bounce_category", proof.lang)
    out = []
    for mail in proof.rows.itertuples(index=False):
        failed = mail.status in NOT_RECEIVED
        out.append([
            proof.kind_label(_text(mail.recipient_kind)),
            _text(mail.person_name) or _text(mail.recipient_email), _text(mail.contact_id),
            _text(mail.recipient_email), types.get(_text(mail.email_type), _text(mail.email_type)),
            _text(mail.subject), _datetime(mail.requested_at), _datetime(mail.delivered_at),
            _datetime(mail.first_opened_at), statuses.get(mail.status, mail.status),
            categories.get(_text(mail.bounce_category), "") if failed else "",
            _text(mail.last_reason) if failed or mail.status == "sent" else "", mail.send_id,
        ])  # fmt: skip
    return out


def _text(value: Any) -> str:
    """'' for a missing value (None, NaN, NA), else the value as text."""
    return "" if pd.isna(value) else str(value)


def _datetime(value: Any) -> dt.datetime | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).to_pydatetime()


def _kinds_in(rows: pd.DataFrame) -> list[str]:
    present = set(rows["recipient_kind"].fillna(""))
    return [k for k in RECIPIENT_KINDS if k in present] + sorted(present - set(RECIPIENT_KINDS))
