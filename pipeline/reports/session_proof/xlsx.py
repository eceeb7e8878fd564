"""The session proof of sending as an XLSX workbook: a summary sheet (facts, counts by kind, status
legend) and a mail sheet (one row per mail), every text neutralised against formulas.

Built from a pipeline.reports.session_proof.model.SessionProof; holds layout only. No Streamlit
here.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pandas as pd
import xlsxwriter

from pipeline.i18n import labels, t
from pipeline.reports.export import neutralise
from pipeline.reports.export_xlsx import DATE_FORMATS, HEADER_FORMAT, SAFE_STRINGS
from pipeline.reports.session_proof.model import MAIL_COLUMNS, SessionProof, text_of
from pipeline.rules.statuses import FAILED_STATUSES, STATUS_KEYS


def proof_xlsx(proof: SessionProof) -> bytes:
    """The proof as a workbook: a summary sheet (facts, counts by kind, status legend) and a
    mail sheet (one row per mail, bold frozen header with filters, real dates)."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, **SAFE_STRINGS})
    formats = {
        "title": workbook.add_format({"bold": True, "font_size": 14}),
        "header": workbook.add_format(HEADER_FORMAT),
        "date": workbook.add_format({"num_format": DATE_FORMATS[proof.lang], "align": "left"}),
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
    write_text(sheet, 1, 0, neutralise(proof.title()), formats["bold"])
    for i, line in enumerate(proof.header_lines(), start=2):
        write_text(sheet, i, 0, neutralise(line), formats["muted"])
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
                write_text(sheet, r, c, neutralise(str(value)))


def write_text(sheet: Any, row: int, col: int, text: str, cell_format: Any = None) -> None:
    """One text cell, as it reads. xlsxwriter pastes a string shaped like `<r>…</r>` into the
    workbook as raw rich-text XML (an unreadable file, or another text); written as plain
    rich-text runs instead (xlsxwriter wants three at least), it is escaped like any other text."""
    if text.startswith("<r>") and text.endswith("</r>"):
        runs = [text[:1], text[1:2], text[2:]] + ([cell_format] if cell_format else [])
        sheet.write_rich_string(row, col, *runs)
    else:
        sheet.write_string(row, col, text, cell_format)


def mail_cells(proof: SessionProof) -> list[list[Any]]:
    """The mail sheet's rows: labels translated, times as naive local datetimes (or None)."""
    types = labels("mail_type", proof.lang)
    statuses = labels("status", proof.lang)
    categories = labels("bounce_category", proof.lang)
    out = []
    for mail in proof.rows.itertuples(index=False):
        failed = mail.status in FAILED_STATUSES
        out.append([
            proof.kind_label(text_of(mail.recipient_kind)),
            text_of(mail.person_name) or text_of(mail.recipient_email), text_of(mail.contact_id),
            text_of(mail.recipient_email),
            types.get(text_of(mail.email_type), text_of(mail.email_type)),
            text_of(mail.subject), _datetime(mail.requested_at), _datetime(mail.delivered_at),
            _datetime(mail.first_opened_at), statuses.get(mail.status, mail.status),
            categories.get(text_of(mail.bounce_category), "") if failed else "",
            text_of(mail.last_reason) if failed or mail.status == "sent" else "", mail.send_id,
        ])  # fmt: skip
    return out


def _datetime(value: Any) -> dt.datetime | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).to_pydatetime()
