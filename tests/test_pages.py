"""Every page is registered and every registered page exists; each page runs on its own data
without an exception (AppTest: no browser)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pipeline.ingest.files import ingest_paths
from pipeline.settings import Settings
from tests.conftest import DATA

ROOT = Path(__file__).resolve().parents[1]
PAGE_FILES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("*.py"))


def registered_pages() -> list[str]:
    source = (ROOT / "dashboard.py").read_text(encoding="utf-8")
    return sorted(re.findall(r'st\.Page\(\s*"(pages/[^"]+\.py)"', source))


def test_every_page_file_is_registered_and_every_registered_page_exists() -> None:
    assert PAGE_FILES, "no pages"
    assert registered_pages() == PAGE_FILES


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pages")
    config = Settings.from_env(environ={}, db_path=folder / "m.duckdb")
    ingest_paths([DATA / "sendlogs/sends_iso.csv", DATA / "events"], config)
    return config.db_path


@pytest.mark.parametrize("page", PAGE_FILES)
def test_page_runs_without_an_exception(page: str, demo_db: Path, monkeypatch) -> None:
    monkeypatch.setenv("MAILTRAIL_DB", str(demo_db))
    monkeypatch.chdir(ROOT)
    app = AppTest.from_file(str(ROOT / page), default_timeout=60)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert not app.error, [e.value for e in app.error]


def test_the_entry_point_runs_and_keeps_the_language_in_the_url(demo_db: Path, monkeypatch) -> None:
    monkeypatch.setenv("MAILTRAIL_DB", str(demo_db))
    monkeypatch.chdir(ROOT)
    app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    app.query_params["lang"] = "en"
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.query_params["lang"] in ("en", ["en"])


def test_switching_language_relabels_the_switch_itself_on_the_same_run(
    demo_db: Path, monkeypatch
) -> None:
    monkeypatch.setenv("MAILTRAIL_DB", str(demo_db))
    monkeypatch.chdir(ROOT)
    app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    app.run()
    app.session_state["language_switch"] = "en"
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.query_params["lang"] in ("en", ["en"])
    labels = [w.label for w in app.sidebar.button_group]
    assert labels == ["Language"], labels
