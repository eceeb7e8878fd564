"""The CSS of a sent mail, made silent: no imports, no script hooks, no fetches at all.

Used by pipeline.mail.render on `<style>` elements and `style` attributes, after nh3 (which keeps
CSS text as it is). Works declaration by declaration: anything suspicious is dropped whole, never
repaired. CSS never fetches, even when the user loads remote images: Chromium sends the
dashboard's address as Referer with a CSS image whatever the document's referrer policy (only
<img> honours no-referrer), and a CSS background on a tiny element is a tracker in disguise.
The document's Content-Security-Policy stays the second line of defence. No Streamlit.
"""

from __future__ import annotations

import re

# CSS that is never kept: imports, old script hooks, escapes (which can spell anything).
_CSS_FORBIDDEN = re.compile(
    r"@import|expression\s*\(|behaviou?r\s*:|-moz-binding|javascript\s*:|vbscript\s*:|\\", re.I
)
# CSS that fetches something: always removed.
_CSS_FETCHES = re.compile(
    r"url\s*\(|image-set\s*\(|(?<![\w-])image\s*\(|cross-fade\s*\(|element\s*\(|@font-face", re.I
)
_CSS_COMMENT = re.compile(r"/\*.*?(\*/|$)", re.S)


def scrub_css(text: str) -> tuple[str, int]:
    """Remove every CSS declaration (or selector) that imports, scripts, hides behind escapes,
    or fetches anything. Returns the CSS and how many fetching declarations were removed."""
    kept, fetching = [], 0
    for piece in re.split(r"([;{}])", _CSS_COMMENT.sub("", text)):
        if piece in (";", "{", "}"):
            kept.append(piece)
        elif _CSS_FORBIDDEN.search(piece):
            continue
        elif _CSS_FETCHES.search(piece):
            fetching += 1
        else:
            kept.append(piece)
    return "".join(kept), fetching
