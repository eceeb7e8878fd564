"""How healthy the data itself is: what was ingested when, how fresh each provider's data is,
and which mails the provider has still not reported on hours after they were requested.

Freshness is judged against each source's own rhythm (see `usual_gap_rule` below and
docs/data_page.md), never against a fixed delay. Provider freshness and stuck mails are measured
from the newest data in the store ("as of"), so that a store refreshed weekly by hand does not
raise an alarm between two imports; the store as a whole is measured against the wall clock.
Refused records live in `pipeline.queries.rejects`. No Streamlit here; nothing is written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import duckdb
import pandas as pd

from pipeline.settings import SETTINGS

# The usual-gap rule: over the WINDOW_DAYS before "as of", the gaps between consecutive hours
# that had any activity; the longest IGNORED_LONGEST_GAPS of them are one-offs (an outage, a
# holiday) and left out; the next longest is the usual gap, but never less than the floor.
WINDOW_DAYS = 90
IGNORED_LONGEST_GAPS = 2
PROVIDER_FLOOR_HOURS = 6.0
STORE_FLOOR_HOURS = 24.0
#: Hours after which a mail still `requested` is stuck: the MAILTRAIL_STUCK_HOURS setting.
DEFAULT_STUCK_HOURS = float(SETTINGS["stuck_hours"].default)

Verdict = Literal["current", "late", "idle", "no_events"]

_RUN_COLUMNS = (
    "run_id, file_name, file_path, format, status, started_at, finished_at, records_read, "
    "records_loaded, records_duplicate, records_rejected, unknown_events, mails_changed, message, "
    "message_code, CAST(message_params AS VARCHAR) AS message_params"
)


def ingest_run_history(con: duckdb.DuckDBPyConnection, limit: int = 1000) -> pd.DataFrame:
    """The ingest runs, newest first: one row per file per ingest, with its counts and message."""
    return con.execute(
        f"SELECT {_RUN_COLUMNS} FROM ingest_runs ORDER BY run_id DESC LIMIT ?", [limit]
    ).df()


def count_ingest_runs(con: duckdb.DuckDBPyConnection) -> int:
    """How many ingest runs the store records."""
    return _scalar(con, "SELECT count(*) FROM ingest_runs") or 0


def data_as_of(con: duckdb.DuckDBPyConnection) -> dt.datetime | None:
    """The newest moment the store has data for: its latest event or latest requested mail."""
    return _scalar(
        con,
        "SELECT greatest((SELECT max(event_at) FROM events), "
        "(SELECT max(requested_at) FROM sends))",
    )


def last_import_at(con: duckdb.DuckDBPyConnection) -> dt.datetime | None:
    """When the latest ingest run finished (whatever its outcome)."""
    return _scalar(con, "SELECT max(finished_at) FROM ingest_runs")


@dataclass(frozen=True)
class ProviderFreshness:
    """How fresh one provider's data is, as of the newest data in the store."""

    provider: str
    verdict: Verdict
    last_event_at: dt.datetime | None
    events_24h: int
    events_7d: int
    last_request_at: dt.datetime | None  # latest send-log record naming this provider
    requests_7d: int
    requests_since_last_event: int
    silence: dt.timedelta | None  # as of − last event
    usual_gap: dt.timedelta
    usual_gap_measured: bool  # False: no activity to measure within the window, the floor applies


def provider_freshness(
    con: duckdb.DuckDBPyConnection, as_of: dt.datetime | None = None
) -> list[ProviderFreshness]:
    """Every provider named by an event or a send-log record, with its freshness verdict."""
    as_of = as_of or data_as_of(con)
    if as_of is None:
        return []
    rows = con.execute(_PROVIDER_SQL, _provider_params(as_of)).fetchall()
    return [_provider_row(row, as_of) for row in rows]


def freshness_verdict(
    silence: dt.timedelta | None,
    usual_gap: dt.timedelta,
    *,
    has_send_log: bool,
    requests_since_last_event: int,
    active_in_window: bool,
) -> Verdict:
    """The rule of docs/data_page.md, in one place.

    - `no_events`: mails were requested through the provider but none of its events arrived.
    - `current`: its latest event is no older than its usual gap.
    - `late`: silent for longer than usual while mails were requested through it since its last
      event (or, for a provider the send log never names, while it was active lately).
    - `idle`: silent for longer than usual, but nothing was sent through it since its last event
      (a provider the platform stopped using), or no activity at all within the window.
    """
    if silence is None:
        return "no_events"
    if silence <= usual_gap:
        return "current"
    if has_send_log:
        return "late" if requests_since_last_event > 0 else "idle"
    return "late" if active_in_window else "idle"


@dataclass(frozen=True)
class StoreFreshness:
    """How old the newest data is, by the wall clock, against the store's own rhythm."""

    as_of: dt.datetime
    now: dt.datetime
    last_import_at: dt.datetime | None
    usual_gap: dt.timedelta

    @property
    def age(self) -> dt.timedelta:
        return max(self.now - self.as_of, dt.timedelta(0))

    @property
    def stale(self) -> bool:
        return self.age > self.usual_gap


def store_freshness(
    con: duckdb.DuckDBPyConnection, now: dt.datetime | None = None
) -> StoreFreshness | None:
    """The store's age against the usual gap between any two pieces of its data (floor: a day)."""
    as_of = data_as_of(con)
    if as_of is None:
        return None
    gap_hours = _scalar(con, _STORE_GAP_SQL, _gap_params(as_of))
    return StoreFreshness(
        as_of=as_of,
        now=now or dt.datetime.now(dt.UTC),
        last_import_at=last_import_at(con),
        usual_gap=_usual(gap_hours, STORE_FLOOR_HOURS),
    )


def stuck_requested_mails(
    con: duckdb.DuckDBPyConnection,
    hours: float = DEFAULT_STUCK_HOURS,
    as_of: dt.datetime | None = None,
    limit: int = 500,
) -> pd.DataFrame:
    """Mails still `requested` more than `hours` before the newest data, oldest first."""
    as_of = as_of or data_as_of(con)
    if as_of is None:
        return pd.DataFrame(columns=list(_STUCK_COLUMNS))
    return con.execute(
        f"""
        SELECT send_id, requested_at, epoch(CAST(? AS TIMESTAMPTZ) - requested_at) / 3600
                   AS hours_waiting,
               provider, session_id, session_name, recipient_email, recipient_name, email_type,
               has_send_log
        FROM email_history
        WHERE {_STUCK_WHERE}
        ORDER BY requested_at, send_id
        LIMIT ?
        """,
        [as_of, as_of - dt.timedelta(hours=hours), limit],
    ).df()


def count_stuck_requested(
    con: duckdb.DuckDBPyConnection,
    hours: float = DEFAULT_STUCK_HOURS,
    as_of: dt.datetime | None = None,
) -> int:
    """How many mails `stuck_requested_mails` would list without its limit."""
    as_of = as_of or data_as_of(con)
    if as_of is None:
        return 0
    sql = f"SELECT count(*) FROM email_history WHERE {_STUCK_WHERE}"
    return _scalar(con, sql, [as_of - dt.timedelta(hours=hours)]) or 0


_STUCK_COLUMNS = (
    "send_id", "requested_at", "hours_waiting", "provider", "session_id", "session_name",
    "recipient_email", "recipient_name", "email_type", "has_send_log",
)  # fmt: skip
_STUCK_WHERE = "status = 'requested' AND requested_at <= CAST(? AS TIMESTAMPTZ)"

# Gaps between consecutive active hours of each source within the window, and the usual one:
# the (IGNORED_LONGEST_GAPS + 1)-th longest, or the shortest when there are fewer gaps.
_USUAL_GAP_CTE = """
active_hours AS (
    SELECT DISTINCT source, date_trunc('hour', moment) AS hour FROM activity
    WHERE moment > CAST($as_of AS TIMESTAMPTZ) - to_days(CAST($window AS INTEGER))
      AND moment <= CAST($as_of AS TIMESTAMPTZ)
),
gaps AS (
    SELECT source, epoch(hour - lag(hour) OVER (PARTITION BY source ORDER BY hour)) / 3600
               AS gap_hours
    FROM active_hours
),
ranked AS (
    SELECT source, gap_hours,
           row_number() OVER (PARTITION BY source ORDER BY gap_hours DESC) AS gap_rank,
           count(*) OVER (PARTITION BY source) AS gap_count
    FROM gaps WHERE gap_hours IS NOT NULL
),
usual AS (
    SELECT source, max(gap_hours) FILTER (WHERE gap_rank = least(gap_count, $ignored + 1))
               AS usual_gap_hours
    FROM ranked GROUP BY source
)
"""

_PROVIDER_SQL = f"""
WITH activity AS (SELECT provider AS source, event_at AS moment FROM events),
{_USUAL_GAP_CTE},
event_stats AS (
    SELECT provider, max(event_at) AS last_event_at,
           count(*) FILTER (WHERE event_at > CAST($as_of AS TIMESTAMPTZ) - INTERVAL 1 DAY
                              AND event_at <= CAST($as_of AS TIMESTAMPTZ)) AS events_24h,
           count(*) FILTER (WHERE event_at > CAST($as_of AS TIMESTAMPTZ) - INTERVAL 7 DAY
                              AND event_at <= CAST($as_of AS TIMESTAMPTZ)) AS events_7d,
           count(*) FILTER (WHERE event_at > CAST($as_of AS TIMESTAMPTZ)
                              - to_days(CAST($window AS INTEGER))) AS events_in_window
    FROM events GROUP BY provider
),
send_stats AS (
    SELECT s.provider, max(s.requested_at) AS last_request_at,
           count(*) FILTER (WHERE s.requested_at > CAST($as_of AS TIMESTAMPTZ) - INTERVAL 7 DAY
                              AND s.requested_at <= CAST($as_of AS TIMESTAMPTZ)) AS requests_7d,
           count(*) FILTER (WHERE s.requested_at > e.last_event_at
                               OR e.last_event_at IS NULL) AS requests_since_last_event
    FROM sends AS s LEFT JOIN event_stats AS e USING (provider)
    GROUP BY s.provider
)
SELECT provider, e.last_event_at, COALESCE(e.events_24h, 0), COALESCE(e.events_7d, 0),
       COALESCE(e.events_in_window, 0), s.last_request_at, COALESCE(s.requests_7d, 0),
       COALESCE(s.requests_since_last_event, 0), s.provider IS NOT NULL AS has_send_log,
       u.usual_gap_hours
FROM event_stats AS e
FULL JOIN send_stats AS s USING (provider)
LEFT JOIN usual AS u ON u.source = provider
ORDER BY provider
"""

_STORE_GAP_SQL = f"""
WITH activity AS (
    SELECT 'store' AS source, event_at AS moment FROM events
    UNION ALL
    SELECT 'store', requested_at FROM sends
),
{_USUAL_GAP_CTE}
SELECT usual_gap_hours FROM usual
"""


def _gap_params(as_of: dt.datetime) -> dict[str, object]:
    return {"as_of": as_of, "window": WINDOW_DAYS, "ignored": IGNORED_LONGEST_GAPS}


def _provider_params(as_of: dt.datetime) -> dict[str, object]:
    return _gap_params(as_of)


def _provider_row(row: tuple, as_of: dt.datetime) -> ProviderFreshness:
    (provider, last_event_at, events_24h, events_7d, events_in_window, last_request_at,
     requests_7d, requests_since, has_send_log, gap_hours) = row  # fmt: skip
    silence = max(as_of - last_event_at, dt.timedelta(0)) if last_event_at else None
    usual_gap = _usual(gap_hours, PROVIDER_FLOOR_HOURS)
    verdict = freshness_verdict(
        silence,
        usual_gap,
        has_send_log=bool(has_send_log),
        requests_since_last_event=int(requests_since),
        active_in_window=int(events_in_window) > 0,
    )
    return ProviderFreshness(
        provider=str(provider),
        verdict=verdict,
        last_event_at=last_event_at,
        events_24h=int(events_24h),
        events_7d=int(events_7d),
        last_request_at=last_request_at,
        requests_7d=int(requests_7d),
        requests_since_last_event=int(requests_since),
        silence=silence,
        usual_gap=usual_gap,
        usual_gap_measured=gap_hours is not None,
    )


def _usual(gap_hours: float | None, floor_hours: float) -> dt.timedelta:
    return dt.timedelta(hours=max(float(gap_hours or 0.0), floor_hours))


def _scalar(con: duckdb.DuckDBPyConnection, sql: str, params: object = None):  # type: ignore[no-untyped-def]
    row = con.execute(sql, params).fetchone() if params is not None else con.execute(sql).fetchone()
    return row[0] if row else None
