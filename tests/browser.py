"""Helpers for browser tests: run a Streamlit app on a free port and drive it in Chromium.

Uses Debian's Chromium (/usr/bin/chromium, `apt-get install -y chromium`); Playwright's own
browser download does not work here. Page journeys import these:

    with streamlit_app("tests/apps/grid_app.py") as url, chromium_page(tmp_path) as page:
        page.goto(url); wait_until_idle(page); grid = grid_frame(page)

Share one chromium_context per test module and open a page per test to save the launch.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, FrameLocator, Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
GRID_IFRAME = 'iframe[title="st_aggrid.AgGrid.agGrid"]'

# Counts, in <html data-finished-runs>, the Streamlit script runs that have finished in a page:
# each time stApp's script state leaves "running". A test then waits for the run its action
# causes however long it takes to start (the grid's filters debounce 400 ms) or to finish.
_COUNT_FINISHED_RUNS = """
new MutationObserver(records => {
  const finished = records.filter(r => r.oldValue === 'running').length;
  if (finished) {
    const root = document.documentElement;
    root.dataset.finishedRuns = String(Number(root.dataset.finishedRuns || 0) + finished);
  }
}).observe(document, {subtree: true, attributes: true, attributeOldValue: true,
                      attributeFilter: ['data-test-script-state']});
"""
RERUN_TIMEOUT_MS = 30_000


def chromium_path() -> str:
    """Debian's Chromium (`make test` installs it); a browser test never passes without it."""
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail("Chromium is missing: run `make test`, or apt-get install -y chromium")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit_app(
    script: str | Path, *, timeout: float = 60, env: dict[str, str] | None = None
) -> Iterator[str]:
    """Run `streamlit run script` on a free port (with `env` added to the environment, e.g. a
    DemoStore's); yield its URL; stop it afterwards."""
    port = free_port()
    env = {
        **os.environ,
        **(env or {}),
        "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
    }
    command = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / script),
        "--server.port", str(port), "--server.address", "127.0.0.1",
        "--server.headless", "true", "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none", "--global.developmentMode", "false",
    ]  # fmt: skip
    proc = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for_health(url, proc, timeout)
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _wait_for_health(url: str, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            output = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
            raise RuntimeError(f"streamlit exited with {proc.returncode}:\n{output}")
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response,
        ):
            if response.read() == b"ok":
                return
        time.sleep(0.2)
    raise TimeoutError(f"streamlit did not answer at {url} within {timeout}s")


@contextlib.contextmanager
def chromium_context(
    profile_dir: Path, *, width: int = 1400, height: int = 900
) -> Iterator[BrowserContext]:
    """Headless Debian Chromium with a fresh profile in `profile_dir`; each new page of the
    context is a new Streamlit session."""
    executable = chromium_path()
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            user_data_dir=str(profile_dir),
            executable_path=executable,
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": width, "height": height},
            locale="fr-FR",
            timezone_id="Europe/Paris",
        )
        context.set_default_timeout(20_000)
        context.add_init_script(_COUNT_FINISHED_RUNS)
        try:
            yield context
        finally:
            context.close()


@contextlib.contextmanager
def chromium_page(profile_dir: Path, **size: int) -> Iterator[Page]:
    """One page in its own fresh Chromium (see chromium_context)."""
    with chromium_context(profile_dir, **size) as context:
        yield context.pages[0] if context.pages else context.new_page()


def wait_until_idle(page: Page, *, settle_ms: int = 250, timeout_ms: int = 30_000) -> None:
    """Wait until Streamlit is connected and no script run is pending, twice over a pause.

    A click's rerun starts a moment after the click; the pause catches a run that had not
    yet begun at the first check.
    """
    idle = (
        "[data-testid='stApp'][data-test-connection-state='CONNECTED']"
        "[data-test-script-state='notRunning']"
    )
    for _ in range(2):
        page.wait_for_selector(idle, timeout=timeout_ms)
        page.wait_for_timeout(settle_ms)
    page.wait_for_selector(idle, timeout=timeout_ms)


def finished_runs(page: Page) -> int:
    """How many script runs have finished since the page was loaded."""
    return int(page.locator("html").get_attribute("data-finished-runs") or 0)


def after_rerun(page: Page, action: Callable[[], object]) -> None:
    """Do `action`, then wait for the script run it causes to finish and the app to be idle.

    For the dashboard's pages, whose runs query the store: a run of a tiny app can start and
    finish within one frame and never show as running (the grid test app counts its own runs).
    """
    before = finished_runs(page)
    action()
    more_than_before = re.compile(rf"^(?!{before}$)\d+$")
    expect(page.locator("html")).to_have_attribute(
        "data-finished-runs", more_than_before, timeout=RERUN_TIMEOUT_MS
    )
    wait_until_idle(page)


def grid_frame(page: Page, selector: str = GRID_IFRAME) -> FrameLocator:
    """The AgGrid component's iframe (the first one unless `selector` says otherwise)."""
    return page.frame_locator(selector).first


_PLOTLY_CHART = """
    const chart = title => [...document.querySelectorAll('.js-plotly-plot')]
        .find(g => g.layout && g.layout.title
            && g.layout.title.text.replace(/<[^>]+>/g, '') === title);
"""


def bar_traces(page: Page, title: str) -> dict[str, dict[str, float]]:
    """The bar traces of the plotly chart titled `title` (Streamlit's theme wraps titles in
    <b>): trace name → {x category: y}."""
    traces = page.evaluate(
        f"""title => {{{_PLOTLY_CHART}
            const gd = chart(title);
            return gd ? gd.data.filter(t => t.type === 'bar').map(t => (
                {{name: t.name, x: Array.from(t.x), y: Array.from(t.y).map(Number)}})) : null;
        }}""",
        title,
    )
    assert traces, f"no chart titled {title!r} on the page"
    return {t["name"]: dict(zip(t["x"], t["y"], strict=True)) for t in traces}


def click_bar(page: Page, title: str, trace_name: str, x: str) -> object:
    """Click, with the mouse, the bar of `trace_name` at category `x` in the chart `title`;
    returns that bar's customdata (what the page will drill down into)."""
    box = page.evaluate(
        f"""([title, name, x]) => {{{_PLOTLY_CHART}
            const gd = chart(title);
            gd.scrollIntoView({{block: 'center'}});
            const bars = gd.data.filter(t => t.type === 'bar');
            const index = bars.findIndex(t => t.name === name);
            const point = Array.from(bars[index].x).indexOf(x);
            const path = gd.querySelectorAll('.barlayer .trace')[index]
                .querySelectorAll('.point')[point];
            const r = path.getBoundingClientRect();
            const data = bars[index].customdata ? bars[index].customdata[point] : null;
            return {{x: r.x + r.width / 2, y: r.y + r.height / 2, h: r.height, data: data}};
        }}""",
        [title, trace_name, x],
    )
    assert box["h"] >= 4, "the bar is too thin to click"
    page.mouse.click(box["x"], box["y"])
    return box["data"]


def download(page: Page, label: str, folder: Path) -> Path:
    """Click the download button labelled `label` and save what it sends into `folder`."""
    button = page.get_by_role("button", name=label)
    button.scroll_into_view_if_needed()
    with page.expect_download(timeout=60_000) as event:
        button.click()
    path = folder / event.value.suggested_filename
    event.value.save_as(path)
    return path
