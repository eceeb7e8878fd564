"""Data: import files, and see how healthy the data is — freshness per provider, mails still
requested, the import history and every refused record."""

import streamlit as st

from ui.app.shell import page
from ui.data.health import freshness_section, stuck_section
from ui.data.history import rejects_section, runs_section
from ui.data.upload import upload_and_ingest

view = page("nav.data", require_store=False)
st.caption(view.t("data.intro"))
upload_and_ingest(view)
if view.snapshot:
    st.divider()
    freshness_section(view)
    st.divider()
    stuck_section(view)
    st.divider()
    runs_section(view)
    st.divider()
    rejects_section(view)
