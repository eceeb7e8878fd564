"""The overview page on the demo store (AppTest, no browser): its KPI cards hold the counts of
the queries, the incident month is named in a warning, and the period, filters and language
change what it shows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pipeline.filters.mail_filter import MailFilter
from pipeline.filters.periods import preset_period
from pipeline.i18n.numbers import format_change, format_count, format_percent, format_points
from pipeline.queries.overview import counts, data_days, in_period
from pipeline.rules.deliverability import RATES
from tests.conftest import DemoStore

ROOT = Path(__file__).resolve().parents[1]


def run(monkeypatch, **query: str) -> AppTest:
    monkeypatch.chdir(ROOT)
    app = AppTest.from_file(str(ROOT / "pages/overview.py"), default_timeout=90)
    for key, value in query.items():
        app.query_params[key] = value
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert not app.error, [e.value for e in app.error]
    return app


def expected(
    demo: DemoStore, mail_filter: MailFilter, preset: str = "12m", anchor: dt.date | None = None
) -> dict[str, int]:
    """What the cards must show: the counts of the period the preset means on the demo."""
    with demo.connect() as con:
        con.execute("SET TimeZone = 'Europe/Paris'")
        newest = data_days(con)[1]
        return counts(con, in_period(mail_filter, preset_period(preset, anchor or newest)))


def metric(app: AppTest, label: str) -> str:
    return next(m.value for m in app.metric if m.label == label)


def test_the_cards_show_the_counts_and_rates_of_the_last_twelve_months(
    demo_env, monkeypatch
) -> None:
    app = run(monkeypatch)
    found = expected(demo_env, MailFilter())
    assert metric(app, "E-mails") == format_count(found["mails"], "fr")
    assert metric(app, "Reçus") == format_percent(RATES["delivery"].of(found), "fr")
    assert metric(app, "Non remis") == format_percent(RATES["undeliverable"].of(found), "fr")
    assert metric(app, "Erreurs d'envoi") == format_percent(RATES["send_error"].of(found), "fr")
    labels = [b.label for b in app.button]
    assert f"{format_count(found['undeliverable'], 'fr')} e-mails" in labels
    # Each card explains its definition on hover.
    assert "÷" in next(m.help for m in app.metric if m.label == "Non remis")


def test_the_incident_month_is_named_in_a_warning_without_anyone_pointing_at_it(
    demo_env, monkeypatch
) -> None:
    app = run(monkeypatch)
    texts = [m.value for m in app.markdown]
    incident = [t for t in texts if "En août 2026" in t]
    assert incident, texts
    assert "authentification de l'expéditeur" in incident[0] and "DMARC" in incident[0]


def test_each_card_compares_with_the_period_of_the_same_length_before(
    demo_env, monkeypatch
) -> None:
    with demo_env.connect() as con:
        con.execute("SET TimeZone = 'Europe/Paris'")
        period = preset_period("30d", data_days(con)[1])
        now = counts(con, in_period(MailFilter(), period))
        before = counts(con, in_period(MailFilter(), period.previous()))
    app = run(monkeypatch, period="30d")
    cards = {m.label: m for m in app.metric}
    change = RATES["undeliverable"].of(now) - RATES["undeliverable"].of(before)
    assert cards["Non remis"].delta == format_points(change, "fr")
    assert cards["E-mails"].delta == format_change(now["mails"] / before["mails"] - 1, "fr")


def test_no_change_in_mails_is_shown_when_the_data_starts_inside_the_previous_period(
    demo_env, monkeypatch
) -> None:
    app = run(monkeypatch)  # 12 months: the demo's 18 months do not cover the 12 before
    cards = {m.label: m for m in app.metric}
    assert not cards["E-mails"].delta
    assert cards["Reçus"].delta  # rates are still compared, over the days that have data
    assert "Les données ne commencent que le" in app.caption[0].value


def test_the_period_is_said_and_ends_on_the_newest_mail_of_the_demo(demo_env, monkeypatch) -> None:
    with demo_env.connect() as con:
        con.execute("SET TimeZone = 'Europe/Paris'")
        newest = data_days(con)[1]
    assert newest < dt.date.today() - dt.timedelta(days=1), "the demo ends in the past"
    app = run(monkeypatch, period="30d")
    caption = app.caption[0].value
    start = newest - dt.timedelta(days=29)
    assert f"Du {start:%d/%m/%Y} au {newest:%d/%m/%Y}" in caption
    assert f"Les données s'arrêtent le {newest:%d/%m/%Y}" in caption
    found = expected(demo_env, MailFilter(), "30d", newest)
    assert metric(app, "E-mails") == format_count(found["mails"], "fr")


def test_all_data_counts_every_mail_from_the_first_day_of_the_data(demo_env, monkeypatch) -> None:
    with demo_env.connect() as con:
        con.execute("SET TimeZone = 'Europe/Paris'")
        oldest, newest = data_days(con)
        everything = con.execute("SELECT count(*) FROM email_history").fetchall()[0][0]
    app = run(monkeypatch, period="all")
    assert app.selectbox(key="overview::period").value == "all"
    assert metric(app, "E-mails") == format_count(everything, "fr")
    assert f"Du {oldest:%d/%m/%Y} au {newest:%d/%m/%Y}" in app.caption[0].value


def test_filters_from_the_url_narrow_every_card(demo_env, monkeypatch) -> None:
    app = run(monkeypatch, providers="sendgrid", kinds="learner")
    found = expected(demo_env, MailFilter(providers=("sendgrid",), recipient_kinds=("learner",)))
    assert metric(app, "E-mails") == format_count(found["mails"], "fr")
    assert app.multiselect(key="overview::provider").value == ["sendgrid"]


def test_explore_parameters_left_in_the_url_do_not_filter_the_overview(
    demo_env, monkeypatch
) -> None:
    app = run(monkeypatch, status="undeliverable", provider="brevo", start="2026-08-01")
    found = expected(demo_env, MailFilter())
    assert metric(app, "E-mails") == format_count(found["mails"], "fr")
    assert "status" not in app.query_params and "provider" not in app.query_params


def test_changing_the_filter_changes_the_cards_and_the_url(demo_env, monkeypatch) -> None:
    app = run(monkeypatch)
    app.multiselect(key="overview::email_type").set_value(["convocation"]).run()
    found = expected(demo_env, MailFilter(email_types=("convocation",)))
    assert metric(app, "E-mails") == format_count(found["mails"], "fr")
    assert app.query_params["types"] in ("convocation", ["convocation"])


@pytest.mark.parametrize("lang", ["en"])
def test_the_page_speaks_english_too(demo_env, monkeypatch, lang: str) -> None:
    app = run(monkeypatch, lang=lang)
    assert app.title[0].value == "Overview"
    assert any("In August 2026" in m.value for m in app.markdown)
    assert {m.label for m in app.metric} == {
        "Mails",
        "Delivered",
        "Opened",
        "Undeliverable",
        "Send errors",
        "Complaints",
    }


def test_an_empty_selection_says_so_instead_of_drawing_empty_charts(demo_env, monkeypatch) -> None:
    app = run(monkeypatch, period="custom", since="2024-01-01", until="2024-01-31")
    assert any("Aucun e-mail" in i.value for i in app.info)
