"""Questions the Failed sends page asks: the mails of a period that did not arrive (undeliverable
and send errors), grouped by recipient address and by bounce category, with what to do.

Counts come from DuckDB; `with_advice` then adds, per group, the suggested action (the shared
guidance), a likely correction of a mistyped address and what is wrong with a malformed one —
words for the page, computed once per group, never per mail. The period is on the request time,
as in every MailFilter, so the groups and the mail grid always count the same mails.
No Streamlit here.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from pipeline.filters.mail_filter import MailFilter
from pipeline.i18n import t
from pipeline.rules.statuses import FAILED_STATUSES
from pipeline.support.guidance import guidance
from pipeline.support.typos import is_valid_address, suggest_address

DEFAULT_PERIOD_DAYS = 30
#: At most this many addresses in the table (the latest failures first); the others are reached
#: by narrowing the period or picking a category.
MAX_ADDRESSES = 2_000


def failed_mails_filter(start: dt.date | None, end: dt.date | None) -> MailFilter:
    """The failed mails (undeliverable and send errors) requested between start and end."""
    return MailFilter(period_start=start, period_end=end, statuses=FAILED_STATUSES)


def newest_mail_day(con: duckdb.DuckDBPyConnection) -> dt.date | None:
    """The day of the latest mail in the store (in the connection's zone), None when empty."""
    row = con.execute("SELECT max(requested_at)::DATE FROM email_history").fetchone()
    return row[0] if row else None


def default_period(
    con: duckdb.DuckDBPyConnection, days: int = DEFAULT_PERIOD_DAYS
) -> tuple[dt.date, dt.date] | None:
    """The last `days` days up to the newest data (not today: a demo or an old store is never
    shown empty), both ends included; None when the store holds no mail."""
    newest = newest_mail_day(con)
    return (newest - dt.timedelta(days=days - 1), newest) if newest else None


def failures_by_address(
    con: duckdb.DuckDBPyConnection,
    start: dt.date | None,
    end: dt.date | None,
    bounce_category: str | None = None,
    limit: int = MAX_ADDRESSES,
    include: str | None = None,
) -> pd.DataFrame:
    """One row per recipient address that failed in the period (with a failure of that bounce
    category, when given), the latest failure first; at most `limit` of them, and `include`
    (the address a link names) wherever it ranks.

    Columns: recipient_email, recipient_name, recipient_kind, contact_id (of the latest failed
    mail), mails, undeliverable, send_errors, sessions, first_failed_at, last_failed_at, and
    of the latest failure: last_status, bounce_category, last_reason, smtp_code, last_send_id;
    and `addresses`, how many addresses failed in all (more than the rows when cut).
    """
    failed = failed_mails_filter(start, end)
    if bounce_category:
        failed = failed.with_(bounce_categories=(bounce_category,))
    where, params = failed.where()
    return con.execute(
        f"""
        SELECT recipient_email,
               arg_max(recipient_name, requested_at)          AS recipient_name,
               arg_max(recipient_kind, requested_at)          AS recipient_kind,
               arg_max(contact_id, requested_at)              AS contact_id,
               count(*)                                       AS mails,
               count(*) FILTER (WHERE status = 'undeliverable') AS undeliverable,
               count(*) FILTER (WHERE status = 'send_error')  AS send_errors,
               count(DISTINCT session_id)                     AS sessions,
               min(coalesce(status_at, requested_at))         AS first_failed_at,
               max(coalesce(status_at, requested_at))         AS last_failed_at,
               arg_max(status, coalesce(status_at, requested_at))          AS last_status,
               arg_max(bounce_category, coalesce(status_at, requested_at)) AS bounce_category,
               arg_max(last_reason, coalesce(status_at, requested_at))     AS last_reason,
               arg_max(smtp_code, coalesce(status_at, requested_at))       AS smtp_code,
               arg_max(send_id, coalesce(status_at, requested_at))         AS last_send_id,
               count(*) OVER ()                               AS addresses
        FROM mails
        WHERE {where}
        GROUP BY recipient_email
        QUALIFY row_number() OVER (
                    ORDER BY max(coalesce(status_at, requested_at)) DESC, recipient_email
                ) <= ?
             OR recipient_email = lower(?)
        ORDER BY last_failed_at DESC, recipient_email
        """,
        [*params, limit, include],
    ).df()


def failures_by_category(
    con: duckdb.DuckDBPyConnection, start: dt.date | None, end: dt.date | None
) -> pd.DataFrame:
    """One row per bounce category of the period's failures, the most frequent first.

    Columns: bounce_category ('other' when the provider gave nothing to classify), mails,
    addresses, undeliverable, send_errors, last_failed_at, main_status (the status most of its
    mails are in).
    """
    where, params = failed_mails_filter(start, end).where()
    return con.execute(
        f"""
        SELECT coalesce(bounce_category, 'other')             AS bounce_category,
               count(*)                                       AS mails,
               count(DISTINCT recipient_email)                AS addresses,
               count(*) FILTER (WHERE status = 'undeliverable') AS undeliverable,
               count(*) FILTER (WHERE status = 'send_error')  AS send_errors,
               max(coalesce(status_at, requested_at))         AS last_failed_at,
               mode(status)                                   AS main_status
        FROM mails
        WHERE {where}
        GROUP BY ALL
        ORDER BY mails DESC, bounce_category
        """,
        params,
    ).df()


def with_advice(groups: pd.DataFrame, lang: str, status_column: str) -> pd.DataFrame:
    """A copy of `groups` (rows of failures_by_address or failures_by_category) with:

    - `action`: what to do, from the shared guidance for the group's status and category
      (without the closing "if it persists, contact customer service", said once by the page);
    - for address groups, `suggestion` (the address with its domain corrected, when it looks
      mistyped) and `address_problem` (why the address is malformed, in words), else None.
    """
    out = groups.copy()
    persists = t("guidance.persists", lang)
    pairs = {
        (status, category)
        for status, category in zip(out[status_column], out["bounce_category"], strict=True)
    }
    actions = {
        pair: guidance(pair[0], pair[1], lang).what_to_do.replace(persists, "").strip()
        for pair in pairs
    }
    out["action"] = [
        actions[pair] for pair in zip(out[status_column], out["bounce_category"], strict=True)
    ]
    if "recipient_email" in out.columns:
        emails = out["recipient_email"].fillna("")
        out["suggestion"] = [suggest_address(email) for email in emails]
        out["address_problem"] = [is_valid_address(email, lang)[1] for email in emails]
    return out
