"""The pages as a user waits for them: the dashboard served by `streamlit run dashboard.py` on
the benchmark store, driven in Debian's headless Chromium with Playwright.

A page is timed from navigation to its content: the page's script run finished, every chart
drawn, every grid showing rows and every table drawn. Cold is each page's first visit after the
server started; warm the median of the next visits, each in a new tab (a new session, with the
server's caches warm). The grid filter is timed from typing into Explore's recipient filter to
rows that match. `dashboard()` runs in the parent; `drive_pages` is the child step.
"""

from __future__ import annotations

import contextlib
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.process import ROOT, child_env, peak_rss_mb, stop_group

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
GRID_IFRAME = 'iframe[title="st_aggrid.AgGrid.agGrid"]'
# Counts in <html data-finished-runs> the script runs that finished (as tests/browser.py does),
# and notes when the first one did (ms since navigation): the server's share of a page's time.
COUNT_FINISHED_RUNS = """
new MutationObserver(records => {
  const finished = records.filter(r => r.oldValue === 'running').length;
  if (finished) {
    const root = document.documentElement;
    root.dataset.finishedRuns = String(Number(root.dataset.finishedRuns || 0) + finished);
    root.dataset.firstRunMs = root.dataset.firstRunMs || String(performance.now());
  }
}).observe(document, {subtree: true, attributes: true, attributeOldValue: true,
                      attributeFilter: ['data-test-script-state']});
"""
# The page's content is there: a run has finished since `runs` and none is running, and every
# chart, grid and table the run sent is drawn. Returns what it saw, or false.
CONTENT_SHOWN = """
([runs, needs]) => {
  const root = document.documentElement;
  if (Number(root.dataset.finishedRuns || 0) <= runs) return false;
  const app = document.querySelector('[data-testid=stApp]');
  if (!app || app.dataset.testScriptState === 'running') return false;
  if (document.querySelector('[data-testid=stSkeleton]')) return false;
  const all = sel => [...document.querySelectorAll(sel)];
  const charts = all('[data-testid=stPlotlyChart]');
  if (!charts.every(c => c.querySelector('.js-plotly-plot .main-svg'))) return false;
  const grids = all('iframe[title="st_aggrid.AgGrid.agGrid"]');
  const rows = grids.map(f => {
    const d = f.contentDocument;
    return d ? d.querySelectorAll('.ag-center-cols-container .ag-row').length : 0;
  });
  if (!rows.every(n => n > 0)) return false;
  const tables = all('[data-testid=stDataFrame]');
  if (!tables.every(t => t.querySelector('canvas'))) return false;
  const seen = {run_done_s: Number(root.dataset.firstRunMs) / 1000, charts: charts.length,
                grids: grids.length, tables: tables.length,
                metrics: all('[data-testid=stMetricValue]').length,
                errors: all('[data-testid=stException]').length};
  for (const [what, least] of Object.entries(needs)) if (seen[what] < least) return false;
  return seen;
}
"""
# After typing into the grid's recipient filter: a new run finished and the grid's first row
# names the text typed.
FILTERED = """
([runs, text]) => {
  const root = document.documentElement;
  if (Number(root.dataset.finishedRuns || 0) <= runs) return false;
  const app = document.querySelector('[data-testid=stApp]');
  if (!app || app.dataset.testScriptState === 'running') return false;
  const frame = document.querySelector('iframe[title="st_aggrid.AgGrid.agGrid"]');
  const d = frame && frame.contentDocument;
  const cell = d && d.querySelector(
    '.ag-center-cols-container .ag-row[row-index="0"] [col-id="recipient"]');
  return !!cell && cell.innerText.toLowerCase().includes(text.toLowerCase());
}
"""


def page_paths(context: dict[str, Any]) -> dict[str, tuple[str, dict[str, int]]]:
    """Each page's address on a visit (a real session and contact), and what it must show."""
    return {
        "overview": ("/overview?lang=fr", {"charts": 4, "metrics": 1}),
        "sessions": (f"/sessions?session={context['session_id']}&lang=fr", {"grids": 1}),
        "contacts": (f"/contacts?contact={context['contact_id']}&lang=fr", {"grids": 1}),
        "failed": ("/failed?lang=fr", {"grids": 1, "tables": 1}),
        "explore": ("/explore?lang=fr", {"grids": 1, "metrics": 1}),
        "data": ("/data?lang=fr", {"tables": 1}),
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def dashboard(
    db: Path, attachments: Path, log: Path, timeout: float = 60
) -> Iterator[tuple[str, dict[str, float]]]:
    """Serve dashboard.py on the store at a free local port; yield its URL and a dict that holds,
    once the server has stopped, its peak memory (`peak_rss_mb`)."""
    port = free_port()
    command = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard.py"),
        "--server.port", str(port), "--server.address", "127.0.0.1",
        "--server.headless", "true", "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none", "--global.developmentMode", "false",
    ]  # fmt: skip
    env = child_env({"MAILTRAIL_DB": str(db), "MAILTRAIL_ATTACHMENTS": str(attachments)})
    figures: dict[str, float] = {}
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            started = time.perf_counter()
            _wait_for_health(url, proc, timeout)
            figures["start_s"] = time.perf_counter() - started
            yield url, figures
        finally:
            with contextlib.suppress(OSError):
                figures["peak_rss_mb"] = peak_rss_mb(proc.pid)
            stop_group(proc)


def _wait_for_health(url: str, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}")
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response,
        ):
            if response.read() == b"ok":
                return
        time.sleep(0.2)
    raise TimeoutError(f"streamlit did not answer at {url} within {timeout} s")


def drive_pages(
    url: str, context: dict[str, Any], profile: str, warm_visits: int, timeout_s: float
) -> dict[str, Any]:
    """Child step: every page cold then warm, then the grid filter typed on Explore, once per
    domain of the context; seconds."""
    from playwright.sync_api import sync_playwright

    timeout_ms = timeout_s * 1000
    paths = page_paths(context)
    out: dict[str, Any] = {key: {} for key in ("cold", "warm", "warm_runs", "run_done", "seen")}
    out["grid_filter"] = []
    with sync_playwright() as p:
        browser = p.chromium.launch_persistent_context(
            user_data_dir=profile, executable_path=os.environ.get("CHROMIUM", CHROMIUM),
            headless=True, args=CHROMIUM_ARGS, viewport={"width": 1400, "height": 900},
            locale="fr-FR", timezone_id="Europe/Paris",
        )  # fmt: skip
        browser.set_default_timeout(timeout_ms)
        browser.add_init_script(COUNT_FINISHED_RUNS)
        try:
            for name, (path, needs) in paths.items():
                seconds, seen = _visit(browser, url + path, needs, timeout_ms)
                out["cold"][name], out["seen"][name] = seconds, seen
                out["run_done"][name] = {"cold": seen["run_done_s"]}
            for name, (path, needs) in paths.items():
                visits = [
                    _visit(browser, url + path, needs, timeout_ms) for _ in range(warm_visits)
                ]
                out["warm_runs"][name] = [seconds for seconds, _ in visits]
                out["warm"][name] = statistics.median(out["warm_runs"][name])
                out["run_done"][name]["warm"] = statistics.median(
                    seen["run_done_s"] for _, seen in visits
                )
            explore, needs = paths["explore"]
            for text in context["domains"]:
                out["grid_filter"].append(
                    _filter_grid(browser, url + explore, needs, text, timeout_ms)
                )
        finally:
            browser.close()
    return out


def _visit(
    browser: Any, address: str, needs: dict[str, int], timeout_ms: float
) -> tuple[float, Any]:
    """Open `address` in a new tab; seconds until its content shows, and what it showed."""
    page = browser.new_page()
    try:
        started = time.perf_counter()
        page.goto(address, wait_until="commit")
        seen = page.wait_for_function(CONTENT_SHOWN, arg=[0, needs], timeout=timeout_ms)
        return time.perf_counter() - started, seen.json_value()
    finally:
        page.close()


def _filter_grid(
    browser: Any, address: str, needs: dict[str, int], text: str, timeout_ms: float
) -> dict[str, Any]:
    page = browser.new_page()
    try:
        page.goto(address, wait_until="commit")
        page.wait_for_function(CONTENT_SHOWN, arg=[0, needs], timeout=timeout_ms)
        runs = int(page.locator("html").get_attribute("data-finished-runs") or 0)
        box = (
            page.frame_locator(GRID_IFRAME)
            .first.locator('.ag-floating-filter[col-id="recipient"] input')
            .first
        )
        box.wait_for()
        started = time.perf_counter()
        box.fill(text)
        page.wait_for_function(FILTERED, arg=[runs, text], timeout=timeout_ms)
        return {"text": text, "seconds": time.perf_counter() - started}
    finally:
        page.close()
