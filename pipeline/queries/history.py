"""Questions about mails: which ones match a filter, how many, and the page of them a grid shows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb
import pandas as pd

from pipeline.filters.mail_filter import MailFilter

# What the history grid and its detail link need of each mail.
GRID_FIELDS = (
    "send_id, requested_at, email_type, recipient_name, recipient_email, recipient_kind, "
    "subject, status, attachment_count, session_id, session_name, opportunity_id"
)
DEFAULT_ORDER = "requested_at DESC NULLS LAST, send_id"


def mail_condition(
    mail_filter: MailFilter, grid_condition: tuple[str, Sequence[Any]] | None = None
) -> tuple[str, list[Any]]:
    """The SQL condition (without WHERE) and parameters of the mails that match the filter and,
    when given, the grid's own header filters: what counts, grids and exports all select."""
    where, params = mail_filter.where()
    if grid_condition:
        where = f"({where}) AND ({grid_condition[0]})"
        params = [*params, *grid_condition[1]]
    return where, params


def count_mails(
    con: duckdb.DuckDBPyConnection,
    mail_filter: MailFilter,
    grid_condition: tuple[str, Sequence[Any]] | None = None,
) -> int:
    """How many mails match the filter (and the grid's own header filters)."""
    where, params = mail_condition(mail_filter, grid_condition)
    row = con.execute(f"SELECT count(*) FROM email_history WHERE {where}", params).fetchone()
    return int(row[0]) if row else 0


def history_rows(
    con: duckdb.DuckDBPyConnection,
    mail_filter: MailFilter,
    grid_condition: tuple[str, Sequence[Any]] | None = None,
    order: str = DEFAULT_ORDER,
    limit: int = 2000,
) -> pd.DataFrame:
    """The mails a history grid shows: filtered, sorted (`order` comes from grid_order, a
    whitelisted ORDER BY list), at most `limit` of them."""
    where, params = mail_condition(mail_filter, grid_condition)
    return con.execute(
        f"SELECT {GRID_FIELDS} FROM email_history WHERE {where} ORDER BY {order} LIMIT ?",
        [*params, limit],
    ).df()


def status_counts(con: duckdb.DuckDBPyConnection, mail_filter: MailFilter) -> pd.DataFrame:
    """How many mails are in each status."""
    where, params = mail_filter.where()
    return con.execute(
        f"SELECT status, count(*) AS mails FROM email_history WHERE {where} "
        "GROUP BY status ORDER BY mails DESC",
        params,
    ).df()
