"""DuckDB's read_csv gives raw_csv exactly what the Python csv reader gives, or steps aside.

The Python reader (pipeline.readers.records.csv_records) is the oracle: for every committed CSV
file, the table DuckDB's path builds, when it takes the file, equals the Python reader's row for
row (line numbers, raw text, every field); files it cannot read exactly are left to Python.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from pipeline.ingest.duckdb_csv import load_clean_csv
from pipeline.readers.records import csv_columns, csv_layout, csv_records

DATA = Path(__file__).parent / "data"
CSV_FILES = sorted(DATA.rglob("*.csv"))

HEADER = "send_id;requested_at;subject;body_html\r\n"
MULTILINE = (
    HEADER
    + 's1;2026-01-02 08:00;Convocation;"<p>Bonjour,</p>\r\n<p>à bientôt</p>\r\n"\r\n'
    + 's2;2026-01-02 09:00;"Un ""titre""";\r\n'
    + 's3;2026-01-02 10:00;Évaluation;"ligne 1\nligne 2\nligne 3"\r\n'
)


def python_rows(path: Path) -> list[tuple]:
    layout = csv_layout(path)
    tables = list(csv_records(path, layout))
    if not tables:
        return []
    rows = pa.concat_tables(tables)
    # Staging drops the encoding verdict once it has refused those rows: DuckDB's path only
    # takes files that have none.
    assert rows["error_code"].null_count == len(rows)
    rows = rows.drop_columns(["error_code", "error_params"])
    return [tuple(row.values()) for row in rows.to_pylist()]


def duckdb_rows(path: Path) -> list[tuple] | None:
    """raw_csv as DuckDB's path builds it, in line order; None when it leaves the file."""
    layout = csv_layout(path)
    columns = [name.lower() for name in csv_columns(layout)]
    con = duckdb.connect()
    try:
        if not load_clean_csv(con, path, layout, columns):
            return None
        return con.execute("SELECT * FROM raw_csv ORDER BY line").fetchall()
    finally:
        con.close()


@pytest.mark.parametrize("path", CSV_FILES, ids=lambda p: str(p.relative_to(DATA)))
def test_duckdb_reads_every_committed_csv_as_the_python_reader_does(path: Path) -> None:
    fast = duckdb_rows(path)
    if fast is not None:
        assert fast == python_rows(path)


def test_most_committed_csv_files_take_duckdb_path() -> None:
    taken = [p for p in CSV_FILES if duckdb_rows(p) is not None]
    assert len(taken) >= len(CSV_FILES) // 2


def test_records_with_newlines_inside_fields_keep_their_line_numbers_and_text(
    tmp_path: Path,
) -> None:
    path = tmp_path / "envois.csv"
    path.write_bytes(MULTILINE.encode("utf-8-sig"))
    fast = duckdb_rows(path)
    assert fast is not None
    assert [row[0] for row in fast] == [2, 5, 6]
    assert fast == python_rows(path)
    assert fast[0][1].endswith('<p>à bientôt</p>\r\n"')


def test_windows_1252_file_is_read_through_a_utf8_copy(tmp_path: Path) -> None:
    path = tmp_path / "envois.csv"
    path.write_bytes(MULTILINE.replace("Convocation", "Coût € – œuvre").encode("cp1252"))
    fast = duckdb_rows(path)
    assert fast is not None
    assert fast == python_rows(path)
    assert fast[0][5] == "Coût € – œuvre"


@pytest.mark.parametrize(
    "body",
    [
        "s1;2026-01-02;short\r\n",  # a record shorter than the header
        "s1;2026-01-02;a;b;c\r\n",  # longer
        "s1;2026-01-02;a;b\r\n\r\ns2;2026-01-02;a;b\r\n",  # a blank line between records
        "s1;2026-01-02;a;b\rs2;2026-01-02;a;b\r\n",  # a lone carriage return
        's1;2026-01-02;"never closed;b\r\n',  # an unclosed quote
    ],
)
def test_files_duckdb_cannot_read_exactly_are_left_to_python(tmp_path: Path, body: str) -> None:
    path = tmp_path / "envois.csv"
    path.write_text(HEADER + body, encoding="utf-8", newline="")
    assert duckdb_rows(path) is None
