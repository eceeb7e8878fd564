"""Sessions: find a session, see what became of its mails, open any one of them.

`/sessions?session=ID` opens a session; `&mail=SEND_ID` also opens that mail's detail.
"""

import streamlit as st

from pipeline.filters.mail_filter import MailFilter
from pipeline.i18n import format_datetime
from pipeline.i18n.numbers import format_count
from pipeline.queries.history import status_counts
from pipeline.queries.sessions import (
    MAX_SESSIONS,
    session_list,
    session_summary,
    type_status_counts,
)
from ui.app.db import cached_query
from ui.app.figures import status_tiles, type_status_chart
from ui.app.shell import page
from ui.app.url_state import url_value
from ui.grid.mail_list import mail_list
from ui.sessions.picker import PARAM, session_picker, session_search
from ui.sessions.proof import session_proof_downloads

view = page("nav.sessions")
linked = url_value(PARAM)  # a link's session is offered wherever it ranks
sessions = cached_query(session_list)(view.snapshot, None, MAX_SESSIONS, linked)
if sessions.empty:
    st.info(view.t("sessions.none"))
    st.stop()
sessions = session_search(view, sessions, linked)

session_id = session_picker(view, sessions)
if session_id is None:
    st.caption(view.t("sessions.hint"))
    st.stop()

summary = cached_query(session_summary)(view.snapshot, session_id)
if summary is None:  # the picker offers only this snapshot's sessions; kept for type safety
    st.warning(view.t("sessions.unknown", id=session_id))
    st.stop()
mails = MailFilter(session_id=session_id)
st.caption(
    view.t(
        "sessions.summary",
        id=session_id,
        mails=format_count(summary["mails"], view.lang),
        recipients=format_count(summary["recipients"], view.lang),
        first=format_datetime(summary["first_mail_at"].date(), view.lang),
        last=format_datetime(summary["last_mail_at"].date(), view.lang),
    )
)
counts = cached_query(status_counts)(view.snapshot, mails)
by_status, by_type = st.columns([1, 1], gap="large")
with by_status:
    status_tiles(view, dict(zip(counts["status"], counts["mails"], strict=True)))
with by_type:
    st.caption(view.t("sessions.by_type"))
    type_status_chart(
        view, cached_query(type_status_counts)(view.snapshot, mails), key="session_types"
    )
session_proof_downloads(view, session_id)

mail_list(view, mails, key="session_mails", show_session=False)
