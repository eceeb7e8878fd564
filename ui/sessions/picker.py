"""The Sessions page's picker: every session in one searchable list, kept in the URL (`session=`).

Typing in the list searches the whole label — course title, mode, place, start date (the
platform puts them in the session's name) and the session's ID — so finding one among hundreds
takes a few keystrokes. A link naming only a mail (`?mail=SEND_ID`) opens that mail's session.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pipeline.i18n.numbers import format_count
from pipeline.queries.sessions import session_list, session_of_mail
from ui.app.db import cached_query
from ui.app.shell import Page
from ui.app.url_state import adopt_url_value, publish, url_value

KEY = "session_pick"
PARAM = "session"
MAIL_PARAM = "mail"


def session_picker(view: Page, sessions: pd.DataFrame) -> str | None:
    """Draw the picker over `sessions` (rows of session_list); return the chosen session_id."""
    ids = sessions["session_id"].tolist()
    _session_from_mail(view)
    wanted = adopt_url_value(KEY, PARAM, set(ids))
    labels = session_labels(sessions, view)
    chosen = st.selectbox(
        view.t("sessions.pick"),
        ids,
        index=None,
        format_func=lambda session_id: labels.get(session_id, session_id),
        placeholder=view.t("sessions.pick_placeholder", count=len(ids)),
        key=KEY,
        persist_state="session",
    )
    if wanted and wanted not in labels and chosen is None:
        st.warning(view.t("sessions.unknown", id=wanted))
        return None
    publish(KEY, PARAM, chosen, drops=(MAIL_PARAM,))
    return chosen


def session_search(view: Page, sessions: pd.DataFrame, linked: str | None) -> pd.DataFrame:
    """With more sessions than the list holds (session_list's cap), a search box over all of
    them, run in the database; the sessions to offer: those found, else the most recent."""
    total = int(sessions["matches"].iloc[0])
    if total <= len(sessions):
        return sessions
    text = st.text_input(
        view.t("sessions.search"),
        key=f"{KEY}::search",
        max_chars=100,
        placeholder=view.t("sessions.search_placeholder", count=format_count(total, view.lang)),
    ).strip()
    if not text:
        st.caption(view.t("sessions.recent_only", shown=format_count(len(sessions), view.lang)))
        return sessions
    found = cached_query(session_list)(view.snapshot, text, len(sessions), linked)
    if found.empty:
        st.warning(view.t("sessions.search_none", text=text))
        return sessions
    return found


def session_labels(sessions: pd.DataFrame, view: Page) -> dict[str, str]:
    """What each session reads as in the list: its name, its figures and its ID."""
    out: dict[str, str] = {}
    for row in sessions.itertuples(index=False):
        name = row.session_name if isinstance(row.session_name, str) and row.session_name else None
        figures = view.t(
            "sessions.option_figures" if row.failures else "sessions.option_figures_no_failure",
            count=int(row.mails),
            failures=format_count(int(row.failures), view.lang),
        )
        head = f"{name} · {row.session_id}" if name else row.session_id
        out[row.session_id] = f"{head} — {figures}"
    return out


def _session_from_mail(view: Page) -> None:
    """A link with a mail but no session opens the mail's session."""
    send_id = url_value(MAIL_PARAM)
    if url_value(PARAM) is None and send_id and st.session_state.get(KEY) is None:
        found = cached_query(session_of_mail)(view.snapshot, send_id)
        if found:
            st.query_params[PARAM] = found
