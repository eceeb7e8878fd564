"""The overview's figures on the demo store: every bar segment and every point carries a segment
whose filter, as Explore would read it from the URL, counts exactly the mails the chart shows;
colours are the statuses' own; threshold lines are labelled with their sources."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from pipeline.filters.mail_filter import MailFilter
from pipeline.filters.periods import Period, preset_period
from pipeline.queries.history import count_mails
from pipeline.queries.overview import (
    breakdown,
    counts,
    counts_over_time,
    in_period,
    segment_filter,
    sessions_with_most_failures,
    volume_over_time,
)
from pipeline.rules.deliverability import NUMERATOR_FILTERS, RATES
from pipeline.rules.statuses import STATUS_COLOURS
from tests.conftest import DemoStore
from ui.overview.breakdown_charts import breakdown_bars
from ui.overview.charts import status_bars, volume_bars
from ui.overview.drill import explore_query_params, segment_from_point
from ui.overview.rate_charts import rate_lines

BASE = MailFilter(recipient_kinds=("learner", "client"))


@pytest.fixture(scope="module")
def con(demo_store: DemoStore):
    connection = demo_store.connect()
    connection.execute("SET TimeZone = 'Europe/Paris'")
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def period(demo_store: DemoStore) -> Period:
    return preset_period("12m", demo_store.today)


def assert_every_point_opens_its_mails(con, figure, base: MailFilter) -> int:
    """Each point's filter, through the URL Explore reads, counts the mails the point shows."""
    checked = 0
    for trace in figure.data:
        for data in trace.customdata or ():
            expected = json.loads(data)["count"]
            target = segment_from_point(base, {"customdata": data})
            through_url = MailFilter.from_query_params(explore_query_params(target, "fr"))
            assert count_mails(con, through_url) == expected, (trace.name, data)
            checked += 1
    return checked


def test_every_status_bar_opens_exactly_its_mails(con, period) -> None:
    frame = counts_over_time(con, BASE, period, "month")
    figure = status_bars(frame, "month", "fr")
    assert assert_every_point_opens_its_mails(con, figure, BASE) >= 12 * 4
    colours = {trace.name: trace.marker.color for trace in figure.data}
    assert colours["Réception impossible"] == STATUS_COLOURS["undeliverable"]
    assert colours["Reçu et ouvert"] == STATUS_COLOURS["opened"]


def test_every_rate_point_opens_the_mails_of_its_numerator(con, period) -> None:
    frame = counts_over_time(con, BASE, period, "week")
    figures = [
        rate_lines(
            frame,
            "week",
            "en",
            rates=("undeliverable", "send_error"),
            title_key="chart.failures.title",
            threshold_rate="undeliverable",
        ),
        rate_lines(
            frame,
            "week",
            "en",
            rates=("delivery", "open", "machine_open"),
            title_key="chart.engagement.title",
        ),
        rate_lines(
            frame,
            "week",
            "en",
            rates=("complaint",),
            title_key="chart.complaints.title",
            threshold_rate="complaint",
            y_floor=0.0035,
        ),
    ]
    for figure in figures:
        assert assert_every_point_opens_its_mails(con, figure, BASE) > 0


def test_every_breakdown_bar_and_rate_opens_exactly_its_mails(con, period) -> None:
    where = in_period(BASE, period)
    for dimension, top in (
        ("email_type", None),
        ("recipient_kind", None),
        ("provider", None),
        ("recipient_domain", 10),
    ):
        figure = breakdown_bars(breakdown(con, where, dimension, top), dimension, period, "fr")
        assert assert_every_point_opens_its_mails(con, figure, BASE) > 0
    sessions = sessions_with_most_failures(con, where, 10)
    figure = breakdown_bars(sessions, "session", period, "fr", failures_only=True)
    assert assert_every_point_opens_its_mails(con, figure, BASE) >= len(sessions) * 2


def test_every_provider_bar_opens_its_mails_and_shows_the_switch_to_sendgrid(con, period) -> None:
    frame = volume_over_time(con, MailFilter(), period, "month", "provider")
    figure = volume_bars(frame, "month", "en")
    assert assert_every_point_opens_its_mails(con, figure, MailFilter()) > 0
    by_month = frame.pivot(index="start", columns="value", values="mails")
    assert (
        by_month.loc[dt.date(2026, 5, 1), "sendgrid"]
        == 0
        < by_month.loc[dt.date(2026, 5, 1), "brevo"]
    )
    assert (
        by_month.loc[dt.date(2026, 7, 1), "brevo"]
        == 0
        < by_month.loc[dt.date(2026, 7, 1), "sendgrid"]
    )


def test_the_incident_month_stands_out_among_the_undeliverable_bars(con, period) -> None:
    frame = counts_over_time(con, MailFilter(), period, "month")
    rates = {row["start"]: RATES["undeliverable"].of(row) for row in frame.to_dict("records")}
    august = rates.pop(dt.date(2026, 8, 1))
    assert august > 0.15 and august > 5 * max(r for r in rates.values() if r is not None)


def test_threshold_lines_are_drawn_with_their_sources(con, period) -> None:
    frame = counts_over_time(con, MailFilter(), period, "month")
    figure = rate_lines(
        frame,
        "month",
        "en",
        rates=("undeliverable",),
        title_key="chart.failures.title",
        threshold_rate="undeliverable",
        y_floor=0.055,
    )
    labels = [a.text for a in figure.layout.annotations]
    assert "2% · industry practice" in labels
    assert "5% · Amazon SES: account review" in labels
    assert "10% · Amazon SES: sending paused" in labels  # the incident lifts the axis past 10 %


def test_a_point_too_small_to_judge_is_drawn_hollow() -> None:
    week = Period(dt.date(2026, 3, 2), dt.date(2026, 3, 8))
    import pandas as pd

    frame = pd.DataFrame(
        [
            {
                "bucket": week.start,
                "start": week.start,
                "end": week.end,
                "attempted": 3,
                "undeliverable": 1,
                "settled": 3,
                "send_error": 0,
            }
        ]
    )
    figure = rate_lines(
        frame, "week", "fr", rates=("undeliverable",), title_key="chart.failures.title"
    )
    assert list(figure.data[0].marker.symbol) == ["circle-open"]
    assert "Trop peu" in figure.data[0].hovertext[0]


def test_each_kpi_opens_the_mails_it_counts(con, period) -> None:
    where = in_period(BASE, period)
    found = counts(con, where)
    for rate, changes in NUMERATOR_FILTERS.items():
        assert count_mails(con, segment_filter(where, **changes)) == found[RATES[rate].numerator], (
            rate
        )
