"""The overview in Chromium on the demo store, as a manager uses it: the DMARC incident and the
switch from Brevo to SendGrid show without anyone pointing at them, and a click on the incident
month's undeliverable bar (or on a card) opens Explore filtered to exactly those mails.

Drives the real dashboard: the overview, and the Explore page a click opens.
"""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import parse_qs, urlparse

import pytest
from browser import chromium_context, streamlit_app, wait_until_idle
from playwright.sync_api import Page

from pipeline.queries.history import count_mails
from pipeline.queries.mail_filter import MailFilter

pytestmark = pytest.mark.browser

APP = "dashboard.py"
INCIDENT = "août<br>2026"


@pytest.fixture(scope="module")
def app_url(demo_store):
    with streamlit_app(APP, env=demo_store.env) as url:
        yield url


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with chromium_context(
        tmp_path_factory.mktemp("chromium-profile"), width=1440, height=900
    ) as context:
        yield context


@pytest.fixture
def page(browser, app_url):
    page = browser.new_page()
    page.goto(f"{app_url}/?lang=fr")
    wait_until_idle(page)
    yield page
    page.close()


def chart_data(page: Page, title: str) -> list[dict]:
    """The traces (name, x, y) of the plotly chart with this title (Streamlit's theme wraps
    titles in <b>)."""
    return page.evaluate(
        """title => {
            const gd = [...document.querySelectorAll('.js-plotly-plot')]
                .find(g => g.layout && g.layout.title
                    && g.layout.title.text.replace(/<[^>]+>/g, '') === title);
            const plain = t => ({name: t.name, x: Array.from(t.x), y: Array.from(t.y).map(Number)});
            return gd ? gd.data.map(plain) : null;
        }""",
        title,
    )


def click_bar(page: Page, title: str, trace_name: str, x: str) -> int:
    """Click the bar of `trace_name` at category `x` in the chart titled `title`; the number
    of mails it stands for."""
    box = page.evaluate(
        """([title, name, x]) => {
            const gd = [...document.querySelectorAll('.js-plotly-plot')]
                .find(g => g.layout && g.layout.title
                    && g.layout.title.text.replace(/<[^>]+>/g, '') === title);
            gd.scrollIntoView({block: 'center'});
            const bars = gd.data.filter(t => t.type === 'bar');
            const index = bars.findIndex(t => t.name === name);
            const point = Array.from(bars[index].x).indexOf(x);
            const trace = gd.querySelectorAll('.barlayer .trace')[index];
            const path = trace.querySelectorAll('.point')[point];
            const r = path.getBoundingClientRect();
            const count = JSON.parse(bars[index].customdata[point]).count;
            return {x: r.x + r.width / 2, y: r.y + r.height / 2, h: r.height, count: count};
        }""",
        [title, trace_name, x],
    )
    assert box["h"] >= 4, "the bar is too thin to click"
    page.mouse.click(box["x"], box["y"])
    return int(box["count"])


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
    traces = {
        t["name"]: dict(zip(t["x"], t["y"], strict=True))
        for t in chart_data(page, "E-mails par prestataire d'envoi")
    }
    assert set(traces) == {"Brevo", "SendGrid"}
    assert traces["Brevo"]["mai<br>2026"] > 0 and traces["SendGrid"]["mai<br>2026"] == 0
    assert traces["Brevo"]["juil.<br>2026"] == 0 and traces["SendGrid"]["juil.<br>2026"] > 0


def test_clicking_the_incident_bar_opens_explore_on_exactly_those_mails_and_exports_them(
    page: Page, demo_store, tmp_path
) -> None:
    statuses = chart_data(page, "E-mails par statut")
    months = statuses[0]["x"]
    totals = [sum(t["y"][i] for t in statuses) for i in range(len(months))]
    undeliverable = next(t for t in statuses if t["name"] == "Réception impossible")["y"]
    shares = {m: u / n for m, u, n in zip(months, undeliverable, totals, strict=True) if n}
    assert max(shares, key=shares.get) == INCIDENT, (
        "the incident month has the largest orange share"
    )
    count = click_bar(page, "E-mails par statut", "Réception impossible", INCIDENT)
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
    # the manager exports what they clicked: the file holds exactly the mails counted
    with page.expect_download(timeout=60_000) as event:
        page.get_by_role("button", name="CSV pour Excel").click()
    path = tmp_path / event.value.suggested_filename
    event.value.save_as(path)
    assert path.name == "mailtrail_undeliverable_2026-08-01_2026-08-31.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")), delimiter=";"))
    assert len(rows) == count
    assert {r["status"] for r in rows} == {"undeliverable"}


def test_a_card_opens_explore_on_the_mails_it_counts(page: Page) -> None:
    button = page.get_by_role("button", name=re.compile(r"^\S*\s?\d[\d\u202f]* e-mails$")).nth(3)
    label = button.inner_text()
    button.click()
    target = explore_filter(page)
    assert target.statuses == ("undeliverable",)
    assert target.period_start is not None and target.period_end is not None
    assert f"{shown_count(page):,}".replace(",", "\u202f") in label
