"""A sent mail's HTML made safe to look at: sanitized, its remote images blocked, its links inert.

`render_mail(html)` returns a whole document to show in a sandboxed iframe without `allow-scripts`.
Three passes: nh3 (the ammonia sanitizer) keeps an e-mail-sized allowlist of tags and attributes
and drops scripts, event handlers, forms, frames, objects and dangerous URL schemes; a rewrite of
its well-formed output replaces remote images and tracking pixels by a visible placeholder (unless
`load_remote_images`; what looks like an open tracker — tiny or hidden — stays blocked even then),
strips every fetch from CSS (a CSS background on a tiny or hidden element counts as a tracking
pixel), and turns links into text that shows their target as a tooltip; nh3 again, with no `href`
allowed at all, so that whatever the rewrite emits is still inside the allowlist. The document
carries a strict Content-Security-Policy as a second line of defence, and no-referrer: a loaded
image never learns the dashboard's address. Viewing a mail this way never fires its open tracker.
No Streamlit here.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from html.parser import HTMLParser
from urllib.parse import urlsplit

import nh3

from pipeline.i18n import DEFAULT_LANGUAGE, t
from pipeline.mail.css import scrub_css

TAGS = frozenset({
    "a", "abbr", "address", "article", "aside", "b", "bdi", "bdo", "big", "blockquote", "br",
    "caption", "center", "cite", "code", "col", "colgroup", "dd", "del", "details", "dfn", "div",
    "dl", "dt", "em", "figcaption", "figure", "font", "footer", "h1", "h2", "h3", "h4", "h5",
    "h6", "header", "hr", "i", "img", "ins", "kbd", "li", "main", "mark", "ol", "p", "pre", "q",
    "s", "samp", "section", "small", "span", "strike", "strong", "style", "sub", "summary", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "tt", "u", "ul", "var", "wbr",
})  # fmt: skip
# Removed with everything inside them (the others lose their tag but keep their text).
CONTENT_TAGS = frozenset({
    "script", "noscript", "template", "title", "head", "iframe", "frame", "frameset", "object",
    "embed", "applet", "svg", "math", "textarea", "select", "option", "button", "xmp",
    "noembed", "noframes", "plaintext", "canvas", "audio", "video", "picture", "map",
})  # fmt: skip
_GENERIC = {"style", "class", "id", "title", "dir", "lang", "align", "valign", "width", "height",
            "bgcolor", "border"}  # fmt: skip
_ATTRIBUTES = {
    "*": _GENERIC,
    "a": {"href", "name"},
    "img": {"src", "alt", "hspace", "vspace"},
    "font": {"color", "face", "size"},
    "table": {"cellpadding", "cellspacing", "summary", "frame", "rules"},
    "td": {"colspan", "rowspan", "nowrap", "headers", "scope"},
    "th": {"colspan", "rowspan", "nowrap", "headers", "scope"},
    "col": {"span"},
    "colgroup": {"span"},
    "ol": {"start", "type", "reversed"},
    "ul": {"type"},
    "li": {"value"},
    "time": {"datetime"},
    "hr": {"size", "noshade"},
}
_LINK_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
_REMOTE_SCHEMES = frozenset({"http", "https"})
_DATA_IMAGE = re.compile(r"^data:image/(png|gif|jpeg|jpg|webp);base64,[a-z0-9+/=\s]*$", re.I)
_TRACKING_MAX_PX = 3
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden|opacity\s*:\s*0(?![.\d])", re.I)


@dataclass(frozen=True)
class Link:
    """A link of the mail: its text and where it points."""

    text: str
    url: str


@dataclass(frozen=True)
class RenderedMail:
    """A mail ready for a sandboxed iframe, and what was held back to keep it silent."""

    document: str
    remote_images: int = 0  # remote <img> replaced by a placeholder, tracking pixels included
    tracking_pixels: int = 0  # of which look like open trackers (tiny or hidden)
    remote_styles: int = 0  # CSS declarations removed because they fetch something
    links: tuple[Link, ...] = ()

    @property
    def blocked_anything(self) -> bool:
        return bool(self.remote_images or self.remote_styles)


def render_mail(
    body_html: str, *, load_remote_images: bool = False, lang: str = DEFAULT_LANGUAGE
) -> RenderedMail:
    """The mail's HTML as a safe document (see the module docstring)."""
    fragment, rewrite = sanitize_fragment(
        body_html, load_remote_images=load_remote_images, lang=lang
    )
    return RenderedMail(
        document=wrap_document(fragment, load_remote_images=load_remote_images, lang=lang),
        remote_images=rewrite.remote_images,
        tracking_pixels=rewrite.tracking_pixels,
        remote_styles=rewrite.remote_styles,
        links=tuple(rewrite.links),
    )


def sanitize_fragment(
    body_html: str, *, load_remote_images: bool = False, lang: str = DEFAULT_LANGUAGE
) -> tuple[str, _Rewrite]:
    """The three passes; returns the safe body fragment and what the rewrite held back."""
    first = _reading_cleaner().clean(_body_as_div(body_html or ""))
    rewrite = _Rewrite(load_remote_images=load_remote_images, lang=lang)
    rewrite.feed(first)
    rewrite.close()
    return _output_cleaner(load_remote_images).clean("".join(rewrite.out)), rewrite


def content_security_policy(load_remote_images: bool) -> str:
    """Nothing may load but inline styles and inline (data:) images; remote images on request."""
    images = "data: cid: https: http:" if load_remote_images else "data: cid:"
    return (
        f"default-src 'none'; img-src {images}; style-src 'unsafe-inline'; font-src data:; "
        "form-action 'none'; base-uri 'none'"
    )


def wrap_document(fragment: str, *, load_remote_images: bool, lang: str) -> str:
    """A whole HTML document around a sanitized fragment, with the CSP and the placeholder look."""
    policy = html.escape(content_security_policy(load_remote_images), quote=True)
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{html.escape(lang, quote=True)}"><head>'
        '<meta name="referrer" content="no-referrer"><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
        f"<style>{_FRAME_CSS}</style></head>\n<body>{fragment}</body></html>"
    )


_FRAME_CSS = (
    "html{color-scheme:light;background:#fff}"
    "body{margin:12px;overflow-wrap:anywhere}"
    "img{max-width:100%;height:auto}"
    ".mt-blocked{display:inline-flex!important;visibility:visible!important;opacity:1!important;"
    "align-items:center;justify-content:center;box-sizing:border-box;max-width:100%;"
    "min-height:1.6em;padding:2px 8px;border:1px dashed #8c8c8c;border-radius:4px;"
    "background:#f3f4f6;color:#4b5563;font:12px/1.4 system-ui,sans-serif;vertical-align:middle;"
    "text-align:center}"
    "a.mt-link{color:#0b57d0;text-decoration:underline;cursor:help}"
)


class _Rewrite(HTMLParser):
    """Walks nh3's output (well-formed, every value escaped) and re-emits it, changed."""

    def __init__(self, *, load_remote_images: bool, lang: str) -> None:
        super().__init__(convert_charrefs=True)
        self.load_remote_images = load_remote_images
        self.lang = lang
        self.out: list[str] = []
        self.links: list[Link] = []
        self.remote_images = self.tracking_pixels = self.remote_styles = 0
        self._in_style = False
        self._link: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if "style" in values:
            values["style"] = self._style_attribute(values)
        if tag == "img":
            self._image(values)
            return
        if tag == "a":
            values = self._anchor(values)
        self._in_style = tag == "style"
        self.out.append(_start_tag(tag, values))

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False
        if tag == "a" and self._link:
            url, words = self._link
            self.links.append(Link(text=" ".join("".join(words).split()), url=url))
            self._link = None
        self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.out.append(self._css(data))
            return
        if self._link:
            self._link[1].append(data)
        self.out.append(html.escape(data, quote=False))

    def _css(self, text: str) -> str:
        cleaned, fetching = scrub_css(text)
        self.remote_styles += fetching
        return cleaned

    def _style_attribute(self, values: dict[str, str]) -> str:
        """The element's style without fetches; a fetching style on a tiny or hidden element
        (a tracker drawn as a CSS background) is counted as a tracking pixel, like an <img>."""
        cleaned, fetching = scrub_css(values["style"])
        if fetching and _looks_like_tracker(values):
            self.remote_images += 1
            self.tracking_pixels += 1
        else:
            self.remote_styles += fetching
        return cleaned

    def _image(self, values: dict[str, str]) -> None:
        src = values.get("src", "")
        scheme = urlsplit(src).scheme.lower() if src else ""
        if scheme == "data":
            self.out.append(_start_tag("img", values))
        elif scheme in _REMOTE_SCHEMES:
            tracking = _looks_like_tracker(values)
            if self.load_remote_images and not tracking:
                self.out.append(_start_tag("img", {**values, "referrerpolicy": "no-referrer"}))
                return
            self.remote_images += 1
            self.tracking_pixels += tracking
            key = "mail_render.tracking_pixel" if tracking else "mail_render.image_blocked"
            self.out.append(_placeholder(t(key, self.lang), values, src, sized=not tracking))
        elif scheme == "cid":
            self.out.append(_placeholder(t("mail_render.inline_image", self.lang), values, src))

    def _anchor(self, values: dict[str, str]) -> dict[str, str]:
        href = values.pop("href", "")
        if not href:
            return values
        self._link = (href, [])
        shown = href.removeprefix("mailto:") if href.startswith("mailto:") else href
        return {
            **values,
            "class": "mt-link",
            "title": t("mail_render.link_to", self.lang, url=shown),
        }


def _looks_like_tracker(values: dict[str, str]) -> bool:
    """Tiny (at most 3×3 px by attribute or style) or hidden: an open-tracking pixel."""
    style = values.get("style", "")
    if _HIDDEN.search(style):
        return True
    sizes = (
        _first_known(_pixels(values.get("width")), _style_pixels(style, "width")),
        _first_known(_pixels(values.get("height")), _style_pixels(style, "height")),
    )
    return any(size is not None and size <= _TRACKING_MAX_PX for size in sizes)


def _first_known(*sizes: int | None) -> int | None:
    return next((size for size in sizes if size is not None), None)


def _placeholder(label: str, values: dict[str, str], src: str, *, sized: bool = True) -> str:
    alt = " ".join(values.get("alt", "").split())
    text = f"{label} — {alt}" if alt else label
    style = ""
    width, height = _pixels(values.get("width")), _pixels(values.get("height"))
    if sized and width and width > 40:
        style += f"width:{min(width, 1200)}px;"
    if sized and height and height > 20:
        style += f"height:{min(height, 1200)}px;"
    attrs = {"class": "mt-blocked", "title": src}
    if style:
        attrs["style"] = style
    return _start_tag("span", attrs) + html.escape(text, quote=False) + "</span>"


def _pixels(value: str | None) -> int | None:
    if not value:
        return None
    match = re.fullmatch(r"\s*(\d{1,5})(?:\.\d+)?\s*(px)?\s*", value, re.I)
    return int(match.group(1)) if match else None


def _style_pixels(style: str, prop: str) -> int | None:
    match = re.search(rf"(?<![\w-]){prop}\s*:\s*(\d{{1,5}})(?:\.\d+)?\s*px", style, re.I)
    return int(match.group(1)) if match else None


def _start_tag(tag: str, values: dict[str, str]) -> str:
    attrs = "".join(f' {name}="{html.escape(value, quote=True)}"' for name, value in values.items())
    return f"<{tag}{attrs}>"


_BODY_OPEN = re.compile(r"<body\b", re.I)
_BODY_CLOSE = re.compile(r"</body\s*>", re.I)


def _body_as_div(text: str) -> str:
    """Keep the <body>'s own style (mails often set their font there): as a <div>, which the
    fragment sanitizer keeps. Only fidelity depends on this; nh3 still cleans the result."""
    return _BODY_CLOSE.sub("</div>", _BODY_OPEN.sub("<div", text, count=1), count=1)


def _reading_policy(element: str, attribute: str, value: str) -> str | None:
    """First pass: links only to the web, mail and phone; images from the web, cid: or raster
    data: URLs. Remote image sources stay for the rewrite to count and replace. A scheme-less
    `//host/path` is a remote address (the browser would fetch it): made https: to say so.
    Other relative addresses have no base to resolve against and are dropped."""
    if attribute in ("href", "src") and value.strip().startswith("//"):
        value = "https:" + value.strip()
    scheme = urlsplit(value).scheme.lower() if attribute in ("href", "src") else ""
    if attribute == "href":
        return value if scheme in _LINK_SCHEMES else None
    if element == "img" and attribute == "src":
        if scheme in (*_REMOTE_SCHEMES, "cid") or _DATA_IMAGE.match(value):
            return value
        return None
    return value


def _output_policy(load_remote_images: bool) -> Callable[[str, str, str], str | None]:
    """Last pass: no link targets at all; images only inline, or remote when allowed."""

    def policy(element: str, attribute: str, value: str) -> str | None:
        if attribute == "href":
            return None
        if element == "img" and attribute == "src":
            remote = urlsplit(value).scheme.lower() in _REMOTE_SCHEMES
            if _DATA_IMAGE.match(value) or (remote and load_remote_images):
                return value
            return None
        if attribute == "style":
            return scrub_css(value)[0]
        if attribute == "referrerpolicy":
            return "no-referrer"
        return value

    return policy


@cache
def _reading_cleaner() -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=set(TAGS), clean_content_tags=set(CONTENT_TAGS), attributes=_ATTRIBUTES,
        attribute_filter=_reading_policy, url_schemes={*_LINK_SCHEMES, "cid", "data"},
        url_relative="pass_through", link_rel=None, strip_comments=True,
    )  # fmt: skip


@cache
def _output_cleaner(load_remote_images: bool) -> nh3.Cleaner:
    attributes = {**_ATTRIBUTES, "a": {"name"}, "img": {*_ATTRIBUTES["img"], "referrerpolicy"}}
    return nh3.Cleaner(
        tags=set(TAGS), clean_content_tags=set(CONTENT_TAGS), attributes=attributes,
        attribute_filter=_output_policy(load_remote_images),
        url_schemes={*_REMOTE_SCHEMES, "data"}, url_relative="deny", link_rel=None,
        strip_comments=True,
    )  # fmt: skip
