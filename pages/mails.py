"""Every mail, newest first, with its status."""

import streamlit as st

from pipeline.queries.history import latest_mails, status_counts
from ui.db import cached_query, snapshot_id

snapshot = snapshot_id()
st.title("Mails")
counts = cached_query(status_counts)(snapshot)
for column, row in zip(st.columns(max(len(counts), 1)), counts.itertuples(), strict=False):
    column.metric(row.status, f"{row.mails:,}".replace(",", " "))
st.dataframe(cached_query(latest_mails)(snapshot, 1000), use_container_width=True, hide_index=True)
