"""The rewritten overview, session and contact queries against their old formulation over
`mails` (tests/rollup_oracle.py), back to back on one store: median of 9 runs each, in ms.

    PYTHONPATH=. .venv/bin/python bench/rollup_compare.py STORE.duckdb [--pad COPIES OUT.duckdb]

`--pad` first writes OUT, a copy of STORE with COPIES more copies of every mail under new mail,
session and contact ids (same days, domains and statuses: an organisation that many times
larger), its rollups rebuilt; then times OUT. Not run by CI (docs/performance.md).
"""

from __future__ import annotations

import datetime as dt
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import duckdb

from pipeline.filters.mail_filter import MailFilter
from pipeline.filters.periods import auto_bucket, preset_period
from pipeline.queries import contacts, filter_options, overview, sessions
from tests import rollup_oracle as old

ROLLUPS = ("mail_days", "domain_days", "session_days", "session_totals", "contact_totals")
TODAY = dt.date(2026, 11, 30)


def pad(store: str, out: str, copies: int) -> None:
    shutil.copy(store, out)
    con = duckdb.connect(out)
    con.execute("SET TimeZone = 'Europe/Paris'")
    con.execute(
        """
        INSERT INTO mail_status BY NAME
        SELECT m.* REPLACE (
            mail_id || '-' || k AS mail_id, session_id || '-' || k AS session_id,
            contact_id || '-' || k AS contact_id,
            contact_search_text(recipient_name, recipient_email, contact_id || '-' || k)
                AS contact_text)
        FROM mail_status AS m, range(1, ? + 1) AS t(k)
        ORDER BY requested_at
        """,
        [copies],
    )
    for table in ROLLUPS:
        con.execute(f"DELETE FROM {table}")
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {table}_of('mail_status')")
    con.execute("CHECKPOINT")
    con.close()


def median_ms(run: Callable[[], Any], times: int = 9) -> float:
    spent = []
    for _ in range(times):
        start = time.perf_counter()
        run()
        spent.append(1000 * (time.perf_counter() - start))
    return statistics.median(spent)


def compare(store: str) -> None:
    con = duckdb.connect(store, read_only=True)
    con.execute("SET TimeZone = 'Europe/Paris'")
    period = preset_period("12m", TODAY)
    every, bucket = MailFilter(), auto_bucket(preset_period("12m", TODAY))
    year = overview.in_period(every, period)
    pairs: list[tuple[str, Callable[[], Any], Callable[[], Any]]] = [
        ("overview.counts (12 months)", lambda: old.counts(con, year),
         lambda: overview.counts(con, year)),
        ("overview.counts_over_time", lambda: old.counts_over_time(con, every, period, bucket),
         lambda: overview.counts_over_time(con, every, period, bucket)),
        ("overview.volume_over_time",
         lambda: old.volume_over_time(con, every, period, bucket, "provider"),
         lambda: overview.volume_over_time(con, every, period, bucket, "provider")),
        ("overview.breakdown (top 10 domains)",
         lambda: old.breakdown(con, year, "recipient_domain", 10),
         lambda: overview.breakdown(con, year, "recipient_domain", 10)),
        ("overview.breakdown (email_type)", lambda: old.breakdown(con, year, "email_type"),
         lambda: overview.breakdown(con, year, "email_type")),
        ("overview.sessions_with_most_failures",
         lambda: old.sessions_with_most_failures(con, year, 10),
         lambda: overview.sessions_with_most_failures(con, year, 10)),
        ("overview.monthly_slices", lambda: old.monthly_slices(con, every, period),
         lambda: overview.monthly_slices(con, every, period)),
        ("sessions.session_list", lambda: old.session_list(con),
         lambda: sessions.session_list(con)),
        ("contacts.find_contacts (learners)",
         lambda: old.find_contacts(con, "learner", [], "", 50),
         lambda: contacts.find_contacts(con, "learner", None, 50)),
        ("contacts.find_contacts ('agnes')",
         lambda: old.find_contacts(con, "learner", ["agnes"], "agnes", 50),
         lambda: contacts.find_contacts(con, "learner", "agnes", 50)),
        ("filter_options.contacts", lambda: old.filter_contacts(con, None, 20_000),
         lambda: filter_options.contacts(con, None)),
    ]  # fmt: skip
    mails = con.execute("SELECT count(*) FROM mail_status").fetchone()
    print(f"{store}: {mails[0] if mails else 0:,} mails")
    print("| query | before (over mails) | after (rollups) |\n|---|---|---|")
    for name, before, after in pairs:
        print(f"| {name} | {median_ms(before):.1f} | {median_ms(after):.1f} |", flush=True)


if __name__ == "__main__":
    args = sys.argv[1:]
    if len(args) == 4 and args[1] == "--pad":
        pad(args[0], args[3], int(args[2]))
        compare(args[3])
    else:
        compare(args[0])
