"""The mail detail panel shown below a history grid: what the mail was and what became of it.

Header (subject, status badge, who, session, times, the provider's reason) beside the status
explained with what to do; then tabs: the mail as the recipient saw it (sanitized, remote images
blocked unless asked for this one mail), its plain text, its attachments, the provider's event
timeline, and a ready text for customer service. Data comes from pipeline.queries.mail_detail.
"""

from __future__ import annotations

import html

import streamlit as st

from pipeline.i18n import zone_name
from pipeline.mail.render import RenderedMail, render_mail
from pipeline.queries.mail_detail import MailDetail, load_mail
from pipeline.rules.statuses import FAILED_STATUSES
from pipeline.support.guidance import customer_service_text, guidance
from pipeline.support.typos import is_valid_address, suggest_address
from ui.app.db import cached_query, settings
from ui.app.shell import Page
from ui.mail.attachments import attachments_tab
from ui.mail.facts import (
    code_label,
    context_line,
    engagement_line,
    facts_html,
    is_stuck,
    machine_opens_only,
    md_escape,
    reason_line,
    recipient_line,
    shortened,
    status_badge_html,
    timeline_frame,
    timeline_headers,
    when,
)
from ui.mail.frame import mail_frame

# The one mail whose remote images the user asked to see; showing another mail forgets it.
REMOTE_IMAGES_KEY = "mail_detail::remote_images"


def mail_detail(view: Page, send_id: str) -> None:
    """Show the mail `send_id`; a send_id the store does not know gets a message, not an error."""
    st.subheader(view.t("mail_detail.title"), divider="gray")
    detail = cached_query(load_mail)(view.snapshot, send_id)
    if detail is None:
        st.warning(view.t("mail_detail.not_found", send_id=send_id))
        return
    if st.session_state.get(REMOTE_IMAGES_KEY) not in (None, send_id):
        del st.session_state[REMOTE_IMAGES_KEY]
    facts, advice = st.columns([3, 2], gap="large")
    with facts:
        _header(view, detail)
    with advice:
        _guidance(view, detail)
    labels = [
        view.t("mail_detail.tab.mail"),
        view.t("mail_detail.tab.text"),
        view.t("mail_detail.tab.attachments", count=len(detail.attachments)),
        view.t("mail_detail.tab.timeline", count=len(detail.events)),
        view.t("mail_detail.tab.customer_service"),
    ]
    mail_tab, text_tab, files_tab, timeline_tab, service_tab = st.tabs(labels)
    with mail_tab:
        _mail_tab(view, detail)
    with text_tab:
        _text_tab(view, detail)
    with files_tab:
        if detail.has_send_log:
            attachments_tab(view, detail)
        else:
            st.info(view.t("mail_detail.no_send_log"))
    with timeline_tab:
        _timeline_tab(view, detail)
    with service_tab:
        st.caption(view.t("mail_detail.customer_service_help"))
        st.code(customer_service_text(detail.mail, view.lang), language=None, wrap_lines=True)


def _header(view: Page, detail: MailDetail) -> None:
    mail, lang = detail.mail, view.lang
    subject = str(mail.get("subject") or view.t("mail_detail.no_subject"))
    heading = shortened(subject)
    st.markdown(f"#### {md_escape(heading)}")
    if heading != " ".join(subject.split()):
        with st.expander(view.t("mail_detail.full_subject")):
            st.text(subject)
    since = view.t("mail_detail.status_since", when=when(mail.get("status_at"), lang))
    st.markdown(
        f"{status_badge_html(str(mail['status']), lang)}&nbsp;&nbsp;{html.escape(since)}",
        unsafe_allow_html=True,
    )
    lines = [
        ("from", mail.get("sender_email") or view.t("common.not_provided")),
        ("to", recipient_line(mail, lang)),
        ("context", context_line(mail, lang)),
        ("type", " · ".join([code_label("mail_type", mail.get("email_type"), lang),
                             code_label("provider", mail.get("provider"), lang)])),
        ("requested_at", when(mail.get("requested_at"), lang)),
        ("delivered_at", when(mail.get("delivered_at"), lang)),
        ("first_opened_at", when(mail.get("first_opened_at"), lang)),
        ("engagement", engagement_line(mail, lang)),
    ]  # fmt: skip
    reason = reason_line(mail, lang)
    if reason:
        lines.append(("reason", reason))
    if not detail.has_send_log:
        lines.append(("send_log", view.t("common.no_send_log")))
    rows = [(view.t(f"mail_detail.fact.{key}"), str(value)) for key, value in lines]
    st.markdown(facts_html(rows), unsafe_allow_html=True)
    identifiers = view.t("mail_detail.identifiers", send_id=detail.send_id,
                         message_id=mail.get("provider_message_id") or "—")  # fmt: skip
    small = "font-size:0.8rem;opacity:0.7;overflow-wrap:anywhere"
    st.markdown(f'<p style="{small}">{html.escape(identifiers)}</p>', unsafe_allow_html=True)


def _guidance(view: Page, detail: MailDetail) -> None:
    mail = detail.mail
    status = str(mail["status"])
    stuck = is_stuck(mail, settings().stuck_hours)
    explained = guidance(
        status, mail.get("bounce_category"), view.lang,
        stuck=stuck, machine_opens_only=machine_opens_only(mail),
        complained=bool(mail.get("complained")), unsubscribed=bool(mail.get("unsubscribed")),
    )  # fmt: skip
    body = (
        f"**{view.t('mail_detail.what_happened')}**  \n{md_escape(explained.what_happened)}\n\n"
        f"**{view.t('mail_detail.what_to_do')}**  \n{md_escape(explained.what_to_do)}"
    )
    address = str(mail.get("recipient_email") or "")
    if status in FAILED_STATUSES and address:
        body += _address_advice(view, address)
    box = st.warning if status in FAILED_STATUSES or stuck else st.info
    box(body, icon="💡")


def _address_advice(view: Page, address: str) -> str:
    """For a failed mail: why the address is malformed, and the likely intended one."""
    notes = []
    valid, problem = is_valid_address(address, view.lang)
    if not valid and problem:
        notes.append(problem)
    suggestion = suggest_address(address)
    if suggestion:
        notes.append(view.t("address.did_you_mean", suggestion=suggestion))
    return "".join(f"\n\n{md_escape(note)}" for note in notes)


def _mail_tab(view: Page, detail: MailDetail) -> None:
    if not detail.has_send_log:
        st.info(view.t("mail_detail.no_send_log"))
    elif detail.body_html:
        allowed = st.session_state.get(REMOTE_IMAGES_KEY) == detail.send_id
        rendered = render_mail(detail.body_html, load_remote_images=allowed, lang=view.lang)
        _remote_images_bar(view, detail.send_id, rendered, allowed)
        subject = detail.mail.get("subject") or view.t("mail_detail.no_subject")
        mail_frame(rendered.document, title=shortened(str(subject)))
        _links(view, rendered)
    elif detail.body_text:
        st.info(view.t("mail_detail.no_html"))
        st.text(detail.body_text)
    else:
        st.info(view.t("mail_detail.no_content"))


def _remote_images_bar(view: Page, send_id: str, rendered: RenderedMail, allowed: bool) -> None:
    """What was blocked, and the per-mail button to load remote images (or block them again).

    Tracking pixels stay blocked either way: showing one would record an open by the recipient.
    """
    images = rendered.remote_images - rendered.tracking_pixels
    button: str | None = None
    if allowed:
        notes = [view.t("mail_detail.images_loaded")]
        button, value = "mail_detail.block_images", None
    elif images or rendered.remote_styles:
        what = [view.t("mail_detail.blocked_images", count=images)] if images else []
        if rendered.remote_styles:
            what.append(view.t("mail_detail.blocked_styles", count=rendered.remote_styles))
        notes = [view.t("mail_detail.images_blocked", what=", ".join(what))]
        button, value = "mail_detail.load_images", send_id
    else:
        notes = [view.t("mail_detail.nothing_remote")]
    if rendered.tracking_pixels:
        notes.append(view.t("mail_detail.tracker_blocked"))
    left, right = st.columns([4, 1], vertical_alignment="center")
    left.caption("  \n".join(md_escape(note) for note in notes))
    if button:
        right.button(
            view.t(button), key=f"mail_detail::images::{send_id}", width="stretch",
            on_click=_set_remote_images, args=(value,), help=view.t(f"{button}_help"),
        )  # fmt: skip


def _set_remote_images(send_id: str | None) -> None:
    if send_id is None:
        st.session_state.pop(REMOTE_IMAGES_KEY, None)
    else:
        st.session_state[REMOTE_IMAGES_KEY] = send_id


def _links(view: Page, rendered: RenderedMail) -> None:
    if not rendered.links:
        return
    with st.expander(view.t("mail_detail.links", count=len(rendered.links))):
        st.caption(view.t("mail_detail.links_help"))
        st.dataframe(
            {view.t("mail_detail.link_text"): [link.text for link in rendered.links],
             view.t("mail_detail.link_url"): [link.url for link in rendered.links]},
            hide_index=True, width="stretch",
        )  # fmt: skip


def _text_tab(view: Page, detail: MailDetail) -> None:
    if not detail.has_send_log:
        st.info(view.t("mail_detail.no_send_log"))
    elif detail.body_text:
        st.code(detail.body_text, language=None, wrap_lines=True)
    else:
        st.info(view.t("mail_detail.no_text"))


def _timeline_tab(view: Page, detail: MailDetail) -> None:
    if detail.events.empty and not detail.has_send_log:
        st.info(view.t("mail_detail.no_events"))
        return
    zone = zone_name(view.settings.timezone, view.lang)
    st.caption(view.t("mail_detail.timeline_help", zone=zone))
    frame = timeline_frame(detail.events, view.lang, detail.mail)
    st.table(
        frame.rename(columns=timeline_headers(view.lang)), hide_index=True, border="horizontal"
    )
    if detail.events.empty:
        st.info(view.t("mail_detail.no_events"))
