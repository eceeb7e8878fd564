"""The pipeline's own messages as a stable code plus parameters: refusals of records, refusals
of whole files, notes on a run.

Each code has one recorded English template (the readable text stored in the ingest history,
which the CLI, failed/*.reason.txt and analysts read) and one translation key in data.toml.
`text_sql()` writes the recorded template as SQL, so that set-based validation stores the same
text Python would. This module renders; it never parses a text back, and it does not import
Streamlit.
"""

from __future__ import annotations

import json
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

Params = Mapping[str, Any]


@dataclass(frozen=True)
class Plural:
    """An English template with a singular and a plural form, chosen by the `count` parameter."""

    one: str
    other: str

    def form(self, params: Params) -> str:
        return self.one if params.get("count") == 1 else self.other


Template = str | Plural

_formatter = string.Formatter()


@dataclass(frozen=True)
class Message:
    """One message: its code and the parameters its texts are written with."""

    code: str
    params: Params = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        if self.code not in RECORDED:
            raise KeyError(f"unknown message code {self.code!r}")

    @property
    def text(self) -> str:
        """The readable English text, as recorded in the ingest history."""
        return recorded_text(self.code, self.params)

    def params_json(self) -> str:
        """The parameters as JSON, for the store's `*_params` columns."""
        return json.dumps(dict(self.params), ensure_ascii=False, sort_keys=True)


def message(code: str, **params: Any) -> Message:
    """`message("empty")`, `message("bad_csv", line=3, detail="…")`."""
    return Message(code, MappingProxyType(params))


def notes(parts: list[Message]) -> Message | None:
    """Several notes on one run as one message (None without any, the note itself alone)."""
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    return message("notes", parts=[{"code": p.code, "params": dict(p.params)} for p in parts])


def recorded_text(code: str, params: Params) -> str:
    """The English text recorded for `code` with `params`."""
    if code == "notes":
        return "; ".join(recorded_text(p["code"], p["params"]) for p in params["parts"])
    template = RECORDED[code]
    return (template.form(params) if isinstance(template, Plural) else template).format(**params)


def parameter_names(code: str) -> set[str]:
    """The parameters the recorded English of `code` is written with."""
    template = RECORDED[code]
    forms = (template.one, template.other) if isinstance(template, Plural) else (template,)
    return {name for form in forms for _, name, _, _ in _formatter.parse(form) if name}


def translation_key(code: str) -> str:
    """The data.toml key that says `code` in the reader's language."""
    return f"data.reject_reason.{code}" if code in REJECT_CODES else f"data.why.{code}"


def text_sql(code: str, params: str) -> str:
    """A DuckDB expression writing the recorded text of the code and JSON params columns named
    `code` and `params`: the same text as `recorded_text`, set-based."""
    whens = " ".join(
        f"WHEN {_sql_literal(c)} THEN {_template_sql(template, params)}"
        for c, template in RECORDED.items()
        if c != "notes"
    )
    return f"(CASE {code} {whens} END)"


def _template_sql(template: Template, params: str) -> str:
    if isinstance(template, Plural):
        one, other = _template_sql(template.one, params), _template_sql(template.other, params)
        return (
            f"(CASE WHEN TRY_CAST({params} ->> 'count' AS BIGINT) = 1 THEN {one} ELSE {other} END)"
        )
    pieces = []
    for literal, name, _, _ in _formatter.parse(template):
        if literal:
            pieces.append(_sql_literal(literal))
        if name is not None:
            pieces.append(f"({params} ->> {_sql_literal(name)})")
    return "concat(" + ", ".join(pieces) + ")" if len(pieces) > 1 else pieces[0]


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# --- the catalog -----------------------------------------------------------------------------

_MAPPING_HINT = "For another provider's CSV export, pass a column mapping with --mapping."

# Scripts that look for a kind of message match its code, not its English words. A template
# that names a count has a singular and a plural form (Plural), never a bracketed plural.

# Whole files refused, and notes on a run (data.why.<code>).
RUN_RECORDED: Mapping[str, Template] = {
    "unreadable": "cannot be read: {detail}",
    "binary": (
        "binary file: expected CSV, JSON, JSON Lines or Parquet (send logs, provider events)"
    ),
    "empty": "the file is empty",
    "header_only": "the file has a header but no records",
    "invalid_json": "invalid JSON: no complete record could be read",
    "bad_parquet": "unreadable Parquet file: {detail}",
    "bad_csv": "unreadable CSV from line {line}: {detail}",
    "unrecognised_json": (
        "unrecognised format (JSON whose first record has the fields: {fields}). "
        "Expected one of: {expected}. " + _MAPPING_HINT
    ),
    "unrecognised_columns": (
        "unrecognised format ({kind} with the columns: {columns}). "
        "Expected one of: {expected}. " + _MAPPING_HINT
    ),
    "missing_columns": Plural(
        "{label}: missing required column {missing} (found: {found})",
        "{label}: missing required columns {missing} (found: {found})",
    ),
    "duplicate_file": "identical to {path}, ingested in run {run} on {when}: nothing changed",
    "interrupted": (
        "interrupted: the ingest started at {started} by process {pid} stopped before it "
        "finished; nothing of it was kept"
    ),
    "unknown_events": Plural(
        "{count} event with an unrecognised name kept as 'unknown'",
        "{count} events with an unrecognised name kept as 'unknown'",
    ),
    "all_known": "every record was already in the store: nothing changed",
    "notes": "{parts}",  # several of the notes above, joined with "; "
}

# One input record refused (data.reject_reason.<code>).
REJECT_RECORDED: Mapping[str, str] = {
    "no_message_id": "no message id",
    "no_event_time": "no event time",
    "bad_event_time": "unreadable event time {value}",
    "implausible_event_time": "implausible event time {value} ({read})",
    "no_event_name": "no event name",
    "missing_column": "missing {column}",
    "bad_requested_at": "unreadable requested_at {value} (expected ISO-8601 or dd/mm/yyyy hh:mm)",
    "implausible_requested_at": (
        "implausible requested_at {value} (read as {read}): a send request is dated between "
        "{since} and now"
    ),
    "bad_address": "malformed recipient_email {address}: {problem}",
    "bad_recipient_kind": (
        "unknown recipient_kind {value} (expected learner, client, company or trainer)"
    ),
    "bad_attachments": (
        "attachments is not a JSON list of {{filename, content_type, size_bytes, sha256, path}}"
    ),
    "send_id_conflict": "send_id {value} is already used at line {line} of this file with other "
    "content",
    "event_id_conflict": "provider event id {value} is already used at line {line} of this "
    "file with other content (message, recipient or time)",
    "event_id_conflict_stored": "provider event id {value} is already stored, from line {line} "
    "of {file}, with other content (message, recipient or time)",
    "field_count": "expected {expected} fields as in the header, found {found}",
    "not_an_object": "expected a JSON object, found {found}",
    "bad_json": "invalid JSON at line {line}: {detail}",
    "bad_json_line": "invalid JSON: {detail}",
    "bad_json_plain": "invalid JSON",
    "after_array": "unexpected text after the JSON array",
    "array_comma": "expected ',' or ']' between array elements",
    "unclosed": "the JSON array is not closed (truncated file?)",
    "utf8_at": "not valid UTF-8 (byte {byte} of the line)",
    "utf8": "not valid UTF-8 text",
    "not_in_encoding": "not valid {encoding} (byte {byte} of line {line}), unlike the rest of "
    "the file",
    "utf8_in_cp1252": "UTF-8 text at line {line} in a file otherwise in Windows-1252",
}

# Hostile input: files and records beyond the limits of pipeline.settings, and what is refused
# on sight (docs/security.md).
HOSTILE_RUN_RECORDED: Mapping[str, Template] = {
    "file_too_large": (
        "the file is {size_mb} MB, over the limit of {limit_mb} MB (MAILTRAIL_MAX_FILE_MB): "
        "split it, or raise the limit"
    ),
    "not_a_regular_file": "not a regular file but a {kind}: refused without reading it",
    "unexpected_error": (
        "could not be read: an unexpected {error} inside Mailtrail (logged for its maintainers); "
        "nothing of this file was kept"
    ),
    "binary_evidence": (
        "binary file: expected CSV, JSON, JSON Lines or Parquet (send logs, provider events); "
        "its start holds {nul} NUL bytes and {control} % control characters"
    ),
}
HOSTILE_REJECT_RECORDED: Mapping[str, Template] = {
    "too_deep": "nested deeper than {limit} levels (MAILTRAIL_MAX_NESTING)",
    "record_too_large": (
        "record of {size_mb} MB, over the limit of {limit_mb} MB (MAILTRAIL_MAX_RECORD_MB)"
    ),
    "nul_byte": "contains a NUL byte: binary data in a text file",
    "sns_message_not_json": "an SNS notification whose Message is not a JSON object",
    "rejects_capped": Plural(
        "and {count} more refused record, not kept one by one: over {limit} per file "
        "(MAILTRAIL_MAX_REJECTS)",
        "and {count} more refused records, not kept one by one: over {limit} per file "
        "(MAILTRAIL_MAX_REJECTS)",
    ),
}

REJECT_CODES: frozenset[str] = frozenset(REJECT_RECORDED) | frozenset(HOSTILE_REJECT_RECORDED)
RECORDED: Mapping[str, Template] = {
    **RUN_RECORDED,
    **REJECT_RECORDED,
    **HOSTILE_RUN_RECORDED,
    **HOSTILE_REJECT_RECORDED,
}
