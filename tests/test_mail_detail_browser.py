"""The mail detail panel in headless Chromium: viewing a mail records no open, nothing in it runs.

Crafted mails are written to a send log that points at a local HTTP server started here, ingested
through the real pipeline, and opened with `/explore?mail=SEND_ID` in the real dashboard. The server
logs every request: viewing must cause none; asking for remote images must cause some (so the
test can fail), but never for the tracking pixel. A second app on the demo store walks the support
journey: rendered mail with images blocked, PDF preview and download, timeline, guidance.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from browser import after_rerun, grid_frame, streamlit_app, wait_until_idle
from playwright.sync_api import FrameLocator, Page, expect

from pipeline.ingest.files import ingest_paths
from pipeline.settings import Settings
from tests.conftest import DemoStore

pytestmark = pytest.mark.browser

OUTER_FRAME = '[data-testid="stIFrame"]'
GIF = bytes.fromhex(
    "47494638396101000100800000000000ffffff21f90401000000002c000000000100010000020144003b"
)


class Recorder(BaseHTTPRequestHandler):
    """Answers every GET with a 1×1 GIF and remembers its path."""

    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        type(self).hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/gif")
        self.send_header("Content-Length", str(len(GIF)))
        self.end_headers()
        self.wfile.write(GIF)

    do_POST = do_GET

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def tracker() -> Iterator[tuple[str, list[str]]]:
    """A local 'remote' server: its base URL and the paths requested from it."""
    hits: list[str] = []
    handler = type("Handler", (Recorder,), {"hits": hits})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


def pixel_mail(base: str) -> str:
    return f"""<!DOCTYPE html><html><head><title>Convocation</title></head>
<body style="font-family:Arial">
<p><img src="{base}/logo.png" alt="Logo Horizon" width="200" height="50"></p>
<p>Bonjour Marie, voici votre convocation.</p>
<div style="background-image:url({base}/background.png);padding:8px">Encadré</div>
<img src="{base}/pixel.gif" width="1" height="1" alt="" style="display:block;border:0">
</body></html>"""


def hostile_mail(base: str) -> str:

    def steal(name: str) -> str:
        """A script that would tell the server it ran."""
        return f"new Image().src='{base}/{name}'"

    return f"""<html><head>
<script>document.title='PWNED';parent.document.title='PWNED';{steal("script")}</script>
<meta http-equiv="refresh" content="0;url={base}/refresh">
<link rel="stylesheet" href="{base}/stylesheet.css">
<style>@import url({base}/import.css); p {{ color: #222; }}</style>
<base href="{base}/base/">
</head><body onload="{steal("onload")}">
<p id="greeting">Bonjour, voici un e-mail piégé.</p>
<img src="x" onerror="{steal("onerror")}">
<svg onload="{steal("svg")}"><script>{steal("svg-script")}</script></svg>
<details open ontoggle="{steal("ontoggle")}"><summary>Détails</summary>x</details>
<a href="javascript:{steal("javascript-link")}">Lien script</a>
<a href="{base}/followed">Lien normal</a>
<a href="data:text/html,<script>{steal("data-link")}</script>">Lien data</a>
<iframe srcdoc="<script>{steal("iframe")}</script>" src="{base}/iframe"></iframe>
<object data="{base}/object"></object><embed src="{base}/embed">
<video poster="{base}/poster.png" src="{base}/video.mp4" autoplay></video>
<form action="{base}/form" method="post"><input name="q" autofocus onfocus="{steal("onfocus")}">
<button type="submit" id="send">Envoyer</button></form>
<img srcset="{base}/srcset.png 1x">
<table background="{base}/table-bg.png"><tr><td>cellule</td></tr></table>
</body></html>"""


@pytest.fixture(scope="module")
def crafted_app(tracker, tmp_path_factory) -> Iterator[str]:
    base, _ = tracker
    folder = tmp_path_factory.mktemp("crafted")
    config = Settings.from_env(environ={}, db_path=folder / "m.duckdb")
    common = {
        "requested_at": "2026-03-02T09:00:00+01:00", "provider": "brevo",
        "session_id": "S-1", "session_name": "Excel — Lyon", "email_type": "convocation",
        "sender_email": "formation@exemple-of.fr", "recipient_email": "marie@exemple.fr",
        "recipient_name": "Marie Martin", "recipient_kind": "learner", "attachments": [],
    }  # fmt: skip
    records = [
        {**common, "send_id": "M-PIXEL", "provider_message_id": "<m1@relay>",
         "subject": "Convocation avec pixel", "body_html": pixel_mail(base), "body_text": "x"},
        {**common, "send_id": "M-HOSTILE", "provider_message_id": "<m2@relay>",
         "subject": "E-mail piégé", "body_html": hostile_mail(base), "body_text": "x"},
    ]  # fmt: skip
    sendlog = folder / "sends.jsonl"
    sendlog.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    (report,) = ingest_paths([sendlog], config)
    assert report.ok, report
    with streamlit_app("dashboard.py", env={"MAILTRAIL_DB": str(config.db_path)}) as url:
        yield url


@pytest.fixture(scope="module")
def demo_app(demo_store: DemoStore) -> Iterator[str]:
    with streamlit_app("dashboard.py", env=demo_store.env) as url:
        yield url


def open_mail(page: Page, url: str, send_id: str, lang: str = "fr") -> FrameLocator:
    """Open a mail's detail; returns the frame holding the mail once its text is there."""
    page.goto(f"{url}/explore?mail={send_id}&lang={lang}")
    wait_until_idle(page)
    mail = page.frame_locator(OUTER_FRAME).first.frame_locator("#mail")
    mail.locator("body").wait_for()
    return mail


def mail_loaded(page: Page) -> int:
    """Wait until the mail's document has loaded; returns the height its frame was fitted to.

    The wrapper's script fits the frame on the mail's load event, which waits for every image
    the mail may fetch: once the frame has its fitted height, any request it makes has been made.
    """
    frame = page.frame_locator(OUTER_FRAME).first.locator("#mail")
    expect(frame).to_have_attribute("style", re.compile(r"height: \d+px"))
    return int(re.findall(r"height: (\d+)px", frame.get_attribute("style") or "")[0])


def px_near(height: int, tolerance: int) -> re.Pattern[str]:
    """A CSS height of about `height` px, give or take `tolerance` (and a fraction of a pixel)."""
    heights = "|".join(str(h) for h in range(height - tolerance, height + tolerance + 1))
    return re.compile(rf"^({heights})(\.\d+)?px$")


def inner_document(page: Page, expression: str):
    """Evaluate `expression` on the mail's document (read through the trusted outer frame)."""
    frame = page.frame_locator(OUTER_FRAME).first.locator("#mail")
    return frame.evaluate(f"f => {{ const d = f.contentDocument; return {expression}; }}")


def test_viewing_a_mail_with_a_tracking_pixel_requests_nothing_until_images_are_asked_for(
    page, crafted_app, tracker
) -> None:
    base, hits = tracker
    hits.clear()
    mail = open_mail(page, crafted_app, "M-PIXEL")
    expect(mail.get_by_text("Bonjour Marie, voici votre convocation.")).to_be_visible()
    expect(mail.get_by_text("Image distante bloquée — Logo Horizon")).to_be_visible()
    expect(mail.get_by_text("Pixel de suivi bloqué")).to_be_visible()
    mail_loaded(page)
    assert hits == []
    assert inner_document(page, "d.images.length") == 0

    # The server answering the image is the condition; the pixel must stay unasked, and a CSS
    # background too: Chromium would send the dashboard's address as Referer for it.
    with page.expect_response(re.compile(r"/logo\.png$")):
        page.get_by_role("button", name="Afficher les images").click()
    wait_until_idle(page)
    mail = page.frame_locator(OUTER_FRAME).first.frame_locator("#mail")
    expect(mail.get_by_alt_text("Logo Horizon")).to_be_visible()
    mail_loaded(page)
    assert "/logo.png" in hits  # the server does see requests
    assert "/background.png" not in hits  # CSS never fetches
    assert "/pixel.gif" not in hits  # but never the open tracker
    expect(mail.get_by_text("Pixel de suivi bloqué")).to_be_visible()

    hits.clear()
    page.get_by_role("button", name="Bloquer les images").click()
    wait_until_idle(page)
    mail = page.frame_locator(OUTER_FRAME).first.frame_locator("#mail")
    expect(mail.get_by_text("Image distante bloquée — Logo Horizon")).to_be_visible()
    mail_loaded(page)
    assert hits == []


def test_scripts_handlers_and_links_in_a_mail_are_inert(page, crafted_app, tracker) -> None:
    base, hits = tracker
    hits.clear()
    mail = open_mail(page, crafted_app, "M-HOSTILE")
    expect(mail.locator("#greeting")).to_have_text("Bonjour, voici un e-mail piégé.")
    mail_loaded(page)
    assert hits == []  # nothing ran or loaded on opening
    assert page.title() != "PWNED" and inner_document(page, "d.title") == ""
    assert inner_document(page, "d.querySelectorAll('script,iframe,object,embed,form').length") == 0
    assert inner_document(page, "[...d.querySelectorAll('a')].filter(a => a.href).length") == 0
    normal = mail.get_by_text("Lien normal", exact=True)
    assert normal.get_attribute("title") == f"Lien vers {base}/followed (non suivi)"
    sandbox = page.frame_locator(OUTER_FRAME).first.locator("#mail").get_attribute("sandbox")
    assert sandbox == "allow-same-origin"

    for link in ("Lien script", "Lien normal", "Lien data"):
        mail.get_by_text(link, exact=True).click()
    mail.get_by_text("Détails").click()
    # The clicks were handled: the last one opened the <details> (the sanitizer dropped `open`),
    # which would have fired its ontoggle handler had it survived.
    expect(mail.locator("details")).to_have_attribute("open", "")
    assert hits == []  # nor on clicking
    assert inner_document(page, "d.location.href") == "about:srcdoc"  # no link was followed
    expect(mail.locator("#greeting")).to_be_visible()


def frame_heights(page: Page) -> tuple[float, float]:
    """The height of Streamlit's frame and of the mail's own frame inside it."""
    outer = page.locator(OUTER_FRAME).first
    inner = page.frame_locator(OUTER_FRAME).first.locator("#mail")
    measure = "f => f.getBoundingClientRect().height"
    return outer.evaluate(measure), inner.evaluate(measure)


def test_the_mail_frame_fits_each_mail_selected_in_turn(page, crafted_app) -> None:
    page.goto(f"{crafted_app}/explore?lang=fr")
    wait_until_idle(page)
    grid = grid_frame(page)
    heights = []
    for subject, text in [
        ("Convocation avec pixel", "Bonjour Marie, voici votre convocation."),
        ("E-mail piégé", "Bonjour, voici un e-mail piégé."),
    ]:
        after_rerun(page, grid.get_by_text(subject, exact=True).click)
        mail = page.frame_locator(OUTER_FRAME).first.frame_locator("#mail")
        expect(mail.get_by_text(text)).to_be_visible()
        # Streamlit's frame grows to the mail's fitted height.
        expect(page.locator(OUTER_FRAME).first).to_have_css("height", px_near(mail_loaded(page), 2))
        outer, inner = frame_heights(page)
        assert abs(outer - inner) <= 2, (subject, outer, inner)
        heights.append(outer)
    assert heights[1] < heights[0]  # the shorter mail did not keep the longer one's height


def test_support_journey_rendered_mail_pdf_preview_timeline_and_guidance(
    page, demo_app, demo_store
) -> None:
    with demo_store.connect() as con:
        send_id, address, raw_event = con.execute(
            """SELECT h.send_id, h.recipient_email, e.raw_event
               FROM email_history h JOIN email_events e USING (send_id)
               WHERE h.status = 'undeliverable' AND h.attachment_count > 0
                 AND e.smtp_code IS NOT NULL AND e.event = 'bounced' AND e.bounce_kind = 'hard'
               ORDER BY h.send_id LIMIT 1"""
        ).fetchone()
    mail = open_mail(page, demo_app, send_id)
    expect(page.get_by_text("Détail de l'e-mail")).to_be_visible()
    expect(page.locator(".mt-detail-badge")).to_have_text("Réception impossible")
    expect(mail.get_by_text("Pixel de suivi bloqué")).to_be_visible()
    expect(mail.locator(".mt-blocked").first).to_be_visible()
    assert inner_document(page, "[...d.images].filter(i => /^https?:/.test(i.src)).length") == 0
    expect(page.get_by_text("Que faire", exact=True)).to_be_visible()

    page.get_by_role("tab", name="Pièces jointes").click()
    page.get_by_text("Aperçu", exact=True).first.click()
    wait_until_idle(page)
    preview = page.locator('[data-testid="stImage"] img').first
    expect(preview).to_be_visible()
    assert preview.evaluate("img => img.complete && img.naturalWidth") > 500
    expect(page.get_by_text("Page 1", exact=True)).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name="Télécharger").first.click()
    assert download.value.suggested_filename.endswith(".pdf")
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")

    page.get_by_role("tab", name="Événements").click()
    table = page.locator('[data-testid="stTable"]')
    expect(table).to_contain_text(raw_event)
    expect(table).to_contain_text("Rejet définitif")
    expect(table.locator("tbody tr").first).to_contain_text("Envoi demandé au prestataire")
    expect(page.get_by_text("heures de Paris", exact=False)).to_be_visible()

    page.get_by_role("tab", name="Pour le service client").click()
    expect(page.locator('[data-testid="stCode"]').filter(has_text=address).first).to_be_visible()
