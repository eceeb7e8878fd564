"""The CSS of a sent mail, made silent: no imports, no script hooks, no fetches unless allowed.

Used by pipeline.mail.render on `<style>` elements and `style` attributes, after nh3 (which keeps
CSS text as it is). Works declaration by declaration: anything suspicious is dropped whole, never
repaired. The document's Content-Security-Policy stays the second line of defence. No Streamlit.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

WEB_SCHEMES = frozenset({"http", "https"})

# CSS that is never kept: imports, old script hooks, escapes (which can spell anything).
_CSS_FORBIDDEN = re.compile(
    r"@import|expression\s*\(|behaviou?r\s*:|-moz-binding|javascript\s*:|vbscript\s*:|\\", re.I
)
# CSS that fetches something: blocked with remote images.
_CSS_FETCHES = re.compile(
    r"url\s*\(|image-set\s*\(|(?<![\w-])image\s*\(|cross-fade\s*\(|element\s*\(|@font-face", re.I
)
_CSS_COMMENT = re.compile(r"/\*.*?(\*/|$)", re.S)


def scrub_css(text: str, *, load_remote_images: bool) -> tuple[str, int]:
    """Remove every CSS declaration (or selector) that imports, scripts, hides behind escapes,
    or — unless remote images are allowed — fetches anything. Returns the CSS and how many
    fetching declarations were removed."""
    kept, fetching = [], 0
    for piece in re.split(r"([;{}])", _CSS_COMMENT.sub("", text)):
        if piece in (";", "{", "}"):
            kept.append(piece)
        elif _CSS_FORBIDDEN.search(piece):
            continue
        elif _CSS_FETCHES.search(piece) and not (load_remote_images and _fetches_web_only(piece)):
            fetching += 1
        else:
            kept.append(piece)
    return "".join(kept), fetching


def _fetches_web_only(css: str) -> bool:
    """With remote images allowed, url() may point at http(s) or data: images, nothing else."""
    targets = re.findall(r"url\s*\(\s*['\"]?\s*([^'\")\s]*)", css, re.I)
    return (
        bool(targets)
        and all(urlsplit(target).scheme.lower() in (*WEB_SCHEMES, "data") for target in targets)
        and "@font-face" not in css.lower()
    )
