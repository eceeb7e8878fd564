"""Mailtrail's entry point: configures the app and routes to its pages. Nothing else."""

import streamlit as st

from pipeline.i18n import t
from ui.app.shell import language_switch

st.set_page_config(page_title="Mailtrail", page_icon="✉️", layout="wide")
lang = language_switch()


def landing() -> None:
    """The root URL opens the overview at its own address, keeping the URL's parameters."""
    st.switch_page("pages/overview.py", query_params=st.query_params.to_dict())


PAGES = [
    st.Page(
        landing, title=t("nav.overview", lang), url_path="home", default=True, visibility="hidden"
    ),
    st.Page(
        "pages/overview.py",
        title=t("nav.overview", lang),
        icon=":material/monitoring:",
        url_path="overview",
    ),
    st.Page(
        "pages/sessions.py",
        title=t("nav.sessions", lang),
        icon=":material/school:",
        url_path="sessions",
    ),
    st.Page(
        "pages/contacts.py",
        title=t("nav.contacts", lang),
        icon=":material/person_search:",
        url_path="contacts",
    ),
    st.Page(
        "pages/failed.py",
        title=t("nav.failed", lang),
        icon=":material/report:",
        url_path="failed",
    ),
    st.Page(
        "pages/explore.py",
        title=t("nav.explore", lang),
        icon=":material/manage_search:",
        url_path="explore",
    ),
    st.Page(
        "pages/data.py", title=t("nav.data", lang), icon=":material/database:", url_path="data"
    ),
]

st.navigation(PAGES).run()
