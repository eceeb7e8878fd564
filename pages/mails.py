"""Every mail, newest first, with its status."""

import streamlit as st

from pipeline.queries.history import history_rows, status_counts
from pipeline.queries.mail_filter import MailFilter
from ui.db import cached_query
from ui.shell import page

view = page("nav.mails")
everything = MailFilter()
counts = cached_query(status_counts)(view.snapshot, everything)
for column, row in zip(st.columns(max(len(counts), 1)), counts.itertuples(), strict=False):
    column.metric(view.t(f"status.{row.status}"), f"{row.mails:,}".replace(",", " "))
st.dataframe(
    cached_query(history_rows)(view.snapshot, everything, None, limit=1000),
    width="stretch",
    hide_index=True,
)
