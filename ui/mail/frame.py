"""Shows a rendered mail (pipeline.mail.render) in two nested iframes, so that nothing in it runs.

The outer frame is Streamlit's own (`st.iframe`, which allows scripts and the app's origin): it
holds only our trusted wrapper, whose one script fits the inner frame's height to the mail. The
inner frame holds the mail with `sandbox="allow-same-origin"` and no `allow-scripts`: the browser
runs no script, submits no form, opens no pop-up and navigates nothing outside it, whatever the
sanitizer let through; the mail's own Content-Security-Policy blocks every fetch the user did not
allow.
"""

from __future__ import annotations

import hashlib
import html

import streamlit as st

MIN_HEIGHT_PX = 150  # Streamlit's frame starts at 150 px and never shrinks below its start
MAX_HEIGHT_PX = 3000  # taller mails scroll inside their frame

# Fits the inner frame to its content once it has loaded, and again whenever the content resizes
# (remote images arriving, fonts). Reading the inner document needs allow-same-origin on it.
_FIT_SCRIPT = f"""
(function () {{
  var frame = document.getElementById('mail');
  function fit() {{
    var doc = frame.contentDocument;
    if (!doc || !doc.documentElement) return;
    var height = Math.max(doc.documentElement.scrollHeight, doc.body ? doc.body.scrollHeight : 0);
    height = Math.min(Math.max(height, {MIN_HEIGHT_PX}), {MAX_HEIGHT_PX});
    frame.style.height = height + 'px';
  }}
  frame.addEventListener('load', function () {{
    fit();
    if (typeof ResizeObserver !== 'undefined' && frame.contentDocument) {{
      new ResizeObserver(fit).observe(frame.contentDocument.documentElement);
    }}
  }});
}})();
"""


def framed(document: str, *, title: str) -> str:
    """The trusted wrapper page: one sandboxed iframe holding `document`, and the fitting script."""
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        "<meta name='referrer' content='no-referrer'>"
        "<style>html,body{margin:0;padding:0;background:transparent}"
        f"iframe{{display:block;width:100%;height:{MIN_HEIGHT_PX}px;border:1px solid #d0d7de;"
        "border-radius:6px;box-sizing:border-box;background:#fff}</style></head><body>"
        f'<iframe id="mail" title="{html.escape(title, quote=True)}" sandbox="allow-same-origin" '
        f'referrerpolicy="no-referrer" srcdoc="{html.escape(document, quote=True)}"></iframe>'
        f"<script>{_FIT_SCRIPT}</script></body></html>"
    )


def mail_frame(document: str, *, title: str) -> None:
    """Show a rendered mail document (from pipeline.mail.render.render_mail) inertly.

    Each document gets a container of its own: Streamlit's frame only ever grows to fit its
    content, so a shorter mail shown in the same frame would keep the previous one's height.
    """
    identity = hashlib.sha1(document.encode("utf-8"), usedforsecurity=False).hexdigest()[:16]
    with st.container(key=f"mail-frame-{identity}"):
        st.iframe(framed(document, title=title), height="content")
