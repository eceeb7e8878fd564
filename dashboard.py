"""Mailtrail's entry point: configures the app and routes to its pages. Nothing else."""

import streamlit as st

from pipeline.i18n import t
from ui.shell import language_switch

st.set_page_config(page_title="Mailtrail", page_icon="✉️", layout="wide")
lang = language_switch()

PAGES = [
    st.Page("pages/explore.py", title=t("nav.explore", lang), icon="🔎", url_path="explore"),
]

st.navigation(PAGES).run()
