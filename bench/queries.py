"""Every named query the pages call, timed as the pages run it: through a SnapshotReader cursor
(pipeline/store/reader.py), on a fresh process and reader, with the arguments a user's visit
gives (the last 12 months, a real mail, session and contact, an accented name searched without
its accents).

The list of calls is explicit, page by page, because the arguments are; `query_functions()`
finds every function of pipeline/queries that takes a connection, so one that is added and not
timed here is reported as not benchmarked instead of being missed.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import math
import pkgutil
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import duckdb

import pipeline.queries
from pipeline.filters.grid_query import GridQuery
from pipeline.filters.mail_filter import MailFilter
from pipeline.filters.periods import Period, anchor_day, auto_bucket, preset_period
from pipeline.queries import (
    contacts,
    data_health,
    failures,
    filter_options,
    history,
    mail_detail,
    overview,
    rejects,
    session_proof,
    sessions,
)
from pipeline.store import SnapshotReader

# Functions of pipeline/queries that take a connection but are not a page's query, and why.
NOT_PAGE_QUERIES = {
    "rejects.write_rejects_csv": "the Data page's CSV download, written on click (an export)",
}
# Page limits, as ui/ passes them (ui/grid/mail_list.py, ui/contacts/picker.py, ui/data/*.py).
GRID_ROWS, MATCHES_SHOWN, RUNS_SHOWN, REJECTS_SHOWN, RAW_SHOWN, STUCK_SHOWN = (
    2000, 50, 1000, 1000, 2000, 500,
)  # fmt: skip
TOP = 10
LANG = "fr"


@dataclass(frozen=True)
class Context:
    """The real values a user's visit brings, picked from the store."""

    today: dt.date
    period: Period  # the overview's default: the current month and the 11 before it
    failed_period: tuple[dt.date, dt.date] | None  # the Failed page's default: last 30 days
    send_id: str  # a recent opened mail with a send-log record
    session_id: str  # the session with the most mails
    contact_id: str  # the contact with the most mails
    contact_kind: str
    search_text: str  # a word of an accented recipient name, lower case, without accents
    domains: tuple[str, ...]  # the busiest recipient domains, for the grid's recipient filter

    def to_json(self) -> dict[str, Any]:
        return {
            "today": self.today.isoformat(),
            "period": [self.period.start.isoformat(), self.period.end.isoformat()],
            "failed_period": [d.isoformat() for d in self.failed_period or ()],
            "send_id": self.send_id,
            "session_id": self.session_id,
            "contact_id": self.contact_id,
            "contact_kind": self.contact_kind,
            "search_text": self.search_text,
            "domains": list(self.domains),
        }


@dataclass(frozen=True)
class Call:
    """One query as a page calls it."""

    page: str  # the page (or panel) that calls it
    function: Callable[..., Any]
    args: tuple[Any, ...] = ()
    variant: str = ""  # what distinguishes two calls of one function
    kinds: frozenset[str] = field(default_factory=frozenset)  # "detail", "search"

    @property
    def qualname(self) -> str:
        return f"{self.function.__module__.rsplit('.', 1)[-1]}.{self.function.__name__}"

    @property
    def name(self) -> str:
        return f"{self.qualname} ({self.variant})" if self.variant else self.qualname


def pick_context(con: duckdb.DuckDBPyConnection, today: dt.date) -> Context:
    """Realistic arguments from the store (its connection's TimeZone set as the pages set it)."""

    def one(sql: str) -> Any:
        row = con.execute(sql).fetchone()
        if row is None or row[0] is None:
            raise ValueError(f"the store has nothing for: {sql}")
        return row if len(row) > 1 else row[0]

    newest = failures.newest_mail_day(con)
    period = preset_period("12m", anchor_day(today, newest))
    send_id = one(
        "SELECT send_id FROM email_history WHERE has_send_log AND status = 'opened' "
        "ORDER BY requested_at DESC, send_id LIMIT 1 OFFSET 10"
    )
    session_id = one(
        "SELECT session_id FROM email_history WHERE session_id IS NOT NULL "
        "GROUP BY session_id ORDER BY count(*) DESC, session_id LIMIT 1"
    )
    contact_id, kind = one(
        "SELECT contact_id, any_value(recipient_kind) FROM email_history "
        "WHERE contact_id IS NOT NULL GROUP BY contact_id ORDER BY count(*) DESC, contact_id "
        "LIMIT 1"
    )
    accented = one(
        "SELECT recipient_name FROM email_history WHERE recipient_name <> "
        "strip_accents(recipient_name) AND recipient_kind = 'learner' "
        "ORDER BY requested_at DESC LIMIT 1"
    )
    word = next(w for w in accented.split() if contacts.search_words(w)[0] != w.lower())
    domains = [row[0] for row in con.execute(
        "SELECT recipient_domain FROM email_history GROUP BY 1 ORDER BY count(*) DESC LIMIT 3"
    ).fetchall()]  # fmt: skip
    return Context(
        today=today,
        period=period,
        failed_period=failures.default_period(con),
        send_id=send_id,
        session_id=session_id,
        contact_id=contact_id,
        contact_kind=kind or "learner",
        search_text=contacts.search_words(word)[0],
        domains=tuple(domains),
    )


def page_calls(ctx: Context) -> list[Call]:
    """Every query each page runs on a visit, with that visit's arguments."""
    everything, period = MailFilter(), ctx.period
    last_year = overview.in_period(everything, period)
    bucket = auto_bucket(period)
    session = MailFilter(session_id=ctx.session_id)
    contact = MailFilter(contact_id=ctx.contact_id)
    start, end = ctx.failed_period or (None, None)
    failed_category = "unknown_recipient"
    text = MailFilter(text=ctx.search_text)
    grid = GridQuery(lang=LANG)
    typed = GridQuery.from_grid(
        {"recipient": {"filterType": "text", "type": "contains", "filter": ctx.domains[0]}},
        lang=LANG,
    )
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    no_reject_filter = rejects.RejectFilter()
    search = frozenset({"search"})
    detail = frozenset({"detail"})
    return [
        Call("overview", overview.data_days),
        Call("overview", overview.filter_choices),
        Call("overview", overview.counts, (last_year,), "12 months"),
        Call("overview", overview.counts, (overview.in_period(everything, period.previous()),),
             "previous 12 months"),
        Call("overview", overview.monthly_slices, (everything, period)),
        Call("overview", overview.counts_over_time, (everything, period, bucket)),
        Call("overview", overview.volume_over_time, (everything, period, bucket, "provider")),
        Call("overview", overview.breakdown, (last_year, "provider"), "provider"),
        Call("overview", overview.breakdown, (last_year, "recipient_kind"), "recipient_kind"),
        Call("overview", overview.breakdown, (last_year, "email_type"), "email_type"),
        Call("overview", overview.breakdown, (last_year, "recipient_domain", TOP),
             "top 10 domains"),
        Call("overview", overview.sessions_with_most_failures, (last_year, TOP)),
        Call("sessions", sessions.session_list),
        Call("sessions", sessions.session_summary, (ctx.session_id,)),
        Call("sessions", history.status_counts, (session,), "a session"),
        Call("sessions", sessions.type_status_counts, (session,)),
        Call("sessions", sessions.session_of_mail, (ctx.send_id,)),
        Call("sessions", history.count_mails, (session, grid), "a session's grid"),
        Call("sessions", history.history_rows, (session, grid, GRID_ROWS), "a session's grid"),
        Call("sessions", session_proof.session_facts, (ctx.session_id,)),
        Call("sessions", session_proof.session_mails, (ctx.session_id,)),
        Call("contacts", contacts.find_contacts, (ctx.contact_kind, None, MATCHES_SHOWN),
             "no search"),
        Call("contacts", contacts.find_contacts, (ctx.contact_kind, ctx.search_text,
             MATCHES_SHOWN), f"search {ctx.search_text!r}", search),
        Call("contacts", contacts.contact_identity, (ctx.contact_id,)),
        Call("contacts", contacts.contact_of_mail, (ctx.send_id,)),
        Call("contacts", history.status_counts, (contact,), "a contact"),
        Call("contacts", history.count_mails, (contact, grid), "a contact's grid"),
        Call("contacts", history.history_rows, (contact, grid, GRID_ROWS), "a contact's grid"),
        Call("failed", failures.newest_mail_day),
        Call("failed", failures.default_period),
        Call("failed", failures.failures_by_category, (start, end)),
        Call("failed", failures.failures_by_address, (start, end)),
        Call("failed", failures.failures_by_address, (start, end, failed_category),
             "one category"),
        Call("failed", history.count_mails, (failures.failed_mails_filter(start, end), grid),
             "failed grid"),
        Call("failed", history.history_rows,
             (failures.failed_mails_filter(start, end), grid, GRID_ROWS), "failed grid"),
        Call("explore", history.count_mails, (everything, grid), "every mail"),
        Call("explore", history.history_rows, (everything, grid, GRID_ROWS), "every mail"),
        Call("explore", history.count_mails, (text, grid), f"text {ctx.search_text!r}", search),
        Call("explore", history.history_rows, (text, grid, GRID_ROWS),
             f"text {ctx.search_text!r}", search),
        Call("explore", history.count_mails, (everything, typed),
             f"grid recipient contains {ctx.domains[0]!r}"),
        Call("explore", history.history_rows, (everything, typed, GRID_ROWS),
             f"grid recipient contains {ctx.domains[0]!r}"),
        Call("explore", filter_options.providers),
        Call("explore", filter_options.recipient_domains),
        Call("explore", filter_options.sessions),
        Call("explore", filter_options.contacts, (None,)),
        Call("mail detail", mail_detail.load_mail, (ctx.send_id,), "", detail),
        Call("mail detail", mail_detail.mail_events, (ctx.send_id,), "", detail),
        Call("data", data_health.store_freshness, (now,)),
        Call("data", data_health.data_as_of),
        Call("data", data_health.last_import_at),
        Call("data", data_health.provider_freshness),
        Call("data", data_health.count_stuck_requested),
        Call("data", data_health.stuck_requested_mails,
             (data_health.DEFAULT_STUCK_HOURS, None, STUCK_SHOWN)),
        Call("data", data_health.count_ingest_runs),
        Call("data", data_health.ingest_run_history, (RUNS_SHOWN,)),
        Call("data", rejects.reject_sources),
        Call("data", rejects.count_rejects, (no_reject_filter, LANG)),
        Call("data", rejects.rejected_records, (no_reject_filter, LANG, REJECTS_SHOWN, RAW_SHOWN)),
    ]  # fmt: skip


def query_functions() -> dict[str, Callable[..., Any]]:
    """Every public function of pipeline/queries whose first parameter is a connection, by
    `module.function`."""
    found: dict[str, Callable[..., Any]] = {}
    for info in pkgutil.iter_modules(pipeline.queries.__path__):
        module = importlib.import_module(f"pipeline.queries.{info.name}")
        for name, value in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(value):
                continue
            if value.__module__ != module.__name__:
                continue
            parameters = list(inspect.signature(value).parameters)
            if parameters and parameters[0] == "con":
                found[f"{info.name}.{name}"] = value
    return found


def not_benchmarked(calls: list[Call]) -> list[str]:
    """Query functions no call times, and that NOT_PAGE_QUERIES does not explain."""
    timed = {call.qualname for call in calls}
    return sorted(set(query_functions()) - timed - set(NOT_PAGE_QUERIES))


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile: the smallest value at least `share` of the values reach."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def run_queries(
    db_path: str, timezone: str, today: str, repeat: int, max_seconds: float
) -> dict[str, Any]:
    """Child step: pick the context, then run every call `repeat` times (fewer, but at least
    five, when one call's runs pass `max_seconds` together); milliseconds per call."""
    with duckdb.connect(db_path, read_only=True) as con:
        con.execute(f"SET TimeZone = '{timezone}'")
        ctx = pick_context(con, dt.date.fromisoformat(today))
    calls = page_calls(ctx)
    reader = SnapshotReader(db_path, timezone)
    snapshot = reader.latest_snapshot_id()
    results = []
    try:
        for call in calls:
            results.append(_time_call(reader, snapshot, call, repeat, max_seconds))
    finally:
        reader.close()
    return {
        "context": ctx.to_json(),
        "results": results,
        "not_benchmarked": not_benchmarked(calls),
        "not_page_queries": NOT_PAGE_QUERIES,
    }


def _time_call(
    reader: SnapshotReader, snapshot: str, call: Call, repeat: int, max_seconds: float
) -> dict[str, Any]:
    times: list[float] = []
    error = None
    for _ in range(repeat):
        started = time.perf_counter()
        try:
            with reader.cursor(snapshot) as cur:
                call.function(cur, *call.args)
        except Exception as e:  # a query that fails is reported, and the others still run
            error = f"{type(e).__name__}: {e}"
            break
        times.append(time.perf_counter() - started)
        if len(times) >= 5 and sum(times) > max_seconds:
            break
    ms = [t * 1000 for t in times]
    return {
        "name": call.name,
        "function": call.qualname,
        "page": call.page,
        "kinds": sorted(call.kinds),
        "runs": len(ms),
        "first_ms": ms[0] if ms else None,
        "median_ms": statistics.median(ms) if ms else None,
        "p95_ms": percentile(ms, 0.95) if ms else None,
        "max_ms": max(ms) if ms else None,
        "error": error,
    }
