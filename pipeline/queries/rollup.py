"""Where an aggregate query reads its mails from: the smallest rollup of the store (migration
006) that holds every column the query filters, groups and counts by, else `mails` itself.

A rollup row stands for `mails` mails that share its values, so every query counts with
`sum(mails)`; `mails` is read with a weight of 1 per row, so the same SQL runs on both. A rollup's
days are the store's `requested_day`, valid only in the zone they were computed in: a connection
in another zone reads `mails` and computes each mail's day itself. No Streamlit here.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import duckdb

from pipeline.filters.mail_filter import MailFilter

# The columns each rollup has, smallest table first (human_open: opened or clicked by a person;
# named_at: when the latest session name was seen).
_DAY_DIMENSIONS = frozenset(
    {"requested_day", "provider", "email_type", "recipient_kind", "status", "bounce_category",
     "human_open", "complained"}
)  # fmt: skip
ROLLUPS: tuple[tuple[str, frozenset[str]], ...] = (
    ("mail_days", _DAY_DIMENSIONS | {"unsubscribed", "has_send_log"}),
    ("session_days", (_DAY_DIMENSIONS - {"bounce_category"}) | {"session_id", "session_name",
                                                                "named_at"}),
    ("domain_days", _DAY_DIMENSIONS | {"recipient_domain"}),
)  # fmt: skip
# `mails` with the rollups' computed columns, one mail a row.
_MAILS = (
    "(SELECT *, (open_count > 0 OR click_count > 0) AS human_open, "
    "requested_at AS named_at, 1 AS mails FROM mails)"
)
# What each MailFilter field reads; a field not named here (a contact, an address, free text)
# is in no rollup.
_FILTER_COLUMNS = {
    "period_start": "requested_day",
    "period_end": "requested_day",
    "statuses": "status",
    "email_types": "email_type",
    "recipient_kinds": "recipient_kind",
    "providers": "provider",
    "recipient_domains": "recipient_domain",
    "bounce_categories": "bounce_category",
    "excluded_domains": "recipient_domain",
    "session_id": "session_id",
    "complained": "complained",
    "unsubscribed": "unsubscribed",
    "has_send_log": "has_send_log",
    "human_open": "human_open",
}
_MULTI = ("statuses", "email_types", "recipient_kinds", "providers", "recipient_domains",
          "bounce_categories")  # fmt: skip
_EQUAL = ("session_id", "complained", "unsubscribed", "has_send_log", "human_open")


@dataclass(frozen=True)
class Source:
    """The relation to read (`FROM {relation} WHERE {where}`), its parameters, and the SQL of a
    mail's day on it."""

    relation: str
    where: str
    params: list[Any]
    day: str

    @property
    def is_rollup(self) -> bool:
        return not self.relation.startswith("(")


def source(
    con: duckdb.DuckDBPyConnection, mail_filter: MailFilter, columns: set[str] | frozenset[str]
) -> Source:
    """The smallest relation that answers a query over `mail_filter`'s mails reading `columns`
    (besides the filter's own), with the filter compiled for it."""
    needed = set(columns) | _filter_columns(mail_filter)
    if stored_days_valid(con):
        for table, has in ROLLUPS:
            if needed <= has:
                where, params = _rollup_where(mail_filter)
                return Source(table, where, params, "requested_day")
    where, params = mail_filter.where()
    return Source(_MAILS, where, params, mail_day(con))


def stored_days_valid(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the store's days (and its rollups') are in this connection's zone."""
    try:
        row = con.execute(
            "SELECT value = current_setting('TimeZone') FROM schema_meta WHERE key = 'day_zone'"
        ).fetchone()
    except duckdb.CatalogException:  # a stand-in history without the store's schema
        return False
    return bool(row and row[0])


def mail_day(con: duckdb.DuckDBPyConnection) -> str:
    """The SQL of a mail's day on `mails` for this connection: the stored one when its zone is
    this one, else computed per row."""
    return "requested_day" if stored_days_valid(con) else "CAST(requested_at AS DATE)"


def _filter_columns(mail_filter: MailFilter) -> set[str]:
    used: set[str] = set()
    for field in dataclasses.fields(mail_filter):
        value = getattr(mail_filter, field.name)
        if value is None or value == () or value == "":
            continue
        used.add(_FILTER_COLUMNS.get(field.name, f"<{field.name}>"))  # <…>: in no rollup
    return used


def _rollup_where(mail_filter: MailFilter) -> tuple[str, list[Any]]:
    """The filter as a condition on a rollup: what MailFilter.where() says on `mails`, with the
    period on the stored day."""
    parts: list[str] = []
    params: list[Any] = []
    if mail_filter.period_start:
        parts.append("requested_day >= ?")
        params.append(mail_filter.period_start)
    if mail_filter.period_end:
        parts.append("requested_day <= ?")
        params.append(mail_filter.period_end)
    for name in _MULTI:
        values = getattr(mail_filter, name)
        if values:
            parts.append(f"{_FILTER_COLUMNS[name]} IN ({', '.join('?' for _ in values)})")
            params.extend(values)
    if mail_filter.excluded_domains:
        marks = ", ".join("?" for _ in mail_filter.excluded_domains)
        parts.append(f"(recipient_domain IS NULL OR recipient_domain NOT IN ({marks}))")
        params.extend(mail_filter.excluded_domains)
    for name in _EQUAL:
        value = getattr(mail_filter, name)
        if value is not None and value != "":
            parts.append(f"{_FILTER_COLUMNS[name]} = ?")
            params.append(value)
    return (" AND ".join(parts) or "TRUE"), params
