"""The shared mail list (on the Explore page): a mail named in the URL opens its detail; the
page's status filter narrows the grid, counted in DuckDB."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.conftest import DemoStore

ROOT = Path(__file__).resolve().parents[1]


def _app(monkeypatch) -> AppTest:
    monkeypatch.chdir(ROOT)
    return AppTest.from_file(str(ROOT / "pages/explore.py"), default_timeout=60)


def test_a_mail_named_in_the_url_opens_its_detail(demo_env: DemoStore, monkeypatch) -> None:
    with demo_env.connect() as con:
        query = "SELECT send_id FROM email_history ORDER BY send_id LIMIT 1"
        send_id = con.execute(query).fetchone()[0]
    app = _app(monkeypatch)
    app.query_params["mail"] = send_id
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert any(send_id in c.value for c in app.code)


def test_the_status_filter_narrows_the_count(demo_env: DemoStore, monkeypatch) -> None:
    with demo_env.connect() as con:
        query = "SELECT count(*) FROM email_history WHERE status = 'undeliverable'"
        failed = con.execute(query).fetchone()[0]
    app = _app(monkeypatch)
    app.run()
    app.multiselect(key="explore::status").set_value(["undeliverable"]).run()
    assert not app.exception, [e.value for e in app.exception]
    assert failed > 0
    assert any(f"{failed}" in c.value.replace("\u202f", "").replace(" ", "") for c in app.caption)
