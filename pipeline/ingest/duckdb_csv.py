"""Reading a clean CSV file with DuckDB's own `read_csv`, into the same `raw_csv` table the
record-by-record Python reader (pipeline.readers.records.csv_records) builds.

Only a file DuckDB parses strictly (every record the header's width, quotes closed) whose line
numbers can be rebuilt exactly is read here: each record starts one line after the previous one
plus the newlines inside its fields, and the sum must match the file's own count of lines. Any
other file (a short or long record, a blank line, a lone carriage return, a quote DuckDB refuses)
makes `load_clean_csv` return False, and the caller reads it with the Python reader, whose
messages name the file, line and reason of every refused record.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from pipeline.readers.records import CsvLayout

# DuckDB refuses a record longer than max_line_size; the Python reader accepts 64 MiB fields.
_MAX_RECORD_BYTES = 64 * 1024 * 1024
_UTF8 = ("utf-8", "utf-8-sig", "utf8")


def load_clean_csv(
    con: duckdb.DuckDBPyConnection, path: Path, layout: CsvLayout, columns: list[str]
) -> bool:
    """Fill temp table raw_csv(line, raw, field_count, <columns> as text) from `path` with
    DuckDB's reader; False, with nothing created, when the file is not one it reads exactly."""
    if len(columns) < 2:
        return False  # the Python reader skips a whitespace-only record of a one-column file
    # Decoded as the Python reader decodes it, undecodable bytes replaced alike.
    text = path.read_bytes().decode(layout.encoding, errors="replace")
    if text.count("\r") != text.count("\r\n"):
        return False  # a lone CR ends a line for the Python reader, not for the newline count
    lines_in_file = text.count("\n") + (0 if text.endswith("\n") else 1)
    # The strict read runs in a private in-memory database: a file it refuses must not abort
    # the transaction the file is being ingested in.
    with (
        contextlib.closing(duckdb.connect()) as scratch,
        _utf8_source(path, layout, text) as source,
    ):
        try:
            _read_fields(scratch, source, layout.delimiter, columns)
        except duckdb.Error:
            return False
        spans = _record_spans(scratch, columns)
        if len(spans) == 0 or 1 + int(spans.sum()) != lines_in_file:
            return False
        starts = 2 + np.concatenate(([0], np.cumsum(spans)[:-1]))
        records = _numbered_records(scratch, _record_texts(text, starts, spans), starts, columns)
    con.register("clean_csv_records", records)
    try:
        con.execute("CREATE TEMP TABLE raw_csv AS SELECT * FROM clean_csv_records")
    finally:
        con.unregister("clean_csv_records")
    return True


@contextlib.contextmanager
def _utf8_source(path: Path, layout: CsvLayout, text: str) -> Iterator[Path]:
    """The file itself when it is UTF-8, else a UTF-8 copy of its text (DuckDB reads no
    Windows-1252), removed afterwards."""
    if layout.encoding.lower() in _UTF8:
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="mailtrail-csv-") as folder:
        copy = Path(folder) / "utf8.csv"
        copy.write_text(text, encoding="utf-8", newline="")
        yield copy


def _read_fields(
    con: duckdb.DuckDBPyConnection, source: Path, delimiter: str, columns: list[str]
) -> None:
    """csv_fields: the records' fields, in file order, every column text; raises on any record
    that is not exactly the header's width or not well quoted."""
    declared = "{" + ", ".join(f"'{_quoted_key(c)}': 'VARCHAR'" for c in columns) + "}"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE csv_fields AS
        SELECT * FROM read_csv(?, columns = {declared}, header = true, auto_detect = false,
                               delim = ?, quote = '"', escape = '"', strict_mode = true,
                               null_padding = false, max_line_size = {_MAX_RECORD_BYTES},
                               buffer_size = {2 * _MAX_RECORD_BYTES})
        """,
        [str(source), delimiter],
    )


def _record_spans(con: duckdb.DuckDBPyConnection, columns: list[str]) -> np.ndarray:
    """How many lines each record takes: one, plus the newlines inside its fields."""
    inner = " + ".join(
        f"length(COALESCE({_ident(c)}, '')) - length(replace(COALESCE({_ident(c)}, ''), "
        "chr(10), ''))"
        for c in columns
    )
    spans = con.execute(f"SELECT 1 + {inner} AS span FROM csv_fields ORDER BY rowid").fetchnumpy()
    return np.asarray(spans["span"], dtype=np.int64)


def _record_texts(text: str, starts: np.ndarray, spans: np.ndarray) -> list[str]:
    """Each record's text as the Python reader keeps it: its lines, line ends inside kept."""
    lines = text.split("\n")
    return [
        "\n".join(lines[start - 1 : start - 1 + span]).rstrip("\r\n")
        for start, span in zip(starts.tolist(), spans.tolist(), strict=True)
    ]


def _numbered_records(
    scratch: duckdb.DuckDBPyConnection,
    raws: list[str],
    starts: np.ndarray,
    columns: list[str],
) -> pa.Table:
    """raw_csv's rows: each record's line, text and fields, in file order."""
    numbered = pa.table({"line": pa.array(starts, pa.int64()), "raw": pa.array(raws, pa.string())})
    # An empty field is '' for the Python reader; DuckDB reads an unquoted one as NULL.
    fields = ", ".join(f"COALESCE(f.{_ident(c)}, '') AS {_ident(c)}" for c in columns)
    scratch.register("csv_numbered", numbered)
    return scratch.sql(
        f"""
        SELECT n.line, n.raw, CAST({len(columns)} AS INTEGER) AS field_count, {fields}
        FROM (SELECT * FROM csv_fields ORDER BY rowid) AS f
        POSITIONAL JOIN csv_numbered AS n
        """
    ).to_arrow_table()


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _quoted_key(name: str) -> str:
    return name.replace("'", "''")
