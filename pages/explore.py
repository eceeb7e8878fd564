"""Explore & export: every mail, every filter (kept in the URL), how many match, the history grid
with the selected mail's detail, and the export of the whole filtered slice — the page's filters
and the grid's own column filters alike, so the file holds exactly the mails counted here."""

import streamlit as st

from pipeline.i18n.numbers import format_count
from pipeline.queries.history import count_mails
from ui.app.db import cached_query
from ui.app.shell import page
from ui.explore.export import export_buttons, large_export_notice
from ui.explore.filter_bar import mail_filter_bar
from ui.grid.mail_list import header_filters, mail_list
from ui.sessions.proof import session_proof_downloads

KEY = "explore"

view = page("nav.explore")
mail_filter = mail_filter_bar(view, KEY)
grid = header_filters(view, KEY)
count = cached_query(count_mails)(view.snapshot, mail_filter, grid)

left, right = st.columns([1, 3], vertical_alignment="bottom")
left.metric(view.t("explore.count"), format_count(count, view.lang))
with right:
    st.caption(view.t("explore.export.title", count=count))
    export_buttons(view, mail_filter, grid=grid, count=count, key=KEY)
large_export_notice(view, mail_filter, count)
if grid.is_filtered():
    st.caption(view.t("explore.export.with_column_filters"))
if count == 0:
    st.info(view.t("explore.no_match"))

if mail_filter.session_id:
    with st.expander(view.t("session_proof.heading"), expanded=True, icon=":material/verified:"):
        session_proof_downloads(view, mail_filter.session_id)

mail_list(view, mail_filter, key=KEY, show_session=True, pickers=False)
