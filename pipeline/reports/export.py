"""Exports of a slice of `email_history`: CSV for French Excel, RFC 4180 CSV, XLSX and Parquet.

An export holds the whole slice that a MailFilter selects (and, from the Explore page, the
grid's own header filters): the contract columns in contract order, oldest mail first. DuckDB
streams CSV and Parquet with COPY; XLSX is written from batches of rows
(pipeline.reports.export_xlsx). In CSV and XLSX, text that a spreadsheet would run as a formula is
neutralised in SQL. A file is written beside its destination and renamed into place, so a failed
export leaves nothing behind. This module runs queries and writes files; it never imports Streamlit.
"""

from __future__ import annotations

import os
import shlex
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import duckdb

from pipeline.errors import ExportError
from pipeline.filters.grid_query import GridQuery
from pipeline.filters.mail_filter import MailFilter
from pipeline.i18n import labels, t
from pipeline.queries.history import mail_condition
from pipeline.reports.export_xlsx import DATE_FORMAT, DATE_FORMATS, XLSX_MAX_ROWS, write_mails_xlsx

ColumnKind = Literal["text", "time", "number", "boolean"]

#: The data contract's `email_history` columns, in contract order, with what each holds.
CONTRACT_COLUMNS: tuple[tuple[str, ColumnKind], ...] = (
    ("send_id", "text"),
    ("provider", "text"),
    ("provider_message_id", "text"),
    ("requested_at", "time"),
    ("session_id", "text"),
    ("session_name", "text"),
    ("opportunity_id", "text"),
    ("email_type", "text"),
    ("sender_email", "text"),
    ("recipient_email", "text"),
    ("recipient_domain", "text"),
    ("recipient_name", "text"),
    ("recipient_kind", "text"),
    ("contact_id", "text"),
    ("subject", "text"),
    ("attachment_count", "number"),
    ("status", "text"),
    ("status_at", "time"),
    ("delivered_at", "time"),
    ("first_opened_at", "time"),
    ("open_count", "number"),
    ("machine_open_count", "number"),
    ("click_count", "number"),
    ("complained", "boolean"),
    ("unsubscribed", "boolean"),
    ("last_reason", "text"),
    ("smtp_code", "text"),
    ("bounce_category", "text"),
    ("has_send_log", "boolean"),
)
#: Formats people open in a spreadsheet: they may be labelled, with headers and values in words
#: of the page's language instead of the data contract's names and codes.
LABELLED_FORMATS: tuple[str, ...] = ("csv-excel", "xlsx")
#: The label table (pipeline/i18n) of each column that holds a code.
_CODE_LABELS = {
    "provider": "provider",
    "email_type": "mail_type",
    "recipient_kind": "recipient_kind",
    "status": "status",
    "bounce_category": "bounce_category",
}
#: Oldest mail first. Qualified, because a bare `requested_at` in ORDER BY would name the select's
#: output column — in CSV the formatted text, which sorts 01/04/2026 before 02/01/2026.
EXPORT_ORDER = "mail.requested_at NULLS LAST, mail.send_id"
#: What DuckDB may hold in memory during an export when bound_memory() is used; beyond it the
#: sort spills to a temporary folder.
EXPORT_MEMORY_LIMIT = "1GB"

#: First characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection").
FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
_INERT_SQL = (
    "CASE WHEN left({c}, 1) IN ('=', '+', '-', '@', chr(9), chr(13)) THEN '''' || {c} ELSE {c} END"
)
_EXCEL_TIME = "%d/%m/%Y %H:%M:%S"  # local time, as French Excel reads a date
_ISO_TIME = "%Y-%m-%dT%H:%M:%S%z"  # ISO 8601 with the offset: 2026-03-01T14:05:00+01
_BOM = "\ufeff"


@dataclass(frozen=True)
class ExportFormat:
    """One export format: its CLI name, file extension, MIME type and what it is for."""

    key: str
    extension: str
    mime: str
    description: str


FORMATS: dict[str, ExportFormat] = {
    f.key: f
    for f in (
        ExportFormat(
            "csv-excel",
            "csv",
            "text/csv",
            "CSV for French Excel: UTF-8 with BOM, ';' separator, CRLF, local dd/mm/yyyy times",
        ),
        ExportFormat(
            "csv", "csv", "text/csv", "RFC 4180 CSV: UTF-8, ',' separator, CRLF, ISO 8601 times"
        ),
        ExportFormat(
            "xlsx",
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "Excel workbook: real dates, bold frozen header with filters",
        ),
        ExportFormat(
            "parquet",
            "parquet",
            "application/vnd.apache.parquet",
            "Parquet: typed columns, times in UTC, nothing altered",
        ),
    )
}


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote."""

    path: Path
    format: ExportFormat
    rows: int
    size_bytes: int


def export_file_name(mail_filter: MailFilter, format_key: str) -> str:
    """`mailtrail_undeliverable_2026-03-01_2026-03-31.csv`: the file name says what it holds;
    the CSV for Excel ends in `_excel.csv`, so that the two CSV files of a slice differ."""
    flavour = "_excel" if format_key == "csv-excel" else ""
    return f"mailtrail_{mail_filter.slug()}{flavour}.{export_format(format_key).extension}"


def export_format(format_key: str) -> ExportFormat:
    """The format named `format_key` (csv, csv-excel, xlsx, parquet)."""
    try:
        return FORMATS[format_key]
    except KeyError:
        raise ExportError(
            f"unknown export format {format_key!r}: choose one of {', '.join(FORMATS)}"
        ) from None


def export_mails(
    con: duckdb.DuckDBPyConnection,
    mail_filter: MailFilter,
    format_key: str,
    out: Path | str,
    *,
    grid: GridQuery | None = None,
    lang: str | None = None,
) -> ExportResult:
    """Write every mail of the slice to `out` in the format `format_key`; return what was written.

    `grid` adds the grid's own header filters, so that the file holds what the grid counts.
    `lang` labels a spreadsheet format (LABELLED_FORMATS): headers, codes and yes/no in that
    language, dates as its Excel shows them; without it, the data contract's names and codes.
    Raises ExportError when no mail matches, when the slice is too large for the format, or
    when the file cannot be written. Times are in the connection's TimeZone (CSV, XLSX).
    """
    spec = export_format(format_key)
    if lang is not None and format_key not in LABELLED_FORMATS:
        raise ExportError(
            f"only {' and '.join(LABELLED_FORMATS)} exports can be labelled; "
            f"{format_key} keeps the data contract's names and codes"
        )
    out = Path(out)
    where, params = mail_condition(mail_filter, grid)
    try:
        rows = _count(con, where, params)
    except duckdb.Error as e:
        raise ExportError(f"cannot read the mails to export: {e}") from e
    if rows == 0:
        raise ExportError("no mail matches these filters: nothing to export")
    if spec.key == "xlsx" and rows > XLSX_MAX_ROWS:
        raise ExportError(
            f"{rows:,} mails do not fit in an Excel sheet (at most {XLSX_MAX_ROWS:,} rows): "
            "narrow the filters, or export as CSV or Parquet"
        )
    partial = _partial_path(out)
    try:
        _write(con, spec.key, where, params, partial, rows, lang)
        os.replace(partial, out)
    except (duckdb.Error, OSError) as e:
        raise ExportError(f"cannot write {out}: {e}") from e
    finally:
        partial.unlink(missing_ok=True)
    return ExportResult(out, spec, rows, out.stat().st_size)


def export_command(
    mail_filter: MailFilter, format_key: str, out: str | None = None, db: Path | None = None
) -> str:
    """The CLI command that writes the same export (the grid's header filters aside)."""
    args = ["python", "-m", "pipeline", "export", "--format", format_key]
    if db is not None:
        args += ["--db", str(db)]
    for name, value in mail_filter.to_query_params().items():
        option = _CLI_OPTIONS.get(name)
        if option is None:
            continue
        if name in _CLI_FLAGS:
            args.append(_CLI_FLAGS[name][value == "1"])
        elif name in _CLI_REPEATED:
            for item in value.split(","):
                args += [option, item]
        else:
            args += [option, value]
    args += ["--out", out or export_file_name(mail_filter, format_key)]
    return shlex.join(args)


# URL parameter → CLI option (pipeline/cli.py `export`).
_CLI_OPTIONS = {
    "start": "--start", "end": "--end", "status": "--status", "type": "--type",
    "kind": "--kind", "provider": "--provider", "domain": "--domain", "category": "--category",
    "session": "--session", "contact": "--contact", "opportunity": "--opportunity",
    "to": "--to", "q": "--text", "complained": "--complained", "unsubscribed": "--unsubscribed",
    "send_log": "--send-log",
}  # fmt: skip
_CLI_REPEATED = {"status", "type", "kind", "provider", "domain", "category"}
_CLI_FLAGS = {
    "complained": {True: "--complained", False: "--not-complained"},
    "unsubscribed": {True: "--unsubscribed", False: "--not-unsubscribed"},
    "send_log": {True: "--send-log", False: "--no-send-log"},
}


def bound_memory(
    con: duckdb.DuckDBPyConnection, limit: str = EXPORT_MEMORY_LIMIT, spill_dir: Path | None = None
) -> None:
    """Cap the memory of `con`'s database instance, spilling to `spill_dir` (default: a folder
    in the system's temporary folder) beyond it, so that an export's memory stays flat whatever
    the slice. It is a setting of the whole instance: for processes that own their connection,
    such as the command line."""
    folder = spill_dir or Path(tempfile.gettempdir()) / "mailtrail-duckdb-spill"
    con.execute("SET temp_directory = ?", [str(folder)])
    con.execute("SET memory_limit = ?", [limit])


def select_sql(format_key: str, where: str, lang: str | None = None) -> str:
    """The SELECT that produces the export's columns for `format_key` (values still to bind),
    labelled in `lang` when given (see export_mails)."""
    style = {"csv-excel": _EXCEL_TIME, "csv": _ISO_TIME}.get(format_key)
    headers = export_headers(format_key, lang)
    columns = []
    for index, (name, kind) in enumerate(CONTRACT_COLUMNS):
        expr = f"mail.{name}"
        if lang is not None and name in _CODE_LABELS:
            expr = _labelled(expr, labels(_CODE_LABELS[name], lang))
        if kind == "text" and format_key != "parquet":
            expr = _INERT_SQL.format(c=expr)
        elif kind == "time" and style:
            expr = f"strftime({expr}, '{style}')"
        elif kind == "time" and format_key == "xlsx":
            expr = f"CAST({expr} AS TIMESTAMP)"  # local wall-clock time, as Excel has no zones
        elif kind == "boolean" and lang is not None and format_key == "csv-excel":
            yes, no = _sql_text(t("export.yes", lang)), _sql_text(t("export.no", lang))
            expr = f"CASE WHEN {expr} THEN {yes} WHEN NOT {expr} THEN {no} END"
        alias = (
            _BOM + headers[index] if format_key == "csv-excel" and index == 0 else headers[index]
        )
        columns.append(f"{expr} AS {_sql_name(alias)}")
    # `mails`, not email_history: the filter's condition may use its prepared search columns.
    return f"SELECT {', '.join(columns)} FROM mails AS mail WHERE {where} ORDER BY {EXPORT_ORDER}"


def export_headers(format_key: str, lang: str | None = None) -> list[str]:
    """The header row: the contract's column names, or their labels in `lang` for a labelled
    CSV for Excel (an XLSX sheet keeps the names in its query and writes the labels itself)."""
    if lang is None or format_key != "csv-excel":
        return [name for name, _ in CONTRACT_COLUMNS]
    return column_labels(lang)


def column_labels(lang: str) -> list[str]:
    """Each contract column's header in `lang`, in contract order."""
    return [t(f"export.column.{name}", lang) for name, _ in CONTRACT_COLUMNS]


def _labelled(expr: str, words: dict[str, str]) -> str:
    """The code in `expr` as its word (`sent` → `Envoyé`); a code without a word stays as is."""
    whens = " ".join(
        f"WHEN {_sql_text(code)} THEN {_sql_text(word)}" for code, word in words.items()
    )
    return f"CASE {expr} {whens} ELSE {expr} END"


def _sql_text(text: str) -> str:
    """A SQL string literal of our own label text."""
    return "'" + text.replace("'", "''") + "'"


def _sql_name(name: str) -> str:
    """A SQL identifier for a column header (labels hold spaces and apostrophes)."""
    return '"' + name.replace('"', '""') + '"'


def neutralise(text: str) -> str:
    """The text as the SQL above makes it: prefixed with ' when it could start a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _count(con: duckdb.DuckDBPyConnection, where: str, params: list[Any]) -> int:
    rows = con.execute(f"SELECT count(*) FROM mails WHERE {where}", params).fetchall()
    return int(rows[0][0])


def _write(
    con: duckdb.DuckDBPyConnection,
    format_key: str,
    where: str,
    params: list[Any],
    path: Path,
    rows: int,
    lang: str | None,
) -> None:
    sql = select_sql(format_key, where, lang)
    if format_key == "xlsx":
        headers = column_labels(lang) if lang else None
        date_format = DATE_FORMATS[lang] if lang else DATE_FORMAT
        write_mails_xlsx(
            con, sql, params, CONTRACT_COLUMNS, rows, path, headers=headers, date_format=date_format
        )
        return
    csv = "FORMAT csv, HEADER, QUOTE '\"', ESCAPE '\"', NEW_LINE '\\r\\n', DELIMITER "
    options = {
        "csv-excel": csv + "';'",
        "csv": csv + "','",
        "parquet": "FORMAT parquet, COMPRESSION zstd",
    }[format_key]
    con.execute(f"COPY ({sql}) TO ? ({options})", [*params, str(path)])


def _partial_path(out: Path) -> Path:
    """Where the file is written before it is renamed to `out`; checks the folder first."""
    folder = out.parent if str(out.parent) else Path(".")
    if out.is_dir():
        raise ExportError(f"cannot write {out}: it is a folder; give a file name")
    if not folder.is_dir():
        raise ExportError(f"cannot write {out}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise ExportError(f"cannot write {out}: the folder {folder} is not writable")
    return folder / f".{out.name}.{os.getpid()}.partial"
