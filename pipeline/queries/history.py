"""Questions about mails: which ones match a filter, how many, and the page of them a grid shows.

A grid's own header filters and sort arrive as a `GridQuery` and are compiled here, into bound
parameters and whitelisted column expressions; callers never pass SQL text. The conditions are on
`mails`, email_history's columns plus the search and sort columns the store prepares once per
mail (migration 005): what every query narrowed by a MailFilter or a grid reads.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

from pipeline.filters.grid_query import GridQuery
from pipeline.filters.mail_filter import MailFilter

# What the history grid and its detail link need of each mail.
GRID_FIELDS = (
    "send_id, requested_at, email_type, recipient_name, recipient_email, recipient_kind, "
    "subject, status, attachment_count, session_id, session_name, opportunity_id"
)
DEFAULT_ORDER = "requested_at DESC NULLS LAST, send_id"


def mail_condition(mail_filter: MailFilter, grid: GridQuery | None = None) -> tuple[str, list[Any]]:
    """The SQL condition (without WHERE) and parameters of the mails that match the filter and,
    when given, the grid's own header filters: what counts, grids and exports all select.

    Raises GridFilterError when the grid's models cannot be compiled."""
    where, params = mail_filter.where()
    grid_part = grid.where() if grid is not None else None
    if grid_part is not None:
        where = f"({where}) AND ({grid_part[0]})"
        params = [*params, *grid_part[1]]
    return where, params


def count_mails(
    con: duckdb.DuckDBPyConnection,
    mail_filter: MailFilter,
    grid: GridQuery | None = None,
) -> int:
    """How many mails match the filter (and the grid's own header filters)."""
    where, params = mail_condition(mail_filter, grid)
    row = con.execute(f"SELECT count(*) FROM mails WHERE {where}", params).fetchone()
    return int(row[0]) if row else 0


def history_rows(
    con: duckdb.DuckDBPyConnection,
    mail_filter: MailFilter,
    grid: GridQuery | None = None,
    limit: int = 2000,
) -> pd.DataFrame:
    """The mails a history grid shows: filtered, sorted as the grid asks (newest first without
    a grid), at most `limit` of them."""
    where, params = mail_condition(mail_filter, grid)
    order = grid.order_by() if grid is not None else DEFAULT_ORDER
    return con.execute(
        f"SELECT {GRID_FIELDS} FROM mails WHERE {where} ORDER BY {order} LIMIT ?",
        [*params, limit],
    ).df()


def status_counts(con: duckdb.DuckDBPyConnection, mail_filter: MailFilter) -> pd.DataFrame:
    """How many mails are in each status."""
    where, params = mail_filter.where()
    return con.execute(
        f"SELECT status, count(*) AS mails FROM mails WHERE {where} "
        "GROUP BY status ORDER BY mails DESC",
        params,
    ).df()
