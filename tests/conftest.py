"""Shared fixtures: a fresh store in tmp_path, built through the real pipeline from text files."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pytest

from pipeline.ingest.files import FileReport, ingest_paths
from pipeline.settings import Settings

# A missing translation fails the tests instead of falling back silently.
os.environ.setdefault("MAILTRAIL_I18N_STRICT", "1")

DATA = Path(__file__).parent / "data"
SAMPLES = DATA / "provider_samples"

# Test modules that must exist and collect tests: a rename or an import error that empties one
# of them fails the run instead of passing silently.
MIN_TESTS = 40


def pytest_collection_finish(session: pytest.Session) -> None:
    """The whole suite must collect at least MIN_TESTS tests: `make test`, and `make test-fast`
    (whose `-m "not browser"` still selects some two thousand)."""
    if session.config.option.collectonly or session.config.getoption("-k"):
        return
    if _whole_suite(session) and len(session.items) < MIN_TESTS:
        raise pytest.UsageError(
            f"only {len(session.items)} tests collected (expected at least {MIN_TESTS}): "
            "a test module failed to import or was emptied"
        )


def _whole_suite(session: pytest.Session) -> bool:
    root = Path(session.config.rootpath)
    args = session.config.args or ["tests"]
    return all(Path(root, arg).resolve() in (root, root / "tests") for arg in args)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings pointing every path into this test's own folder."""
    return Settings.from_env(
        environ={},
        db_path=tmp_path / "mailtrail.duckdb",
        inbox_dir=tmp_path / "inbox",
        attachments_dir=tmp_path / "attachments",
    )


Ingest = Callable[..., list[FileReport]]


@pytest.fixture
def ingest(settings: Settings) -> Ingest:
    """Ingest files or folders into the test store; returns the per-file reports."""

    def run(*paths: Path | str) -> list[FileReport]:
        return ingest_paths(list(paths), settings)

    return run


@pytest.fixture
def db(settings: Settings) -> Callable[[], duckdb.DuckDBPyConnection]:
    """Open the published test store read-only, as an analyst would.

    Earlier connections are closed first: DuckDB shares one instance per path within a process,
    and a still-open one would keep showing the store as it was before the latest ingest.
    """
    opened: list[duckdb.DuckDBPyConnection] = []

    def connect() -> duckdb.DuckDBPyConnection:
        while opened:
            opened.pop().close()
        con = duckdb.connect(str(settings.db_path), read_only=True)
        con.execute(f"SET TimeZone = '{settings.timezone}'")
        opened.append(con)
        return con

    yield connect
    for con in opened:
        con.close()


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    """Write a test input file (text or bytes) under tmp_path/inputs."""

    def _write(name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
        path = tmp_path / "inputs" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_bytes(content.encode(encoding))
        return path

    return _write


def copy_samples(names: Iterable[str], dest: Path) -> list[Path]:
    """Copy provider sample files (paths relative to tests/data/provider_samples)."""
    out = []
    for name in names:
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(SAMPLES / name, target)
        out.append(target)
    return out


@dataclass(frozen=True)
class DemoStore:
    """A small demo store built once per test session through the real generator and pipeline."""

    db_path: Path
    attachments_dir: Path
    today: date

    @property
    def env(self) -> dict[str, str]:
        """Environment for an app (AppTest or `streamlit run`) reading this store."""
        return {
            "MAILTRAIL_DB": str(self.db_path),
            "MAILTRAIL_ATTACHMENTS": str(self.attachments_dir),
        }

    def connect(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.db_path), read_only=True)


DEMO_TODAY = date(2026, 11, 20)
DEMO_EMAILS = 4_000


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> DemoStore:
    """4 000 demo mails over the 18 months ending on DEMO_TODAY (stories included). Read only."""
    from pipeline.demo import generate_demo

    folder = tmp_path_factory.mktemp("demo")
    config = Settings.from_env(
        environ={}, db_path=folder / "mailtrail.duckdb", attachments_dir=folder / "attachments"
    )
    result = generate_demo(
        folder / "in", config.attachments_dir, emails=DEMO_EMAILS, today=DEMO_TODAY
    )
    reports = ingest_paths(result.files, config)
    assert all(r.ok for r in reports), [r for r in reports if not r.ok]
    return DemoStore(config.db_path, config.attachments_dir, DEMO_TODAY)


@pytest.fixture
def demo_env(demo_store: DemoStore, monkeypatch: pytest.MonkeyPatch) -> DemoStore:
    """The demo store, with this test's environment (MAILTRAIL_DB, …) pointing at it."""
    for name, value in demo_store.env.items():
        monkeypatch.setenv(name, value)
    return demo_store


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    """Headless Debian Chromium shared by a browser-test module (tests/browser.py)."""
    from tests.browser import chromium_context

    with chromium_context(tmp_path_factory.mktemp("chromium-profile"), width=1440) as context:
        yield context


@pytest.fixture
def page(browser):
    """A fresh tab (a new Streamlit session) in the module's Chromium."""
    page = browser.new_page()
    yield page
    page.close()
