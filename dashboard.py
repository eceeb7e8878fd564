"""Mailtrail's entry point: configures the app and routes to its pages. Nothing else."""

import streamlit as st

from pipeline.i18n import t
from ui.shell import language_switch

st.set_page_config(page_title="Mailtrail", page_icon="✉️", layout="wide")
lang = language_switch()

PAGES = [
    st.Page("pages/sessions.py", title=t("nav.sessions", lang), icon="🎓", url_path="sessions"),
    st.Page("pages/contacts.py", title=t("nav.contacts", lang), icon="👤", url_path="contacts"),
    st.Page("pages/failed.py", title=t("nav.failed", lang), icon="⚠️", url_path="failed"),
    st.Page("pages/explore.py", title=t("nav.explore", lang), icon="🔎", url_path="explore"),
    st.Page("pages/data.py", title=t("nav.data", lang), icon="🗄️", url_path="data"),
]

st.navigation(PAGES).run()
