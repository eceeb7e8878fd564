"""Questions the Contacts page asks: which contacts of a kind match a search, who one contact is
(names, addresses, and who else uses each address), and whose mail a send_id is.

A contact is the platform's `contact_id`. One contact may have had several addresses (all their
mails count), and one address may be shared by several contacts (a company's generic mailbox):
`contact_identity` names the others so the page can point to them. Mails known only from a
provider's data have no contact and are not found here. No Streamlit here.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb
import pandas as pd

from pipeline.rules.status_sql import status_in
from pipeline.rules.statuses import FAILED_STATUSES, RECIPIENT_KINDS

MAX_SEARCH_WORDS = 6
MAX_WORD = 100
_FAILED = status_in(FAILED_STATUSES)
# A search word is looked for in each mail's name, address and contact id, lower-cased and
# without accents: the column `contact_text` the store prepares when it writes the mail; the word
# is folded the same way, in SQL.
_MATCH = "contains(contact_text, strip_accents(lower(?)))"


@dataclass(frozen=True)
class AddressUse:
    """One address a contact was mailed at, and the other contacts mailed at the same one."""

    recipient_email: str
    mails: int
    last_mail_at: datetime | None
    failures: int
    # (contact_id, name, kind) of every other contact mailed at this address
    shared_with: tuple[tuple[str, str | None, str | None], ...] = ()
    mails_without_contact: int = 0  # mails to this address that name no contact


@dataclass(frozen=True)
class ContactIdentity:
    """Who a contact is, from every mail sent to them."""

    contact_id: str
    name: str | None  # the name on their latest mail
    other_names: tuple[str, ...]
    kind: str | None  # the kind on their latest mail
    mails: int
    failures: int
    sessions: int
    opportunities: int
    first_mail_at: datetime | None
    last_mail_at: datetime | None
    addresses: tuple[AddressUse, ...]  # the most recently used first


def search_words(text: str | None) -> list[str]:
    """The words of a search, lower-cased and without accents ("Éléonore  RAMOS" → two words)."""
    if not text:
        return []
    return [_fold(word)[:MAX_WORD] for word in text.split()][:MAX_SEARCH_WORDS]


def find_contacts(
    con: duckdb.DuckDBPyConnection, kind: str | None, text: str | None = None, limit: int = 50
) -> pd.DataFrame:
    """Contacts of `kind` (any kind when None) whose name, address or id contains every word of
    `text`, ignoring case and accents; without text, every contact of the kind.

    Columns: contact_id, recipient_name and recipient_email (those of the latest mail),
    addresses (how many), mails, failures, last_mail_at, matches (how many contacts match in
    all). A contact mailed at exactly `text` comes first, then the most recently mailed.
    """
    if kind is not None and kind not in RECIPIENT_KINDS:
        raise ValueError(f"unknown recipient kind {kind!r}")
    words = search_words(text)
    # Read from the store's contact_totals (one row per contact and kind, with their addresses
    # and every distinct contact_text of their mails: migration 006). A contact matches when
    # one of their mails' texts holds every word.
    match = " AND ".join(_MATCH for _ in words) or "TRUE"
    exact = (text or "").strip().lower()
    if kind is not None:  # one row per contact: no grouping
        sql = f"""
            SELECT contact_id, recipient_name, recipient_email,
                   len(addresses)           AS addresses,
                   mails, failures, last_mail_at,
                   count(*) OVER ()         AS matches
            FROM contact_totals
            WHERE recipient_kind = ?
              AND len(list_filter(contact_texts, lambda contact_text: {match})) > 0
            ORDER BY list_contains(addresses, ?) DESC, last_mail_at DESC, contact_id
            LIMIT ?
        """
        return con.execute(sql, [kind, *words, exact, limit]).df()
    sql = f"""
        SELECT contact_id,
               arg_max(recipient_name, named_at)                  AS recipient_name,
               arg_max(recipient_email, addressed_at)             AS recipient_email,
               len(list_distinct(flatten(list(addresses))))       AS addresses,
               sum(mails)::BIGINT                                 AS mails,
               sum(failures)::BIGINT                              AS failures,
               max(last_mail_at)                                  AS last_mail_at,
               count(*) OVER ()                                   AS matches
        FROM contact_totals
        GROUP BY contact_id
        HAVING bool_or(len(list_filter(contact_texts, lambda contact_text: {match})) > 0)
        ORDER BY bool_or(list_contains(addresses, ?)) DESC, last_mail_at DESC, contact_id
        LIMIT ?
    """
    return con.execute(sql, [*words, exact, limit]).df()


def contact_identity(con: duckdb.DuckDBPyConnection, contact_id: str) -> ContactIdentity | None:
    """Who `contact_id` is, or None when no mail names them."""
    row = con.execute(
        f"""
        SELECT arg_max(recipient_name, requested_at),
               list(DISTINCT recipient_name) FILTER (WHERE recipient_name IS NOT NULL),
               arg_max(recipient_kind, requested_at),
               count(*), count(*) FILTER (WHERE {_FAILED}),
               count(DISTINCT session_id), count(DISTINCT opportunity_id),
               min(requested_at), max(requested_at)
        FROM email_history WHERE contact_id = ?
        """,
        [contact_id],
    ).fetchone()
    if row is None or not row[3]:
        return None
    name, names, kind, mails, failures, sessions, opportunities, first, last = row
    return ContactIdentity(
        contact_id=contact_id,
        name=name,
        other_names=tuple(sorted(n for n in names or () if n != name)),
        kind=kind,
        mails=mails,
        failures=failures,
        sessions=sessions,
        opportunities=opportunities,
        first_mail_at=first,
        last_mail_at=last,
        addresses=_addresses(con, contact_id),
    )


def contact_of_mail(con: duckdb.DuckDBPyConnection, send_id: str) -> tuple[str, str | None] | None:
    """(contact_id, recipient_kind) of a mail, or None when it names no contact."""
    row = con.execute(
        "SELECT contact_id, recipient_kind FROM email_history "
        "WHERE send_id = ? AND contact_id IS NOT NULL LIMIT 1",
        [send_id],
    ).fetchone()
    return (row[0], row[1]) if row else None


def _addresses(con: duckdb.DuckDBPyConnection, contact_id: str) -> tuple[AddressUse, ...]:
    rows = con.execute(
        f"""
        WITH mine AS (
            SELECT recipient_email, count(*) AS mails, max(requested_at) AS last_mail_at,
                   count(*) FILTER (WHERE {_FAILED}) AS failures
            FROM email_history WHERE contact_id = ? GROUP BY recipient_email
        ),
        others AS (
            SELECT h.recipient_email, h.contact_id,
                   arg_max(h.recipient_name, h.requested_at) AS name,
                   arg_max(h.recipient_kind, h.requested_at) AS kind
            FROM email_history AS h JOIN mine USING (recipient_email)
            WHERE h.contact_id IS NOT NULL AND h.contact_id <> ?
            GROUP BY ALL
        ),
        unlinked AS (
            SELECT h.recipient_email, count(*) AS mails
            FROM email_history AS h JOIN mine USING (recipient_email)
            WHERE h.contact_id IS NULL GROUP BY ALL
        )
        SELECT m.recipient_email, m.mails, m.last_mail_at, m.failures,
               coalesce((SELECT list((o.contact_id, o.name, o.kind) ORDER BY o.contact_id)
                         FROM others AS o WHERE o.recipient_email = m.recipient_email), []),
               coalesce((SELECT u.mails FROM unlinked AS u
                         WHERE u.recipient_email = m.recipient_email), 0)
        FROM mine AS m
        ORDER BY m.last_mail_at DESC NULLS LAST, m.recipient_email
        """,
        [contact_id, contact_id],
    ).fetchall()
    return tuple(
        AddressUse(
            recipient_email=email,
            mails=mails,
            last_mail_at=last,
            failures=failures,
            shared_with=tuple(_triple(item) for item in shared),
            mails_without_contact=int(unlinked),
        )
        for email, mails, last, failures, shared, unlinked in rows
    )


def _triple(item: Any) -> tuple[str, str | None, str | None]:
    """A DuckDB struct comes back as a dict of its fields, in order."""
    values = list(item.values()) if isinstance(item, dict) else list(item)
    return values[0], values[1], values[2]


def _fold(text: str) -> str:
    """Lower case without accents, as DuckDB's strip_accents(lower(...)) gives it."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))
