"""Shared checks for the provider sample tests: what ingesting one real sample alone must give.

A sample's expectation is the status of its one mail, the sorted statuses of its several mails,
or `Refused(reason)` when the payload lacks what an event needs (every record then refused with
that reason, no mail, the file itself still completed).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from tests.conftest import SAMPLES


class Refused(NamedTuple):
    """Every record of the sample is refused with this reason."""

    reason: str


class Details(NamedTuple):
    """What a failure event must carry: provider_class, smtp_code, enhanced_code, and a piece
    of its reason (None: the field must be empty)."""

    provider_class: str | None
    smtp_code: str | None
    enhanced_code: str | None
    reason_part: str | None


Expected = str | list[str] | Refused


def samples_on_disk(folder: str) -> set[str]:
    return {str(p.relative_to(SAMPLES)) for p in (SAMPLES / folder).glob("*.json")}


def check_status(sample: str, expected: Expected, ingest: Callable, db: Callable) -> None:
    (report,) = ingest(SAMPLES / sample)
    assert report.status == "completed", report.message
    assert report.unknown_events == 0
    con = db()
    statuses = sorted(r[0] for r in con.execute("SELECT status FROM email_history").fetchall())
    if isinstance(expected, Refused):
        reasons = {r[0] for r in con.execute("SELECT reason FROM ingest_rejects").fetchall()}
        assert report.records_rejected == report.records_read > 0
        assert reasons == {expected.reason}
        assert statuses == []
        return
    assert report.records_rejected == 0
    wanted = [expected] if isinstance(expected, str) else sorted(expected)
    assert statuses == wanted
    assert not any(r[0] for r in con.execute("SELECT has_send_log FROM email_history").fetchall())


def check_details(sample: str, expected: Details, ingest: Callable, db: Callable) -> None:
    ingest(SAMPLES / sample)
    rows = (
        db()
        .execute("SELECT provider_class, smtp_code, enhanced_code, reason FROM events")
        .fetchall()
    )
    assert rows
    for provider_class, smtp, enhanced, reason in rows:
        assert (provider_class, smtp, enhanced) == expected[:3]
        if expected.reason_part is None:
            assert reason is None
        else:
            assert expected.reason_part in reason
