"""The input records an ingest refused: which ones match a filter, and their export as CSV.

Every refused record keeps its file, line, the reason (in English, as the pipeline wrote it, with
its code and parameters) and its raw text. Reasons are translated from their code through
`pipeline.ingest.messages` (a reason without a code is shown as written); the text filter matches
the file, the raw text and the reason in English as well as in the reader's language. The CSV
export streams from DuckDB (never the whole slice in memory) with spreadsheet formulas made
inert. No Streamlit here; nothing is written to the store.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from pipeline.i18n import t
from pipeline.ingest.messages import reject_reason, stored_message

CsvDialect = Literal["excel_fr", "rfc4180"]
MAX_TEXT = 200
_BATCH_ROWS = 20_000
_REASONS_VIEW = "reject_reason_texts"


@dataclass(frozen=True)
class RejectFilter:
    """Which refused records: of one run, of one file (its path as recorded), containing a text."""

    run_id: int | None = None
    file_path: str | None = None
    text: str | None = None

    def __post_init__(self) -> None:
        text = (self.text or "").strip()[:MAX_TEXT] or None
        object.__setattr__(self, "text", text)

    def where(self) -> tuple[str, list[object]]:
        """A condition on `ingest_rejects` joined to the translated reasons (alias `r`, `tr`)."""
        clauses: list[str] = ["true"]
        params: list[object] = []
        if self.run_id is not None:
            clauses.append("r.run_id = ?")
            params.append(self.run_id)
        if self.file_path is not None:
            clauses.append("r.file_path = ?")
            params.append(self.file_path)
        if self.text:
            clauses.append(
                "(contains(lower(r.file_path), ?) OR contains(lower(r.reason), ?) "
                "OR contains(lower(COALESCE(r.raw, '')), ?) OR contains(lower(tr.text), ?))"
            )
            params.extend([self.text.lower()] * 4)
        return " AND ".join(clauses), params

    def slug(self) -> str:
        """What the filter holds, for a file name: `run-12`, `envois-2026-05`, `gmail`…"""
        parts = []
        if self.run_id is not None:
            parts.append(f"run-{self.run_id}")
        if self.file_path:
            parts.append(Path(self.file_path).stem)
        if self.text:
            parts.append(self.text)
        slug = re.sub(r"[^\w-]+", "-", "_".join(parts), flags=re.ASCII).strip("-_")
        return slug[:80]


def reject_sources(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The runs and files that refused records, newest first, with how many (for pickers)."""
    return con.execute(
        """
        SELECT r.run_id, r.file_path, any_value(u.file_name) AS file_name,
               any_value(u.finished_at) AS finished_at, count(*) AS rejects
        FROM ingest_rejects AS r LEFT JOIN ingest_runs AS u USING (run_id)
        GROUP BY r.run_id, r.file_path
        ORDER BY r.run_id DESC
        """
    ).df()


def count_rejects(
    con: duckdb.DuckDBPyConnection, reject_filter: RejectFilter, lang: str = "fr"
) -> int:
    """How many refused records match the filter."""
    if not reject_filter.text:  # nothing to match in the translated reasons: count the records
        where, params = reject_filter.where()
        row = con.execute(
            f"SELECT count(*) FROM ingest_rejects AS r WHERE {where}", params
        ).fetchone()
        return int(row[0]) if row else 0
    where, params = _prepare(con, reject_filter, lang)
    row = con.execute(f"SELECT count(*) {_FROM} WHERE {where}", params).fetchone()
    return int(row[0]) if row else 0


def rejected_records(
    con: duckdb.DuckDBPyConnection,
    reject_filter: RejectFilter,
    lang: str = "fr",
    limit: int = 1000,
    raw_chars: int | None = None,
) -> pd.DataFrame:
    """The matching refused records, newest run first then by line, reasons translated; the raw
    text cut to `raw_chars` characters when given (a screen; the export keeps it whole)."""
    # Without a text to find in them, only the reasons of the rows shown are translated (rows
    # tied with the last one included, so that none of them lacks its reason).
    page = None
    if not reject_filter.text:
        where, params = reject_filter.where()
        page = (
            f"SELECT r.* FROM ingest_rejects AS r WHERE {where} "
            "QUALIFY rank() OVER (ORDER BY r.run_id DESC, r.line NULLS LAST) <= ?",
            [*params, limit],
        )
    where, params = _prepare(con, reject_filter, lang, page)
    raw = "r.raw" if raw_chars is None else "left(r.raw, CAST(? AS INTEGER))"
    return con.execute(
        f"""
        SELECT r.run_id, {_FILE_NAME} AS file_name, r.file_path,
               r.line, r.element, tr.text AS reason, {raw} AS raw
        {_FROM} WHERE {where}
        ORDER BY r.run_id DESC, r.line NULLS LAST, r.element LIMIT ?
        """,
        [*([] if raw_chars is None else [raw_chars]), *params, limit],
    ).df()


def write_rejects_csv(
    con: duckdb.DuckDBPyConnection,
    reject_filter: RejectFilter,
    out: BinaryIO,
    *,
    lang: str = "fr",
    dialect: CsvDialect = "excel_fr",
) -> int:
    """Write every matching refused record to `out` as CSV; returns the number of rows.

    `excel_fr`: UTF-8 with a byte-order mark and `;`, as French Excel opens it; `rfc4180`: plain
    UTF-8 with `,`. Columns are named in `lang`; a cell that starts with `=`, `+`, `-`, `@`, a tab
    or a carriage return is prefixed with `'` so that no spreadsheet runs it as a formula.
    """
    where, params = _prepare(con, reject_filter, lang)
    headers = [t(f"data.rejects.column.{name}", lang) for name in _EXPORT_COLUMNS]
    reader = con.sql(
        f"""
        SELECT r.run_id, {_inert(_FILE_NAME)},
               {_inert("r.file_path")}, r.line, r.element, {_inert("tr.text")},
               {_inert("r.reason")}, {_inert("r.raw")}
        {_FROM} WHERE {where}
        ORDER BY r.run_id DESC, r.line NULLS LAST, r.element
        """,
        params=params,
    ).to_arrow_reader(_BATCH_ROWS)
    if dialect == "excel_fr":
        out.write("\ufeff".encode())
    options = pa_csv.WriteOptions(
        include_header=True, delimiter=";" if dialect == "excel_fr" else ","
    )
    schema = pa.schema([pa.field(h, f.type) for h, f in zip(headers, reader.schema, strict=True)])
    rows = 0
    with pa_csv.CSVWriter(out, schema, write_options=options) as writer:
        for batch in reader:
            writer.write_batch(pa.RecordBatch.from_arrays(batch.columns, schema=schema))
            rows += batch.num_rows
    return rows


def export_file_name(reject_filter: RejectFilter, lang: str = "fr") -> str:
    """`mailtrail_rejets_run-12.csv` / `mailtrail_refused_records_run-12.csv`."""
    slug = reject_filter.slug()
    base = t("data.rejects.file_name", lang)
    return f"{base}_{slug}.csv" if slug else f"{base}.csv"


_EXPORT_COLUMNS = (
    "run",
    "file_name",
    "file_path",
    "line",
    "element",  # the position in a one-line JSON array (a webhook batch), else empty
    "reason",
    "reason_original",
    "raw",
)
_FILE_NAME = r"regexp_extract(r.file_path, '[^/\\]+$')"
_FROM = (
    f"FROM ingest_rejects AS r JOIN {_REASONS_VIEW} AS tr ON tr.reason = r.reason "
    "AND tr.reason_code IS NOT DISTINCT FROM r.reason_code "
    "AND tr.reason_params IS NOT DISTINCT FROM CAST(r.reason_params AS VARCHAR)"
)


def _inert(expression: str) -> str:
    """The SQL expression, prefixed with ' when a spreadsheet would read it as a formula."""
    return (
        f"CASE WHEN regexp_matches({expression}, '^[=+\\-@\\t\\r]') "
        f"THEN '''' || {expression} ELSE {expression} END"
    )


def _prepare(
    con: duckdb.DuckDBPyConnection,
    reject_filter: RejectFilter,
    lang: str,
    rows: tuple[str, list[object]] | None = None,
) -> tuple[str, list[object]]:
    """Register this connection's table of translated reasons (one per distinct reason, code and
    parameters) of `rows` (a select over ingest_rejects and its parameters; every refused record
    when None); the filter's condition."""
    sql, params = rows or ("SELECT * FROM ingest_rejects", [])
    reasons = con.execute(
        f"SELECT DISTINCT reason, reason_code, CAST(reason_params AS VARCHAR) FROM ({sql})",
        params,
    ).fetchall()
    texts = pd.DataFrame(
        {
            "reason": [reason for reason, _, _ in reasons],
            "reason_code": [code for _, code, _ in reasons],
            "reason_params": [params for _, _, params in reasons],
            "text": [
                reject_reason(stored_message(code, params), reason, lang)
                for reason, code, params in reasons
            ],
        },
        columns=["reason", "reason_code", "reason_params", "text"],
    ).astype("string")
    con.register(_REASONS_VIEW, texts)
    return reject_filter.where()
