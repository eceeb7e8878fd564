"""The input limits applied set-based to staged rows, whatever reader produced them.

Rows holding a NUL byte or larger than the record limit are refused alone; text in fields that
are only shown (a subject, a provider's reason, a name) is cut at the field limit with a marker,
never refused; and a file keeps at most `rejects_per_file` refused records one by one, the rest
summed up in one record with their count (docs/security.md). Each works on any table with
`line` and `raw` columns, so a faster reader of the same rows keeps them. Nothing here reads a
file.
"""

from __future__ import annotations

import duckdb

from pipeline.i18n.messages import message
from pipeline.ingest.validate import insert_rejects
from pipeline.settings import InputLimits

# Which element of a top-level JSON array each record is: (line, md5 of its raw text, element).
# Staging keeps a record's line and raw text, not its element, through every reader's SQL: a
# reject finds its element by those two (elements identical to the byte on one line are all
# given the first one's position).
ELEMENTS_COLUMNS = "line BIGINT, raw_md5 VARCHAR, element BIGINT"

# Fields only ever shown, never matched or computed on: cut rather than refused when too long.
SHOWN_FIELDS: dict[str, tuple[str, ...]] = {
    "events": ("reason", "subject"),
    "sends": ("subject", "session_name", "session_place", "recipient_name"),
}

# What a refused record keeps of its raw text (a reject is for reading, and 10,000 of them are
# kept per file): longer raw text is cut there, with a marker.
REJECT_RAW_CHARS = 100_000
_PREVIEW_CHARS = 10_000


def cut_text_sql(column: str, chars: int) -> str:
    """`column` cut at `chars` characters, marked as cut with its full length."""
    return (
        f"CASE WHEN length({column}) > {int(chars)} THEN left({column}, {int(chars)}) || "
        f"'… [cut: ' || length({column}) || ' characters in all]' ELSE {column} END"
    )


def cut_shown_fields(
    con: duckdb.DuckDBPyConnection, table: str, fields: tuple[str, ...], chars: int
) -> None:
    """Cut each of `fields` of `table` longer than `chars` characters (see cut_text_sql)."""
    present = {row[0] for row in con.execute(f"DESCRIBE {table}").fetchall()}
    cuts = [f"{name} = {cut_text_sql(name, chars)}" for name in fields if name in present]
    if cuts:
        condition = " OR ".join(f"length({name}) > {int(chars)}" for name in fields)
        con.execute(f"UPDATE {table} SET {', '.join(cuts)} WHERE {condition}")


def refuse_unreadable_rows(con: duckdb.DuckDBPyConnection, table: str, limits: InputLimits) -> None:
    """Move the rows of `table` holding a NUL byte, or larger than the record limit, into
    raw_rejects (with the start of their raw text)."""
    too_large = f"strlen(raw) > {int(limits.record_bytes)}"
    limit_mb = f"{limits.record_bytes / (1024 * 1024):.1f}"
    insert_rejects(
        con,
        "raw_rejects",
        f"""
        SELECT line, {cut_text_sql("raw", _PREVIEW_CHARS)} AS raw,
               CASE WHEN {too_large}
                    THEN {{'code': 'record_too_large',
                           'params': json_object('size_mb',
                                                 format('{{:.1f}}', strlen(raw) / 1048576),
                                                 'limit_mb', '{limit_mb}')}}
                    ELSE {{'code': 'nul_byte', 'params': json_object()}} END AS rejection
        FROM {table} WHERE {too_large} OR contains(raw, chr(0))
        """,
    )
    con.execute(f"DELETE FROM {table} WHERE {too_large} OR contains(raw, chr(0))")


def record_capped_rejects(con: duckdb.DuckDBPyConnection, run_id: int, path: str, cap: int) -> None:
    """Copy this file's stage_rejects into the store: the first `cap` by position, each with the
    array element it was (raw_elements) and its raw text cut at REJECT_RAW_CHARS; beyond `cap`,
    one record giving the count of the others."""
    con.execute(
        f"""
        INSERT INTO ingest_rejects_log (run_id, file_path, line, element, reason, raw,
                                        reason_code, reason_params)
        SELECT ?, ?, r.line, e.element, r.reason, {cut_text_sql("r.raw", REJECT_RAW_CHARS)},
               r.reason_code, r.reason_params
        FROM stage_rejects AS r
        LEFT JOIN (SELECT line, raw_md5, min(element) AS element FROM raw_elements GROUP BY ALL)
            AS e ON e.line = r.line AND e.raw_md5 = md5(r.raw)
        ORDER BY r.line, e.element
        LIMIT {int(cap)}
        """,
        [run_id, path],
    )
    row = con.execute("SELECT count(*) FROM stage_rejects").fetchone()
    left_out = (int(row[0]) if row else 0) - cap
    if left_out > 0:
        _record_rejects_summary(con, run_id, path, left_out, cap)


def _record_rejects_summary(
    con: duckdb.DuckDBPyConnection, run_id: int, path: str, left_out: int, cap: int
) -> None:
    """The one record standing for the refused records beyond the cap: at the line of the first
    of them, with their count."""
    first = con.execute(
        "SELECT line FROM stage_rejects ORDER BY line LIMIT 1 OFFSET ?", [cap]
    ).fetchone()
    summary = message("rejects_capped", count=left_out, limit=cap)
    con.execute(
        """
        INSERT INTO ingest_rejects_log (run_id, file_path, line, reason, raw, reason_code,
                                        reason_params)
        VALUES (?, ?, ?, ?, NULL, ?, ?)
        """,
        [
            run_id,
            path,
            first[0] if first else None,
            summary.text,
            summary.code,
            summary.params_json(),
        ],
    )
