"""A period (first and last day, both included) chosen in a calendar and kept in the URL
(`start=`, `end=`), so that a pasted link shows the same period even after new data arrives."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from ui.app.shell import Page
from ui.app.url_state import url_value

START, END = "start", "end"
_FORMATS = {"fr": "DD/MM/YYYY", "en": "YYYY-MM-DD"}
Period = tuple[dt.date, dt.date]


def period_picker(view: Page, *, key: str, default: Period, label: str) -> Period:
    """Draw the date range input; return the chosen period (the last complete one while the
    user has picked only its first day)."""
    _adopt(key, default, view.lang)
    chosen = st.date_input(
        label, key=key, format=_FORMATS.get(view.lang, "YYYY-MM-DD"), persist_state="session"
    )
    period = _complete(chosen) or st.session_state.get(key + "::period") or default
    st.session_state[key + "::period"] = period
    st.session_state[key + "::url_seen"] = period
    if (url_value(START), url_value(END)) != (period[0].isoformat(), period[1].isoformat()):
        st.query_params[START], st.query_params[END] = period[0].isoformat(), period[1].isoformat()
    return period


def period_from_url() -> Period | None:
    """The period the URL names, when both ends are readable dates in order."""
    try:
        start = dt.date.fromisoformat(url_value(START) or "")
        end = dt.date.fromisoformat(url_value(END) or "")
    except ValueError:
        return None
    return (start, end) if start <= end else None


def _adopt(key: str, default: Period, lang: str) -> None:
    """Before drawing: a new URL period wins; else keep the widget's value; else the default.
    A language switch changes the calendar's format, which resets Streamlit's widget: the
    period chosen so far is put back."""
    linked = period_from_url()
    if linked is not None and linked != st.session_state.get(key + "::url_seen"):
        st.session_state[key] = linked
    elif st.session_state.get(key + "::lang") != lang and key + "::period" in st.session_state:
        st.session_state[key] = st.session_state[key + "::period"]
    elif key not in st.session_state:
        st.session_state[key] = default
    st.session_state[key + "::lang"] = lang


def _complete(value: object) -> Period | None:
    if isinstance(value, tuple | list) and len(value) == 2 and all(value):
        start, end = value
        return (start, end) if start <= end else (end, start)
    return None
