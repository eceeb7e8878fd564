"""The detail panel's attachments tab: each file's name, type and size, a download button, and for
PDFs an inline preview of the first pages rendered to images (no browser PDF viewer needed).

Files are read only through pipeline.mail.attachments, which refuses paths leaving the attachments
folder; a missing or refused file gets a clear message instead of a button.
"""

from __future__ import annotations

import hashlib
from functools import partial
from pathlib import Path

import streamlit as st

from pipeline.mail.attachments import (
    Attachment,
    AttachmentError,
    PdfPages,
    attachment_file,
    human_size,
    pdf_pages,
    read_attachment,
)
from pipeline.queries.mail_detail import MailDetail
from ui.app.shell import Page
from ui.mail.facts import md_escape

PREVIEW_PAGES = 10
PREVIEW_WIDTH_PX = 1000


def attachments_tab(view: Page, detail: MailDetail) -> None:
    """One bordered row per attachment, in the send log's order."""
    if not detail.attachments:
        st.info(view.t("attachment.none"))
        return
    for index, attachment in enumerate(detail.attachments):
        with st.container(border=True):
            _attachment(view, attachment, key=f"mail_detail::attachment::{detail.send_id}::{index}")


def _attachment(view: Page, attachment: Attachment, *, key: str) -> None:
    root = view.settings.attachments_dir
    name, actions = st.columns([3, 2], vertical_alignment="center")
    name.markdown(f"📎 **{md_escape(attachment.filename)}**")
    described = [attachment.content_type or view.t("attachment.unknown_type")]
    if attachment.size_bytes is not None:
        described.append(human_size(attachment.size_bytes, view.lang))
    name.caption(md_escape(" · ".join(described)))
    try:
        path = attachment_file(root, attachment.path)
    except AttachmentError as e:
        name.warning(_problem(view, e.reason, attachment))
        return
    size = path.stat().st_size
    if attachment.size_bytes is not None and size != attachment.size_bytes:
        sent, found = human_size(attachment.size_bytes, view.lang), human_size(size, view.lang)
        name.warning(view.t("attachment.size_differs", sent=sent, found=found))
    download, preview = actions.columns(2)
    download.download_button(
        view.t("attachment.download"), data=partial(read_attachment, root, attachment.path),
        file_name=attachment.filename, mime=attachment.content_type or "application/octet-stream",
        key=f"{key}::download", icon=":material/download:", on_click="ignore", width="stretch",
    )  # fmt: skip
    if not attachment.is_pdf:
        return
    shown = preview.toggle(view.t("attachment.preview"), key=f"{key}::preview")
    if shown:
        _pdf_preview(view, attachment, str(root), path.stat().st_mtime_ns)


def _problem(view: Page, reason: str, attachment: Attachment) -> str:
    """Why the file cannot be shown, its path as written (Markdown would turn `..\\..\\x` into
    `....\\x`) and the attachments folder by its name, not by its place on the server."""
    path = md_escape(attachment.path or "—")
    folder = md_escape(view.settings.attachments_dir.name or "—")
    return view.t(f"attachment.problem.{reason}", path=path, folder=folder)


def _pdf_preview(view: Page, attachment: Attachment, root: str, mtime_ns: int) -> None:
    try:
        pages, digest = _rendered_pdf(root, attachment.path or "", mtime_ns)
    except AttachmentError as e:
        st.warning(_problem(view, e.reason, attachment))
        return
    if attachment.sha256 and digest != attachment.sha256.lower():
        st.warning(view.t("attachment.content_differs"))
    if pages.page_count > len(pages.images):
        st.caption(
            view.t("attachment.pages_shown", shown=len(pages.images), total=pages.page_count)
        )
    else:
        st.caption(view.t("attachment.pages", count=pages.page_count))
    left, _ = st.columns([3, 1])
    for number, image in enumerate(pages.images, start=1):
        with left.container(border=True):  # a white page needs its edges drawn
            st.image(image, caption=view.t("attachment.page", number=number), width="stretch")


@st.cache_data(show_spinner=False, max_entries=32)
def _rendered_pdf(root: str, relative: str, mtime_ns: int) -> tuple[PdfPages, str]:
    """The PDF's first pages as PNG and its sha256; keyed by modification time so that a replaced
    file is rendered again."""
    data = read_attachment(Path(root), relative)
    return pdf_pages(data, max_pages=PREVIEW_PAGES, width_px=PREVIEW_WIDTH_PX), hashlib.sha256(
        data
    ).hexdigest()
