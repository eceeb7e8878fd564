"""Hostile input, part B (issue 12): encodings decided with evidence, implausible send dates,
conflicting provider event ids; each bad record refused with its file, line and reason."""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import http.server
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import replace

import pytest
from playwright.sync_api import expect
from streamlit.testing.v1 import AppTest

from pipeline.errors import ConfigError, StoreError
from pipeline.i18n.messages import message
from pipeline.ingest.files import ingest_paths
from pipeline.ingest.messages import run_message, without_server_paths
from pipeline.mail.render import render_mail, sanitize_fragment
from pipeline.readers.records import file_encoding
from pipeline.settings import Settings
from tests.browser import ROOT, free_port
from tests.conftest import DATA
from ui.data.upload import failure_message
from ui.mail.facts import SUBJECT_SHOWN, shortened
from ui.mail.frame import framed

SENDLOGS = DATA / "sendlogs"
SEND_HEADER = "send_id;requested_at;provider;provider_message_id;recipient_email;session_name\n"


def _send_line(i: int, session: str, requested: str = "2026-01-05T10:00:00+01:00") -> str:
    return f"E-{i};{requested};brevo;<e{i}@x>;e{i}@example.fr;{session}\n"


def _rejects(db) -> dict[int, tuple[str, str]]:
    rows = db().execute("SELECT line, reason, reason_code FROM ingest_rejects").fetchall()
    return {line: (reason, code) for line, reason, code in rows}


def _sessions(db) -> set[str]:
    rows = db().execute("SELECT session_name FROM email_history").fetchall()
    return {r[0] for r in rows}


# --- case 3: one bad byte does not turn a UTF-8 file into Windows-1252 ----------------------


def test_a_utf8_csv_with_one_bad_line_refuses_that_line_and_keeps_its_accents(
    ingest, db, write
) -> None:
    good = [_send_line(i, "Réunion d'équipe à Noël").encode() for i in range(1, 6)]
    bad = _send_line(6, "Réunion").encode("cp1252")  # one line written by another tool
    content = SEND_HEADER.encode() + b"".join(good[:3] + [bad] + good[3:])
    (report,) = ingest(write("mixed.csv", content))
    assert report.status == "completed"
    assert (report.records_read, report.records_loaded, report.records_rejected) == (6, 5, 1)
    assert _sessions(db) == {"Réunion d'équipe à Noël"}  # not "RÃ©union"
    reason, code = _rejects(db)[5]
    assert code == "not_in_encoding"
    byte = bad.index(b"\xe9") + 1
    assert reason == f"not valid UTF-8 (byte {byte} of line 5), unlike the rest of the file"
    file_path = db().execute("SELECT file_path FROM ingest_rejects").fetchone()[0]
    assert file_path.endswith("mixed.csv")


def test_a_genuine_windows_1252_csv_is_still_read_as_such(ingest, db, write) -> None:
    lines = [_send_line(i, "Réunion à Noël") for i in range(1, 4)]
    (report,) = ingest(write("excel.csv", SEND_HEADER + "".join(lines), encoding="cp1252"))
    assert (report.records_loaded, report.records_rejected) == (3, 0)
    assert _sessions(db) == {"Réunion à Noël"}


def test_a_utf8_line_in_a_windows_1252_file_is_refused_not_garbled(ingest, db, write) -> None:
    lines = [_send_line(i, "Réunion à Noël").encode("cp1252") for i in range(1, 5)]
    lines.insert(2, _send_line(9, "Réunion").encode("utf-8"))
    (report,) = ingest(write("excel.csv", SEND_HEADER.encode() + b"".join(lines)))
    assert (report.records_loaded, report.records_rejected) == (4, 1)
    assert _sessions(db) == {"Réunion à Noël"}
    assert _rejects(db)[4] == (
        "UTF-8 text at line 4 in a file otherwise in Windows-1252",
        "utf8_in_cp1252",
    )


def test_the_encoding_decision_names_the_bad_lines_for_a_fast_path(tmp_path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(b"a;b\n\xc3\xa9;1\n\xe9;2\n\xc3\xa8;3\n")
    decided = file_encoding(path)
    assert decided.encoding == "utf-8-sig" and not decided.clean
    assert list(decided.bad_lines) == [3]
    path.write_bytes(b"a;b\n\xc3\xa9;1\n")
    assert file_encoding(path).clean


# --- case 4: implausible send-log dates are refused ------------------------------------------


def test_implausible_send_log_dates_are_refused_with_the_window(ingest, db, write) -> None:
    lines = [
        _send_line(1, "ok"),
        _send_line(2, "future", "3000-01-05T10:00:00Z"),
        _send_line(3, "past", "1900-01-05T10:00:00Z"),
        _send_line(4, "before year 1", "-0001-01-01"),
        _send_line(5, "ok", "05/01/2026 10:00"),
    ]
    (report,) = ingest(write("dates.csv", SEND_HEADER + "".join(lines)))
    assert report.status == "completed"
    assert (report.records_read, report.records_loaded, report.records_rejected) == (5, 2, 3)
    rejects = _rejects(db)
    assert {line for line, (_, code) in rejects.items() if code == "implausible_requested_at"} == {
        3,
        4,
        5,
    }
    assert rejects[3][0].startswith("implausible requested_at '3000-01-05T10:00:00Z' (read as")
    assert rejects[3][0].endswith("a send request is dated between 2000-01-01 and now")
    years = db().execute("SELECT DISTINCT year(requested_at) FROM email_history").fetchall()
    assert years == [(2026,)]


def test_the_plausible_window_is_a_setting(settings, write) -> None:
    old = SEND_HEADER + _send_line(1, "archive", "1998-06-01T10:00:00Z")
    path = write("old.csv", old)
    (refused,) = ingest_paths([path], settings)
    assert refused.records_rejected == 1
    wider = replace(settings, plausible_since=dt.date(1990, 1, 1))
    (loaded,) = ingest_paths([write("old2.csv", old.replace("E-1", "E-2"))], wider)
    assert (loaded.records_loaded, loaded.records_rejected) == (1, 0)


def test_the_plausible_window_reads_from_the_environment() -> None:
    env = {"MAILTRAIL_PLAUSIBLE_SINCE": "1995-03-01", "MAILTRAIL_PLAUSIBLE_DAYS_AHEAD": "7"}
    settings = Settings.from_env(environ=env)
    assert (settings.plausible_since, settings.plausible_days_ahead) == (dt.date(1995, 3, 1), 7)
    with pytest.raises(ConfigError, match="MAILTRAIL_PLAUSIBLE_SINCE"):
        Settings.from_env(environ={"MAILTRAIL_PLAUSIBLE_SINCE": "hier"})


# --- case 5: a provider event id reused with other content is refused, never dropped --------


def _sendgrid_bounce(message_id: str, email: str, timestamp: int, reason: str) -> dict:
    return {
        "email": email,
        "timestamp": timestamp,
        "event": "bounce",
        "type": "bounce",
        "reason": reason,
        "sg_event_id": "Ym91bmNlLXNhbWU",
        "sg_message_id": f"{message_id}.filterdrecv-1",
    }


FIRST_BOUNCE = _sendgrid_bounce("MsgOne", "a@example.fr", 1767697200, "550 5.1.1 unknown user")
OTHER_BOUNCE = _sendgrid_bounce("MsgTwo", "b@example.fr", 1767700800, "552 5.2.2 mailbox full")


def _jsonl(*docs: dict) -> str:
    return "".join(json.dumps(doc) + "\n" for doc in docs)


def test_a_reused_event_id_with_other_content_in_one_file_is_refused(ingest, db, write) -> None:
    (report,) = ingest(write("sg.jsonl", _jsonl(FIRST_BOUNCE, OTHER_BOUNCE)))
    assert (report.records_read, report.records_loaded) == (2, 1)
    assert (report.records_duplicate, report.records_rejected) == (0, 1)
    reason, code = _rejects(db)[2]
    assert code == "event_id_conflict"
    assert reason.startswith("provider event id 'Ym91bmNlLXNhbWU' is already used at line 1")


def test_a_reused_event_id_with_other_content_across_files_names_the_first_file(
    ingest, db, write
) -> None:
    ingest(write("first.jsonl", _jsonl(FIRST_BOUNCE)))
    (report,) = ingest(write("second.jsonl", _jsonl(OTHER_BOUNCE)))
    assert (report.records_loaded, report.records_duplicate, report.records_rejected) == (0, 0, 1)
    reason, code = _rejects(db)[1]
    assert code == "event_id_conflict_stored"
    assert "from line 1 of first.jsonl" in reason and "/" not in reason
    recipients = db().execute("SELECT recipient_email FROM email_events").fetchall()
    assert recipients == [("a@example.fr",)]


def test_the_same_event_id_with_the_same_content_stays_already_known(ingest, write) -> None:
    ingest(write("first.jsonl", _jsonl(FIRST_BOUNCE)))
    replay = {**FIRST_BOUNCE, "reason": FIRST_BOUNCE["reason"]}
    (report,) = ingest(write("again.jsonl", _jsonl(replay, {"extra": 1} | replay)))
    assert (report.records_loaded, report.records_duplicate, report.records_rejected) == (0, 2, 0)


# --- case 11: no referrer, no CSS fetch, CSS-background trackers recognised -----------------


@pytest.mark.parametrize("images", [False, True])
def test_a_one_pixel_element_with_a_css_background_is_a_tracking_pixel(images: bool) -> None:
    body = '<div style="width:1px;height:1px;background:url(https://t.test/o.gif?u=42)"></div>'
    fragment, rewrite = sanitize_fragment(body, load_remote_images=images)
    assert "t.test" not in fragment
    assert (rewrite.remote_images, rewrite.tracking_pixels, rewrite.remote_styles) == (1, 1, 0)


def test_css_never_fetches_even_with_remote_images_loaded() -> None:
    body = (
        '<div style="background-image:url(https://e.test/bg.png);color:red">x</div>'
        "<style>p{background:url(https://e.test/p.png)}</style><p>y</p>"
    )
    rendered = render_mail(body, load_remote_images=True)
    assert "e.test" not in rendered.document and "color:red" in rendered.document
    assert rendered.remote_styles == 2


def test_a_loaded_image_and_the_mail_document_ask_for_no_referrer() -> None:
    rendered = render_mail(
        '<img src="https://e.test/logo.png" width="200">', load_remote_images=True
    )
    assert '<meta name="referrer" content="no-referrer">' in rendered.document
    assert 'referrerpolicy="no-referrer"' in rendered.document
    wrapper = framed(rendered.document, title="mail")
    assert "content='no-referrer'" in wrapper and 'referrerpolicy="no-referrer"' in wrapper


@contextlib.contextmanager
def _recording_server() -> Iterator[tuple[str, list[tuple[str, str | None]]]]:
    """A server on 127.0.0.1 answering a GIF to every request, recording its path and Referer."""
    seen: list[tuple[str, str | None]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            seen.append((self.path, self.headers.get("Referer")))
            self.send_response(200)
            self.send_header("Content-Type", "image/gif")
            self.end_headers()
            self.wfile.write(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def _mail_with_css_images(base: str) -> str:
    return (
        f'<div style="background:url({base}/bg-inline.png);height:40px">x</div>'
        f"<style>p{{background-image:url({base}/bg-style.png)}}</style><p>para</p>"
        f'<div style="width:1px;height:1px;background:url({base}/pixel.gif)"></div>'
        f'<img src="{base}/logo.gif" width="200" height="50" alt="logo">'
    )


@pytest.mark.browser
def test_after_load_remote_images_the_browser_sends_no_referrer_and_fetches_no_css(page) -> None:
    with _recording_server() as (base, seen):
        document = render_mail(_mail_with_css_images(base), load_remote_images=True).document
        # The wrapper in an iframe of the dashboard's own page, as Streamlit's st.iframe puts it.
        wrapper = html.escape(framed(document, title="mail"), quote=True)
        dashboard = f"<html><body><iframe id='outer' srcdoc='{wrapper}'></iframe></body></html>"
        page.route(
            f"{base}/dash", lambda route: route.fulfill(body=dashboard, content_type="text/html")
        )
        page.goto(f"{base}/dash")
        logo = page.frame_locator("#outer").frame_locator("#mail").locator("img")
        expect(logo).to_have_js_property("complete", True)
        expect(logo).to_have_js_property("naturalWidth", 1)
    fetched = {path: referer for path, referer in seen if path != "/favicon.ico"}
    assert fetched == {"/logo.gif": None}, seen


# --- case 12: long subjects, server paths and exception text, Windows-style names ----------

LONG_SUBJECT = ("Convocation " + "très longue " * 833).strip()  # 10,000 characters and more
WINDOWS_PATH = "..\\..\\etc\\passwd"


def _markdown_shown(source: str) -> str:
    """What st.markdown shows of `source` (its backslash escapes resolved)."""
    return re.sub(r"\\(.)", r"\1", source)


def test_a_long_subject_is_cut_to_a_line_or_two_for_display() -> None:
    shown = shortened(LONG_SUBJECT)
    assert len(shown) <= SUBJECT_SHOWN and shown.endswith("…")
    assert shortened("Votre\nconvocation") == "Votre convocation"


def test_the_mail_panel_shows_a_short_heading_the_full_subject_and_the_path_as_written(
    settings, write, monkeypatch
) -> None:
    attachments = json.dumps(
        [{"filename": "x.pdf", "content_type": "application/pdf", "path": WINDOWS_PATH}]
    )
    header = "send_id,requested_at,provider,recipient_email,subject,body_text,attachments\n"
    row = ["L-1", "2026-01-05T10:00:00Z", "brevo", "a@example.fr", LONG_SUBJECT, "Bonjour"]
    text = header + ",".join(row) + ',"' + attachments.replace('"', '""') + '"\n'
    (report,) = ingest_paths([write("long.csv", text)], settings)
    assert report.records_loaded == 1
    monkeypatch.setenv("MAILTRAIL_DB", str(settings.db_path))
    monkeypatch.setenv("MAILTRAIL_ATTACHMENTS", str(settings.attachments_dir))
    settings.attachments_dir.mkdir(parents=True, exist_ok=True)
    monkeypatch.chdir(ROOT)
    app = AppTest.from_file(str(ROOT / "pages/explore.py"), default_timeout=60)
    app.query_params["mail"] = "L-1"
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    heading = next(m.value for m in app.markdown if m.value.startswith("#### "))
    assert len(_markdown_shown(heading)) <= SUBJECT_SHOWN + len("#### ")
    expander = next(e for e in app.expander if e.label == "Objet complet")
    # the stored subject: cut at the shown-field limit (MAILTRAIL_MAX_FIELD_CHARS), marked as cut
    full = expander.text[0].value
    assert LONG_SUBJECT.startswith(full[:4000]) and len(full) < len(LONG_SUBJECT)
    assert full.endswith("characters in all]")
    app.tabs[2].run()
    warning = " ".join(w.value for w in app.warning)
    assert WINDOWS_PATH in _markdown_shown(warning)
    assert str(settings.attachments_dir) not in warning


def test_an_unexpected_failure_says_it_in_plain_words_with_the_detail_apart(tmp_path) -> None:
    folder = tmp_path / "inbox" / "uploads" / "2026-12-02_184500"
    crash = RecursionError(f"maximum recursion depth exceeded reading {tmp_path}/inbox/x.json")
    error, detail = failure_message(crash, folder, "en", "10 minutes")
    assert error is not None and detail is not None
    assert "RecursionError" not in error and str(tmp_path) not in error
    assert "an unexpected error occurred" in error
    assert "uploads/2026" in _markdown_shown(error)
    assert detail == "RecursionError: maximum recursion depth exceeded reading x.json"


def test_a_pipeline_failure_names_the_file_not_its_place_on_the_server(tmp_path) -> None:
    folder = tmp_path / "inbox" / "uploads" / "2026-12-02_184500"
    crash = StoreError(f"{tmp_path}/inbox/uploads/a.csv: the database refused the ingest: boom")
    error, detail = failure_message(crash, folder, "fr", "10 minutes")
    assert error is not None and detail is None
    assert str(tmp_path) not in error
    assert "a.csv: the database refused the ingest: boom" in _markdown_shown(error)


def test_library_words_in_a_stored_message_lose_their_server_paths() -> None:
    note = message("bad_parquet", detail="IO Error: File '/srv/mt/inbox/a b/x.parquet' too small")
    shown = run_message(note, lang="en")
    assert "/srv" not in shown and "'x.parquet'" in shown
    assert without_server_paths("C:\\data\\in\\x.csv, see 05/01/2026") == "x.csv, see 05/01/2026"
