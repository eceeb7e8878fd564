"""The mail detail panel shown below a history grid: what the mail was and what became of it."""

from __future__ import annotations

import streamlit as st

from ui.shell import Page


def mail_detail(view: Page, send_id: str) -> None:
    """Show the mail `send_id` (interim: its identifier; the full panel comes with issue 5)."""
    st.subheader(view.t("mail_detail.title"))
    st.code(send_id, language=None)
