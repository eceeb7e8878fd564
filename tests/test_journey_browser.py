"""One manager's journey through the real dashboard, in Chromium, on the demo store: the landing
overview names the DMARC incident month and shows the switch from Brevo to SendGrid; a click on
the incident month's undeliverable bar opens Explore on exactly those mails; the French-Excel CSV
of that view holds as many rows as the count shown, accents intact; then, through the sidebar,
the session with the most failures offers its proof of sending, which lists every learner.

The steps run in order on one page (one app, one browser): each test continues where the previous
one left the page. Every figure on screen or in a file is checked against DuckDB, queried here
with plain SQL rather than through the code under test.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from browser import (
    bar_traces,
    chromium_context,
    click_bar,
    download,
    streamlit_app,
    wait_until_idle,
)
from playwright.sync_api import Page

from tests.conftest import DemoStore

pytestmark = pytest.mark.browser

INCIDENT_MONTH = "2026-08"
STATUS_CHART = "E-mails par statut"
PROVIDER_CHART = "E-mails par prestataire d'envoi"
UNDELIVERABLE = "Réception impossible"
FAILED = ("undeliverable", "send_error")


@pytest.fixture(scope="module")
def page(demo_store: DemoStore, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Page]:
    """The one page the whole journey runs in."""
    with (
        streamlit_app("dashboard.py", env=demo_store.env) as url,
        chromium_context(
            tmp_path_factory.mktemp("chromium-profile"), width=1440, height=900
        ) as context,
    ):
        page = context.new_page()
        page.goto(f"{url}/")
        yield page


@pytest.fixture(scope="module")
def journey() -> dict:
    """What one step hands the next (the count Explore showed)."""
    return {}


def sql(demo: DemoStore, query: str, params: list | None = None) -> list[tuple]:
    with demo.connect() as con:
        con.execute("SET TimeZone = 'Europe/Paris'")
        return con.execute(query, params or []).fetchall()


def month_label(month: str) -> str:
    """How the overview's monthly axis writes a month ('2026-08' → 'août<br>2026')."""
    names = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.",
             "nov.", "déc."]  # fmt: skip
    year, number = month.split("-")
    return f"{names[int(number) - 1]}<br>{year}"


class _LearnerCells(HTMLParser):
    """The text of each person cell (`td.who`) in the proof's learners section."""

    def __init__(self, heading: str) -> None:
        super().__init__()
        self.heading, self.cells = heading, []
        self._section: str | None = None
        self._in_h2 = self._in_who = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "section" and "kind" in classes:
            self._section = ""
        elif tag == "h2" and self._section == "":
            self._in_h2 = True
        elif tag == "td" and "who" in classes and self._section == self.heading:
            self._in_who = True
            self.cells.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "h2":
            self._in_h2 = False
        elif tag == "td":
            self._in_who = False
        elif tag == "section":
            self._section = None

    def handle_data(self, data: str) -> None:
        if self._in_h2:
            self._section = (self._section or "") + data
        elif self._in_who:
            self.cells[-1] += data + "\n"


def learner_cells(html_text: str) -> list[str]:
    """Each learner block's person cell (name, addresses, contact id), from the HTML proof."""
    sections = re.findall(r'<section class="kind"><h2>([^<]*)</h2>', html_text)
    heading = next((h for h in sections if h.startswith("Stagiaires (")), None)
    assert heading, f"no learners section among {sections}"
    parser = _LearnerCells(heading)
    parser.feed(html_text)
    return parser.cells


def test_the_root_lands_on_the_overview_which_names_the_dmarc_incident_month(
    page: Page,
) -> None:
    page.wait_for_url(re.compile(r"/overview(\?|$)"))
    wait_until_idle(page)
    warning = page.get_by_text(re.compile(r"En août 2026, \d+,\d\s%\sdes e-mails")).first
    warning.wait_for()
    assert "authentification de l'expéditeur" in warning.inner_text()
    assert page.get_by_text(re.compile(r"enregistrement DMARC")).first.is_visible()


def test_the_overview_shows_the_switch_from_brevo_to_sendgrid(
    page: Page, demo_store: DemoStore
) -> None:
    (last_brevo, first_sendgrid), = sql(
        demo_store,
        "SELECT strftime(max(requested_at) FILTER (WHERE provider = 'brevo'), '%Y-%m'), "
        "strftime(min(requested_at) FILTER (WHERE provider = 'sendgrid'), '%Y-%m') "
        "FROM email_history",
    )  # fmt: skip
    assert last_brevo <= first_sendgrid, "the demo switches providers once"
    traces = bar_traces(page, PROVIDER_CHART)
    assert set(traces) == {"Brevo", "SendGrid"}
    year, month = map(int, first_sendgrid.split("-"))
    before = f"{year - (month == 1)}-{(month - 2) % 12 + 1:02d}"
    after = f"{year + (month == 12)}-{month % 12 + 1:02d}"
    brevo, sendgrid = traces["Brevo"], traces["SendGrid"]
    assert brevo[month_label(before)] > 0 and sendgrid[month_label(before)] == 0
    assert sendgrid[month_label(after)] > 0 and brevo[month_label(after)] == 0


def test_the_incident_bar_opens_explore_on_exactly_the_incident_mails(
    page: Page, demo_store: DemoStore, journey: dict
) -> None:
    statuses = bar_traces(page, STATUS_CHART)
    months = list(statuses[UNDELIVERABLE])
    share = {m: statuses[UNDELIVERABLE][m] / sum(t[m] for t in statuses.values()) for m in months}
    assert max(share, key=share.get) == month_label(INCIDENT_MONTH), "the tallest orange share"
    click_bar(page, STATUS_CHART, UNDELIVERABLE, month_label(INCIDENT_MONTH))
    page.wait_for_url(re.compile(r"/explore\?"))
    wait_until_idle(page)
    query = parse_qs(urlparse(page.url).query)
    assert (query["status"], query["start"], query["end"]) == (
        ["undeliverable"], ["2026-08-01"], ["2026-08-31"]
    )  # fmt: skip
    shown = int(re.sub(r"\D", "", page.get_by_test_id("stMetricValue").first.inner_text()))
    (expected,), = sql(
        demo_store,
        "SELECT count(*) FROM email_history WHERE status = 'undeliverable' "
        "AND strftime(requested_at, '%Y-%m') = ?",
        [INCIDENT_MONTH],
    )  # fmt: skip
    assert shown == expected > 0
    journey["shown"] = shown


def test_the_french_excel_csv_of_that_view_has_the_rows_shown_with_accents_intact(
    page: Page, demo_store: DemoStore, journey: dict, tmp_path: Path
) -> None:
    path = download(page, "CSV pour Excel", tmp_path)
    assert path.name == "mailtrail_undeliverable_2026-08-01_2026-08-31_excel.csv"
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert len(rows) == journey["shown"]
    names = dict(
        sql(
            demo_store,
            "SELECT send_id, recipient_name FROM email_history WHERE status = 'undeliverable' "
            "AND strftime(requested_at, '%Y-%m') = ?",
            [INCIDENT_MONTH],
        )
    )
    # in the page's language: French headers
    found = {r["Identifiant d'envoi"]: r["Nom du destinataire"] or None for r in rows}
    assert found == names
    assert any(re.search(r"[éèêëàçôîïÉ]", r["Nom du destinataire"]) for r in rows), "accents"


def test_the_session_with_most_failures_offers_a_proof_listing_every_learner(
    page: Page, demo_store: DemoStore, tmp_path: Path
) -> None:
    (session, failures), = sql(
        demo_store,
        "SELECT session_id, count(*) FILTER (WHERE status IN ('undeliverable', 'send_error')) AS f "
        "FROM email_history WHERE session_id IS NOT NULL GROUP BY session_id "
        "ORDER BY f DESC, session_id LIMIT 1",
    )  # fmt: skip
    learners = sql(
        demo_store,
        "SELECT DISTINCT recipient_email FROM email_history "
        "WHERE session_id = ? AND recipient_kind = 'learner'",
        [session],
    )
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Sessions").click()
    page.wait_for_url(re.compile(r"/sessions(\?|$)"))
    wait_until_idle(page)
    picker = page.get_by_test_id("stSelectbox").filter(has_text="Session")
    picker.click()
    page.keyboard.type(session)
    option = page.get_by_role(
        "option", name=re.compile(rf"{re.escape(session)} — .* {failures} en échec")
    )
    option.click()
    wait_until_idle(page)
    assert parse_qs(urlparse(page.url).query)["session"] == [session]
    xlsx = page.get_by_role("button", name="Preuve d'envoi (XLSX)")
    assert xlsx.is_visible()
    proof = download(page, "Preuve d'envoi imprimable (HTML)", tmp_path)
    assert proof.name == f"mailtrail_preuve-envoi_{session}.html"
    cells = learner_cells(proof.read_text(encoding="utf-8"))
    listed = {a for cell in cells for a in re.findall(r"[^\s,]+@[^\s,]+", cell)}
    assert listed == {email for (email,) in learners}
    (people,), = sql(
        demo_store,
        "SELECT count(DISTINCT COALESCE(contact_id, recipient_email)) FROM email_history "
        "WHERE session_id = ? AND recipient_kind = 'learner'",
        [session],
    )  # fmt: skip
    assert len(cells) == people > 1
