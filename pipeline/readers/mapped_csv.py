"""Any other provider's CSV export, read through a column mapping (mapping_file.py).

`load_mapping` returns a ReaderSpec that the ingest of one call tries before the built-in
readers. Its staging SQL is built from the mapping with every column name quoted as an
identifier; the event labels, the provider name and the time zone are bound as values in temp
tables filled just before staging; the strptime format, which DuckDB needs as a constant, is an
escaped literal. Unmapped labels stay events with no recognised name (counted, kept).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipeline.readers.base import ReaderSpec
from pipeline.readers.mapping_file import (
    REQUIRED_COLUMNS,
    TIME_KEYWORDS,
    ColumnMapping,
    MappingError,
    parse_mapping,
)

__all__ = ["MappingError", "load_mapping", "staging_sql"]


def load_mapping(path: Path | str) -> ReaderSpec:
    """Read and validate a mapping file; the ReaderSpec for the CSV files it describes."""
    mapping = parse_mapping(Path(path))
    required = frozenset(mapping.columns[role] for role in REQUIRED_COLUMNS)
    return ReaderSpec(
        name=f"mapping:{mapping.name}",
        label=f"{mapping.label} (CSV read through {mapping.path.name}: columns "
        f"{', '.join(mapping.columns[role] for role in REQUIRED_COLUMNS)})",
        provider=mapping.provider,
        kind="events",
        container="csv",
        sniff=lambda header: required <= header,
        stage_sql=staging_sql(mapping),
        required_columns=tuple(dict.fromkeys(mapping.columns.values())),
        delimiter=mapping.delimiter,
        encoding=mapping.encoding,
        prepare=lambda con: bind_values(con, mapping),
    )


def bind_values(con: duckdb.DuckDBPyConnection, mapping: ColumnMapping) -> None:
    """The mapping's values as temp tables, every one bound as a parameter."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE mapping_labels "
        "(label VARCHAR, event VARCHAR, bounce_kind VARCHAR, is_machine_open BOOLEAN)"
    )
    con.executemany(
        "INSERT INTO mapping_labels VALUES (lower(strip_accents(trim(?))), ?, ?, ?)",
        [(lb.label, lb.event, lb.bounce_kind, lb.machine_open) for lb in mapping.labels],
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE mapping_settings AS "
        "SELECT CAST(? AS VARCHAR) AS provider, "
        "COALESCE(CAST(? AS VARCHAR), current_setting('TimeZone')) AS zone",
        [mapping.provider, mapping.timezone],
    )


def staging_sql(mapping: ColumnMapping) -> str:
    """The SELECT over raw_csv that renames and converts the mapped columns."""
    roles = ",\n           ".join(
        f"{_identifier(name)} AS role_{role}" for role, name in mapping.columns.items()
    )

    def text(role: str) -> str:
        return f"blank_null(role_{role})" if role in mapping.columns else "CAST(NULL AS VARCHAR)"

    provider = (
        "COALESCE(provider_name(blank_null(role_provider)), ms.provider)"
        if "provider" in mapping.columns
        else "ms.provider"
    )
    machine = (
        "COALESCE(TRY_CAST(role_machine_open AS BOOLEAN), false)"
        if "machine_open" in mapping.columns
        else "false"
    )
    times = ", ".join(_time_expression(fmt) for fmt in mapping.time_formats)
    return f"""
WITH c AS (
    SELECT line, raw,
           {roles}
    FROM raw_csv
),
d AS (
    SELECT c.*, {provider} AS provider_key, ms.zone AS zone,
           {text("message_id")} AS id_text, {text("time")} AS time_value
    FROM c CROSS JOIN mapping_settings AS ms
)
SELECT
    line, raw,
    provider_key AS provider,
    id_text AS provider_message_id,
    message_key(provider_key, id_text) AS message_key,
    email_address(role_recipient) AS recipient_email,
    time_value AS time_text,
    COALESCE({times}) AS event_at,
    role_event AS raw_event,
    m.event,
    m.bounce_kind,
    COALESCE(m.is_machine_open OR (m.event = 'opened' AND {machine}), false) AS is_machine_open,
    {text("reason")} AS reason,
    {text("smtp_code")} AS smtp_code,
    {text("enhanced_code")} AS enhanced_code,
    CAST(NULL AS VARCHAR) AS provider_class,
    {text("subject")} AS subject,
    email_address({text("sender")}) AS sender_email,
    {text("url")} AS url,
    {text("event_id")} AS provider_event_id
FROM d
LEFT JOIN mapping_labels AS m ON m.label = lower(strip_accents(trim(d.role_event)))
"""


def _time_expression(fmt: str) -> str:
    """One way of reading time_value; a time written without zone is in the mapping's zone."""
    if fmt == "epoch":
        return "epoch_seconds(time_value, 1)"
    if fmt == "epoch_ms":
        return "epoch_seconds(time_value, 1000)"
    if fmt == "iso":
        return (
            "CASE WHEN regexp_matches(time_value, '(Z|[+-][0-9]{2}(:?[0-9]{2})?)$') "
            "THEN TRY_CAST(time_value AS TIMESTAMPTZ) "
            "ELSE timezone(zone, TRY_CAST(time_value AS TIMESTAMP)) END"
        )
    assert fmt not in TIME_KEYWORDS
    parsed = f"try_strptime(time_value, {_literal(fmt)})"
    if "%z" in fmt or "%Z" in fmt:
        return f"CAST({parsed} AS TIMESTAMPTZ)"
    return f"timezone(zone, {parsed})"


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
