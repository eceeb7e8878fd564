"""The Data page's questions, on small hand-made stores through the real pipeline and on the demo:
the ingest history, each provider's freshness (its own usual gap, a late provider, one the
platform stopped using), the store's age, and the mails still requested for hours."""

from __future__ import annotations

import datetime as dt

import pytest
from freshness_data import brevo_events, every, hours_at, send_log, sendgrid_events

from pipeline.queries import data_health as health
from pipeline.queries.data_health import freshness_verdict, provider_freshness

HOUR = dt.timedelta(hours=1)


def by_provider(con, as_of=None) -> dict[str, health.ProviderFreshness]:
    return {p.provider: p for p in provider_freshness(con, as_of)}


def test_a_provider_the_platform_switched_away_from_reads_as_no_longer_receiving_data(
    write, ingest, db
) -> None:
    brevo = every("brevo", range(0, 24 * 30, 3))
    sendgrid = every("sendgrid", range(24 * 30, 24 * 60, 3))
    late_open = [m for m in brevo if m.hour == 24 * 29][0]
    ingest(
        write("sends.csv", send_log(brevo + sendgrid)),
        write("brevo.jsonl", brevo_events(brevo)),
        write("brevo-late.jsonl", brevo_events([late_open], names=("request", "opened"))),
        write("sendgrid.jsonl", sendgrid_events(sendgrid)),
    )
    providers = by_provider(db())
    assert providers["brevo"].verdict == "idle"
    assert providers["brevo"].requests_since_last_event == 0
    assert providers["brevo"].last_request_at == brevo[-1].requested_at
    assert providers["sendgrid"].verdict == "current"


def test_a_provider_silent_while_mails_are_still_requested_through_it_is_late(
    write, ingest, db
) -> None:
    brevo = every("brevo", range(0, 24 * 20, 3))
    answered = [m for m in brevo if m.hour < 24 * 15]
    ingest(write("sends.csv", send_log(brevo)), write("brevo.jsonl", brevo_events(answered)))
    brevo_now = by_provider(db())["brevo"]
    assert brevo_now.verdict == "late"
    assert brevo_now.requests_since_last_event == len(brevo) - len(answered)
    assert brevo_now.silence == brevo[-1].requested_at - (
        answered[-1].requested_at + dt.timedelta(seconds=10)
    )
    assert brevo_now.usual_gap == dt.timedelta(hours=health.PROVIDER_FLOOR_HOURS)


def test_the_usual_gap_follows_the_providers_own_rhythm(write, ingest, db) -> None:
    daily = every("brevo", [hours_at(day, 9) for day in range(30)])
    unanswered = every("brevo", [hours_at(30, 9)], prefix="NEW")
    ingest(
        write("sends.csv", send_log(daily + unanswered)),
        write("brevo.jsonl", brevo_events(daily)),
    )
    last_event = daily[-1].requested_at + dt.timedelta(seconds=10)
    within = by_provider(db(), as_of=last_event + 20 * HOUR)["brevo"]
    beyond = by_provider(db(), as_of=last_event + 30 * HOUR)["brevo"]
    assert within.usual_gap == beyond.usual_gap == 24 * HOUR
    assert within.verdict == "current"
    assert beyond.verdict == "late"
    assert beyond.requests_since_last_event == 1


@pytest.mark.parametrize(("outages", "usual_hours"), [(2, health.PROVIDER_FLOOR_HOURS), (3, 72)])
def test_the_two_longest_silences_are_one_offs_that_do_not_set_the_usual_gap(
    write, ingest, db, outages: int, usual_hours: float
) -> None:
    hours = []
    hour = 0
    for _ in range(outages):
        hours += list(range(hour, hour + 24 * 5))
        hour += 24 * 5 - 1 + 72  # 72 h from the last active hour to the next
    hours += list(range(hour, hour + 24 * 5))
    mails = every("brevo", hours)
    ingest(write("sends.csv", send_log(mails)), write("brevo.jsonl", brevo_events(mails)))
    assert by_provider(db())["brevo"].usual_gap == usual_hours * HOUR


def test_a_provider_named_by_the_send_log_without_any_event_has_no_events(
    write, ingest, db
) -> None:
    brevo = every("brevo", range(0, 48, 2))
    mailjet = every("mailjet", [10, 20, 30])
    ingest(write("sends.csv", send_log(brevo + mailjet)), write("b.jsonl", brevo_events(brevo)))
    mailjet_now = by_provider(db())["mailjet"]
    assert mailjet_now.verdict == "no_events"
    assert mailjet_now.requests_since_last_event == 3
    assert mailjet_now.last_event_at is None


def test_a_provider_known_only_from_events_is_idle_after_months_and_late_after_days(
    write, ingest, db
) -> None:
    sendgrid = every("sendgrid", range(0, 24 * 200, 6))
    old_brevo = every("brevo", range(0, 24 * 10, 3))  # no send log: console mails
    recent_brevo = every("brevo", range(24 * 180, 24 * 195, 3), prefix="BR2")
    ingest(
        write("sends.csv", send_log(sendgrid)),
        write("sendgrid.jsonl", sendgrid_events(sendgrid)),
        write("brevo.jsonl", brevo_events(old_brevo)),
    )
    assert by_provider(db())["brevo"].verdict == "idle"
    ingest(write("brevo-recent.jsonl", brevo_events(recent_brevo)))
    brevo = by_provider(db())["brevo"]
    assert brevo.verdict == "late"
    assert brevo.last_request_at is None


def test_events_of_the_last_24_hours_and_7_days_are_counted_up_to_the_newest_data(
    write, ingest, db
) -> None:
    mails = every("brevo", [hours_at(day) for day in range(10)])  # one a day, two events each
    ingest(write("sends.csv", send_log(mails)), write("brevo.jsonl", brevo_events(mails)))
    brevo = by_provider(db())["brevo"]
    assert (brevo.events_24h, brevo.events_7d) == (2, 14)
    assert brevo.requests_7d == 7


@pytest.mark.parametrize(
    ("silence_hours", "has_send_log", "since", "active", "verdict"),
    [
        (None, True, 3, False, "no_events"),
        (5, True, 9, True, "current"),
        (7, True, 9, True, "late"),
        (7, True, 0, True, "idle"),
        (7, False, 0, True, "late"),
        (7, False, 0, False, "idle"),
    ],
)
def test_the_freshness_verdict_rule(silence_hours, has_send_log, since, active, verdict) -> None:
    silence = None if silence_hours is None else silence_hours * HOUR
    assert (
        freshness_verdict(
            silence,
            6 * HOUR,
            has_send_log=has_send_log,
            requests_since_last_event=since,
            active_in_window=active,
        )
        == verdict
    )


def test_the_store_is_stale_once_no_data_came_for_longer_than_usual(write, ingest, db) -> None:
    mails = every("brevo", range(0, 24 * 10))
    ingest(write("sends.csv", send_log(mails)), write("brevo.jsonl", brevo_events(mails)))
    as_of = health.data_as_of(db())
    assert as_of == mails[-1].requested_at + dt.timedelta(seconds=10)
    fresh = health.store_freshness(db(), now=as_of + 23 * HOUR)
    stale = health.store_freshness(db(), now=as_of + 25 * HOUR)
    assert fresh is not None and stale is not None
    assert fresh.usual_gap == dt.timedelta(hours=health.STORE_FLOOR_HOURS)
    assert not fresh.stale
    assert stale.stale


def test_an_empty_store_has_no_freshness_and_no_stuck_mail(write, ingest, db) -> None:
    ingest(write("empty.csv", ""))
    assert health.data_as_of(db()) is None
    assert health.store_freshness(db()) is None
    assert provider_freshness(db()) == []
    assert health.stuck_requested_mails(db()).empty
    assert health.count_stuck_requested(db()) == 0


def test_mails_still_requested_hours_before_the_newest_data_are_listed_oldest_first(
    write, ingest, db
) -> None:
    answered = every("brevo", [0, 10], prefix="OK")
    waiting = every("brevo", [1, 6, 9], prefix="WAIT")
    ingest(
        write("sends.csv", send_log(answered + waiting)), write("b.jsonl", brevo_events(answered))
    )
    # The newest data is the last delivery: 10 h + 10 s after T0.
    stuck = health.stuck_requested_mails(db(), hours=3)
    assert list(stuck["send_id"]) == ["WAIT-00000", "WAIT-00001"]
    assert stuck["hours_waiting"].iloc[0] == pytest.approx(9, abs=0.01)
    assert list(stuck.columns[:3]) == ["send_id", "requested_at", "hours_waiting"]
    assert health.count_stuck_requested(db(), hours=3) == 2
    assert health.count_stuck_requested(db(), hours=0.5) == 3
    assert health.count_stuck_requested(db(), hours=12) == 0
    assert len(health.stuck_requested_mails(db(), hours=0.5, limit=1)) == 1


def test_the_ingest_history_lists_every_file_newest_first(write, ingest, db) -> None:
    mails = every("brevo", [0, 1])
    ingest(write("sends.csv", send_log(mails)))
    ingest(write("brevo.jsonl", brevo_events(mails)), write("garbage.txt", "hello\x00world"))
    runs = health.ingest_run_history(db())
    assert list(runs["file_name"]) == ["garbage.txt", "brevo.jsonl", "sends.csv"]
    assert list(runs["status"]) == ["refused", "completed", "completed"]
    assert runs["records_loaded"].tolist()[1:] == [4, 2]
    assert health.count_ingest_runs(db()) == 3
    assert len(health.ingest_run_history(db(), limit=2)) == 2


# --- on the demo -----------------------------------------------------------------------------


def test_on_the_demo_brevo_no_longer_receives_data_since_the_switch_and_sendgrid_is_current(
    demo_store,
) -> None:
    with demo_store.connect() as con:
        con.execute("SET TimeZone = 'Europe/Paris'")
        providers = by_provider(con)
    brevo, sendgrid = providers["brevo"], providers["sendgrid"]
    assert brevo.verdict == "idle"
    assert brevo.last_request_at < dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    assert brevo.last_event_at > brevo.last_request_at  # late opens of old mails
    assert sendgrid.verdict == "current"
    assert sendgrid.events_7d > 0 and sendgrid.requests_7d > 0


def test_on_the_demo_the_store_is_fresh_at_its_own_noon_and_stale_a_week_later(demo_store) -> None:
    noon = dt.datetime(2026, 11, 20, 11, 0, tzinfo=dt.UTC)  # noon in Paris on the demo's today
    with demo_store.connect() as con:
        fresh = health.store_freshness(con, now=noon)
        stale = health.store_freshness(con, now=noon + dt.timedelta(days=7))
    assert fresh is not None and not fresh.stale
    assert stale is not None and stale.stale


def test_on_the_demo_stuck_mails_are_exactly_those_still_requested_that_long(demo_store) -> None:
    with demo_store.connect() as con:
        as_of = health.data_as_of(con)
        stuck = health.stuck_requested_mails(con, hours=0.5)
        requested = con.execute(
            "SELECT send_id, requested_at FROM email_history WHERE status = 'requested'"
        ).fetchall()
    expected = sorted(s for s, at in requested if at <= as_of - dt.timedelta(hours=0.5))
    assert sorted(stuck["send_id"]) == expected
    assert (stuck["hours_waiting"] >= 0.5).all()
