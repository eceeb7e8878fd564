"""The history grid in a real browser: DuckDB filters and sorts, the grid keeps its state.

Drives tests/apps/grid_app.py (5,000 synthetic mails) in headless Debian Chromium. The line
above the grid comes from Python, so when it changes the server did the filtering.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from browser import chromium_context, grid_frame, streamlit_app, wait_until_idle
from history_rows import synthetic_history
from playwright.sync_api import FrameLocator, Page, expect

from pipeline.rules.statuses import STATUS_COLOURS as STATUS_COLORS

pytestmark = pytest.mark.browser

APP = "tests/apps/grid_app.py"
MAILS = synthetic_history(5000)
RUN = re.compile(r"^run \d+$")


@pytest.fixture(scope="module")
def app_url():
    with streamlit_app(APP) as url:
        yield url


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with chromium_context(tmp_path_factory.mktemp("chromium-profile")) as context:
        yield context


@pytest.fixture
def page(browser):
    page = browser.new_page()
    yield page
    page.close()


def open_grid(page: Page, url: str, query: str = "") -> FrameLocator:
    page.goto(f"{url}/?{query}")
    wait_until_idle(page)
    grid = grid_frame(page)
    grid.locator(".ag-center-cols-container .ag-row").first.wait_for()
    return grid


def assert_no_rerun_follows(page: Page, runs: int) -> None:
    """The page stays at run `runs`: wait_until_idle's two pauses would catch a run the grid
    started (a run cannot be awaited not to happen), then the caption says which run it is."""
    wait_until_idle(page)
    expect(page.get_by_text(RUN)).to_have_text(f"run {runs}")


def count_line(page: Page) -> str:
    return page.get_by_text(
        re.compile("mails? (correspond|match)|Aucun e-mail|No mail")
    ).inner_text()


def run_number(page: Page) -> int:
    return int(page.get_by_text(RUN).inner_text().split()[1])


def after_app_run(page: Page, action: Callable[[], object]) -> None:
    """Do `action`, then wait for the test app's run caption to move on and the app to be idle.

    The caption, not the page's script state: a run of this small app can start and finish
    between two frames, so the page may never show it as running.
    """
    before = run_number(page)
    action()
    expect(page.get_by_text(RUN)).not_to_have_text(f"run {before}", timeout=30_000)
    wait_until_idle(page)


def shown_ids(grid: FrameLocator) -> list[str]:
    """send_ids of the rendered rows, in display order."""
    rows = grid.locator(".ag-center-cols-container .ag-row")
    pairs = rows.evaluate_all(
        "rs => rs.map(r => [Number(r.getAttribute('row-index')), r.getAttribute('row-id')])"
    )
    return [row_id for _, row_id in sorted(pairs)]


def filter_input(grid: FrameLocator, field: str):
    return grid.locator(f'.ag-floating-filter[col-id="{field}"] input').first


def paris_minute(moment: dt.datetime) -> str:
    return moment.astimezone(ZoneInfo("Europe/Paris")).strftime("%d/%m/%Y %H:%M")


def test_typing_in_the_recipient_filter_narrows_the_rows_on_the_server(page, app_url):
    grid = open_grid(page, app_url)
    assert count_line(page) == "5\u202f000 e-mails correspondent, affichage des 500 plus récents"
    after_app_run(page, lambda: filter_input(grid, "recipient").fill("MARIE"))
    expected = sum(
        "marie" in f"{m['recipient_name']} {m['recipient_email']}".lower() for m in MAILS
    )
    assert count_line(page).startswith(f"{expected} e-mails correspondent")
    names = grid.locator('.ag-center-cols-container [col-id="recipient"]').all_inner_texts()
    assert names and all("marie" in n.lower() for n in names)


def test_clicking_the_date_header_sorts_oldest_first_then_latest_first(page, app_url):
    grid = open_grid(page, app_url)
    oldest = min(MAILS, key=lambda m: m["requested_at"])
    latest = max(MAILS, key=lambda m: m["requested_at"])
    assert shown_ids(grid)[0] == latest["send_id"]
    header = grid.locator('.ag-header-cell[col-id="requested_at"] .ag-header-cell-label')
    after_app_run(page, header.click)
    assert shown_ids(grid)[0] == oldest["send_id"]
    first_date = grid.locator('.ag-row[row-index="0"] [col-id="requested_at"]').inner_text()
    assert first_date == paris_minute(oldest["requested_at"])
    assert "premiers dans cet ordre" in count_line(page)
    after_app_run(page, header.click)
    assert shown_ids(grid)[0] == latest["send_id"]


def test_filters_and_sort_survive_a_rerun_and_a_remounted_grid(page, app_url):
    grid = open_grid(page, app_url)
    after_app_run(page, lambda: filter_input(grid, "subject").fill("facture"))
    after_app_run(
        page, grid.locator('.ag-header-cell[col-id="requested_at"] .ag-header-cell-label').click
    )
    line, ids = count_line(page), shown_ids(grid)
    after_app_run(page, page.get_by_role("button", name="rerun").click)
    assert (count_line(page), shown_ids(grid)) == (line, ids)
    assert filter_input(grid, "subject").input_value() == "facture"
    after_app_run(page, page.get_by_text("hide grid").click)  # the grid leaves the page...
    assert grid_frame(page).locator(".ag-root").count() == 0
    runs = run_number(page)
    after_app_run(page, page.get_by_text("hide grid").click)  # ...and comes back, restored
    grid = grid_frame(page)
    grid.locator(".ag-center-cols-container .ag-row").first.wait_for()
    assert filter_input(grid, "subject").input_value() == "facture"
    assert grid.locator('.ag-header-cell[col-id="requested_at"] .ag-icon-asc').is_visible()
    assert_no_rerun_follows(page, runs + 1)  # restoring does not rerun the page
    assert (count_line(page), shown_ids(grid)) == (line, ids)


def test_selecting_a_row_returns_its_send_id_to_python_without_rerun_loops(page, app_url):
    grid = open_grid(page, app_url)
    row = grid.locator('.ag-center-cols-container .ag-row[row-index="3"]')
    send_id = row.get_attribute("row-id")
    runs = run_number(page)
    after_app_run(page, row.locator('[col-id="subject"]').click)
    assert page.get_by_text("selected:").inner_text() == f"selected: {send_id}"
    assert_no_rerun_follows(page, runs + 1)  # one click, one rerun


def test_selection_of_a_mail_filtered_away_is_cleared(page, app_url):
    grid = open_grid(page, app_url)
    row = grid.locator('.ag-center-cols-container .ag-row[row-index="0"]')
    after_app_run(page, row.locator('[col-id="subject"]').click)
    assert page.get_by_text("selected:").inner_text() != "selected: None"
    after_app_run(page, lambda: filter_input(grid, "recipient").fill("zzz-nobody"))
    assert count_line(page) == "Aucun e-mail ne correspond"
    # The grid reports the emptied selection back, which may take a run of its own.
    expect(page.get_by_text("selected:")).to_have_text("selected: None")


def test_status_header_filter_matches_the_french_label(page, app_url):
    grid = open_grid(page, app_url)
    after_app_run(page, lambda: filter_input(grid, "status").fill("erreur"))
    expected = sum(m["status"] == "send_error" for m in MAILS)
    assert count_line(page).startswith(f"{expected} e-mails correspondent")


def displayed_rows(grid: FrameLocator) -> int:
    """Rows the grid displays (AG Grid counts its two header rows in aria-rowcount)."""
    return int(grid.locator("[aria-rowcount]").first.get_attribute("aria-rowcount")) - 2


def test_the_grid_shows_the_server_rows_even_where_its_own_filter_would_disagree(page, app_url):
    grid = open_grid(page, app_url)
    # In the browser the recipient cell reads "Name <address>", which contains "<"; in
    # DuckDB neither the name nor the address does. The server's answer must win.
    grid.locator(
        '.ag-floating-filter[col-id="recipient"] .ag-floating-filter-button-button'
    ).click()
    popup = grid.locator(".ag-filter")
    popup.locator(".ag-picker-field").first.click()
    grid.get_by_role("option", name="Ne contient pas").click()
    after_app_run(page, lambda: popup.locator("input.ag-input-field-input").first.fill("<"))
    page.keyboard.press("Escape")
    assert filter_input(grid, "recipient").input_value() == "<"
    assert count_line(page) == "5\u202f000 e-mails correspondent, affichage des 500 plus récents"
    assert displayed_rows(grid) == 500


def test_switching_language_remounts_the_grid_in_english_with_the_same_filters(page, app_url):
    grid = open_grid(page, app_url)
    after_app_run(page, lambda: filter_input(grid, "subject").fill("facture"))
    french, runs = count_line(page), run_number(page)
    after_app_run(page, page.get_by_text("en", exact=True).click)
    grid = grid_frame(page)
    grid.locator(".ag-center-cols-container .ag-row").first.wait_for()
    assert_no_rerun_follows(page, runs + 1)  # restoring the new grid does not rerun the page
    assert count_line(page).split()[0] == french.split()[0]
    assert "mails match" in count_line(page)
    assert filter_input(grid, "subject").input_value() == "facture"
    assert (
        grid.locator('.ag-header-row-column [col-id="subject"]').inner_text().strip() == "Subject"
    )
    assert set(grid.locator(".mt-status-badge").all_inner_texts()) <= {
        "Requested",
        "Sent",
        "Delivered",
        "Opened",
        "Undeliverable",
        "Send error",
    }


def screenshot_dir(tmp_path: Path) -> Path:
    target = Path(os.environ.get("GRID_SCREENSHOTS", tmp_path))
    target.mkdir(parents=True, exist_ok=True)
    return target


@pytest.mark.parametrize("query", ["lang=fr&session=1", "lang=en&session=0"])
def test_at_1400_px_every_column_is_readable_and_badges_are_coloured(
    page, app_url, tmp_path, query
):
    page.set_viewport_size({"width": 1400, "height": 1100})  # the whole grid in the shot
    grid = open_grid(page, app_url, query)
    shot = screenshot_dir(tmp_path) / f"grid-{query.replace('&', '-')}.png"
    page.screenshot(path=shot, full_page=True)
    header_cells = grid.locator(".ag-header-row-column .ag-header-cell")
    widths = header_cells.evaluate_all("cs => cs.map(c => c.getBoundingClientRect().width)")
    assert len(widths) == (8 if "session=1" in query else 7)
    assert min(widths) >= 60
    truncated = grid.locator(".ag-header-cell-text").evaluate_all(
        "ts => ts.filter(t => t.scrollWidth > t.clientWidth).map(t => t.textContent)"
    )
    assert truncated == []
    viewport = grid.locator(".ag-body-horizontal-scroll-viewport")
    assert viewport.evaluate("v => v.scrollWidth <= v.clientWidth + 1"), "horizontal scroll"
    badges = grid.locator(".ag-center-cols-container .mt-status-badge").evaluate_all(
        "bs => bs.map(b => getComputedStyle(b).backgroundColor)"
    )
    expected = {_rgb(c) for c in STATUS_COLORS.values()}
    assert badges and set(badges) <= expected and len(set(badges)) >= 3


def _rgb(hex_color: str) -> str:
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"
