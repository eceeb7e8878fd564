"""Exports of many mails: every format lists them oldest first, none keeps a Python copy of the
slice (no DataFrame, no fetched rows), and the XLSX sheet that DuckDB writes holds exactly the
cells xlsxwriter would write for the same values."""

from __future__ import annotations

import datetime as dt
import re
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import duckdb
import openpyxl
import pytest
import xlsxwriter

from pipeline.filters.mail_filter import MailFilter
from pipeline.reports.export import CONTRACT_COLUMNS, FORMATS, export_mails, select_sql
from pipeline.reports.export_xlsx import DATE_FORMAT, SAFE_STRINGS
from tests.history_rows import create_history, synthetic_history
from tests.test_export import read_rows
from ui.explore.export import export_bytes

ORDER = "SELECT send_id FROM email_history ORDER BY requested_at NULLS LAST, send_id"
# Send times over about a year, many at the same second, some unknown; ids in another order.
MANY_MAILS = """
INSERT INTO email_history (send_id, provider, requested_at, recipient_email, subject, status,
    attachment_count, open_count, machine_open_count, click_count, complained, unsubscribed,
    has_send_log)
SELECT printf('M-%07d', (i * 7919) % $n), 'brevo',
    CASE WHEN i % 997 <> 0 THEN TIMESTAMPTZ '2026-01-01 00:00:00+00'
        + to_seconds(CAST(hash(i) % 200000 AS BIGINT) * 157) END,
    'm' || i || '@exemple.fr', 'Convocation n° ' || i, 'delivered', 0, i % 3, 0, 0,
    false, false, true
FROM range($n) AS r(i)
"""
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def many_mails(n: int, threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """A store of `n` mails made in SQL, sent in no particular order (many at the same second,
    some at no known time), as an analyst's connection in Paris time."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'Europe/Paris'")
    if threads:
        con.execute("SET threads = ?", [threads])
    create_history(con, [])
    con.execute(MANY_MAILS, {"n": n})
    return con


def oldest_first(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [send_id for (send_id,) in con.execute(ORDER).fetchall()]


def sheet_send_ids(path: Path) -> list[str]:
    """Column A of the sheet, read from its XML (faster than a reader for many rows)."""
    sheet = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    return re.findall(r'<c r="A\d+" t="inlineStr"><is><t>([^<]*)</t>', sheet)


@pytest.mark.parametrize("format_key", list(FORMATS))
def test_every_format_lists_the_mails_oldest_first(tmp_path: Path, format_key: str) -> None:
    # (CSV once sorted its formatted dd/mm/yyyy text: a bare `requested_at` in ORDER BY named
    # the output column.)
    con = many_mails(3000)
    path = tmp_path / f"x.{FORMATS[format_key].extension}"
    rows = read_rows(export_mails(con, MailFilter(), format_key, path).path, format_key)
    assert [str(r["send_id"]).lstrip("\ufeff") for r in rows] == oldest_first(con)


@pytest.mark.slow
def test_a_large_xlsx_keeps_that_order_across_duckdb_threads(tmp_path: Path) -> None:
    # Three of DuckDB's row groups, four threads: the sheet rows are numbered after the sort.
    con = many_mails(300_000, threads=4)
    result = export_mails(con, MailFilter(), "xlsx", tmp_path / "x.xlsx")
    assert result.rows == 300_000
    assert sheet_send_ids(result.path) == oldest_first(con)
    sheet = zipfile.ZipFile(result.path).read("xl/worksheets/sheet1.xml").decode()
    numbers = [int(n) for n in re.findall(r'<row r="(\d+)"', sheet)]
    assert numbers == list(range(1, 300_002))
    assert '<dimension ref="A1:AC300001"/>' in sheet


def python_peak(work: Callable[[], object]) -> int:
    """The most memory Python objects held at once during `work` (bytes)."""
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("format_key", list(FORMATS))
def test_an_export_never_holds_the_slice_as_python_objects(tmp_path, format_key) -> None:
    # No DataFrame, no fetchall(), no list per column: DuckDB writes CSV and Parquet itself and
    # the XLSX rows as XML; Python only moves that XML along, a batch at a time, as bytes.
    con = many_mails(40_000)
    as_rows = python_peak(lambda: con.execute(select_sql(format_key, "TRUE")).fetchall())
    path = tmp_path / f"x.{FORMATS[format_key].extension}"
    exporting = python_peak(lambda: export_mails(con, MailFilter(), format_key, path))
    assert as_rows > 20_000_000
    assert exporting < as_rows / 10, (exporting, as_rows)


class _OneCursor:
    """A SnapshotReader over one connection, as the Explore page's download uses it."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def cursor(self, snapshot: str) -> Any:
        return self.con.cursor()


def test_the_pages_download_holds_the_file_once_and_never_the_rows(tmp_path: Path) -> None:
    con = many_mails(40_000)
    built: list[bytes] = []

    def download() -> None:
        built.append(export_bytes(_OneCursor(con), "snap", MailFilter(), None, "csv"))

    peak = python_peak(download)
    assert len(built[0]) > 2_000_000
    assert peak < 1.5 * len(built[0]), (peak, len(built[0]))


# Texts that Excel stores escaped, or that need their spaces kept, or too long for a cell.
AWKWARD = [
    "a\x01b", "ab\x00cd", "\x0bstarts with a vertical tab", "cr\rinside", "_x0041_ literal",
    "_x005F_x0001_", "\ufffe\uffff", "tab\tinside", " leading space", "trailing space ",
    "ends with a no-break space\xa0", "\u2028line separator", "ends with NEL\x85",
    "line\nbreak", "a & b < c > d \" '", "", "😀 emoji", "x" * 40_000, "😀" * 20_000,
    "é" * 33_000, "=1+1",
]  # fmt: skip


def awkward_store() -> duckdb.DuckDBPyConnection:
    rows = synthetic_history(len(AWKWARD) + 3)
    for row, text in zip(rows, AWKWARD, strict=False):
        row["subject"] = row["last_reason"] = text
        row["recipient_name"] = None
        row["delivered_at"] = dt.datetime(2026, 10, 25, 0, 30, 15, 123456, tzinfo=dt.UTC)
    rows[-1]["open_count"] = rows[-2]["complained"] = rows[-3]["requested_at"] = None
    con = duckdb.connect()
    con.execute("SET TimeZone = 'Europe/Paris'")
    create_history(con, rows)
    return con


def xlsxwriter_workbook(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """The same rows written cell by cell with xlsxwriter's typed methods (the former export)."""
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True, **SAFE_STRINGS})
    sheet = workbook.add_worksheet("mails")
    date = workbook.add_format({"num_format": DATE_FORMAT, "align": "left"})
    for col, (name, _) in enumerate(CONTRACT_COLUMNS):
        sheet.write_string(0, col, name)
    write = {"text": sheet.write_string, "number": sheet.write_number,
             "boolean": sheet.write_boolean, "time": sheet.write_datetime}  # fmt: skip
    for row, values in enumerate(con.execute(select_sql("xlsx", "TRUE")).fetchall(), start=1):
        for col, ((_, kind), value) in enumerate(zip(CONTRACT_COLUMNS, values, strict=True)):
            if value is not None:
                write[kind](row, col, value, date if kind == "time" else None)
    workbook.close()


def data_cells(path: Path) -> dict[str, tuple[object, ...]]:
    """Each data cell of the first sheet: its type, value (numbers as Excel keeps 15-16 digits),
    whether its spaces are kept, and its number format."""
    book = zipfile.ZipFile(path)
    styles = ElementTree.fromstring(book.read("xl/styles.xml"))
    formats = {f.get("numFmtId"): f.get("formatCode") for f in styles.iter(f"{MAIN}numFmt")}
    xfs = [xf.get("numFmtId") for xf in styles.find(f"{MAIN}cellXfs") or []]
    sheet = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))
    cells = {}
    for row in list(sheet.iter(f"{MAIN}row"))[1:]:
        for c in row:
            number_format = formats.get(xfs[int(c.get("s", 0))])
            if c.get("t") == "inlineStr":
                (t,) = c.iter(f"{MAIN}t")
                space = t.get("{http://www.w3.org/XML/1998/namespace}space")
                cells[c.get("r")] = ("text", t.text or "", space, number_format)
            else:
                v = c.findtext(f"{MAIN}v")
                value = v if c.get("t") == "b" else float(f"{float(v):.16G}")
                cells[c.get("r")] = (c.get("t", "n"), value, None, number_format)
    return cells


def test_the_xlsx_sheet_holds_the_cells_xlsxwriter_would_write(tmp_path: Path) -> None:
    con = awkward_store()
    ours = export_mails(con, MailFilter(), "xlsx", tmp_path / "ours.xlsx").path
    xlsxwriter_workbook(con, tmp_path / "reference.xlsx")
    expected = data_cells(tmp_path / "reference.xlsx")
    assert data_cells(ours) == expected
    assert ("text", "a_x0001_b", None, None) in expected.values()  # the checks see escapes
    assert ("text", " leading space", "preserve", None) in expected.values()


def test_text_shaped_like_rich_text_xml_stays_text_in_xlsx(tmp_path: Path) -> None:
    # xlsxwriter's constant-memory mode would paste '<r>…</r>' into the sheet as raw XML.
    rows = synthetic_history(1)
    rows[0]["subject"] = "<r><t>Facture</t></r>"
    con = duckdb.connect()
    create_history(con, rows)
    path = export_mails(con, MailFilter(), "xlsx", tmp_path / "x.xlsx").path
    sheet = openpyxl.load_workbook(path).active
    header = [c.value for c in sheet[1]]
    assert sheet.cell(row=2, column=header.index("subject") + 1).value == "<r><t>Facture</t></r>"
