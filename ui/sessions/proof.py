"""The two download buttons of a session's proof of sending (XLSX workbook, printable HTML page).

Any page showing one session calls `session_proof_downloads(view, session_id)`. The documents
are built only when a button is clicked, from the page's pinned snapshot, in the page's language.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from pipeline.reports.session_proof.html import proof_html
from pipeline.reports.session_proof.model import (
    HTML_MIME,
    XLSX_MIME,
    load_session_proof,
    proof_file_name,
)
from pipeline.reports.session_proof.xlsx import proof_xlsx
from pipeline.store import SnapshotReader
from ui.app.db import reader
from ui.app.shell import Page


def session_proof_downloads(view: Page, session_id: str) -> None:
    """The proof of sending of `session_id`: its purpose in one line and two download buttons."""
    st.caption(view.t("session_proof.caption"))
    file_name = proof_file_name(session_id, view.lang, "xlsx")
    with st.container(horizontal=True, gap="small"):
        st.download_button(
            view.t("session_proof.download_xlsx"),
            data=_builder(reader(), view.snapshot, session_id, view.lang, "xlsx"),
            file_name=file_name, mime=XLSX_MIME, icon=":material/grid_on:",
            key=f"session_proof::{session_id}::xlsx", on_click="ignore",
        )  # fmt: skip
        st.download_button(
            view.t("session_proof.download_html"),
            data=_builder(reader(), view.snapshot, session_id, view.lang, "html"),
            file_name=file_name.removesuffix(".xlsx") + ".html", mime=HTML_MIME,
            icon=":material/print:", key=f"session_proof::{session_id}::html", on_click="ignore",
        )  # fmt: skip


def _builder(
    store: SnapshotReader, snapshot: str, session_id: str, lang: str, format_key: str
) -> Callable[[], bytes]:
    def build() -> bytes:
        with store.cursor(snapshot) as cur:
            proof = load_session_proof(cur, session_id, lang)
        return proof_xlsx(proof) if format_key == "xlsx" else proof_html(proof).encode("utf-8")

    return build
