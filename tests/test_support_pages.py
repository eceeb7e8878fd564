"""The Sessions, Contacts and Failed sends pages without a browser (AppTest): deep links open the
right session, contact or address, picking writes the URL, the grid's state is injected through
session_state as the browser would send it, and support notes are written to their own file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest
from support_store import Mail, write_store

from pipeline.support.notes import Note, add_note, notes_for
from tests.conftest import DemoStore
from ui.app.shell import Page
from ui.failed.address_focus import note_html
from ui.grid.history_grid import component_key

ROOT = Path(__file__).resolve().parents[1]


def page(name: str, monkeypatch, **params: str) -> AppTest:
    monkeypatch.chdir(ROOT)
    app = AppTest.from_file(str(ROOT / "pages" / name), default_timeout=60)
    for key, value in params.items():
        app.query_params[key] = value
    return app


def ran(target) -> AppTest:
    """Run the app (or the app of a widget just set) and check it raised nothing."""
    app = target.run()
    assert not app.exception, [e.value for e in app.exception]
    assert not app.error, [e.value for e in app.error]
    return app


def url(app: AppTest, name: str) -> str | None:
    value = app.query_params.get(name)
    return value[-1] if isinstance(value, list) else value


def captions(app: AppTest) -> list[str]:
    return [c.value.replace("\u202f", " ") for c in app.caption]


def count_line(app: AppTest) -> str:
    return next(c for c in captions(app) if "correspond" in c or "match" in c)


@pytest.fixture(scope="module")
def demo_rows(demo_store: DemoStore):
    with demo_store.connect() as con:
        con.execute("SET TimeZone = 'Europe/Paris'")
        session_id, mails = con.execute(
            "SELECT session_id, count(*) FROM email_history WHERE session_id IS NOT NULL "
            "GROUP BY ALL ORDER BY count(*) DESC, session_id LIMIT 1"
        ).fetchone()
        other = con.execute(
            "SELECT session_id FROM email_history WHERE session_id NOT IN (?) "
            "AND session_id IS NOT NULL ORDER BY session_id LIMIT 1",
            [session_id],
        ).fetchone()[0]
        mail = con.execute(
            "SELECT send_id, recipient_email FROM email_history WHERE session_id = ? "
            "ORDER BY send_id LIMIT 1",
            [session_id],
        ).fetchone()
        to_count = con.execute(
            "SELECT count(*) FROM email_history WHERE session_id = ? AND recipient_email = ?",
            [session_id, mail[1]],
        ).fetchone()[0]
        learner = con.execute(
            "SELECT contact_id, any_value(recipient_email), count(*) FROM email_history "
            "WHERE recipient_kind = 'learner' GROUP BY contact_id ORDER BY contact_id LIMIT 1"
        ).fetchone()
        failed = con.execute(
            "SELECT recipient_email, count(*) FROM email_history "
            "WHERE status IN ('undeliverable', 'send_error') AND requested_at >= "
            "(SELECT max(requested_at)::DATE - 29 FROM email_history)::TIMESTAMPTZ "
            "GROUP BY ALL ORDER BY count(*) DESC, recipient_email LIMIT 1"
        ).fetchone()
    return {
        "session": session_id, "session_mails": mails, "other_session": other,
        "mail": mail[0], "mail_to": mail[1], "mail_to_count": to_count, "learner": learner,
        "failed": failed,
    }  # fmt: skip


@pytest.fixture
def notes_file(tmp_path: Path, monkeypatch) -> Path:
    path = tmp_path / "notes.sqlite"
    monkeypatch.setenv("MAILTRAIL_NOTES_DB", str(path))
    return path


# --- Sessions ---------------------------------------------------------------------------------


def test_a_session_link_opens_that_session_with_its_figures_and_mails(
    demo_env, demo_rows, monkeypatch
):
    app = ran(page("sessions.py", monkeypatch, session=demo_rows["session"]))
    assert app.selectbox(key="session_pick").value == demo_rows["session"]
    assert any(f"Session {demo_rows['session']}" in c for c in captions(app))
    assert count_line(app).startswith(f"{demo_rows['session_mails']:,}".replace(",", " "))
    tiles = "".join(h.proto.body for h in app.get("html"))
    assert tiles.count('class="mt-tile"') == 6
    proofs = [b.proto.label for b in app.get("download_button")]
    assert len(proofs) == 2, proofs  # the session's proof of sending: XLSX and HTML


def test_picking_a_session_writes_it_and_forgets_the_mail_of_the_previous_one(
    demo_env, demo_rows, monkeypatch
):
    app = ran(
        page("sessions.py", monkeypatch, session=demo_rows["session"], mail=demo_rows["mail"])
    )
    assert url(app, "mail") == demo_rows["mail"]
    ran(app.selectbox(key="session_pick").set_value(demo_rows["other_session"]))
    assert url(app, "session") == demo_rows["other_session"]
    assert url(app, "mail") is None


def test_a_link_naming_only_a_mail_opens_its_session_and_the_mail(demo_env, demo_rows, monkeypatch):
    app = ran(page("sessions.py", monkeypatch, mail=demo_rows["mail"]))
    assert app.selectbox(key="session_pick").value == demo_rows["session"]
    assert url(app, "session") == demo_rows["session"]
    assert url(app, "mail") == demo_rows["mail"]


def test_an_unknown_session_says_so_instead_of_showing_nothing(demo_env, monkeypatch):
    app = page("sessions.py", monkeypatch, session="SES-0000-99999")
    app.run()
    assert not app.exception
    assert any("SES-0000-99999" in w.value for w in app.warning)


def test_the_session_grid_filters_on_the_recipient_the_browser_sends(
    demo_env, demo_rows, monkeypatch
):
    app = ran(page("sessions.py", monkeypatch, session=demo_rows["session"]))
    app.session_state[component_key("session_mails", "fr")] = {
        "filterModel": {"recipient": {"filterType": "text", "type": "contains",
                                      "filter": demo_rows["mail_to"]}},
        "sortModel": [{"colId": "requested_at", "sort": "asc"}],
        "selectedId": demo_rows["mail"],
    }  # fmt: skip
    ran(app)
    expected = demo_rows["mail_to_count"]
    assert count_line(app) == (
        "1 e-mail correspond" if expected == 1 else f"{expected} e-mails correspondent"
    )
    assert url(app, "mail") == demo_rows["mail"]


def test_the_session_and_its_mail_stay_open_when_the_language_changes(
    demo_env, demo_rows, monkeypatch
):
    app = ran(
        page("sessions.py", monkeypatch, session=demo_rows["session"], mail=demo_rows["mail"])
    )
    app.query_params["lang"] = "en"
    ran(app)
    assert app.selectbox(key="session_pick").value == demo_rows["session"]
    assert url(app, "mail") == demo_rows["mail"]
    assert app.title[0].value == "Sessions"
    assert any("mails to" in c for c in captions(app))


# --- Contacts ---------------------------------------------------------------------------------


def test_a_contact_link_finds_the_contacts_kind_and_shows_their_mails(
    demo_env, demo_rows, monkeypatch
):
    contact_id, _, mails = demo_rows["learner"]
    app = ran(page("contacts.py", monkeypatch, contact=contact_id))
    assert app.segmented_control(key="contact_kind").value == "learner"
    assert app.selectbox(key="contact_pick").value == contact_id
    assert url(app, "kind") == "learner"
    assert count_line(app).startswith(f"{mails} e-mail")


def test_searching_an_address_picks_its_only_contact_and_writes_the_url(
    demo_env, demo_rows, monkeypatch
):
    contact_id, address, _ = demo_rows["learner"]
    app = ran(page("contacts.py", monkeypatch))
    assert app.selectbox(key="contact_pick").value is None
    ran(app.text_input(key="contact_search").input(address.upper()))
    assert app.selectbox(key="contact_pick").value == contact_id
    assert url(app, "contact") == contact_id


def test_a_link_naming_only_a_mail_opens_the_contact_it_was_sent_to(
    demo_env, demo_rows, monkeypatch
):
    app = ran(page("contacts.py", monkeypatch, mail=demo_rows["mail"]))
    assert app.selectbox(key="contact_pick").value is not None
    assert url(app, "mail") == demo_rows["mail"]


def test_choosing_another_kind_leaves_the_contact_of_the_old_kind(demo_env, demo_rows, monkeypatch):
    contact_id, _, _ = demo_rows["learner"]
    app = ran(page("contacts.py", monkeypatch, contact=contact_id))
    ran(app.segmented_control(key="contact_kind").set_value("client"))
    assert app.selectbox(key="contact_pick").value is None
    assert url(app, "contact") is None and url(app, "kind") == "client"


SHARED_MAILBOX = [
    Mail("M1", "2026-03-02T09:00:00+01:00", "compta@acme.fr", "Paul Martin", "client", "CLI-1"),
    Mail("M2", "2026-03-03T09:00:00+01:00", "compta@acme.fr", "Julie Bernard", "client", "CLI-2"),
]  # fmt: skip


def test_a_shared_address_offers_the_other_contact_one_click_away(
    write, ingest, settings, monkeypatch
):
    write_store(SHARED_MAILBOX, write, ingest)
    monkeypatch.setenv("MAILTRAIL_DB", str(settings.db_path))
    app = ran(page("contacts.py", monkeypatch, contact="CLI-1"))
    assert any("compta@acme.fr" in i.value for i in app.info)
    julie = next(b for b in app.button if "Julie Bernard" in b.label)
    ran(julie.click())
    assert app.selectbox(key="contact_pick").value == "CLI-2"
    assert url(app, "contact") == "CLI-2"


# --- Failed sends -----------------------------------------------------------------------------


def test_the_failed_page_opens_on_the_last_30_days_of_data(demo_env, notes_file, monkeypatch):
    with demo_env.connect() as con:
        con.execute("SET TimeZone = 'Europe/Paris'")
        newest = con.execute("SELECT max(requested_at)::DATE FROM email_history").fetchone()[0]
    app = ran(page("failed.py", monkeypatch))
    start = newest - dt.timedelta(days=29)
    assert (url(app, "start"), url(app, "end")) == (start.isoformat(), newest.isoformat())
    assert app.date_input(key="failed_period").value == (start, newest)
    assert len(app.dataframe) == 2  # by reason, by address


def test_a_period_in_the_url_is_the_one_shown(demo_env, notes_file, monkeypatch):
    app = ran(page("failed.py", monkeypatch, start="2026-08-01", end="2026-08-31"))
    by_reason = app.dataframe[0].value
    assert by_reason.iloc[0]["category"].startswith(
        "Authentification de l'expéditeur"
    )  # DMARC month
    assert app.date_input(key="failed_period").value == (dt.date(2026, 8, 1), dt.date(2026, 8, 31))


def test_an_address_link_focuses_the_page_on_its_failures(
    demo_env, demo_rows, notes_file, monkeypatch
):
    address, failures = demo_rows["failed"]
    app = ran(page("failed.py", monkeypatch, to=address))
    assert count_line(app).startswith(f"{failures} e-mail")
    assert any(address in m.value for m in app.markdown)
    assert app.button(key="failed_show_all")


def test_a_typo_address_gets_a_did_you_mean(write, ingest, settings, notes_file, monkeypatch):
    write_store([Mail("F1", "2026-03-02T09:00:00+01:00", "marie@gmial.com", "Marie",
                      contact_id="S1", fate="invalid_email")], write, ingest)  # fmt: skip
    monkeypatch.setenv("MAILTRAIL_DB", str(settings.db_path))
    app = ran(page("failed.py", monkeypatch, to="marie@gmial.com"))
    assert any("marie@gmail.com" in w.value for w in app.warning)
    assert app.dataframe[1].value.iloc[0]["suggestion"] == "→ @gmail.com"


def test_marking_an_address_handled_keeps_the_note_and_shows_it(
    demo_env, demo_rows, notes_file, monkeypatch
):
    address, _ = demo_rows["failed"]
    app = ran(page("failed.py", monkeypatch, to=address))
    app.text_input[0].input("Alice")
    app.text_area[0].input("Adresse corrigée, convocation renvoyée")
    ran(next(b for b in app.button if b.label == "Marquer comme traité").click())
    (note,) = notes_for(notes_file, address)
    assert (note.author, note.note) == ("Alice", "Adresse corrigée, convocation renvoyée")
    assert any("traitée" in s.value for s in app.success)
    table = app.dataframe[1].value.set_index("recipient_email")
    assert table.loc[address, "follow_up"] == "✓"
    assert any("<b>Alice</b>" in h.proto.body for h in app.get("html"))


def test_hiding_handled_addresses_removes_them_from_the_table(
    demo_env, demo_rows, notes_file, monkeypatch
):
    address, _ = demo_rows["failed"]
    add_note(notes_file, address, "Alice", "fixed")
    app = ran(page("failed.py", monkeypatch))
    assert address in app.dataframe[1].value["recipient_email"].tolist()
    ran(app.toggle(key="failed_hide_handled").set_value(True))
    assert address not in app.dataframe[1].value["recipient_email"].tolist()
    assert "1" in "".join(
        h.proto.body for h in app.get("html") if 'data-tile="handled"' in h.proto.body
    )


def test_a_category_link_narrows_the_addresses_and_says_what_to_do(
    demo_env, notes_file, monkeypatch
):
    app = ran(page("failed.py", monkeypatch, start="2026-08-01", end="2026-08-31",
                   category="sender_authentication"))  # fmt: skip
    assert any("SPF" in i.value for i in app.info)
    everyone = ran(page("failed.py", monkeypatch, start="2026-08-01", end="2026-08-31"))
    assert len(app.dataframe[1].value) < len(everyone.dataframe[1].value)


def test_a_note_is_shown_as_written_never_as_markup(settings) -> None:
    note = Note(1, "a@b.fr", None, "<i>Eve</i>", "**bold** <script>x()</script> [l](http://e)",
                dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC))  # fmt: skip
    shown = note_html(Page("fr", "snapshot", settings), note)
    assert "<script>" not in shown and "<i>" not in shown
    assert "&lt;script&gt;x()&lt;/script&gt;" in shown and "**bold**" in shown
    assert "<b>&lt;i&gt;Eve&lt;/i&gt;</b>, le 02/03/2026 à 10:30" in shown  # Paris time


def test_past_the_listed_sessions_a_search_finds_any_of_them(demo_env, demo_rows, monkeypatch):
    import pipeline.queries.sessions as sessions

    monkeypatch.setattr(sessions, "MAX_SESSIONS", 3)
    st.cache_data.clear()
    app = ran(page("sessions.py", monkeypatch))
    assert len(app.selectbox(key="session_pick").options) == 3
    assert any("3 sessions les plus récentes" in c for c in captions(app))
    ran(app.text_input(key="session_pick::search").input(demo_rows["other_session"]))
    options = app.selectbox(key="session_pick").options
    assert any(demo_rows["other_session"] in option for option in options), options


def test_a_session_link_past_the_listed_ones_still_opens_it(demo_env, demo_rows, monkeypatch):
    import pipeline.queries.sessions as sessions

    monkeypatch.setattr(sessions, "MAX_SESSIONS", 1)
    app = ran(page("sessions.py", monkeypatch, session=demo_rows["other_session"]))
    assert app.selectbox(key="session_pick").value == demo_rows["other_session"]


def test_the_failed_page_says_when_it_cut_the_address_table(demo_env, notes_file, monkeypatch):
    import pipeline.queries.failures as failures

    monkeypatch.setattr(failures.failures_by_address, "__defaults__", (None, 2, None))
    st.cache_data.clear()  # results of the uncut query, cached by an earlier test
    app = ran(page("failed.py", monkeypatch))
    assert len(app.dataframe[1].value) == 2
    assert any("Les 2 adresses en échec le plus récemment" in c for c in captions(app))
