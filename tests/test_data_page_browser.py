"""The Data page in Chromium, on a private copy of the demo store: upload a good provider file and
a garbage one, watch the progress and the summary per file, find both in the import history and
the bad line among the refused records, upload the good file again ("already imported"); and a
second tab that keeps answering while an import waits behind another ingest."""

from __future__ import annotations

import re
import shutil
import threading
from pathlib import Path

import pytest
from browser import streamlit_app, wait_until_idle
from freshness_data import brevo_events, every
from playwright.sync_api import Locator, Page, expect

from pipeline.settings import Settings
from pipeline.store import open_writer

pytestmark = pytest.mark.browser

GARBAGE = b"\x00\x01\x02 not a mail export \x00\xff"


@pytest.fixture(scope="module")
def demo_copy(demo_store, tmp_path_factory) -> Path:
    """Never the shared demo store: the journeys ingest into this copy, through the writer."""
    target = tmp_path_factory.mktemp("data-browser") / "mailtrail.duckdb"
    shutil.copyfile(demo_store.db_path, target)
    return target


@pytest.fixture(scope="module")
def app_url(demo_copy: Path, demo_store):
    env = {
        "MAILTRAIL_DB": str(demo_copy),
        "MAILTRAIL_INBOX": str(demo_copy.parent / "inbox"),
        "MAILTRAIL_ATTACHMENTS": str(demo_store.attachments_dir),
    }
    with streamlit_app("dashboard.py", env=env) as url:
        yield url


def open_data_page(page: Page, url: str) -> None:
    # The first session of a fresh server must start at the entry point: Streamlit serves a
    # deep link as a bare `pages/` script until st.navigation has run once in the process.
    page.goto(f"{url}/?lang=fr")
    wait_until_idle(page)
    page.goto(f"{url}/data?lang=fr")
    wait_until_idle(page)
    expect(page.get_by_role("heading", name="Données", exact=True)).to_be_visible()


def upload(page: Page, *files: Path) -> None:
    page.locator("[data-testid=stFileUploader] input[type=file]").first.set_input_files(
        [str(f) for f in files]
    )
    wait_until_idle(page)
    page.get_by_role("button", name="Importer", exact=True).click()


def summary_row(page: Page, name: str) -> Locator:
    return page.locator("[data-testid=stTable] tr").filter(has_text=name)


def table_with(page: Page, text: str) -> Locator:
    return page.locator("[data-testid=stDataFrame]").filter(has_text=text)


def test_uploading_files_shows_progress_a_summary_the_history_and_the_refused_line(
    page: Page, app_url: str, tmp_path: Path
) -> None:
    good = tmp_path / "brevo-extra.jsonl"
    good.write_text(brevo_events(every("brevo", [0, 1, 2], prefix="UP")) + "{not json\n")
    garbage = tmp_path / "photo.bin"
    garbage.write_bytes(GARBAGE)
    open_data_page(page, app_url)

    upload(page, good, garbage)
    page.wait_for_selector("[data-testid=stProgress]")
    # A click elsewhere while the import works reruns the page: it must neither cut the import
    # short nor replay it.
    page.locator("[data-testid=stNumberInput] button").last.click()
    wait_until_idle(page)
    expect(page.get_by_text("2 fichiers : 1 importé, 0 déjà importé, 1 refusé.")).to_be_visible()
    expect(summary_row(page, "brevo-extra.jsonl")).to_contain_text("✅ Importé")
    expect(summary_row(page, "brevo-extra.jsonl")).to_contain_text("Webhooks Brevo (JSON)")
    expect(summary_row(page, "photo.bin")).to_contain_text("⛔ Refusé")
    expect(summary_row(page, "photo.bin")).to_contain_text("Ce n'est pas un fichier texte.")

    history = table_with(page, "photo.bin")
    for name in ("brevo-extra.jsonl", "photo.bin"):
        cells = history.locator("[role=gridcell]", has_text=re.compile(rf"^{re.escape(name)}$"))
        expect(cells).to_have_count(1)
    refused = table_with(page, "{not json")
    expect(refused).to_contain_text("JSON invalide")
    page.get_by_label("Rechercher (fichier, motif, texte)").fill("not json")
    page.keyboard.press("Enter")
    wait_until_idle(page)
    expect(page.get_by_text("1 enregistrement refusé correspond.")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name="Télécharger en CSV").click()
    assert download.value.suggested_filename == "mailtrail_rejets_not-json.csv"
    exported = Path(download.value.path()).read_bytes()
    assert exported.startswith(b"\xef\xbb\xbf")
    lines = exported.decode("utf-8-sig").splitlines()
    assert len(lines) == 2 and lines[1].endswith('"{not json"')

    upload(page, good)
    wait_until_idle(page)
    expect(summary_row(page, "brevo-extra.jsonl")).to_contain_text("↺ Déjà importé")
    expect(summary_row(page, "brevo-extra.jsonl")).to_contain_text(
        re.compile(r"Déjà importé\s: ce fichier est identique à brevo-extra\.jsonl")
    )


def test_another_tab_keeps_answering_while_an_import_waits_behind_another_ingest(
    page: Page, browser, app_url: str, demo_copy: Path, tmp_path: Path
) -> None:
    more = tmp_path / "brevo-more.jsonl"
    more.write_text(brevo_events(every("brevo", [5, 6], prefix="MORE")))
    open_data_page(page, app_url)
    started, release = threading.Event(), threading.Event()

    def other_ingest() -> None:  # e.g. the inbox watcher, holding the writer
        with open_writer(Settings.from_env(environ={}, db_path=demo_copy)):
            started.set()
            release.wait(60)

    holder = threading.Thread(target=other_ingest)
    holder.start()
    try:
        started.wait(10)
        upload(page, more)
        expect(page.get_by_text("Un autre import est en cours")).to_be_visible(timeout=20_000)
        second = browser.new_page()
        try:
            open_data_page(second, app_url)
            expect(second.get_by_text("Données les plus récentes :")).to_be_visible()
            expect(table_with(second, "photo.bin")).to_be_visible()
        finally:
            second.close()
    finally:
        release.set()
        holder.join()
    wait_until_idle(page)
    expect(summary_row(page, "brevo-more.jsonl")).to_contain_text("✅ Importé")
    expect(table_with(page, "brevo-more.jsonl")).to_be_visible()
