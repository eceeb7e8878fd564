"""The Explore page without a browser (AppTest): a link opens exactly its slice, the filters and
the URL follow each other, the count is the export's, a single session offers its proof."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pipeline.filters.mail_filter import MailFilter
from pipeline.queries.history import count_mails
from tests.conftest import DemoStore

ROOT = Path(__file__).resolve().parents[1]
INCIDENT = {"start": "2026-08-01", "end": "2026-08-31", "status": "undeliverable"}


def explore(monkeypatch, **params: str) -> AppTest:
    monkeypatch.chdir(ROOT)
    app = AppTest.from_file(str(ROOT / "pages/explore.py"), default_timeout=60)
    for name, value in params.items():
        app.query_params[name] = value
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def shown_count(app: AppTest) -> int:
    (metric,) = app.metric
    return int(metric.value.replace("\u202f", "").replace(",", ""))


def url(app: AppTest) -> dict[str, str]:
    return {k: v[-1] if isinstance(v, list) else v for k, v in app.query_params.items()}


def count(demo: DemoStore, mail_filter: MailFilter) -> int:
    with demo.connect() as con:
        con.execute("SET TimeZone = 'Europe/Paris'")
        return count_mails(con, mail_filter)


def test_a_link_opens_exactly_its_slice(demo_env: DemoStore, monkeypatch) -> None:
    app = explore(monkeypatch, **INCIDENT)
    expected = count(demo_env, MailFilter.from_query_params(INCIDENT))
    assert 0 < shown_count(app) == expected
    assert app.multiselect(key="explore::status").value == ["undeliverable"]
    assert app.date_input(key="explore::start").value == dt.date(2026, 8, 1)
    assert app.date_input(key="explore::end").value == dt.date(2026, 8, 31)
    assert url(app) == INCIDENT  # nothing added, nothing lost


@pytest.mark.parametrize(
    "params",
    [
        {"type": "convocation,attestation_fin_formation", "kind": "learner"},
        {"provider": "sendgrid", "category": "sender_authentication"},
        {"domain": "gmail.com", "q": "formation"},
        {"complained": "0", "send_log": "1", "start": "2026-06-01"},
    ],
)
def test_every_kind_of_criterion_survives_the_round_trip(
    demo_env: DemoStore, monkeypatch, params: dict[str, str]
) -> None:
    app = explore(monkeypatch, **params)
    assert shown_count(app) == count(demo_env, MailFilter.from_query_params(params))
    assert url(app) == params


def test_changing_a_filter_rewrites_the_url_and_the_count(demo_env: DemoStore, monkeypatch) -> None:
    app = explore(monkeypatch, **INCIDENT)
    app.multiselect(key="explore::status").set_value(["undeliverable", "send_error"]).run()
    app.text_input(key="explore::q").set_value(".fr").run()
    assert url(app) == {**INCIDENT, "status": "undeliverable,send_error", "q": ".fr"}
    wanted = MailFilter.from_query_params(url(app))
    assert shown_count(app) == count(demo_env, wanted) > 0


def test_other_url_parameters_are_left_alone(demo_env: DemoStore, monkeypatch) -> None:
    app = explore(monkeypatch, lang="en", **INCIDENT)
    app.multiselect(key="explore::kind").set_value(["learner"]).run()
    assert url(app)["lang"] == "en" and url(app)["kind"] == "learner"


def test_clear_all_empties_the_filters_and_the_url(demo_env: DemoStore, monkeypatch) -> None:
    app = explore(monkeypatch, **INCIDENT)
    app.button(key="explore::reset").click().run()
    assert url(app) == {}
    assert app.multiselect(key="explore::status").value == []
    assert shown_count(app) == count(demo_env, MailFilter())


def test_an_empty_slice_says_so_and_disables_the_exports(demo_env: DemoStore, monkeypatch) -> None:
    app = explore(monkeypatch, q="nobody-has-this-address")
    assert shown_count(app) == 0
    assert app.info, "the page says nothing matches"
    buttons = [b for b in app.get("download_button") if "export" in b.proto.id]
    assert len(buttons) == 4 and all(b.proto.disabled for b in buttons)


def test_one_session_offers_its_proof_of_sending(demo_env: DemoStore, monkeypatch) -> None:
    with demo_env.connect() as con:
        session = con.execute(
            "SELECT session_id FROM email_history WHERE session_id IS NOT NULL LIMIT 1"
        ).fetchall()[0][0]
    app = explore(monkeypatch, session=session, lang="en")
    labels = [b.proto.label for b in app.get("download_button")]
    assert "Proof of sending (XLSX)" in labels and "Printable proof of sending (HTML)" in labels
    assert app.selectbox(key="explore::session").value == session


def test_a_link_to_values_the_store_has_not_seen_still_opens(demo_env, monkeypatch) -> None:
    app = explore(monkeypatch, session="SES-UNKNOWN", domain="nowhere.example")
    assert shown_count(app) == 0
    assert app.selectbox(key="explore::session").value == "SES-UNKNOWN"
    assert url(app) == {"session": "SES-UNKNOWN", "domain": "nowhere.example"}
