"""The panel of the failed address the page is focused on: why it failed (in words, then the
server's own reply), the likely correct address, what to do — and support's notes on it, with
the form that marks it handled.

Notes go to their own SQLite file (pipeline.support.notes), never to the DuckDB store.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import streamlit as st

from pipeline.i18n import labels
from pipeline.i18n.numbers import format_count
from pipeline.support.notes import (
    MAX_AUTHOR,
    MAX_NOTE,
    Note,
    NotesError,
    add_note,
    delete_note,
    is_handled,
)
from ui.app.shell import Page
from ui.failed.tables import local_time
from ui.grid.text import kind_labels, status_labels

AUTHOR_KEY = "support_author"
FLASH_KEY = "failed_flash"
MAIL_PARAM = "mail"


def address_focus(
    view: Page,
    address: str,
    group: Mapping[str, Any] | None,
    notes: list[Note],
    notes_path: Path,
) -> None:
    """Draw the panel of `address`; `group` is its row of failures_by_address (with advice),
    None when it did not fail in the period; `notes` are its notes, the latest first."""
    with st.container(border=True):
        st.markdown(f"#### ✉️ `{address}`")
        if group is not None:
            _who(view, group)
        facts, follow_up = st.columns([3, 2], gap="large")
        with facts:
            if group is None:
                st.caption(view.t("failed.not_in_period"))
            else:
                _why_and_what_to_do(view, group)
        with follow_up:
            _notes(view, notes, group, notes_path)
            _note_form(view, address, group, notes_path)


def show_flash() -> None:
    """The confirmation of the last note saved (kept across the rerun that shows it)."""
    flash = st.session_state.pop(FLASH_KEY, None)
    if flash:
        kind, message = flash
        (st.error if kind == "error" else st.success)(message)


def _who(view: Page, group: Mapping[str, Any]) -> None:
    kinds = kind_labels(view.lang)
    parts = [str(group["recipient_name"])] if _text(group.get("recipient_name")) else []
    kind = group.get("recipient_kind")
    if _text(kind):
        parts.append(kinds.get(str(kind), str(kind)))
    contact = group.get("contact_id")
    line = " · ".join(parts)
    if _text(contact):
        query = urlencode({"contact": contact, "kind": kind or "", "lang": view.lang})
        line += f" · [{view.t('failed.open_contact')}](contacts?{query})"
    if line:
        st.markdown(line)


def _why_and_what_to_do(view: Page, group: Mapping[str, Any]) -> None:
    categories, statuses = labels("bounce_category", view.lang), status_labels(view.lang)
    category = categories.get(str(group["bounce_category"]), categories["other"])
    st.markdown(
        view.t(
            "failed.focus_summary",
            category=category,
            status=statuses.get(str(group["last_status"]), str(group["last_status"])),
            count=format_count(int(group["mails"]), view.lang),
            when=local_time(group["last_failed_at"], view.lang, view.settings.timezone),
        )
    )
    if _text(group.get("suggestion")):
        st.warning(view.t("address.did_you_mean", suggestion=f"`{group['suggestion']}`"), icon="✏️")
    elif _text(group.get("address_problem")):
        st.warning(str(group["address_problem"]), icon="✏️")
    if _text(group.get("last_reason")):
        st.caption(view.t("failed.server_reply"))
        st.code(str(group["last_reason"]), language=None, wrap_lines=True)
    st.info(f"{group['action']} {view.t('guidance.persists')}", icon="🛠️")
    st.button(
        view.t("failed.open_last_mail"), key=f"open_last::{group['recipient_email']}",
        on_click=_open_mail, args=(str(group["last_send_id"]),), icon="🔎",
    )  # fmt: skip


def _notes(view: Page, notes: list[Note], group: Mapping[str, Any] | None, path: Path) -> None:
    st.markdown(f"**{view.t('failed.notes_title')}**")
    if not notes:
        st.caption(view.t("failed.no_note"))
        return
    last_failed = group["last_failed_at"] if group is not None else None
    if not is_handled(notes[0], last_failed):  # type: ignore[arg-type]
        st.warning(view.t("failed.failed_again_long"), icon="↻")
    for note in notes:
        text, undo = st.columns([6, 1], vertical_alignment="center")
        with text:
            st.html(note_html(view, note))
        undo.button(
            "✕", key=f"delete_note::{note.note_id}", help=view.t("failed.delete_note"),
            on_click=_delete, args=(path, note.note_id, view.t("failed.note_deleted")),
            type="tertiary",
        )  # fmt: skip


def note_html(view: Page, note: Note) -> str:
    """One note as support wrote it: shown literally (no Markdown, no links), author in bold."""
    when = local_time(note.written_at, view.lang, view.settings.timezone)
    line = view.t(
        "failed.note_line",
        author=f"<b>{html.escape(note.author)}</b>",
        when=html.escape(when),
        note=html.escape(note.note).replace("\n", "<br>"),
    )
    return f'<div class="mt-note" style="line-height:1.45">{line}</div>'


def _note_form(view: Page, address: str, group: Mapping[str, Any] | None, path: Path) -> None:
    with st.form(f"handled_note::{address}", clear_on_submit=True, border=False):
        author = st.text_input(
            view.t("failed.note_author"), value=st.session_state.get(AUTHOR_KEY, ""),
            max_chars=MAX_AUTHOR, placeholder=view.t("failed.note_author_placeholder"),
        )  # fmt: skip
        text = st.text_area(
            view.t("failed.note_text"), max_chars=MAX_NOTE, height=80,
            placeholder=view.t("failed.note_placeholder"),
        )  # fmt: skip
        submitted = st.form_submit_button(view.t("failed.mark_handled"), type="primary", icon="✅")
    if not submitted:
        return
    if not author.strip() or not text.strip():
        st.warning(view.t("failed.note_missing"))
        return
    send_id = str(group["last_send_id"]) if group is not None else None
    try:
        add_note(path, address, author, text, send_id=send_id)
    except NotesError as e:
        st.error(view.t("failed.note_error", problem=e))
        return
    st.session_state[AUTHOR_KEY] = author.strip()
    st.session_state[FLASH_KEY] = ("success", view.t("failed.note_saved", address=address))
    st.rerun()


def _delete(path: Path, note_id: int, message: str) -> None:
    try:
        delete_note(path, note_id)
    except NotesError as e:
        st.session_state[FLASH_KEY] = ("error", str(e))
        return
    st.session_state[FLASH_KEY] = ("success", message)


def _open_mail(send_id: str) -> None:
    st.query_params[MAIL_PARAM] = send_id


def _text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())
