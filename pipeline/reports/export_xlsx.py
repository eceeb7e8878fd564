"""Excel workbooks for exports: DuckDB writes the sheet's rows as XML, xlsxwriter the rest.

xlsxwriter makes the workbook around the rows (styles, the bold frozen header with its filter,
column widths); one set-based query turns every mail into its `<row>` of inline-string, number,
boolean and date cells, and the rows are streamed into the sheet a batch at a time, so memory stays
flat whatever the slice. (xlsxwriter's own cell-by-cell writing managed about 5,000 rows per CPU
second; it also reads a text shaped like `<r>…</r>` as raw rich-text XML.) Text is always a string
cell, escaped as Excel escapes it — never a formula, number or link. No Streamlit here.
"""

from __future__ import annotations

import io
import re
import shutil
import struct
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import xlsxwriter
from xlsxwriter.exceptions import XlsxWriterException
from xlsxwriter.utility import xl_col_to_name

XLSX_MAX_ROWS = 1_048_575  # an Excel sheet holds 1,048,576 rows, one of them the header
BATCH_ROWS = 10_000
DATE_FORMAT = "yyyy-mm-dd hh:mm:ss"
#: Dates as each language's Excel users write them (a sheet in codes keeps DATE_FORMAT).
DATE_FORMATS = {"fr": "dd/mm/yyyy hh:mm:ss", "en": DATE_FORMAT}
#: Never turn a string into a formula, a number or a hyperlink.
SAFE_STRINGS = {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}
HEADER_FORMAT = {"bold": True, "bg_color": "#E8EEF4", "bottom": 1, "text_wrap": False}
SHEET_XML = "xl/worksheets/sheet1.xml"
#: zlib level of the sheet: 1 deflates the XML twice as fast as xlsxwriter's 6, for a file
#: about a quarter larger.
SHEET_COMPRESSION = 1

_KIND_WIDTHS = {"text": 18, "time": 19, "number": 11, "boolean": 11}
_WIDTHS = {
    "send_id": 38, "provider": 10, "provider_message_id": 34, "session_id": 16,
    "session_name": 45, "opportunity_id": 14, "email_type": 24, "sender_email": 30,
    "recipient_email": 32, "recipient_domain": 22, "recipient_name": 24, "recipient_kind": 13,
    "contact_id": 13, "subject": 55, "attachment_count": 16, "status": 14, "open_count": 11,
    "machine_open_count": 19, "click_count": 11, "last_reason": 55, "smtp_code": 10,
    "bounce_category": 22, "has_send_log": 13,
}  # fmt: skip

# Text as Excel stores it (xlsxwriter's rules): a literal `_xHHHH_` gets its `_` escaped, control
# characters other than tab and newline become `_xHHHH_`, and text beyond Excel's 32,767 UTF-16
# units is cut. Rare, so only the texts the pattern finds go through the slow expression.
_STRING_MAX = 32_767
_NEEDS_FIXING = r"[\x00-\x08\x0b-\x1f\x{FFFE}\x{FFFF}]|_x[0-9a-fA-F]{4}_"
_FIXED_TEXT = (
    "array_to_string(list_transform(string_split(regexp_replace({cut}, "
    r"'(_x[0-9a-fA-F]{{4}}_)', '_x005F\1', 'g'), ''), lambda ch: CASE WHEN ord(ch) < 32 "
    "AND ord(ch) NOT IN (9, 10) OR ord(ch) IN (65534, 65535) THEN printf('_x%04X_', ord(ch)) "
    "ELSE ch END), '')"
)
# The longest prefix within the limit, a character beyond U+FFFF taking two units: with p(i) the
# position of the i-th such character, it has max-k characters for the first k with p(k+1)+k > max.
_ASTRAL_POSITIONS = (
    "list_filter(list_transform(string_split(left({c}, {max}), ''), lambda ch, i: "
    "CASE WHEN ord(ch) > 65535 THEN i END), lambda i: i IS NOT NULL)"
)
_CUT_TEXT = (
    "CASE WHEN length({c}) <= 16383 THEN {c} ELSE left({c}, {max} - coalesce(list_position("
    "list_transform({p}, lambda p, i: p + i - 1 > {max}), true) - 1, len({p}))) END"
)
_WHITESPACE = r"[\t\n \x{85}\p{Z}]"  # leading or trailing, it must be marked to be kept
_COPY_CHUNK = 1 << 18


def column_width(name: str, kind: str) -> int:
    """A readable width for a column: long for subjects and reasons, wide enough for its name."""
    return max(_WIDTHS.get(name, _KIND_WIDTHS.get(kind, 16)), min(len(name) + 2, 40))


def write_mails_xlsx(
    con: duckdb.DuckDBPyConnection,
    select: str,
    params: Sequence[Any],
    columns: Sequence[tuple[str, str]],
    rows: int,
    path: Path,
    sheet_name: str = "mails",
    *,
    headers: Sequence[str] | None = None,
    date_format: str = DATE_FORMAT,
) -> int:
    """Write the rows of `select` (an ordered query whose output `columns` are (name, kind)
    pairs, `rows` of them) to a new workbook at `path`; return how many rows were written.
    `headers` are the header row's texts (default: the column names).

    Times must arrive as local TIMESTAMPs (Excel has no time zones), text already neutralised
    against formulas."""
    skeleton, date_style = workbook_skeleton(
        columns, rows, sheet_name, headers=headers, date_format=date_format
    )
    sql = sheet_rows_sql(select, columns, date_style)
    batches = con.sql(sql, params=list(params)).to_arrow_reader(BATCH_ROWS)
    return _assemble(skeleton, batches, rows, len(columns), path)


def workbook_skeleton(
    columns: Sequence[tuple[str, str]],
    rows: int,
    sheet_name: str = "mails",
    *,
    headers: Sequence[str] | None = None,
    date_format: str = DATE_FORMAT,
) -> tuple[bytes, int]:
    """A workbook holding only the header row, sized and filtered for `rows` data rows, and the
    style index of its date cells."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, **SAFE_STRINGS})
    sheet = workbook.add_worksheet(sheet_name)
    header = workbook.add_format(HEADER_FORMAT)
    date = workbook.add_format({"num_format": date_format, "align": "left"})
    texts = headers or [name for name, _ in columns]
    for index, ((name, kind), text) in enumerate(zip(columns, texts, strict=True)):
        # The time columns carry the date format, so that styles.xml holds it.
        width = max(column_width(name, kind), min(len(text) + 2, 40))
        sheet.set_column(index, index, width, date if kind == "time" else None)
        sheet.write_string(0, index, text, header)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(rows, 1), len(columns) - 1)
    try:
        workbook.close()
    except XlsxWriterException as e:
        raise OSError(f"cannot build the workbook: {e}") from e
    return buffer.getvalue(), int(date.xf_index)


def sheet_rows_sql(select: str, columns: Sequence[tuple[str, str]], date_style: int) -> str:
    """The query that turns each row of `select`, in its order, into its sheet `<row>` (row 2
    onwards); NULL values leave their cell out."""
    fixed = ", ".join(
        f"CASE WHEN {_text_to_fix(q)} THEN {_FIXED_TEXT.format(cut=_cut(q))} ELSE {q} END AS {q}"
        for q in (_quoted(name) for name, kind in columns if kind == "text")
    )
    cells = ", ".join(
        _cell(xl_col_to_name(index), _quoted(name), kind, date_style)
        for index, (name, kind) in enumerate(columns)
    )
    # row_number() OVER () numbers the rows in the order `select` returns them (DuckDB keeps
    # that order through a window with an empty OVER and a projection), and the XML is built
    # after the sort: sorting the rows as XML would move three times the bytes.
    replace = f" REPLACE ({fixed})" if fixed else ""
    return (
        f"SELECT concat('<row r=\"', sheet_row, '\">', {cells}, '</row>') AS row_xml FROM ("
        f"SELECT *{replace}, CAST(row_number() OVER () + 1 AS VARCHAR) AS sheet_row "
        f"FROM ({select}))"
    )


def _cell(column: str, value: str, kind: str, date_style: int) -> str:
    """One cell's XML, NULL when the value is (concat() then leaves it out)."""
    ref = f"'<c r=\"{column}' || sheet_row || '\""
    if kind == "text":
        space = (
            f"CASE WHEN regexp_matches({value}, '^{_WHITESPACE}|{_WHITESPACE}$') "
            "THEN ' xml:space=\"preserve\"' ELSE '' END"
        )
        escaped = f"replace(replace(replace({value}, '&', '&amp;'), '<', '&lt;'), '>', '&gt;')"
        return f"{ref} t=\"inlineStr\"><is><t' || {space} || '>' || {escaped} || '</t></is></c>'"
    if kind == "number":
        return f"{ref}><v>' || {value} || '</v></c>'"
    if kind == "boolean":
        return f"{ref} t=\"b\"><v>' || CAST({value} AS INTEGER) || '</v></c>'"
    if kind == "time":
        return f"{ref} s=\"{date_style}\"><v>' || {_excel_serial(value)} || '</v></c>'"
    raise ValueError(f"unknown column kind {kind!r}")


def _excel_serial(value: str) -> str:
    """Excel's date serial of a TIMESTAMP: days since 1899-12-30 plus the fraction of the day,
    summed as xlsxwriter sums them (whole days + microseconds / 86,400,000,000)."""
    us = f"epoch_us({value})"
    return f"(({us} // 86400000000 + 25569) + ({us} % 86400000000) / 86400000000.0)"


def _text_to_fix(value: str) -> str:
    return f"(length({value}) > 16383 OR regexp_matches({value}, '{_NEEDS_FIXING}'))"


def _cut(value: str) -> str:
    positions = _ASTRAL_POSITIONS.format(c=value, max=_STRING_MAX)
    return _CUT_TEXT.format(c=value, max=_STRING_MAX, p=positions)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _assemble(
    skeleton: bytes, batches: Iterable[pa.RecordBatch], rows: int, width: int, path: Path
) -> int:
    """Copy the skeleton to `path`, with the streamed rows after its header row; return how
    many rows were written."""
    written = 0
    with (
        zipfile.ZipFile(io.BytesIO(skeleton)) as source,
        zipfile.ZipFile(
            path, "w", zipfile.ZIP_DEFLATED, allowZip64=True, compresslevel=SHEET_COMPRESSION
        ) as target,
    ):
        for member in source.infolist():
            if member.filename != SHEET_XML:
                target.writestr(member, source.read(member))
                continue
            head, tail = _split_sheet(source.read(member).decode("utf-8"), rows, width)
            # Through a temporary file, as xlsxwriter does: its size tells whether the member
            # needs ZIP64 (over 2 GiB), which zipfile must know before the first byte.
            with tempfile.TemporaryFile(dir=path.parent) as sheet:
                sheet.write(head.encode("utf-8"))
                for batch in batches:
                    sheet.write(_utf8(batch.column(0)))
                    written += batch.num_rows
                sheet.write(tail.encode("utf-8"))
                zip64 = sheet.tell() * 1.05 > zipfile.ZIP64_LIMIT
                sheet.seek(0)
                with target.open(member.filename, "w", force_zip64=zip64) as out:
                    shutil.copyfileobj(sheet, out, _COPY_CHUNK)
    return written


def _split_sheet(sheet_xml: str, rows: int, width: int) -> tuple[str, str]:
    """The skeleton's sheet XML around the place of the data rows, its dimension set to them."""
    head, found, tail = sheet_xml.partition("</sheetData>")
    if not found:
        raise OSError("cannot build the workbook: its sheet has no <sheetData>")
    last = f"{xl_col_to_name(width - 1)}{rows + 1}"
    head = re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="A1:{last}"/>', head, count=1)
    return head, found + tail


def _utf8(column: pa.Array) -> bytes | memoryview:
    """The rows' XML, concatenated: the string column's own UTF-8 bytes when it has the plain
    layout (offsets and data, no NULL), without making a Python string per row."""
    large = pa.types.is_large_string(column.type)
    if column.null_count == 0 and (large or pa.types.is_string(column.type)):
        _, offsets, data = column.buffers()
        size, fmt = (8, "<q") if large else (4, "<i")
        (start,) = struct.unpack_from(fmt, offsets, size * column.offset)
        (end,) = struct.unpack_from(fmt, offsets, size * (column.offset + len(column)))
        return memoryview(data)[start:end]
    return "".join(value or "" for value in column.to_pylist()).encode("utf-8")
