"""What every reader declares: how to recognise its format and how to stage it in SQL.

A reader is data, not code paths: a sniff function that looks at the first record (JSON) or the
header (CSV), and one staging query that renames and converts the provider's native fields into
the common columns below. Readers never decide a status and never touch the store's tables.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import duckdb

# Columns every events staging query returns, in this order.
EVENT_COLUMNS: tuple[str, ...] = (
    "line",  # where the record starts in the file
    "raw",  # the record's text, kept for rejects
    "provider",
    "provider_message_id",  # as the provider wrote it
    "message_key",  # message_key(provider, id): the join key
    "recipient_email",
    "time_text",  # the time as written, for error messages
    "event_at",  # TIMESTAMPTZ
    "raw_event",  # the provider's own event name or label
    "event",  # DESIGN.md vocabulary; NULL when the raw name is not recognised
    "bounce_kind",  # hard | soft | NULL
    "is_machine_open",
    "reason",
    "smtp_code",
    "enhanced_code",
    "provider_class",  # the provider's own failure classification (see bounce_rules.sql)
    "subject",
    "sender_email",
    "url",
    "provider_event_id",
)

# Columns every send-log staging query returns, in this order.
SEND_COLUMNS: tuple[str, ...] = (
    "line",
    "raw",
    "send_id",
    "requested_text",
    "requested_at",
    "provider_text",
    "provider",
    "provider_message_id",
    "message_key",
    "session_id",
    "session_name",
    "session_place",
    "session_start",
    "session_end",
    "opportunity_id",
    "email_type",
    "sender_email",
    "recipient_email",
    "recipient_name",
    "recipient_kind_text",
    "recipient_kind",
    "contact_id",
    "subject",
    "body_html",
    "body_text",
    "attachments_text",
    "attachments",
)

Container = Literal["json", "csv", "parquet"]
Kind = Literal["events", "sends"]

# A JSON reader sniffs the first JSON object of the file; a CSV reader the lower-cased header.
JsonSniff = Callable[[Mapping[str, Any]], bool]
CsvSniff = Callable[[frozenset[str]], bool]


@dataclass(frozen=True)
class ReaderSpec:
    """One input format Mailtrail reads."""

    name: str  # e.g. 'brevo_webhook'; recorded as the run's format
    label: str  # what a person calls it: 'Brevo webhook events (JSON)'
    provider: str | None  # None for send logs
    kind: Kind
    container: Container
    sniff: Callable[[Any], bool]
    # SELECT over `raw_docs(line, raw, doc JSON)` (json), `raw_csv(line, raw, <header>)` (csv) or
    # `raw_rows(line, raw, <columns>)` (parquet) returning EVENT_COLUMNS or SEND_COLUMNS.
    stage_sql: str
    required_columns: tuple[str, ...] = ()  # CSV/Parquet: refuse the file when any is missing
    optional_columns: tuple[str, ...] = ()  # CSV/Parquet: added as empty when missing
    # CSV: read with this delimiter / encoding instead of the detected ones.
    delimiter: str | None = None
    encoding: str | None = None
    # Run before stage_sql, e.g. to fill a temp table of values bound as parameters.
    prepare: Callable[[duckdb.DuckDBPyConnection], None] | None = None

    def recognises(self, sample: Any) -> bool:
        try:
            return bool(self.sniff(sample))
        # RecursionError: a sniff that decodes a nested JSON text (an SNS envelope's Message).
        except (AttributeError, KeyError, TypeError, ValueError, RecursionError):
            return False
