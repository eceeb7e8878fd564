"""The platform's send log: one record per mail it asked a provider to send.

CSV (comma or semicolon; UTF-8 with or without BOM, or Windows-1252, as French Excel writes it),
JSON Lines or Parquet, with DESIGN.md's field names. Dates are ISO-8601 or `dd/mm/yyyy hh:mm`;
a time without zone is in the configured zone. `attachments` is a JSON list (a JSON string in
CSV). Optional extra fields: session_place, session_start, session_end.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pipeline.readers.base import ReaderSpec

REQUIRED_FIELDS: tuple[str, ...] = ("send_id", "requested_at", "provider", "recipient_email")
OPTIONAL_FIELDS: tuple[str, ...] = (
    "provider_message_id",
    "session_id",
    "session_name",
    "session_place",
    "session_start",
    "session_end",
    "opportunity_id",
    "email_type",
    "sender_email",
    "recipient_name",
    "recipient_kind",
    "contact_id",
    "subject",
    "body_html",
    "body_text",
    "attachments",
)
FIELDS = REQUIRED_FIELDS + OPTIONAL_FIELDS

# Recipient kinds as the platform or a French export may write them.
_KINDS = """
    (VALUES ('learner', 'learner'), ('stagiaire', 'learner'), ('apprenant', 'learner'),
            ('participant', 'learner'), ('client', 'client'), ('company', 'company'),
            ('entreprise', 'company'), ('societe', 'company'), ('trainer', 'trainer'),
            ('formateur', 'trainer'), ('formatrice', 'trainer'), ('intervenant', 'trainer'))
    AS kind_alias(alias, kind)
"""


def _staging_sql(fields_relation: str) -> str:
    """The common conversion, over a relation with one text column per field."""
    return f"""
WITH f AS ({fields_relation})
SELECT
    line, raw,
    blank_null(send_id) AS send_id,
    blank_null(requested_at) AS requested_text,
    any_time(blank_null(requested_at)) AS requested_at,
    blank_null(provider) AS provider_text,
    provider_name(blank_null(provider)) AS provider,
    blank_null(provider_message_id) AS provider_message_id,
    message_key(provider_name(blank_null(provider)), blank_null(provider_message_id))
        AS message_key,
    blank_null(session_id) AS session_id,
    blank_null(session_name) AS session_name,
    blank_null(session_place) AS session_place,
    CAST(any_time(blank_null(session_start)) AS DATE) AS session_start,
    CAST(any_time(blank_null(session_end)) AS DATE) AS session_end,
    blank_null(opportunity_id) AS opportunity_id,
    blank_null(email_type) AS email_type,
    lower(blank_null(sender_email)) AS sender_email,
    lower(blank_null(recipient_email)) AS recipient_email,
    blank_null(recipient_name) AS recipient_name,
    blank_null(recipient_kind) AS recipient_kind_text,
    kind_alias.kind AS recipient_kind,
    blank_null(contact_id) AS contact_id,
    blank_null(subject) AS subject,
    NULLIF(body_html, '') AS body_html,
    NULLIF(body_text, '') AS body_text,
    blank_null(attachments) AS attachments_text,
    CASE WHEN json_type(TRY_CAST(blank_null(attachments) AS JSON)) = 'ARRAY'
         THEN TRY_CAST(blank_null(attachments) AS JSON) END AS attachments
FROM f
LEFT JOIN {_KINDS} ON kind_alias.alias = lower(strip_accents(trim(f.recipient_kind)))
"""


def _json_fields() -> str:
    columns = [f"doc->>'{name}' AS {name}" for name in FIELDS if name != "attachments"]
    attachments = (
        "CASE json_type(doc->'attachments') WHEN 'VARCHAR' THEN doc->>'attachments' "
        "ELSE CAST(doc->'attachments' AS VARCHAR) END AS attachments"
    )
    return f"SELECT line, raw, {', '.join(columns)}, {attachments} FROM raw_docs"


def _table_fields(relation: str) -> str:
    columns = [f'CAST("{name}" AS VARCHAR) AS {name}' for name in FIELDS if name != "attachments"]
    attachments = (
        "CASE WHEN typeof(attachments) = 'VARCHAR' THEN CAST(attachments AS VARCHAR) "
        "ELSE CAST(to_json(attachments) AS VARCHAR) END AS attachments"
    )
    return f"SELECT line, raw, {', '.join(columns)}, {attachments} FROM {relation}"


def _is_json_send(doc: Mapping[str, Any]) -> bool:
    return "send_id" in doc and ("recipient_email" in doc or "requested_at" in doc)


def _is_table_send(header: frozenset[str]) -> bool:
    return "send_id" in header or {"requested_at", "recipient_email"} <= header


READERS = (
    ReaderSpec(
        name="send_log_csv",
        label="Send log (CSV)",
        provider=None,
        kind="sends",
        container="csv",
        sniff=_is_table_send,
        stage_sql=_staging_sql(_table_fields("raw_csv")),
        required_columns=REQUIRED_FIELDS,
        optional_columns=OPTIONAL_FIELDS,
    ),
    ReaderSpec(
        name="send_log_jsonl",
        label="Send log (JSON Lines)",
        provider=None,
        kind="sends",
        container="json",
        sniff=_is_json_send,
        stage_sql=_staging_sql(_json_fields()),
    ),
    ReaderSpec(
        name="send_log_parquet",
        label="Send log (Parquet)",
        provider=None,
        kind="sends",
        container="parquet",
        sniff=_is_table_send,
        stage_sql=_staging_sql(_table_fields("raw_rows")),
        required_columns=REQUIRED_FIELDS,
        optional_columns=OPTIONAL_FIELDS,
    ),
)
