"""Excel workbooks for exports: xlsxwriter in constant-memory mode, rows streamed in batches.

Text is always written with `write_string` (never read as a formula, number or link), times as
real Excel dates, numbers and booleans as such. The header row is bold, frozen and carries the
autofilter. Memory stays flat whatever the slice: xlsxwriter flushes each row as it goes and
rows arrive from DuckDB a batch at a time. No Streamlit here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import duckdb
import xlsxwriter
from xlsxwriter.exceptions import XlsxWriterException
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

XLSX_MAX_ROWS = 1_048_575  # an Excel sheet holds 1,048,576 rows, one of them the header
BATCH_ROWS = 10_000
DATE_FORMAT = "yyyy-mm-dd hh:mm:ss"
#: Never turn a string into a formula, a number or a hyperlink.
SAFE_STRINGS = {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}
HEADER_FORMAT = {"bold": True, "bg_color": "#E8EEF4", "bottom": 1, "text_wrap": False}

_KIND_WIDTHS = {"text": 18, "time": 19, "number": 11, "boolean": 11}
_WIDTHS = {
    "send_id": 38, "provider": 10, "provider_message_id": 34, "session_id": 16,
    "session_name": 45, "opportunity_id": 14, "email_type": 24, "sender_email": 30,
    "recipient_email": 32, "recipient_domain": 22, "recipient_name": 24, "recipient_kind": 13,
    "contact_id": 13, "subject": 55, "attachment_count": 16, "status": 14, "open_count": 11,
    "machine_open_count": 19, "click_count": 11, "last_reason": 55, "smtp_code": 10,
    "bounce_category": 22, "has_send_log": 13,
}  # fmt: skip

Writer = Callable[[int, int, Any, Any], Any]


def column_width(name: str, kind: str) -> int:
    """A readable width for a column: long for subjects and reasons, wide enough for its name."""
    return max(_WIDTHS.get(name, _KIND_WIDTHS.get(kind, 16)), min(len(name) + 2, 40))


def write_mails_xlsx(
    result: duckdb.DuckDBPyRelation,
    columns: Sequence[tuple[str, str]],
    rows: int,
    path: Path,
    sheet_name: str = "mails",
) -> None:
    """Write the rows of a query (`columns` = its (name, kind) pairs, `rows` = how many it
    returns) to a new workbook at `path`, reading them a batch at a time."""
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True, **SAFE_STRINGS})
    try:
        sheet = workbook.add_worksheet(sheet_name)
        header = workbook.add_format(HEADER_FORMAT)
        for index, (name, kind) in enumerate(columns):
            sheet.set_column(index, index, column_width(name, kind))
            sheet.write_string(0, index, name, header)
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, max(rows, 1), len(columns) - 1)
        writers = cell_writers(workbook, sheet, [kind for _, kind in columns])
        _write_batches(result.to_arrow_reader(BATCH_ROWS), writers)
    finally:
        _close(workbook, path)


def cell_writers(
    workbook: Workbook, sheet: Worksheet, kinds: Sequence[str]
) -> list[tuple[Writer, Any]]:
    """For each column kind, the typed xlsxwriter method and the cell format to call it with."""
    date = workbook.add_format({"num_format": DATE_FORMAT, "align": "left"})
    by_kind: dict[str, tuple[Writer, Any]] = {
        "text": (sheet.write_string, None),
        "time": (sheet.write_datetime, date),
        "number": (sheet.write_number, None),
        "boolean": (sheet.write_boolean, None),
    }
    return [by_kind[kind] for kind in kinds]


def _write_batches(batches: Any, writers: list[tuple[Writer, Any]]) -> None:
    row = 1
    for batch in batches:
        values = [column.to_pylist() for column in batch.columns]
        for i in range(batch.num_rows):
            for col, (write, cell_format) in enumerate(writers):
                value = values[col][i]
                if value is not None:
                    write(row, col, value, cell_format)
            row += 1


def _close(workbook: Workbook, path: Path) -> None:
    try:
        workbook.close()
    except XlsxWriterException as e:
        raise OSError(f"cannot write {path}: {e}") from e
