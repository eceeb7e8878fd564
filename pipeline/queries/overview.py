"""The overview's questions: how many mails and how they ended, over a period, over time, by
slice, month by month; and the exact filter behind every number, for the drill-down to Explore.

Every count comes from one SQL select list, COUNTS, whose names are those of
pipeline.rules.deliverability (which divides them); the status columns let a chart stack them.
Each function is one query narrowed by a MailFilter, values bound as parameters; dimensions and
buckets come from whitelists. The query reads the smallest of the store's daily rollups that
holds what it needs, else `mails` (pipeline/queries/rollup.py): every count is a sum of the
rows' `mails`. No Streamlit here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import pandas as pd

from pipeline.filters.mail_filter import MailFilter
from pipeline.filters.periods import Bucket, Period, bucket_start, buckets
from pipeline.queries.rollup import Source, source
from pipeline.rules.deliverability import COUNT_NAMES, GUARDS, RATES
from pipeline.rules.status_sql import status_in
from pipeline.rules.statuses import (
    FAILED_STATUSES,
    IN_FLIGHT_STATUSES,
    RECEIVED_STATUSES,
    RECIPIENT_KINDS,
    SETTLED_STATUSES,
    STATUS_KEYS,
)

# Each count: its name and which mails it counts. A row of a rollup stands for `mails` mails.
_COUNTED: tuple[tuple[str, str], ...] = (
    ("mails", "TRUE"),
    ("settled", status_in(SETTLED_STATUSES)),
    ("arrived", status_in(RECEIVED_STATUSES)),
    ("attempted", status_in((*RECEIVED_STATUSES, "undeliverable"))),
    ("undeliverable", "status = 'undeliverable'"),
    ("send_error", "status = 'send_error'"),
    ("in_flight", status_in(IN_FLIGHT_STATUSES)),
    ("human_opened", "status = 'opened' AND human_open"),
    ("machine_opened_only", "status = 'opened' AND NOT human_open"),
    ("complained", "complained"),
    *((f"status_{key}", f"status = '{key}'") for key in STATUS_KEYS),
)
COUNTS = ",\n".join(
    f"coalesce(sum(mails) FILTER (WHERE {condition}), 0)::BIGINT AS {name}"
    for name, condition in _COUNTED
)
# What COUNTS reads, besides the rows' `mails`.
_COUNT_READS = frozenset({"status", "human_open", "complained"})
COUNT_COLUMNS: tuple[str, ...] = (*COUNT_NAMES, *(f"status_{key}" for key in STATUS_KEYS))

#: Columns a breakdown can be drawn by, with the MailFilter field that selects one value.
DIMENSIONS: dict[str, str] = {
    "email_type": "email_types",
    "recipient_kind": "recipient_kinds",
    "recipient_domain": "recipient_domains",
    "provider": "providers",
}
_TRUNC = {
    "day": "{day}",
    "week": "date_trunc('week', {day})",
    "month": "date_trunc('month', {day})",
}
OTHER = "__other__"
#: At most this many recipient domains a month in the monthly slices (those failing most).
MAX_DOMAIN_SLICES = 100
_FAILED = status_in(FAILED_STATUSES)


def data_days(con: duckdb.DuckDBPyConnection) -> tuple[dt.date | None, dt.date | None]:
    """The days of the oldest and the newest mail in the store (None, None when empty)."""
    src = source(con, MailFilter(), {"requested_day"})
    row = con.execute(f"SELECT min({src.day}), max({src.day}) FROM {src.relation}").fetchone()
    return (row[0], row[1]) if row else (None, None)


def filter_choices(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """The providers, mail types and recipient kinds present in the store, for the filters."""
    out: dict[str, list[str]] = {}
    for column in ("provider", "email_type", "recipient_kind"):
        src = source(con, MailFilter(), {column})
        rows = con.execute(
            f"SELECT DISTINCT {column} FROM {src.relation} WHERE {column} IS NOT NULL ORDER BY 1"
        ).fetchall()
        out[column] = [row[0] for row in rows]
    out["recipient_kind"] = [k for k in RECIPIENT_KINDS if k in out["recipient_kind"]]
    return out


def counts(con: duckdb.DuckDBPyConnection, mail_filter: MailFilter) -> dict[str, int]:
    """Every count of COUNT_COLUMNS over the mails of the filter."""
    src = source(con, mail_filter, _COUNT_READS)
    row = con.execute(
        f"SELECT {COUNTS} FROM {src.relation} WHERE {src.where}", src.params
    ).fetchone()
    assert row is not None  # an aggregate without GROUP BY has one row
    return dict(zip(COUNT_COLUMNS, (int(v) for v in row), strict=True))


def counts_over_time(
    con: duckdb.DuckDBPyConnection, mail_filter: MailFilter, period: Period, bucket: Bucket
) -> pd.DataFrame:
    """One row per bucket of the period (empty buckets included, in order): `start`, `end`
    (the bucket's days inside the period) and every count."""
    src = source(con, in_period(mail_filter, period), _COUNT_READS | {"requested_day"})
    found = con.execute(
        f"SELECT {_bucket(src, bucket)} AS bucket, {COUNTS} FROM {src.relation} "
        f"WHERE {src.where} GROUP BY bucket",
        src.params,
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
    src = source(con, in_period(mail_filter, period), {column, "requested_day"})
    found = con.execute(
        f"SELECT {_bucket(src, bucket)} AS bucket, {column} AS value, "
        f"sum(mails)::BIGINT AS mails "
        f"FROM {src.relation} WHERE {src.where} AND {column} IS NOT NULL GROUP BY ALL",
        src.params,
    ).df()
    found["bucket"] = pd.to_datetime(found["bucket"]).dt.date
    found["value"] = found["value"].astype(object)  # no rows: pandas would make it float
    values = sorted(found["value"].unique())
    values_frame = pd.DataFrame({"value": pd.Series(values, dtype=object)})
    grid = _bucket_frame(period, bucket).merge(values_frame, how="cross")
    frame = grid.merge(found, on=["bucket", "value"], how="left")
    frame["mails"] = frame["mails"].fillna(0).astype("int64")
    return frame


def breakdown(
    con: duckdb.DuckDBPyConnection, mail_filter: MailFilter, dimension: str, top: int | None = None
) -> pd.DataFrame:
    """Every count per value of `dimension`, most mails first; with `top`, the `top` values
    with the most mails and, when there are more, one last row, value OTHER, for all the rest
    (mails without a value included). Mails without a value are otherwise left out (they have
    no type or kind when they are missing from the send log). The top is cut in SQL: only the
    rows shown leave the database."""
    column = _dimension_column(dimension)
    src = source(con, mail_filter, _COUNT_READS | {column})
    grouped = f"""
        SELECT {column} AS value, {COUNTS} FROM {src.relation} WHERE {src.where} GROUP BY ALL
    """
    if top is None:
        return con.execute(
            f"SELECT * FROM ({grouped}) WHERE value IS NOT NULL ORDER BY mails DESC, value",
            src.params,
        ).df()
    # Rank the values, mails without one last; past the top, every row folds into OTHER.
    sums = ", ".join(f"sum({name})::BIGINT AS {name}" for name in COUNT_COLUMNS)
    return con.execute(
        f"""
        WITH grouped AS ({grouped}),
        ranked AS (
            SELECT *, row_number() OVER (ORDER BY value IS NULL, mails DESC, value) AS rank
            FROM grouped
        )
        SELECT value, * EXCLUDE (value, rank) FROM ranked
        WHERE rank <= ? AND value IS NOT NULL
        UNION ALL
        SELECT ? AS value, {sums} FROM ranked
        WHERE rank > ? HAVING count(*) > 0
        ORDER BY value = ?, mails DESC, value
        """,
        [*src.params, top, OTHER, top, OTHER],
    ).df()


def sessions_with_most_failures(
    con: duckdb.DuckDBPyConnection, mail_filter: MailFilter, top: int = 10
) -> pd.DataFrame:
    """The `top` sessions with the most undeliverable and send-error mails (at least one),
    with every count and the session's name (that of its latest mail naming it)."""
    src = source(con, mail_filter, _COUNT_READS | {"session_id", "session_name", "named_at"})
    # Every count is grouped only for the sessions that can make the top: those failing at
    # least as often as the `top`-th (ties kept, for the order by mails); the failures are
    # counted from the failed rows alone. Grouping every session of the period with every count
    # grew with the store.
    return con.execute(
        f"""
        WITH picked AS (
            SELECT * FROM {src.relation} WHERE {src.where} AND session_id IS NOT NULL
        ),
        failing AS (
            SELECT session_id, sum(mails) AS failures FROM picked WHERE {_FAILED}
            GROUP BY session_id
        ),
        candidates AS (
            SELECT session_id FROM failing
            WHERE failures >= (SELECT min(failures) FROM
                               (SELECT failures FROM failing ORDER BY failures DESC LIMIT ?))
        )
        SELECT session_id AS value, arg_max(session_name, named_at) AS session_name, {COUNTS}
        FROM picked
        WHERE session_id IN (SELECT session_id FROM candidates)
        GROUP BY session_id
        ORDER BY status_undeliverable + status_send_error DESC, mails DESC, value
        LIMIT ?
        """,
        [*src.params, top, top],
    ).df()


def monthly_slices(
    con: duckdb.DuckDBPyConnection, mail_filter: MailFilter, period: Period
) -> pd.DataFrame:
    """Every count per month of the period, for all mails (dimension "all") and per recipient
    domain, provider and mail type; with the most frequent bounce category of the
    undeliverable and of the send-error mails (ties: the first name alphabetically).

    These rows are what the alerts judge (pipeline/reports/alerts.py), so a recipient domain's
    month is returned only when it has the volume an alert needs (GUARDS: a domain with two
    mails cannot raise one), at most MAX_DOMAIN_SLICES a month, those with the most failures
    and complaints first: the long tail of domains never leaves the database."""
    # The month-wide, provider and mail-type slices from the smallest rollup that has them; the
    # domains' from one that has domains.
    narrowed = in_period(mail_filter, period)
    columns = {"provider", "email_type", "bounce_category", "requested_day"}
    src = source(con, narrowed, _COUNT_READS | columns)
    by_domain = source(con, narrowed, _COUNT_READS | columns | {"recipient_domain"})
    read = "status, bounce_category, human_open, complained, mails"
    return con.execute(
        f"""
        WITH base AS (  -- only what the slices and COUNTS read
            SELECT {_bucket(src, "month")} AS month, provider, email_type, {read}
            FROM {src.relation} WHERE {src.where}
        ),
        domains AS (
            SELECT {_bucket(by_domain, "month")} AS month, recipient_domain, {read}
            FROM {by_domain.relation} WHERE {by_domain.where} AND recipient_domain IS NOT NULL
        ),
        sliced AS (
            SELECT month, 'all' AS dimension, NULL::VARCHAR AS value, {read} FROM base
            UNION ALL SELECT month, 'recipient_domain', recipient_domain, {read} FROM domains
            UNION ALL SELECT month, 'provider', provider, {read}
                FROM base WHERE provider IS NOT NULL
            UNION ALL SELECT month, 'email_type', email_type, {read}
                FROM base WHERE email_type IS NOT NULL
        ),
        counted AS (
            SELECT month, dimension, value, {COUNTS} FROM sliced GROUP BY ALL
        ),
        kept AS (
            SELECT * FROM counted
            WHERE dimension <> 'recipient_domain' OR ({_judgeable()})
            QUALIFY dimension <> 'recipient_domain' OR row_number() OVER (
                PARTITION BY month, dimension
                ORDER BY undeliverable + send_error + complained DESC, mails DESC, value
            ) <= {MAX_DOMAIN_SLICES}
        ),
        categories AS (
            SELECT s.month, s.dimension, s.value, s.status, s.bounce_category,
                   sum(s.mails) AS n
            FROM sliced AS s
            SEMI JOIN kept AS k
              ON k.month = s.month AND k.dimension = s.dimension
             AND k.value IS NOT DISTINCT FROM s.value
            WHERE {_FAILED} AND s.bounce_category IS NOT NULL
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
        FROM kept AS s
        LEFT JOIN top_category AS c
          ON c.month = s.month AND c.dimension = s.dimension
         AND c.value IS NOT DISTINCT FROM s.value
        ORDER BY s.month, s.dimension, s.value
        """,
        [*src.params, *by_domain.params],
    ).df()


def _judgeable() -> str:
    """SQL over a slice's counts: true when at least one judged rate has the volume its guard
    asks for (below it no alert can be raised, whatever the rate)."""
    return " OR ".join(
        f"({RATES[rate].numerator} >= {guard.min_numerator} "
        f"AND {RATES[rate].denominator} >= {guard.min_denominator})"
        for rate, guard in GUARDS.items()
    )


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


def _bucket(src: Source, bucket: Bucket) -> str:
    return _TRUNC[bucket].format(day=src.day)


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
