"""The overview's questions: how many mails and how they ended, over a period, over time, by
slice, month by month; and the exact filter behind every number, for the drill-down to Explore.

Every count comes from one SQL select list, COUNTS, whose names are those of
pipeline.rules.deliverability (which divides them); the status columns let a chart stack them.
Each function is one query over `mails` (email_history and its prepared columns) narrowed by a
MailFilter, values bound as parameters; dimensions and buckets come from whitelists. No Streamlit
here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import pandas as pd

from pipeline.filters.mail_filter import MailFilter
from pipeline.filters.periods import Bucket, Period, bucket_start, buckets
from pipeline.rules.deliverability import COUNT_NAMES
from pipeline.rules.status_sql import status_in
from pipeline.rules.statuses import (
    FAILED_STATUSES,
    IN_FLIGHT_STATUSES,
    RECEIVED_STATUSES,
    RECIPIENT_KINDS,
    SETTLED_STATUSES,
    STATUS_KEYS,
)

_HUMAN_OPEN = "(open_count > 0 OR click_count > 0)"
COUNTS = ",\n".join(
    [
        "count(*) AS mails",
        f"count(*) FILTER (WHERE {status_in(SETTLED_STATUSES)}) AS settled",
        f"count(*) FILTER (WHERE {status_in(RECEIVED_STATUSES)}) AS arrived",
        f"count(*) FILTER (WHERE {status_in((*RECEIVED_STATUSES, 'undeliverable'))}) AS attempted",
        "count(*) FILTER (WHERE status = 'undeliverable') AS undeliverable",
        "count(*) FILTER (WHERE status = 'send_error') AS send_error",
        f"count(*) FILTER (WHERE {status_in(IN_FLIGHT_STATUSES)}) AS in_flight",
        f"count(*) FILTER (WHERE status = 'opened' AND {_HUMAN_OPEN}) AS human_opened",
        f"count(*) FILTER (WHERE status = 'opened' AND NOT {_HUMAN_OPEN}) AS machine_opened_only",
        "count(*) FILTER (WHERE complained) AS complained",
        *(f"count(*) FILTER (WHERE status = '{key}') AS status_{key}" for key in STATUS_KEYS),
    ]
)
COUNT_COLUMNS: tuple[str, ...] = (*COUNT_NAMES, *(f"status_{key}" for key in STATUS_KEYS))

#: Columns a breakdown can be drawn by, with the MailFilter field that selects one value.
DIMENSIONS: dict[str, str] = {
    "email_type": "email_types",
    "recipient_kind": "recipient_kinds",
    "recipient_domain": "recipient_domains",
    "provider": "providers",
}
# A mail's calendar day in the connection's TimeZone: the day the store prepared, when it was
# computed in that zone (schema_meta.day_zone, the configured one), else computed per row.
_STORED_DAY = "requested_day"
_COMPUTED_DAY = "CAST(requested_at AS DATE)"
_TRUNC = {
    "day": "{day}",
    "week": "date_trunc('week', {day})",
    "month": "date_trunc('month', {day})",
}
OTHER = "__other__"
_FAILED = status_in(FAILED_STATUSES)


def data_days(con: duckdb.DuckDBPyConnection) -> tuple[dt.date | None, dt.date | None]:
    """The days of the oldest and the newest mail in the store (None, None when empty)."""
    day = _day(con)
    row = con.execute(f"SELECT min({day}), max({day}) FROM mails").fetchone()
    return (row[0], row[1]) if row else (None, None)


def filter_choices(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """The providers, mail types and recipient kinds present in the store, for the filters."""
    out: dict[str, list[str]] = {}
    for column in ("provider", "email_type", "recipient_kind"):
        rows = con.execute(
            f"SELECT DISTINCT {column} FROM mails WHERE {column} IS NOT NULL ORDER BY 1"
        ).fetchall()
        out[column] = [row[0] for row in rows]
    out["recipient_kind"] = [k for k in RECIPIENT_KINDS if k in out["recipient_kind"]]
    return out


def counts(con: duckdb.DuckDBPyConnection, mail_filter: MailFilter) -> dict[str, int]:
    """Every count of COUNT_COLUMNS over the mails of the filter."""
    where, params = mail_filter.where()
    frame = con.execute(f"SELECT {COUNTS} FROM mails WHERE {where}", params).df()
    return {name: int(frame.at[0, name]) for name in COUNT_COLUMNS}


def counts_over_time(
    con: duckdb.DuckDBPyConnection, mail_filter: MailFilter, period: Period, bucket: Bucket
) -> pd.DataFrame:
    """One row per bucket of the period (empty buckets included, in order): `start`, `end`
    (the bucket's days inside the period) and every count."""
    where, params = in_period(mail_filter, period).where()
    found = con.execute(
        f"SELECT {_bucket(con, bucket)} AS bucket, {COUNTS} FROM mails WHERE {where} "
        "GROUP BY bucket",
        params,
    ).df()
    frame = _bucket_frame(period, bucket)
    found["bucket"] = pd.to_datetime(found["bucket"]).dt.date
    frame = frame.merge(found, on="bucket", how="left")
    frame[list(COUNT_COLUMNS)] = frame[list(COUNT_COLUMNS)].fillna(0).astype("int64")
    return frame


def volume_over_time(
    con: duckdb.DuckDBPyConnection,
    mail_filter: MailFilter,
    period: Period,
    bucket: Bucket,
    dimension: str = "provider",
) -> pd.DataFrame:
    """Mails per bucket and value of `dimension` (long format: bucket, start, end, value, mails),
    every value of the period in every bucket."""
    column = _dimension_column(dimension)
    where, params = in_period(mail_filter, period).where()
    found = con.execute(
        f"SELECT {_bucket(con, bucket)} AS bucket, {column} AS value, count(*) AS mails "
        f"FROM mails WHERE {where} AND {column} IS NOT NULL GROUP BY ALL",
        params,
    ).df()
    found["bucket"] = pd.to_datetime(found["bucket"]).dt.date
    values = sorted(found["value"].unique())
    grid = _bucket_frame(period, bucket).merge(pd.DataFrame({"value": values}), how="cross")
    frame = grid.merge(found, on=["bucket", "value"], how="left")
    frame["mails"] = frame["mails"].fillna(0).astype("int64")
    return frame


def breakdown(
    con: duckdb.DuckDBPyConnection, mail_filter: MailFilter, dimension: str, top: int | None = None
) -> pd.DataFrame:
    """Every count per value of `dimension`, most mails first; with `top`, the `top` values
    with the most mails and one last row, value OTHER, for all the rest (mails without a value
    included). Mails without a value are otherwise left out (they have no type or kind when
    they are missing from the send log)."""
    column = _dimension_column(dimension)
    where, params = mail_filter.where()
    frame = con.execute(
        f"SELECT {column} AS value, {COUNTS} FROM mails WHERE {where} "
        f"GROUP BY ALL ORDER BY mails DESC, value NULLS LAST",
        params,
    ).df()
    if top is None or len(frame) <= top:
        return frame[frame["value"].notna()].reset_index(drop=True)
    known = frame[frame["value"].notna()]
    head = known.head(top)
    rest = frame.drop(head.index)
    other = rest[list(COUNT_COLUMNS)].sum().to_frame().T.astype("int64")
    other.insert(0, "value", OTHER)
    return pd.concat([head, other], ignore_index=True)


def sessions_with_most_failures(
    con: duckdb.DuckDBPyConnection, mail_filter: MailFilter, top: int = 10
) -> pd.DataFrame:
    """The `top` sessions with the most undeliverable and send-error mails (at least one),
    with every count and the session's name."""
    where, params = mail_filter.where()
    return con.execute(
        f"SELECT session_id AS value, any_value(session_name) AS session_name, {COUNTS} "
        f"FROM mails WHERE {where} AND session_id IS NOT NULL GROUP BY session_id "
        f"HAVING count(*) FILTER (WHERE {_FAILED}) > 0 "
        f"ORDER BY status_undeliverable + status_send_error DESC, mails DESC, value LIMIT ?",
        [*params, top],
    ).df()


def monthly_slices(
    con: duckdb.DuckDBPyConnection, mail_filter: MailFilter, period: Period
) -> pd.DataFrame:
    """Every count per month of the period, for all mails (dimension "all") and per recipient
    domain, provider and mail type; with the most frequent bounce category of the
    undeliverable and of the send-error mails (ties: the first name alphabetically)."""
    where, params = in_period(mail_filter, period).where()
    return con.execute(
        f"""
        WITH base AS (  -- only what the slices and COUNTS read, not every column of `mails`
            SELECT {_bucket(con, "month")} AS month, recipient_domain, provider, email_type,
                   status, bounce_category, open_count, click_count, complained
            FROM mails WHERE {where}
        ),
        sliced AS (
            SELECT month, 'all' AS dimension, NULL::VARCHAR AS value, * EXCLUDE (month) FROM base
            UNION ALL SELECT month, 'recipient_domain', recipient_domain, * EXCLUDE (month)
                FROM base WHERE recipient_domain IS NOT NULL
            UNION ALL SELECT month, 'provider', provider, * EXCLUDE (month)
                FROM base WHERE provider IS NOT NULL
            UNION ALL SELECT month, 'email_type', email_type, * EXCLUDE (month)
                FROM base WHERE email_type IS NOT NULL
        ),
        categories AS (
            SELECT month, dimension, value, status, bounce_category, count(*) AS n
            FROM sliced WHERE {_FAILED} AND bounce_category IS NOT NULL
            GROUP BY ALL
        ),
        top_category AS (
            SELECT month, dimension, value,
                arg_min(bounce_category, (-n, bounce_category))
                    FILTER (WHERE status = 'undeliverable') AS undeliverable_category,
                arg_min(bounce_category, (-n, bounce_category))
                    FILTER (WHERE status = 'send_error') AS send_error_category
            FROM categories GROUP BY ALL
        )
        SELECT s.*, c.undeliverable_category, c.send_error_category
        FROM (SELECT month, dimension, value, {COUNTS} FROM sliced GROUP BY ALL) AS s
        LEFT JOIN top_category AS c
          ON c.month = s.month AND c.dimension = s.dimension
         AND c.value IS NOT DISTINCT FROM s.value
        ORDER BY s.month, s.dimension, s.value
        """,
        params,
    ).df()


# --- The filters behind the numbers (drill-down) ------------------------------------------------


def in_period(mail_filter: MailFilter, period: Period) -> MailFilter:
    """The filter narrowed to the period's days."""
    return mail_filter.with_(period_start=period.start, period_end=period.end)


def segment_filter(
    mail_filter: MailFilter,
    *,
    period: Period | None = None,
    dimension: str | None = None,
    value: Any = None,
    others: tuple[str, ...] = (),
    **changes: Any,
) -> MailFilter:
    """Exactly the mails of one chart segment: the page's filter, narrowed to a bucket's days
    (`period`), to one value of a breakdown dimension (or, for OTHER, to every value but
    `others`, the ones shown), and to `changes` (statuses=…, human_open=…, complained=…)."""
    narrowed = mail_filter if period is None else in_period(mail_filter, period)
    if dimension == "session":
        narrowed = narrowed.with_(session_id=str(value))
    elif dimension is not None:
        field = DIMENSIONS[dimension]
        if value == OTHER:
            if dimension != "recipient_domain":
                raise ValueError(f"'other' is only drawn for recipient domains, not {dimension}")
            narrowed = narrowed.with_(excluded_domains=tuple(others))
        else:
            narrowed = narrowed.with_(**{field: (str(value),)})
    return narrowed.with_(**changes) if changes else narrowed


def _day(con: duckdb.DuckDBPyConnection) -> str:
    """The SQL of a mail's day for this connection: the stored one when its zone is this one."""
    try:
        row = con.execute(
            "SELECT value = current_setting('TimeZone') FROM schema_meta WHERE key = 'day_zone'"
        ).fetchone()
    except duckdb.CatalogException:  # a stand-in history without the store's schema
        row = None
    return _STORED_DAY if row and row[0] else _COMPUTED_DAY


def _bucket(con: duckdb.DuckDBPyConnection, bucket: Bucket) -> str:
    return _TRUNC[bucket].format(day=_day(con))


def _dimension_column(dimension: str) -> str:
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}; expected one of {list(DIMENSIONS)}")
    return dimension


def _bucket_frame(period: Period, bucket: Bucket) -> pd.DataFrame:
    parts = buckets(period, bucket)
    return pd.DataFrame(
        {
            "bucket": [bucket_start(bucket, part.start) for part in parts],
            "start": [part.start for part in parts],
            "end": [part.end for part in parts],
        }
    )
