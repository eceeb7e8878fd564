"""The oracle for the rollups: the overview's, session list's and contact list's queries as they
were before schema 6, grouping `mails` at every call (pipeline/queries at 7b1232f). Only the
reads differ: tests/test_rollups.py checks the named queries return exactly these results.

Two deliberate changes are applied here too, so that the comparison is exact: a session's name
in `sessions_with_most_failures` is that of its latest mail (it was any one of them), and the
monthly slices keep only the domain months the rollup version returns (the others could raise
no alert; the test checks the alerts found are the same)."""

from __future__ import annotations

import duckdb
import pandas as pd

from pipeline.filters.mail_filter import MailFilter
from pipeline.filters.periods import Bucket, Period
from pipeline.queries.overview import COUNT_COLUMNS, OTHER, _bucket_frame, in_period
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
_FAILED = status_in(FAILED_STATUSES)
_TRUNC = {
    "day": "{day}",
    "week": "date_trunc('week', {day})",
    "month": "date_trunc('month', {day})",
}


def _day(con: duckdb.DuckDBPyConnection) -> str:
    row = con.execute(
        "SELECT value = current_setting('TimeZone') FROM schema_meta WHERE key = 'day_zone'"
    ).fetchone()
    return "requested_day" if row and row[0] else "CAST(requested_at AS DATE)"


def _bucket(con: duckdb.DuckDBPyConnection, bucket: Bucket) -> str:
    return _TRUNC[bucket].format(day=_day(con))


def data_days(con: duckdb.DuckDBPyConnection) -> tuple:
    day = _day(con)
    row = con.execute(f"SELECT min({day}), max({day}) FROM mails").fetchone()
    return (row[0], row[1]) if row else (None, None)


def filter_choices(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    out = {
        column: [
            r[0]
            for r in con.execute(
                f"SELECT DISTINCT {column} FROM mails WHERE {column} IS NOT NULL ORDER BY 1"
            ).fetchall()
        ]
        for column in ("provider", "email_type", "recipient_kind")
    }
    out["recipient_kind"] = [k for k in RECIPIENT_KINDS if k in out["recipient_kind"]]
    return out


def counts(con: duckdb.DuckDBPyConnection, mail_filter: MailFilter) -> dict[str, int]:
    where, params = mail_filter.where()
    frame = con.execute(f"SELECT {COUNTS} FROM mails WHERE {where}", params).df()
    return {name: int(frame.at[0, name]) for name in COUNT_COLUMNS}


def counts_over_time(
    con: duckdb.DuckDBPyConnection, mail_filter: MailFilter, period: Period, bucket: Bucket
) -> pd.DataFrame:
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
    column: str,
) -> pd.DataFrame:
    where, params = in_period(mail_filter, period).where()
    found = con.execute(
        f"SELECT {_bucket(con, bucket)} AS bucket, {column} AS value, count(*) AS mails "
        f"FROM mails WHERE {where} AND {column} IS NOT NULL GROUP BY ALL",
        params,
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
    con: duckdb.DuckDBPyConnection, mail_filter: MailFilter, column: str, top: int | None = None
) -> pd.DataFrame:
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
    where, params = mail_filter.where()
    return con.execute(
        f"SELECT session_id AS value, arg_max(session_name, requested_at) AS session_name, "
        f"{COUNTS} FROM mails WHERE {where} AND session_id IS NOT NULL GROUP BY session_id "
        f"HAVING count(*) FILTER (WHERE {_FAILED}) > 0 "
        f"ORDER BY status_undeliverable + status_send_error DESC, mails DESC, value LIMIT ?",
        [*params, top],
    ).df()


def monthly_slices(
    con: duckdb.DuckDBPyConnection, mail_filter: MailFilter, period: Period
) -> pd.DataFrame:
    where, params = in_period(mail_filter, period).where()
    return con.execute(
        f"""
        WITH base AS (
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


def session_list(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(
        f"""
        SELECT session_id,
               arg_max(session_name, requested_at) AS session_name,
               min(requested_at) AS first_mail_at, max(requested_at) AS last_mail_at,
               count(*) AS mails, count(*) FILTER (WHERE {_FAILED}) AS failures,
               count(DISTINCT recipient_email) AS recipients
        FROM mails WHERE session_id IS NOT NULL GROUP BY session_id
        ORDER BY last_mail_at DESC, session_id
        """
    ).df()


def find_contacts(
    con: duckdb.DuckDBPyConnection, kind: str | None, words: list[str], exact: str, limit: int
) -> pd.DataFrame:
    match = " AND ".join("contains(contact_text, strip_accents(lower(?)))" for _ in words)
    narrow = "contact_id IN (SELECT contact_id FROM matching)" if words else "TRUE"
    return con.execute(
        f"""
        WITH of_kind AS (
            SELECT contact_id, recipient_name, recipient_email, requested_at, status,
                   contact_text
            FROM mails
            WHERE contact_id IS NOT NULL AND (? IS NULL OR recipient_kind = ?)
        ),
        matching AS (SELECT DISTINCT contact_id FROM of_kind WHERE {match or "TRUE"})
        SELECT contact_id,
               arg_max(recipient_name, requested_at)  AS recipient_name,
               arg_max(recipient_email, requested_at) AS recipient_email,
               count(DISTINCT recipient_email)        AS addresses,
               count(*)                               AS mails,
               count(*) FILTER (WHERE {_FAILED})      AS failures,
               max(requested_at)                      AS last_mail_at,
               count(*) OVER ()                       AS matches
        FROM of_kind WHERE {narrow}
        GROUP BY contact_id
        ORDER BY bool_or(recipient_email = ?) DESC, last_mail_at DESC, contact_id
        LIMIT ?
        """,
        [kind, kind, *words, exact, limit],
    ).df()


def filter_contacts(
    con: duckdb.DuckDBPyConnection, session_id: str | None, limit: int
) -> pd.DataFrame:
    return con.execute(
        """
        WITH people AS (
            SELECT contact_id,
                   arg_max(recipient_name, requested_at) AS name,
                   arg_max(recipient_email, requested_at) AS email,
                   arg_max(recipient_kind, requested_at) AS kind,
                   max(requested_at) AS last_mail_at
            FROM email_history
            WHERE contact_id IS NOT NULL AND ($session IS NULL OR session_id = $session)
            GROUP BY contact_id
            ORDER BY last_mail_at DESC, contact_id
            LIMIT $limit
        )
        SELECT contact_id, name, email, kind FROM people
        ORDER BY lower(name) NULLS LAST, contact_id
        """,
        {"session": session_id, "limit": limit},
    ).df()
