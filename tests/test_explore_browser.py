"""Explore & export as a user does it, in Chromium on the demo data: open the incident month from
a link, read the count, download the CSV and the XLSX, open the proof of sending of a session.

Each file comes through the real download buttons (built on click from the page's snapshot) and
is checked against the store: the same mails, accents intact, and LibreOffice opens the XLSX.
"""

from __future__ import annotations

import csv
import html
import io
import re
from pathlib import Path

import pytest
from browser import after_rerun, download, grid_frame, streamlit_app, wait_until_idle
from office import libreoffice_rows
from playwright.sync_api import Page

from pipeline.filters.mail_filter import MailFilter
from pipeline.queries.history import count_mails
from tests.conftest import DemoStore

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
INCIDENT = "start=2026-08-01&end=2026-08-31&status=undeliverable"


@pytest.fixture(scope="module")
def app_url(demo_store: DemoStore):
    with streamlit_app("dashboard.py", env=demo_store.env) as url:
        yield url


def open_explore(page: Page, url: str, query: str) -> int:
    """Open Explore with `query`; the count the page shows."""
    page.goto(f"{url}/explore?{query}")
    wait_until_idle(page)
    value = page.get_by_test_id("stMetricValue").first.inner_text()
    return int(re.sub(r"\D", "", value))


def slice_of(demo: DemoStore, query: str, columns: str) -> list[tuple]:
    mail_filter = MailFilter.from_query_params(dict(p.split("=") for p in query.split("&")))
    where, params = mail_filter.where()
    with demo.connect() as con:
        con.execute("SET TimeZone = 'Europe/Paris'")
        assert count_mails(con, mail_filter) > 0
        return con.execute(f"SELECT {columns} FROM email_history WHERE {where}", params).fetchall()


def test_the_incident_month_downloads_as_a_csv_of_the_count_shown_with_accents_intact(
    page: Page, app_url: str, demo_store: DemoStore, tmp_path: Path
) -> None:
    shown = open_explore(page, app_url, INCIDENT)
    mails = slice_of(demo_store, INCIDENT, "send_id, recipient_name")
    assert shown == len(mails)
    path = download(page, "CSV pour Excel", tmp_path)
    assert path.name == "mailtrail_undeliverable_2026-08-01_2026-08-31_excel.csv"
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert len(rows) == shown
    # in the page's language: French headers and labels
    names = {(r["Identifiant d'envoi"], r["Nom du destinataire"] or None) for r in rows}
    assert names == set(mails)
    assert {r["Statut"] for r in rows} == {"Réception impossible"}
    assert any(re.search(r"[éèêàçôÉ]", r["Nom du destinataire"]) for r in rows), "accents survive"


def test_the_xlsx_download_opens_in_libreoffice_with_the_rows_shown(
    page: Page, app_url: str, demo_store: DemoStore, tmp_path: Path
) -> None:
    shown = open_explore(page, app_url, INCIDENT)
    path = download(page, "Excel (XLSX)", tmp_path)
    assert path.suffix == ".xlsx"
    header, *rows = libreoffice_rows(path, tmp_path)
    ids = {r[header.index("Identifiant d'envoi")] for r in rows}
    assert len(rows) == shown and ids == {m[0] for m in slice_of(demo_store, INCIDENT, "send_id")}


def test_the_proof_of_sending_of_a_session_downloads_from_explore(
    page: Page, app_url: str, demo_store: DemoStore, tmp_path: Path
) -> None:
    with demo_store.connect() as con:
        session, learners = con.execute(
            "SELECT session_id, list(DISTINCT recipient_name) FROM email_history "
            "WHERE recipient_kind = 'learner' AND session_id IS NOT NULL "
            "GROUP BY session_id ORDER BY count(*) DESC LIMIT 1"
        ).fetchall()[0]
    shown = open_explore(page, app_url, f"session={session}")
    assert shown > 0
    path = download(page, "Preuve d'envoi imprimable (HTML)", tmp_path)
    assert path.name == f"mailtrail_preuve-envoi_{session}.html"
    text = path.read_text(encoding="utf-8")
    missing = [name for name in learners if html.escape(name) not in text]
    assert not missing, missing
    workbook = download(page, "Preuve d'envoi (XLSX)", tmp_path)
    assert workbook.suffix == ".xlsx" and workbook.stat().st_size > 5_000


def test_a_column_filter_typed_in_the_grid_narrows_the_count_and_the_export(
    page: Page, app_url: str, demo_store: DemoStore, tmp_path: Path
) -> None:
    everything = open_explore(page, app_url, "type=convocation")
    grid = grid_frame(page)
    grid.locator(".ag-center-cols-container .ag-row").first.wait_for()
    recipient_filter = grid.locator('.ag-floating-filter[col-id="recipient"] input').first
    after_rerun(page, lambda: recipient_filter.fill("gmail"))
    shown = int(re.sub(r"\D", "", page.get_by_test_id("stMetricValue").first.inner_text()))
    assert 0 < shown < everything
    rows = list(csv.DictReader(io.StringIO(download(page, "CSV standard", tmp_path).read_text())))
    assert len(rows) == shown
    assert all("gmail" in (r["recipient_email"] + r["recipient_name"]).lower() for r in rows)
