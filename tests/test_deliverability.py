"""The overview's rules without a store: periods and buckets, thresholds with their sources, the
minimum-volume guard, and which warnings are raised and how they read."""

from __future__ import annotations

import datetime as dt

import pytest

from pipeline.filters.periods import (
    Period,
    anchor_day,
    auto_bucket,
    bucket_label,
    buckets,
    preset_period,
)
from pipeline.i18n import has_key
from pipeline.i18n.numbers import (
    format_count,
    format_percent,
    format_points,
    format_threshold,
    rounds_to_no_change,
)
from pipeline.reports.alerts import alert_advice, alert_facts, alert_text, find_alerts, group_alerts
from pipeline.rules.deliverability import (
    GUARDS,
    RATES,
    THRESHOLDS,
    crossed,
    enough_volume,
    thresholds_of,
)

AUGUST = dt.date(2026, 8, 1)
D = dt.date


# --- periods ------------------------------------------------------------------------------------


def test_presets_end_on_the_anchor_day_and_count_their_days() -> None:
    anchor = D(2026, 11, 20)
    assert preset_period("7d", anchor) == Period(D(2026, 11, 14), anchor)
    assert preset_period("30d", anchor).days == 30
    assert preset_period("90d", anchor).days == 90
    assert preset_period("year", anchor) == Period(D(2026, 1, 1), anchor)
    # 12 whole months and the current one so far: never the same days as "this year"
    assert preset_period("12m", anchor) == Period(D(2025, 11, 1), anchor)
    assert preset_period("12m", D(2026, 1, 31)) == Period(D(2025, 1, 1), D(2026, 1, 31))
    december = D(2026, 12, 2)
    assert preset_period("12m", december) != preset_period("year", december)
    assert preset_period("all", anchor, D(2025, 5, 18)) == Period(D(2025, 5, 18), anchor)
    assert preset_period("all", anchor) == Period(anchor, anchor)  # no data yet


def test_the_previous_period_has_the_same_length_and_ends_the_day_before() -> None:
    period = Period(D(2026, 3, 1), D(2026, 3, 31))
    assert period.previous() == Period(D(2026, 1, 29), D(2026, 2, 28))
    assert period.previous().days == period.days


def test_periods_end_today_while_data_is_current_and_on_the_newest_mail_otherwise() -> None:
    today = D(2026, 11, 27)
    assert anchor_day(today, D(2026, 11, 27)) == today
    assert anchor_day(today, D(2026, 11, 26)) == today  # early morning: nothing sent yet today
    assert anchor_day(today, D(2026, 11, 20)) == D(2026, 11, 20)  # the demo ends a week ago
    assert anchor_day(today, None) == today


@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (1, "day"),
        (7, "day"),
        (31, "day"),
        (32, "week"),
        (90, "week"),
        (183, "week"),
        (184, "month"),
        (365, "month"),
    ],
)
def test_the_bucket_follows_the_length_of_the_period(days: int, bucket: str) -> None:
    start = D(2026, 1, 1)
    assert auto_bucket(Period(start, start + dt.timedelta(days=days - 1))) == bucket


def test_buckets_cover_the_period_exactly_once() -> None:
    period = Period(D(2026, 1, 15), D(2026, 4, 10))
    for unit in ("day", "week", "month"):
        parts = buckets(period, unit)
        assert parts[0].start == period.start and parts[-1].end == period.end
        assert sum(part.days for part in parts) == period.days
        assert all(
            a.end + dt.timedelta(days=1) == b.start for a, b in zip(parts, parts[1:], strict=False)
        )


def test_bucket_labels_are_written_in_each_language() -> None:
    assert bucket_label("month", AUGUST, "fr") == "août<br>2026"
    assert bucket_label("month", AUGUST, "en") == "Aug<br>2026"
    assert bucket_label("day", D(2026, 8, 3), "fr") == "3<br>août"
    assert bucket_label("week", D(2026, 8, 3), "en") == "Aug<br>3"


# --- thresholds and the guard ---------------------------------------------------------------------


def test_every_threshold_names_a_source_in_both_languages() -> None:
    for threshold in THRESHOLDS:
        assert has_key(f"deliverability.threshold.source.{threshold.source}")
        assert has_key(f"deliverability.threshold.short.{threshold.source}")
    assert [th.value for th in thresholds_of("undeliverable")] == [0.02, 0.05, 0.10]
    assert [th.value for th in thresholds_of("complaint")] == [0.001, 0.003]


def test_a_rate_reaching_a_threshold_crosses_it_and_the_highest_one_reached_counts() -> None:
    assert crossed("undeliverable", {"undeliverable": 20, "attempted": 1000}).level == "watch"
    assert crossed("undeliverable", {"undeliverable": 19, "attempted": 1000}) is None
    assert crossed("undeliverable", {"undeliverable": 60, "attempted": 1000}).level == "high"
    assert crossed("undeliverable", {"undeliverable": 250, "attempted": 1000}).level == "critical"
    assert crossed("complaint", {"complained": 2, "arrived": 1000}).level == "watch"
    assert crossed("complaint", {"complained": 3, "arrived": 1000}).level == "critical"


def test_one_failure_in_three_mails_raises_no_alarm() -> None:
    assert not enough_volume("undeliverable", {"undeliverable": 1, "attempted": 3})
    assert crossed("undeliverable", {"undeliverable": 1, "attempted": 3}) is None


def test_the_guard_needs_both_enough_mails_and_enough_failures() -> None:
    guard = GUARDS["undeliverable"]
    assert (
        crossed("undeliverable", {"undeliverable": 4, "attempted": 40}) is None
    )  # 10 %, 4 failures
    assert crossed("undeliverable", {"undeliverable": 5, "attempted": 29}) is None  # 29 mails
    assert crossed("undeliverable", {"undeliverable": 5, "attempted": 30}).level == "critical"
    assert crossed("undeliverable", {"undeliverable": 5, "attempted": 250}).level == "watch"
    assert (guard.min_denominator, guard.min_numerator) == (30, 5)
    assert crossed("complaint", {"complained": 1, "arrived": 500}) is None
    assert crossed("complaint", {"complained": 2, "arrived": 499}) is None


def test_rates_that_are_not_judged_always_have_enough_volume() -> None:
    assert enough_volume("delivery", {"arrived": 1, "settled": 1})
    assert RATES["open"].better == "higher" and RATES["undeliverable"].better == "lower"


# --- warnings -----------------------------------------------------------------------------------


def row(month: dt.date, dimension: str = "all", value: str | None = None, **counts: object) -> dict:
    base = {
        "mails": 0,
        "settled": 0,
        "arrived": 0,
        "attempted": 0,
        "undeliverable": 0,
        "send_error": 0,
        "complained": 0,
        "undeliverable_category": None,
        "send_error_category": None,
    }
    return {"month": month, "dimension": dimension, "value": value, **base, **counts}


def incident_month() -> list[dict]:
    """August 2026: 25 % refused for sender authentication, gmail.com at 60 %, one provider."""
    cat = {"undeliverable_category": "sender_authentication"}
    return [
        row(AUGUST, attempted=1000, arrived=750, undeliverable=250, **cat),
        row(
            AUGUST,
            "recipient_domain",
            "gmail.com",
            attempted=200,
            arrived=80,
            undeliverable=120,
            **cat,
        ),
        row(AUGUST, "recipient_domain", "orange.fr", attempted=300, arrived=294, undeliverable=6),
        row(AUGUST, "provider", "sendgrid", attempted=1000, arrived=750, undeliverable=250, **cat),
        row(
            AUGUST, "email_type", "convocation", attempted=100, arrived=72, undeliverable=28, **cat
        ),
        row(AUGUST, "recipient_domain", "tiny.fr", attempted=3, arrived=2, undeliverable=1),
    ]


def test_the_incident_month_warns_for_all_mails_and_for_the_domain_that_fails_most() -> None:
    alerts = find_alerts(incident_month())
    assert [(a.dimension, a.value) for a in alerts] == [
        ("all", None),
        ("recipient_domain", "gmail.com"),
    ]
    assert alerts[0].threshold.level == "critical" and alerts[0].category == "sender_authentication"


def test_a_slice_that_only_repeats_its_month_is_not_a_warning_of_its_own() -> None:
    alerts = find_alerts(incident_month())
    assert ("provider", "sendgrid") not in [(a.dimension, a.value) for a in alerts]
    assert ("email_type", "convocation") not in [
        (a.dimension, a.value) for a in alerts
    ]  # 28 % < 1.5 × 25 %


def test_a_slice_over_a_threshold_in_a_quiet_month_is_a_warning() -> None:
    quiet = [
        row(AUGUST, attempted=2000, arrived=1980, undeliverable=20),
        row(
            AUGUST,
            "recipient_domain",
            "client-inconnu.fr",
            attempted=60,
            arrived=52,
            undeliverable=8,
            undeliverable_category="unknown_recipient",
        ),
    ]
    (alert,) = find_alerts(quiet)
    assert (alert.value, alert.threshold.level) == ("client-inconnu.fr", "critical")


def test_warnings_of_one_month_and_rate_are_grouped_under_the_whole_month() -> None:
    (group,) = group_alerts(find_alerts(incident_month()))
    assert group.lead.dimension == "all"
    assert [a.value for a in group.slices] == ["gmail.com"]


def test_complaints_are_judged_against_google_and_yahoo_limits() -> None:
    (alert,) = find_alerts([row(AUGUST, arrived=1000, complained=4)])
    assert alert.rate == "complaint" and alert.threshold.source == "google_yahoo_2024_limit"


def test_the_warning_says_when_what_where_why_and_what_to_do() -> None:
    alerts = find_alerts(incident_month())
    gmail = alerts[1]
    text = alert_text(gmail, "en")
    assert text == (
        "In August 2026, 60.0% of the mails to gmail.com were refused by the recipient's server, "
        "mostly because sender authentication (DMARC, SPF, DKIM) failed"
    )
    assert "DMARC" in alert_advice(gmail, "en")
    assert alert_text(gmail, "fr").startswith(
        "En août 2026, 60,0\u202f% des e-mails vers gmail.com"
    )
    facts = alert_facts(gmail, "en")
    assert "120 of 200" in facts and "10%" in facts and "Amazon SES" in facts


def test_a_warning_without_a_known_reason_gives_the_general_advice() -> None:
    (alert,) = find_alerts([row(AUGUST, attempted=100, arrived=90, undeliverable=10)])
    assert alert.category is None
    assert alert_text(alert, "en").endswith("were refused by the recipient's server")
    assert alert_advice(alert, "en").startswith("Open these mails")


# --- numbers ------------------------------------------------------------------------------------


def test_numbers_are_written_as_each_language_writes_them() -> None:
    assert format_count(24349, "fr") == "24\u202f349" and format_count(24349, "en") == "24,349"
    assert format_percent(0.2534, "fr") == "25,3\u202f%" and format_percent(0.2534, "en") == "25.3%"
    assert format_percent(0.0003, "en") == "0.03%"
    assert format_percent(None, "en") == "–"
    assert (
        format_points(-0.012, "fr") == "-1,2\u202fpt" and format_points(0.011, "en") == "+1.1 pts"
    )
    assert format_threshold(0.1, "fr") == "10\u202f%" and format_threshold(0.003, "en") == "0.3%"


def test_a_change_too_small_to_show_reads_as_no_change_not_as_a_worsening() -> None:
    assert format_points(0.00001, "fr") == "+0,00\u202fpt"
    assert rounds_to_no_change(0.00001)
    assert not rounds_to_no_change(0.0002)
    assert not rounds_to_no_change(-0.013)
