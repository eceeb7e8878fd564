"""One mail in full: the named query on the demo store, and the detail panel through AppTest
(pages/explore.py with `?mail=SEND_ID`)."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pipeline.i18n import zone_name
from pipeline.queries.mail_detail import load_mail, mail_events
from pipeline.support.guidance import customer_service_text
from tests.conftest import DemoStore
from ui.mail.detail import REMOTE_IMAGES_KEY
from ui.mail.facts import is_stuck, timeline_frame

ROOT = Path(__file__).resolve().parents[1]


def one(demo_store: DemoStore, where: str) -> str:
    with demo_store.connect() as con:
        row = con.execute(
            f"SELECT send_id FROM email_history WHERE {where} ORDER BY send_id LIMIT 1"
        ).fetchone()
    assert row, f"the demo store has no mail where {where}"
    return row[0]


# --- The query ------------------------------------------------------------------------------------


def test_a_mail_comes_with_its_row_content_attachments_and_events(demo_store: DemoStore) -> None:
    send_id = one(demo_store, "attachment_count > 0 AND status = 'opened'")
    with demo_store.connect() as con:
        detail = load_mail(con, send_id)
        history = con.execute("SELECT * FROM email_history WHERE send_id = ?", [send_id]).df()
        events = con.execute("SELECT count(*) FROM email_events WHERE send_id = ?", [send_id])
        event_count = events.fetchone()[0]
    assert detail is not None
    for column in history.columns:
        assert column in detail.mail
    assert detail.mail["status"] == "opened"
    assert detail.body_html and "<p>" in detail.body_html
    assert detail.body_text
    assert len(detail.attachments) == history.loc[0, "attachment_count"]
    assert all(a.path and a.filename.endswith(".pdf") and a.is_pdf for a in detail.attachments)
    assert len(detail.events) == event_count >= 3
    assert list(detail.events["event_at"]) == sorted(detail.events["event_at"])
    assert {"accepted", "delivered", "opened"} <= set(detail.events["event"])


def test_a_send_id_the_store_does_not_know_gives_none(demo_store: DemoStore) -> None:
    with demo_store.connect() as con:
        assert load_mail(con, "no-such-mail") is None
        assert load_mail(con, "' OR 1=1 --") is None
        assert mail_events(con, "no-such-mail").empty


def test_a_mail_known_only_from_provider_events_has_no_content(demo_store: DemoStore) -> None:
    send_id = one(demo_store, "NOT has_send_log")
    with demo_store.connect() as con:
        detail = load_mail(con, send_id)
    assert detail is not None and not detail.has_send_log
    assert detail.body_html is None and detail.body_text is None and detail.attachments == ()
    assert len(detail.events) >= 1


def test_a_bounce_keeps_its_codes_in_the_row_and_the_timeline(demo_store: DemoStore) -> None:
    send_id = one(demo_store, "status = 'undeliverable' AND smtp_code IS NOT NULL")
    with demo_store.connect() as con:
        detail = load_mail(con, send_id)
    assert detail is not None
    frame = timeline_frame(detail.events, "fr")
    failing = frame[frame["smtp_code"] != ""]
    assert not failing.empty
    assert detail.mail["smtp_code"] in set(failing["smtp_code"])
    assert failing["event"].str.contains("Rejet|Refusé|Bloqué", regex=True).any()
    assert frame["source"].str.match(r"^[^/]+:\d+$").all()


def test_the_timeline_opens_with_the_platforms_request_and_where_it_was_read(
    demo_store: DemoStore,
) -> None:
    send_id = one(demo_store, "has_send_log AND status = 'delivered'")
    with demo_store.connect() as con:
        detail = load_mail(con, send_id)
        line = con.execute("SELECT source_line FROM sends WHERE send_id = ?", [send_id]).fetchall()[
            0
        ][0]
    assert detail is not None
    frame = timeline_frame(detail.events, "fr", detail.mail)
    request = frame.iloc[0]
    assert request["event"] == "Envoi demandé au prestataire"
    assert request["provider"] == "Plateforme de formation"
    assert request["source"].startswith("envois-") and request["source"].endswith(f":{line}")
    assert len(frame) == len(detail.events) + 1
    # a mail known only from provider events has no request to show
    orphan = one(demo_store, "NOT has_send_log")
    with demo_store.connect() as con:
        known = load_mail(con, orphan)
    assert known is not None
    assert len(timeline_frame(known.events, "fr", known.mail)) == len(known.events)


def test_zones_are_named_by_their_city() -> None:
    assert zone_name("Europe/Paris", "fr") == "Paris"
    assert zone_name("Indian/Reunion", "fr") == "La Réunion"
    assert zone_name("Not/AZone", "en") == "Not/AZone"


# --- The panel ------------------------------------------------------------------------------------


def open_mail(monkeypatch, send_id: str, lang: str = "fr") -> AppTest:
    monkeypatch.chdir(ROOT)
    app = AppTest.from_file(str(ROOT / "pages/explore.py"), default_timeout=60)
    app.query_params["mail"] = send_id
    app.query_params["lang"] = lang
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert not app.error, [e.value for e in app.error]
    return app


def texts(elements) -> str:
    """The elements' text as shown: Markdown escapes and HTML entities decoded."""
    source = "\n".join(str(e.value) for e in elements)
    return html.unescape(re.sub(r"\\(.)", r"\1", source))


def test_the_panel_shows_who_what_when_and_the_customer_service_text(
    demo_env: DemoStore, monkeypatch
) -> None:
    send_id = one(demo_env, "attachment_count > 0 AND status = 'undeliverable'")
    with demo_env.connect() as con:
        con.execute("SET TimeZone = 'Europe/Paris'")  # as the app reads it
        mail = load_mail(con, send_id).mail
    app = open_mail(monkeypatch, send_id)
    markdown = texts(app.markdown)
    assert mail["subject"].split(" – ")[0] in markdown
    assert mail["recipient_email"] in markdown
    assert "Réception impossible" in markdown  # the badge
    assert "Envoi demandé le" in markdown and "Reçu le" in markdown
    assert "Ce qui s'est passé" in texts(app.warning)  # a failure: guidance as a warning
    labels = [tab.label for tab in app.tabs]
    assert labels[0] == "E-mail envoyé" and labels[2].startswith("Pièces jointes (")
    codes = [c.value for c in app.code]
    assert customer_service_text(mail, "fr") in codes
    assert any(mail["recipient_email"] in c and send_id in c for c in codes)


def test_the_panel_speaks_english_when_asked(demo_env: DemoStore, monkeypatch) -> None:
    send_id = one(demo_env, "status = 'opened' AND attachment_count > 0")
    app = open_mail(monkeypatch, send_id, lang="en")
    assert "Mail detail" in [s.value for s in app.subheader]
    assert "What happened" in texts(app.info)
    assert [tab.label for tab in app.tabs][0] == "Mail as sent"
    assert any(table.value.columns[0] == "Time" for table in app.table)


def test_a_stale_link_says_the_mail_is_unknown_without_failing(
    demo_env: DemoStore, monkeypatch
) -> None:
    app = open_mail(monkeypatch, "a-mail-that-never-was")
    assert "a-mail-that-never-was" in texts(app.warning)
    assert not app.tabs


def test_a_mail_without_send_log_says_it_has_no_content(demo_env: DemoStore, monkeypatch) -> None:
    app = open_mail(monkeypatch, one(demo_env, "NOT has_send_log"))
    notes = texts(app.info)
    assert "n'est connu que par les événements du prestataire" in notes
    assert "Absent du journal d'envoi" in texts(app.markdown)


def test_remote_images_load_for_the_one_mail_asked_and_not_after_moving_on(
    demo_env: DemoStore, monkeypatch
) -> None:
    first = one(demo_env, "has_send_log AND status = 'delivered'")
    second = one(demo_env, f"has_send_log AND status = 'delivered' AND send_id > '{first}'")
    app = open_mail(monkeypatch, first)
    assert "Contenu distant bloqué" in texts(app.caption)
    app.button(key=f"mail_detail::images::{first}").click().run()
    assert app.session_state[REMOTE_IMAGES_KEY] == first
    assert "Images distantes affichées pour cet e-mail uniquement." in texts(app.caption)
    assert "Le pixel de suivi reste bloqué" in texts(app.caption)
    app.query_params["mail"] = second
    app.run()
    assert "Contenu distant bloqué" in texts(app.caption)
    assert REMOTE_IMAGES_KEY not in app.session_state
    app.query_params["mail"] = first
    app.run()
    assert "Contenu distant bloqué" in texts(app.caption)  # not sticky


def test_a_pdf_attachment_can_be_previewed_and_a_missing_file_is_explained(
    demo_env: DemoStore, monkeypatch, tmp_path
) -> None:
    send_id = one(demo_env, "attachment_count = 1 AND status = 'delivered'")
    app = open_mail(monkeypatch, send_id)
    toggle = next(t for t in app.toggle if t.key.startswith("mail_detail::attachment::"))
    toggle.set_value(True).run()
    assert not app.exception, [e.value for e in app.exception]
    assert "Pages\u00a0: " in texts(app.caption)
    assert [caption for image in app.image for caption in image.captions] == ["Page 1"]
    monkeypatch.setenv("MAILTRAIL_ATTACHMENTS", str(tmp_path / "empty"))
    (tmp_path / "empty").mkdir()
    app.run()
    assert "n'est pas dans le dossier des pièces jointes" in texts(app.warning)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_status_of_the_demo_opens_without_an_error(
    demo_env: DemoStore, monkeypatch, lang: str
) -> None:
    with demo_env.connect() as con:
        ids = [r[0] for r in con.execute(
            "SELECT any_value(send_id ORDER BY send_id) FROM email_history GROUP BY status"
        ).fetchall()]  # fmt: skip
    for send_id in ids:
        app = open_mail(monkeypatch, send_id, lang)
        assert app.tabs, send_id


def test_a_mail_requested_three_hours_ago_is_stuck_only_past_a_shorter_delay() -> None:
    now = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)
    mail = {"status": "requested", "requested_at": now - dt.timedelta(hours=3)}
    assert is_stuck(mail, 2, now=now)
    assert not is_stuck(mail, 4, now=now)
    assert not is_stuck({**mail, "status": "sent"}, 2, now=now)
    assert not is_stuck({"status": "requested", "requested_at": None}, 2, now=now)
