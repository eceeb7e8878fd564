"""The overview's numbers on a hand-checked store (tests/overview_data.py): each KPI definition,
the previous period, time buckets, breakdowns, and the drill-down filter of every segment."""

from __future__ import annotations

import datetime as dt

import pytest

from pipeline.filters.mail_filter import MailFilter
from pipeline.filters.periods import Period
from pipeline.queries.history import count_mails, history_rows
from pipeline.queries.overview import (
    OTHER,
    breakdown,
    counts,
    counts_over_time,
    in_period,
    monthly_slices,
    segment_filter,
    sessions_with_most_failures,
    volume_over_time,
)
from pipeline.rules.deliverability import RATES
from tests import overview_data
from tests.overview_data import PERIOD


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    con = overview_data.connect(overview_data.build(tmp_path_factory.mktemp("overview")))
    yield con
    con.close()


def ids(con, mail_filter: MailFilter) -> list[str]:
    return sorted(history_rows(con, mail_filter)["send_id"])


def test_the_period_holds_its_ten_mails_and_every_count_is_the_hand_checked_one(store) -> None:
    found = counts(store, in_period(MailFilter(), PERIOD))
    assert {k: v for k, v in found.items() if not k.startswith("status_")} == {
        "mails": 10,
        "settled": 8,  # all but M08 (sent) and M09 (requested)
        "arrived": 6,  # M01 M02 M03 M04 M05 M10
        "attempted": 7,  # arrived + M06
        "undeliverable": 1,  # M06
        "send_error": 1,  # M07
        "in_flight": 2,  # M08 M09
        "human_opened": 2,  # M03 (open) M10 (click)
        "machine_opened_only": 1,  # M04 (proxy_open)
        "complained": 1,  # M05
    }


def test_each_rate_is_its_numerator_over_its_denominator(store) -> None:
    found = counts(store, in_period(MailFilter(), PERIOD))
    assert RATES["delivery"].of(found) == pytest.approx(6 / 8)
    assert RATES["open"].of(found) == pytest.approx(2 / 6)
    assert RATES["machine_open"].of(found) == pytest.approx(1 / 6)
    assert RATES["undeliverable"].of(found) == pytest.approx(1 / 7)
    assert RATES["send_error"].of(found) == pytest.approx(1 / 8)
    assert RATES["complaint"].of(found) == pytest.approx(1 / 6)


def test_a_rate_without_a_denominator_is_none_not_zero() -> None:
    assert RATES["delivery"].of({"arrived": 0, "settled": 0}) is None


def test_the_previous_period_is_the_ten_days_before_and_counts_its_own_mails(store) -> None:
    previous = PERIOD.previous()
    assert previous == Period(dt.date(2026, 2, 19), dt.date(2026, 2, 28))
    found = counts(store, in_period(MailFilter(), previous))
    assert (found["mails"], found["arrived"], found["attempted"], found["undeliverable"]) == (
        4,
        3,
        4,
        1,
    )
    assert RATES["undeliverable"].of(found) == pytest.approx(1 / 4)


def test_the_filters_of_the_page_narrow_every_count(store) -> None:
    found = counts(store, in_period(MailFilter(email_types=("convocation",)), PERIOD))
    assert (found["mails"], found["arrived"], found["undeliverable"], found["send_error"]) == (
        4,
        2,
        1,
        1,
    )
    found = counts(store, in_period(MailFilter(recipient_kinds=("trainer",)), PERIOD))
    assert (found["mails"], found["human_opened"]) == (1, 1)


def test_days_are_paris_days_so_a_mail_at_half_past_eleven_pm_stays_on_its_day(store) -> None:
    frame = counts_over_time(store, MailFilter(), PERIOD, "day")
    assert list(frame["start"]) == [dt.date(2026, 3, d) for d in range(1, 11)]
    by_day = dict(zip(frame["start"], frame["mails"], strict=True))
    assert by_day[dt.date(2026, 3, 10)] == 2  # M09 and M10 (23:30 Paris = 22:30 UTC)
    assert by_day[dt.date(2026, 3, 1)] == 0  # empty days are kept, so bars keep their place
    assert frame["mails"].sum() == 10


def test_weeks_start_on_monday_and_the_first_and_last_are_cut_to_the_period(store) -> None:
    frame = counts_over_time(store, MailFilter(), PERIOD, "week")
    assert [(r.start, r.end) for r in frame.itertuples()] == [
        (dt.date(2026, 3, 1), dt.date(2026, 3, 1)),  # Sunday: the end of the week of 23 February
        (dt.date(2026, 3, 2), dt.date(2026, 3, 8)),
        (dt.date(2026, 3, 9), dt.date(2026, 3, 10)),
    ]
    assert list(frame["mails"]) == [0, 7, 3]
    assert list(frame["status_undeliverable"]) == [0, 1, 0]


def test_the_domain_breakdown_keeps_the_top_domains_and_groups_the_rest(store) -> None:
    frame = breakdown(store, in_period(MailFilter(), PERIOD), "recipient_domain", top=2)
    assert list(frame["value"]) == ["gmail.com", "orange.fr", OTHER]
    assert list(frame["mails"]) == [4, 2, 4]
    assert list(frame["status_send_error"]) == [0, 0, 1]  # gmial.com is among the others


def test_sessions_with_failures_are_ranked_and_sessions_without_are_left_out(store) -> None:
    frame = sessions_with_most_failures(store, in_period(MailFilter(), PERIOD))
    assert list(frame["value"]) == ["S1"]
    row = frame.iloc[0]
    assert (row["mails"], row["status_undeliverable"], row["status_send_error"]) == (4, 1, 1)


@pytest.mark.parametrize(
    "dimension", ["email_type", "recipient_kind", "recipient_domain", "provider"]
)
def test_every_breakdown_bar_opens_exactly_its_mails(store, dimension: str) -> None:
    base = MailFilter()
    frame = breakdown(
        store,
        in_period(base, PERIOD),
        dimension,
        top=2 if dimension == "recipient_domain" else None,
    )
    shown = tuple(v for v in frame["value"] if v != OTHER)
    for row in frame.to_dict("records"):
        others = shown if row["value"] == OTHER else ()
        whole = segment_filter(
            base, period=PERIOD, dimension=dimension, value=row["value"], others=others
        )
        assert count_mails(store, whole) == row["mails"], row["value"]
        for status in ("delivered", "opened", "undeliverable", "send_error", "sent", "requested"):
            part = whole.with_(statuses=(status,))
            assert count_mails(store, part) == row[f"status_{status}"], (row["value"], status)


def test_the_other_domains_include_the_mails_of_every_domain_not_shown(store) -> None:
    shown = ("gmail.com", "orange.fr")
    other = segment_filter(
        MailFilter(), period=PERIOD, dimension="recipient_domain", value=OTHER, others=shown
    )
    assert ids(store, other) == ["M04", "M05", "M07", "M10"]


def test_a_bucket_segment_opens_the_mails_of_its_days_and_status(store) -> None:
    frame = counts_over_time(store, MailFilter(), PERIOD, "week")
    week = frame.iloc[1]
    segment = segment_filter(
        MailFilter(), period=Period(week["start"], week["end"]), statuses=("undeliverable",)
    )
    assert ids(store, segment) == ["M06"]
    human = segment_filter(MailFilter(), period=PERIOD, statuses=("opened",), human_open=True)
    machine = segment_filter(MailFilter(), period=PERIOD, statuses=("opened",), human_open=False)
    assert (ids(store, human), ids(store, machine)) == (["M03", "M10"], ["M04"])
    assert ids(store, segment_filter(MailFilter(), period=PERIOD, complained=True)) == ["M05"]


def test_a_segment_filter_survives_the_url_to_explore(store) -> None:
    segment = segment_filter(
        MailFilter(providers=("brevo",)),
        period=PERIOD,
        dimension="recipient_domain",
        value=OTHER,
        others=("gmail.com", "orange.fr"),
        statuses=("opened",),
        human_open=False,
    )
    back = MailFilter.from_query_params(segment.to_query_params())
    assert back == segment
    assert ids(store, back) == ["M04"]


def test_volume_over_time_gives_every_provider_a_value_in_every_bucket(store) -> None:
    frame = volume_over_time(store, MailFilter(), PERIOD, "week", "provider")
    assert list(frame["value"].unique()) == ["brevo"]
    assert list(frame["mails"]) == [0, 7, 3]


def test_monthly_slices_count_each_month_for_all_mails_and_per_slice(store) -> None:
    frame = monthly_slices(store, MailFilter(), Period(dt.date(2026, 2, 1), dt.date(2026, 3, 31)))
    march = frame[(frame["month"] == pd_month(2026, 3)) & (frame["dimension"] == "all")].iloc[0]
    assert (march["mails"], march["attempted"], march["undeliverable"]) == (11, 8, 1)  # with O01
    assert march["undeliverable_category"] == "unknown_recipient"
    february = frame[frame["month"] == pd_month(2026, 2)]
    assert set(february["dimension"]) == {"all", "provider", "email_type"}


def test_monthly_slices_leave_out_recipient_domains_too_small_to_raise_an_alert(store) -> None:
    # gmail.com's February (P01, P02, O02: 3 mails, 2 undeliverable) is under every guard: it
    # could never raise an alert, so it does not leave the database.
    frame = monthly_slices(store, MailFilter(), Period(dt.date(2026, 2, 1), dt.date(2026, 3, 31)))
    assert "gmail.com" not in set(frame["value"])


def pd_month(year: int, month: int):
    import pandas as pd

    return pd.Timestamp(year, month, 1)
