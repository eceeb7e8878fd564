"""Validation of staged records, set-based in SQL: each record either passes into `stage_valid`
or goes to `stage_rejects` with its reason as a code, JSON parameters and the English text of
pipeline.i18n.messages (written by the same template, as SQL). Nothing here reads a file or
touches the store's own tables.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import duckdb

from pipeline.i18n import t
from pipeline.i18n.messages import text_sql
from pipeline.support.typos import address_problem

REJECTS_COLUMNS = (
    "line BIGINT, raw VARCHAR, reason VARCHAR, reason_code VARCHAR, reason_params JSON"
)


@dataclass(frozen=True)
class DateWindow:
    """When a send request or provider event can plausibly have happened (the settings
    plausible_since and plausible_days_ahead): times outside come from a misread date (seconds
    taken for milliseconds, 1900 or year 0 for a missing date, the year 3000)."""

    since: dt.date = dt.date(2000, 1, 1)
    days_ahead: float = 2

    def outside_sql(self, column: str) -> str:
        """A SQL condition: `column` (TIMESTAMPTZ) lies outside the window."""
        return (
            f"({column} < TIMESTAMPTZ '{self.since.isoformat()}' "
            f"OR {column} > now() + INTERVAL '{float(self.days_ahead) * 86400:.0f} seconds')"
        )


def validate_events(con: duckdb.DuckDBPyConnection, window: DateWindow | None = None) -> None:
    """Split `staged` events into `stage_valid` and refused ones."""
    window = window or DateWindow()
    implausible = _code(
        "implausible_event_time", "'value', quoted(time_text), 'read', CAST(event_at AS VARCHAR)"
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP VIEW stage_checked AS
        SELECT *, CASE
            WHEN message_key IS NULL THEN {_code("no_message_id")}
            WHEN time_text IS NULL THEN {_code("no_event_time")}
            WHEN event_at IS NULL
                THEN {_code("bad_event_time", "'value', quoted(time_text)")}
            WHEN {window.outside_sql("event_at")} THEN {implausible}
            WHEN raw_event IS NULL OR trim(raw_event) = '' THEN {_code("no_event_name")}
        END AS rejection
        FROM staged
        """
    )
    _split_checked(con)


def validate_sends(con: duckdb.DuckDBPyConnection, window: DateWindow | None = None) -> None:
    """Split `staged` send-log records into `stage_sends` and refused ones."""
    window = window or DateWindow()
    _register_invalid_addresses(con)
    implausible = _code(
        "implausible_requested_at",
        "'value', quoted(s.requested_text), 'read', CAST(s.requested_at AS VARCHAR), "
        f"'since', '{window.since.isoformat()}'",
    )
    bad_address = _code(
        "bad_address",
        "'address', quoted(s.recipient_email), 'problem', bad.problem, "
        "'problem_code', bad.problem_code, 'problem_params', bad.problem_params",
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP VIEW stage_checked AS
        SELECT s.*, CASE
            WHEN s.send_id IS NULL THEN {_missing("send_id")}
            WHEN s.requested_text IS NULL THEN {_missing("requested_at")}
            WHEN s.requested_at IS NULL
                THEN {_code("bad_requested_at", "'value', quoted(s.requested_text)")}
            WHEN {window.outside_sql("s.requested_at")} THEN {implausible}
            WHEN s.provider IS NULL THEN {_missing("provider")}
            WHEN s.recipient_email IS NULL THEN {_missing("recipient_email")}
            WHEN bad.problem IS NOT NULL THEN {bad_address}
            WHEN s.recipient_kind_text IS NOT NULL AND s.recipient_kind IS NULL
                THEN {_code("bad_recipient_kind", "'value', quoted(s.recipient_kind_text)")}
            WHEN s.attachments_text IS NOT NULL AND s.attachments IS NULL
                THEN {_code("bad_attachments")}
        END AS rejection
        FROM staged AS s
        LEFT JOIN invalid_addresses AS bad ON bad.address = s.recipient_email
        """
    )
    _split_checked(con)
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE stage_sends AS
        SELECT * EXCLUDE (requested_text, provider_text, recipient_kind_text, attachments_text),
               COALESCE(json_array_length(attachments), 0) AS attachment_count,
               md5(CAST(to_json(struct_pack(send_id, requested_at, provider, provider_message_id,
                   session_id, session_name, session_place, session_start, session_end,
                   opportunity_id, email_type, sender_email, recipient_email, recipient_name,
                   recipient_kind, contact_id, subject, body_html, body_text, attachments))
                   AS VARCHAR)) AS content_hash
        FROM stage_valid
        """
    )


def _split_checked(con: duckdb.DuckDBPyConnection) -> None:
    # stage_checked and stage_valid are views: each is read once or twice, and copying every
    # staged record (a send log's bodies twice over, as fields and as raw text) into two more
    # tables cost more than evaluating the checks again.
    insert_rejects(
        con,
        "stage_rejects",
        "SELECT line, raw, rejection FROM stage_checked WHERE rejection IS NOT NULL",
    )
    con.execute(
        "CREATE OR REPLACE TEMP VIEW stage_valid AS SELECT * EXCLUDE (rejection) "
        "FROM stage_checked WHERE rejection IS NULL"
    )


def _code(code: str, params: str = "") -> str:
    """A rejection as SQL: the struct {code, params} of `code` with json_object(`params`)."""
    return f"{{'code': '{code}', 'params': json_object({params})}}"


def _missing(column: str) -> str:
    return _code("missing_column", f"'column', '{column}'")


def insert_rejects(con: duckdb.DuckDBPyConnection, table: str, select: str) -> None:
    """Insert into `table` the (line, raw, rejection {code, params}) rows of `select`, each with
    the English text of its code, written set-based by the same template Python uses."""
    text = text_sql("rejection.code", "rejection.params")
    con.execute(
        f"INSERT INTO {table} SELECT line, raw, {text}, rejection.code, rejection.params "
        f"FROM ({select})"
    )


# A dot-atom local part (RFC 5322) of ASCII characters: what the address library accepts without
# question when the domain is sound. Only addresses outside it are checked one by one.
_PLAIN_LOCAL_PART = r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"


def _register_invalid_addresses(con: duckdb.DuckDBPyConnection) -> None:
    """Fill `invalid_addresses` with each refused address and why, deciding in SQL what it can.

    An address with a plain local part (at most 64 characters, 254 in all) is valid exactly when
    its domain is, so the maintained validator sees each distinct domain once; only the few
    addresses with an unusual local part, or on a refused domain, are validated one by one.
    """
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE staged_addresses AS
        SELECT address, domain,
               regexp_full_match(local_part, ?, 'i') AND length(local_part) <= 64
                   AND length(address) <= 254 AS plain
        FROM (
            SELECT DISTINCT recipient_email AS address,
                   split_part(recipient_email, '@', 1) AS local_part,
                   CASE WHEN length(recipient_email) - length(replace(recipient_email, '@', '')) = 1
                        THEN split_part(recipient_email, '@', 2) END AS domain
            FROM staged WHERE recipient_email IS NOT NULL
        )
        """,
        [_PLAIN_LOCAL_PART],
    )
    domains = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT domain FROM staged_addresses WHERE plain AND domain IS NOT NULL"
        ).fetchall()
    ]
    refused_domains = [d for d in domains if address_problem(f"a@{d}") is not None]
    con.execute("CREATE OR REPLACE TEMP TABLE refused_domains (domain VARCHAR)")
    if refused_domains:
        con.executemany("INSERT INTO refused_domains VALUES (?)", [(d,) for d in refused_domains])
    addresses = [
        r[0]
        for r in con.execute(
            "SELECT address FROM staged_addresses WHERE NOT plain OR domain IS NULL "
            "OR domain IN (SELECT domain FROM refused_domains)"
        ).fetchall()
    ]
    invalid = []
    for address in addresses:
        problem = address_problem(address)
        if problem is not None:
            key, params = problem
            english = t(f"address.{key}", "en", **params)
            invalid.append((address, english, key, json.dumps(params, ensure_ascii=False)))
    con.execute(
        "CREATE OR REPLACE TEMP TABLE invalid_addresses "
        "(address VARCHAR, problem VARCHAR, problem_code VARCHAR, problem_params JSON)"
    )
    if invalid:
        con.executemany("INSERT INTO invalid_addresses VALUES (?, ?, ?, ?)", invalid)
