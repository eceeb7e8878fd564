"""The overview in Chromium on the demo store, as a manager uses it: the DMARC incident and the
switch from Brevo to SendGrid show without anyone pointing at them, and a click on the incident
month's undeliverable bar (or on a card) opens Explore filtered to exactly those mails.

Drives the real dashboard: the overview, and the Explore page a click opens.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlparse

import pytest
from browser import bar_traces, click_bar, streamlit_app, wait_until_idle
from playwright.sync_api import Page

from pipeline.filters.mail_filter import MailFilter
from pipeline.queries.history import count_mails

pytestmark = pytest.mark.browser

APP = "dashboard.py"
INCIDENT = "août<br>2026"


@pytest.fixture(scope="module")
def app_url(demo_store):
    with streamlit_app(APP, env=demo_store.env) as url:
        yield url


@pytest.fixture
def page(browser, app_url):
    page = browser.new_page()
    page.goto(f"{app_url}/?lang=fr")
    wait_until_idle(page)
    yield page
    page.close()


def explore_filter(page: Page) -> MailFilter:
    page.wait_for_url(re.compile(r"/explore\?"))
    wait_until_idle(page)
    query = {k: v[-1] for k, v in parse_qs(urlparse(page.url).query).items()}
    return MailFilter.from_query_params(query)


def shown_count(page: Page) -> int:
    """The count the Explore page shows above its exports."""
    metric = page.get_by_test_id("stMetricValue").first
    return int(re.sub(r"\D", "", metric.inner_text()))


def test_the_incident_month_is_named_in_a_warning_with_its_reason(page: Page) -> None:
    warning = page.get_by_text(re.compile(r"En août 2026, \d+,\d\s%\sdes e-mails")).first
    warning.wait_for()
    assert "authentification de l'expéditeur" in warning.inner_text()
    assert (
        "DMARC"
        in page.get_by_text(re.compile("Faites vérifier l'enregistrement DMARC")).first.inner_text()
    )


def test_the_switch_from_brevo_to_sendgrid_shows_in_the_providers_chart(page: Page) -> None:
    traces = bar_traces(page, "E-mails par prestataire d'envoi")
    assert set(traces) == {"Brevo", "SendGrid"}
    assert traces["Brevo"]["mai<br>2026"] > 0 and traces["SendGrid"]["mai<br>2026"] == 0
    assert traces["Brevo"]["juil.<br>2026"] == 0 and traces["SendGrid"]["juil.<br>2026"] > 0


def test_clicking_the_incident_bar_opens_explore_on_exactly_those_mails(
    page: Page, demo_store
) -> None:
    # (tests/test_journey_browser.py goes on to export this slice)
    statuses = bar_traces(page, "E-mails par statut")
    undeliverable = statuses["Réception impossible"]
    totals = {m: sum(t.get(m, 0) for t in statuses.values()) for m in undeliverable}
    shares = {m: u / totals[m] for m, u in undeliverable.items() if totals[m]}
    assert max(shares, key=shares.get) == INCIDENT, (
        "the incident month has the largest orange share"
    )
    segment = click_bar(page, "E-mails par statut", "Réception impossible", INCIDENT)
    count = int(json.loads(segment)["count"])
    target = explore_filter(page)
    assert target.statuses == ("undeliverable",)
    assert (target.period_start.isoformat(), target.period_end.isoformat()) == (
        "2026-08-01",
        "2026-08-31",
    )
    assert shown_count(page) == count
    with demo_store.connect() as con:
        con.execute("SET TimeZone = 'Europe/Paris'")
        assert count_mails(con, target) == count
    assert parse_qs(urlparse(page.url).query)["lang"] == ["fr"]


def test_a_card_opens_explore_on_the_mails_it_counts(page: Page) -> None:
    button = page.get_by_role("button", name=re.compile(r"^\S*\s?\d[\d\u202f]* e-mails$")).nth(3)
    label = button.inner_text()
    button.click()
    target = explore_filter(page)
    assert target.statuses == ("undeliverable",)
    assert target.period_start is not None and target.period_end is not None
    assert f"{shown_count(page):,}".replace(",", "\u202f") in label
