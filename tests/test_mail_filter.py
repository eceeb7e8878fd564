"""MailFilter: the shared "which mails", as SQL, as a URL and as a file name."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.filters.mail_filter import MailFilter
from pipeline.queries.history import count_mails, history_rows
from tests.conftest import DATA


@pytest.fixture
def store(ingest, db):
    ingest(DATA / "sendlogs/sends_iso.csv", DATA / "events")
    return db()


def ids(con, mail_filter: MailFilter) -> list[str]:
    return sorted(history_rows(con, mail_filter)["send_id"])


def test_an_empty_filter_matches_every_mail(store) -> None:
    assert count_mails(store, MailFilter()) == 5


def test_each_field_narrows_the_mails(store) -> None:
    assert ids(store, MailFilter(statuses=("undeliverable",))) == ["M-0002", "M-0003"]
    assert ids(store, MailFilter(providers=("sendgrid",))) == ["M-0003", "M-0004"]
    assert ids(store, MailFilter(session_id="S-2026-001")) == ["M-0001", "M-0002"]
    assert ids(store, MailFilter(recipient_domains=("gmial.com",))) == ["M-0004"]
    assert ids(store, MailFilter(recipient_email="Lea.Petit@free.fr")) == ["M-0005"]
    assert ids(store, MailFilter(bounce_categories=("unknown_recipient",))) == ["M-0002"]
    assert ids(store, MailFilter(email_types=("convocation", "programme"))) == ["M-0001", "M-0003"]


def test_periods_are_calendar_days_in_paris_both_ends_included(store) -> None:
    day = dt.date(2026, 1, 6)  # M-0003 at 10:00 and M-0004 at 10:05, Paris time
    assert ids(store, MailFilter(period_start=day, period_end=day)) == ["M-0003", "M-0004"]
    assert ids(store, MailFilter(period_end=dt.date(2026, 1, 5))) == ["M-0001", "M-0002"]


def test_free_text_searches_name_address_and_subject_literally(store) -> None:
    assert ids(store, MailFilter(text="dupont")) == ["M-0001"]
    assert ids(store, MailFilter(text="Convention")) == ["M-0002"]
    assert ids(store, MailFilter(text="%")) == []
    assert ids(store, MailFilter(text="_")) == []


def test_a_filter_survives_the_round_trip_through_a_url() -> None:
    original = MailFilter(
        period_start=dt.date(2026, 3, 1),
        period_end=dt.date(2026, 3, 31),
        statuses=("undeliverable", "send_error"),
        recipient_domains=("gmail.com",),
        session_id="S-1",
        text="convocation",
        complained=True,
    )
    params = original.to_query_params()
    assert params["status"] == "undeliverable,send_error"
    assert MailFilter.from_query_params(params) == original


def test_a_hostile_url_gives_a_harmless_filter() -> None:
    parsed = MailFilter.from_query_params(
        {
            "status": "opened,'; DROP TABLE sends;--",
            "start": "yesterday",
            "end": "2026-01-01",
            "category": "nope",
            "evil": "1",
        }
    )
    assert parsed == MailFilter(statuses=("opened",), period_end=dt.date(2026, 1, 1))


def test_file_names_say_what_the_slice_holds() -> None:
    mails = MailFilter(
        statuses=("undeliverable",),
        period_start=dt.date(2026, 3, 1),
        period_end=dt.date(2026, 3, 31),
    )
    assert mails.slug() == "undeliverable_2026-03-01_2026-03-31"


@given(text=st.text(min_size=1, max_size=50), domain=st.text(max_size=20))
def test_any_text_is_bound_never_pasted(text: str, domain: str) -> None:
    """The SQL text is the same whatever the values: they only ever travel as parameters."""
    where, params = MailFilter(text=text, recipient_domains=(domain,)).where()
    reference, _ = MailFilter(text="x", recipient_domains=("y",)).where()
    assert where == reference
    assert domain in params
