"""Every mail, newest first, with its status."""

import streamlit as st

from pipeline.queries.history import latest_mails, status_counts
from ui.db import cached_query
from ui.shell import page

view = page("nav.mails")
counts = cached_query(status_counts)(view.snapshot)
for column, row in zip(st.columns(max(len(counts), 1)), counts.itertuples(), strict=False):
    column.metric(view.t(f"status.{row.status}"), f"{row.mails:,}".replace(",", " "))
st.dataframe(cached_query(latest_mails)(view.snapshot, 1000), width="stretch", hide_index=True)
