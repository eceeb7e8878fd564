"""Exports of many mails: every format lists them oldest first."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipeline.filters.mail_filter import MailFilter
from pipeline.reports.export import FORMATS, export_mails
from tests.history_rows import create_history
from tests.test_export import read_rows

ORDER = "SELECT send_id FROM email_history ORDER BY requested_at NULLS LAST, send_id"
# Send times over about a year, many at the same second, some unknown; ids in another order.
MANY_MAILS = """
INSERT INTO email_history (send_id, provider, requested_at, recipient_email, subject, status,
    attachment_count, open_count, machine_open_count, click_count, complained, unsubscribed,
    has_send_log)
SELECT printf('M-%07d', (i * 7919) % $n), 'brevo',
    CASE WHEN i % 997 <> 0 THEN TIMESTAMPTZ '2026-01-01 00:00:00+00'
        + to_seconds(CAST(hash(i) % 200000 AS BIGINT) * 157) END,
    'm' || i || '@exemple.fr', 'Convocation n° ' || i, 'delivered', 0, i % 3, 0, 0,
    false, false, true
FROM range($n) AS r(i)
"""


def many_mails(n: int, threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """A store of `n` mails made in SQL, sent in no particular order (many at the same second,
    some at no known time), as an analyst's connection in Paris time."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'Europe/Paris'")
    if threads:
        con.execute("SET threads = ?", [threads])
    create_history(con, [])
    con.execute(MANY_MAILS, {"n": n})
    return con


def oldest_first(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [send_id for (send_id,) in con.execute(ORDER).fetchall()]


@pytest.mark.parametrize("format_key", list(FORMATS))
def test_every_format_lists_the_mails_oldest_first(tmp_path: Path, format_key: str) -> None:
    # (CSV once sorted its formatted dd/mm/yyyy text: a bare `requested_at` in ORDER BY named
    # the output column.)
    con = many_mails(3000)
    path = tmp_path / f"x.{FORMATS[format_key].extension}"
    rows = read_rows(export_mails(con, MailFilter(), format_key, path).path, format_key)
    assert [str(r["send_id"]).lstrip("\ufeff") for r in rows] == oldest_first(con)
