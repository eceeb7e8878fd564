"""Staging: read one file into temp tables, convert it with its reader's SQL, validate it.

After `stage_file`, the connection holds `stage_events` (provider events, normalised) or
`stage_sends` (send-log records), and `stage_rejects(line, raw, reason, reason_code,
reason_params)` for every record that could not be used: the reason as a code with JSON
parameters (pipeline.i18n.messages), produced set-based in SQL with its English text. Nothing
here touches the store's own tables.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from pipeline.errors import InputFileError
from pipeline.i18n.messages import Message, message
from pipeline.ingest.duckdb_csv import load_clean_csv
from pipeline.ingest.limits import (
    ELEMENTS_COLUMNS,
    SHOWN_FIELDS,
    cut_shown_fields,
    refuse_unreadable_rows,
)
from pipeline.ingest.validate import (
    REJECTS_COLUMNS,
    DateWindow,
    insert_rejects,
    validate_events,
    validate_sends,
)
from pipeline.readers import EVENT_COLUMNS, SEND_COLUMNS, ReaderSpec
from pipeline.readers.records import CsvLayout, csv_columns, csv_layout, csv_records, json_records
from pipeline.rules.sql_files import run_sql_file
from pipeline.settings import InputLimits

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Staged:
    """What staging found in one file."""

    records_read: int
    records_rejected: int
    unknown_events: int


def stage_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    spec: ReaderSpec,
    window: DateWindow | None = None,
    limits: InputLimits | None = None,
) -> Staged:
    """Read → convert → validate one file into the stage_* temp tables; times outside `window`
    are refused as implausible, records beyond `limits` alone."""
    limits = limits or InputLimits()
    con.execute(f"CREATE OR REPLACE TEMP TABLE stage_rejects ({REJECTS_COLUMNS})")
    _load_raw(con, path, spec, limits)
    if spec.prepare is not None:
        spec.prepare(con)
    # After prepare: a reader's prepare may refuse records it recognises as unusable.
    con.execute("INSERT INTO stage_rejects SELECT * FROM raw_rejects")
    columns = EVENT_COLUMNS if spec.kind == "events" else SEND_COLUMNS
    stage_sql = parse_fields_once(spec.stage_sql) if spec.container == "json" else spec.stage_sql
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE staged AS SELECT {', '.join(columns)} FROM ({stage_sql})"
    )
    cut_shown_fields(con, "staged", SHOWN_FIELDS[spec.kind], limits.field_chars)
    if spec.kind == "events":
        validate_events(con, window)
        run_sql_file(con, "normalize_events.sql")
        unknown = _count(con, "SELECT count(*) FROM stage_valid WHERE event IS NULL")
    else:
        validate_sends(con, window)
        unknown = 0
    read = _count(con, "SELECT count(*) FROM staged") + _count(
        con, "SELECT count(*) FROM raw_rejects"
    )
    rejected = _count(con, "SELECT count(*) FROM stage_rejects")
    log.info("%s: %d records read, %d refused", path.name, read, rejected)
    return Staged(records_read=read, records_rejected=rejected, unknown_events=unknown)


# A reader's `doc->>'name'`: one top-level field of the record, as text.
_FIELD_OF_DOC = re.compile(r"(?<![\w.])doc->>'([A-Za-z0-9_-]+)'")


def parse_fields_once(stage_sql: str) -> str:
    """The reader's query with each `doc->>'name'` read from one `json_transform` of the record
    into a struct of every field the query names: DuckDB parses a JSON value again for each
    `->>`, but computes the same `json_transform(doc, …)` once per row (common subexpression
    elimination), so the record is parsed once per query scope instead of once per field."""
    names = list(dict.fromkeys(_FIELD_OF_DOC.findall(stage_sql)))
    if not names:
        return stage_sql
    structure = json.dumps({name: "VARCHAR" for name in names})
    return _FIELD_OF_DOC.sub(
        lambda m: f"json_transform(doc, '{structure}').\"{m.group(1)}\"", stage_sql
    )


# --- reading raw records -------------------------------------------------------------------


def _load_raw(
    con: duckdb.DuckDBPyConnection, path: Path, spec: ReaderSpec, limits: InputLimits
) -> None:
    """Fill raw_docs / raw_csv / raw_rows, and raw_rejects for records unusable as such;
    raw_elements says which array element each record of a JSON array is (for its rejects)."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE raw_rejects ({REJECTS_COLUMNS})")
    con.execute(f"CREATE OR REPLACE TEMP TABLE raw_elements ({ELEMENTS_COLUMNS})")
    if spec.container == "json":
        _load_json(con, path, limits)
    elif spec.container == "csv":
        _load_csv(con, path, spec, limits)
    else:
        _load_parquet(con, path, spec)


def _load_json(con: duckdb.DuckDBPyConnection, path: Path, limits: InputLimits) -> None:
    con.execute(
        "CREATE OR REPLACE TEMP TABLE raw_json (line BIGINT, element BIGINT, raw VARCHAR, "
        "error VARCHAR, error_code VARCHAR, error_params VARCHAR)"
    )
    _append_chunks(con, "raw_json", json_records(path, limits))
    _type_json_values(con)
    _explain_invalid_json(con)
    con.execute(
        """
        INSERT INTO raw_elements
        SELECT line, md5(raw), element FROM raw_json WHERE element IS NOT NULL
        UNION ALL  -- duplicates (a document's elements are in both) are one at lookup
        SELECT line, md5(raw), element FROM raw_values WHERE element IS NOT NULL
        """
    )
    insert_rejects(
        con,
        "raw_rejects",
        """
        SELECT line, raw, {'code': 'not_an_object', 'params': json_object('found', lower(kind))}
                          AS rejection
        FROM raw_values WHERE kind <> 'OBJECT'
        """,
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE raw_docs AS "
        "SELECT line, element, raw, CAST(raw AS JSON) AS doc FROM raw_values WHERE kind = 'OBJECT'"
    )


def _type_json_values(con: duckdb.DuckDBPyConnection) -> None:
    """raw_kinds: each record the reader kept with its JSON type (NULL when it is not JSON), and
    raw_values: the records, an array's elements in its place (with their position), with their
    types.

    DuckDB parses a JSON text again for every JSON function applied to it: the type is taken
    once, by the one parse that also tells whether the text is JSON at all.
    """
    con.execute(
        "CREATE OR REPLACE TEMP TABLE raw_kinds AS SELECT line, element, raw, "
        "try(json_type(raw)) AS kind FROM raw_json WHERE error_code IS NULL"
    )
    # A JSON Lines line holding an array (a webhook batch): one record per element, numbered.
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE raw_values AS
        SELECT line, element, raw, kind FROM raw_kinds WHERE kind <> 'ARRAY'
        UNION ALL
        SELECT line, element, CAST(elem AS VARCHAR) AS raw, json_type(elem) AS kind
        FROM (
            SELECT line, unnest(range(1, len(elems) + 1)) AS element, unnest(elems) AS elem
            FROM (SELECT line, CAST(json_extract(raw, '$[*]') AS JSON[]) AS elems
                  FROM raw_kinds WHERE kind = 'ARRAY')
        )
        """
    )


def _explain_invalid_json(con: duckdb.DuckDBPyConnection) -> None:
    """Records the reader already refused keep its reason; for the others Python's decoder names
    the problem where DuckDB only says 'invalid' (few lines get here)."""
    con.execute(
        "INSERT INTO raw_rejects SELECT line, raw, error, error_code, CAST(error_params AS JSON) "
        "FROM raw_json WHERE error_code IS NOT NULL"
    )
    bad = con.execute("SELECT line, raw FROM raw_kinds WHERE kind IS NULL").fetchall()
    rows = []
    for line, raw in bad:
        why = _why_invalid_json(raw)
        rows.append((line, raw, why.text, why.code, why.params_json()))
    if rows:
        con.executemany("INSERT INTO raw_rejects VALUES (?, ?, ?, ?, ?)", rows)


def _why_invalid_json(raw: str) -> Message:
    if "\x00" in raw:
        return message("nul_byte")
    try:
        json.loads(raw)
    except ValueError as e:
        return message("bad_json_line", detail=str(e))
    except RecursionError:  # only under a nesting limit raised above Python's own
        return message("bad_json_plain")
    return message("bad_json_plain")


def _load_csv(
    con: duckdb.DuckDBPyConnection, path: Path, spec: ReaderSpec, limits: InputLimits
) -> None:
    layout = csv_layout(path, spec.delimiter, spec.encoding)
    header = [name.lower() for name in layout.header]
    _require_columns(path, spec, header)
    width = len(header)
    con.execute("DROP TABLE IF EXISTS raw_csv")
    columns = [name.lower() for name in csv_columns(layout)]
    # DuckDB's reader only for a file with no line to refuse for its encoding.
    if layout.bad_lines or not load_clean_csv(con, path, layout, columns):
        _load_csv_records(con, path, layout)
        _refuse_records_not_in_encoding(con)
    refuse_unreadable_rows(con, "raw_csv", limits)
    insert_rejects(
        con,
        "raw_rejects",
        f"""
        SELECT line, raw, {{'code': 'field_count',
                            'params': json_object('expected', {width}, 'found', field_count)
                           }} AS rejection
        FROM raw_csv WHERE field_count <> {width}
        """,
    )
    con.execute(f"DELETE FROM raw_csv WHERE field_count <> {width}")
    _add_missing_columns(con, "raw_csv", spec, header)


def _refuse_records_not_in_encoding(con: duckdb.DuckDBPyConnection) -> None:
    """Records on lines not valid in the file's encoding are refused alone (never garbled)."""
    insert_rejects(
        con,
        "raw_rejects",
        """
        SELECT line, raw, {'code': error_code, 'params': CAST(error_params AS JSON)} AS rejection
        FROM raw_csv WHERE error_code IS NOT NULL
        """,
    )
    con.execute("DELETE FROM raw_csv WHERE error_code IS NOT NULL")
    con.execute("ALTER TABLE raw_csv DROP COLUMN error_code")
    con.execute("ALTER TABLE raw_csv DROP COLUMN error_params")


def _load_csv_records(con: duckdb.DuckDBPyConnection, path: Path, layout: CsvLayout) -> None:
    """raw_csv from Python's csv module, record by record: the exact path for any CSV file that
    DuckDB's reader cannot take as it is (see pipeline/ingest/duckdb_csv.py)."""
    first = True
    for chunk in csv_records(path, layout):
        chunk = chunk.rename_columns([c.lower() for c in chunk.column_names])
        if first:
            con.register("first_chunk", chunk)
            con.execute("CREATE TEMP TABLE raw_csv AS SELECT * FROM first_chunk LIMIT 0")
            con.unregister("first_chunk")
            first = False
        _append_chunks(con, "raw_csv", [chunk])
    if first:
        raise InputFileError(path, message("header_only"))


def _load_parquet(con: duckdb.DuckDBPyConnection, path: Path, spec: ReaderSpec) -> None:
    try:
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE raw_rows AS
            SELECT file_row_number + 1 AS line, CAST(to_json(p) AS VARCHAR) AS raw, p.*
            FROM read_parquet(?, file_row_number = true) AS p
            """,
            [str(path)],
        )
    except duckdb.Error as e:
        raise InputFileError(path, message("bad_parquet", detail=str(e))) from e
    header = [r[0].lower() for r in con.execute("DESCRIBE raw_rows").fetchall()]
    _require_columns(path, spec, header)
    _add_missing_columns(con, "raw_rows", spec, header)


def _require_columns(path: Path, spec: ReaderSpec, header: list[str]) -> None:
    missing = [c for c in spec.required_columns if c not in header]
    if missing:
        problem = message(
            "missing_columns",
            label=spec.label,
            format=spec.name,
            missing=", ".join(missing),
            found=", ".join(header),
            count=len(missing),
        )
        raise InputFileError(path, problem)


def _add_missing_columns(
    con: duckdb.DuckDBPyConnection, table: str, spec: ReaderSpec, header: list[str]
) -> None:
    for column in spec.optional_columns:
        if column not in header:
            con.execute(f'ALTER TABLE {table} ADD COLUMN "{column}" VARCHAR')


def _append_chunks(con: duckdb.DuckDBPyConnection, table: str, chunks: Iterable[pa.Table]) -> None:
    for chunk in chunks:
        con.register("incoming_chunk", chunk)
        try:
            con.execute(f"INSERT INTO {table} SELECT * FROM incoming_chunk")
        finally:
            con.unregister("incoming_chunk")


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row else 0
