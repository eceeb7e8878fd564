"""Mailtrail's entry point: configures the app and routes to its pages. Nothing else."""

import streamlit as st

st.set_page_config(page_title="Mailtrail", page_icon="✉️", layout="wide")

PAGES = [
    st.Page("pages/mails.py", title="Mails", icon="✉️", url_path="mails", default=True),
]

st.navigation(PAGES).run()
