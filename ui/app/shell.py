"""The frame every page shares: language (switch in the sidebar, kept in the URL), the snapshot the
page reads, and the translation of store errors into a message instead of a traceback."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st

from pipeline.errors import StoreError
from pipeline.i18n import LANGUAGES, t
from pipeline.settings import Settings
from ui.app.db import settings, snapshot_id

_LANG_KEY = "lang"
_SWITCH_KEY = "language_switch"
_LANGUAGE_NAMES = {"fr": "Français", "en": "English"}


@dataclass(frozen=True)
class Page:
    """What a page needs to render: its language, pinned snapshot and settings."""

    lang: str
    snapshot: str
    settings: Settings

    def t(self, key: str, **params: Any) -> str:
        return t(key, self.lang, **params)


def current_language() -> str:
    """The language asked for in the URL, else chosen earlier in this session, else the default."""
    wanted = st.query_params.get(_LANG_KEY) or st.session_state.get(_LANG_KEY)
    return wanted if wanted in LANGUAGES else settings().language


def language_switch() -> str:
    """The sidebar switch; the choice is kept in the session and written into the URL."""
    just_chosen = st.session_state.get(_SWITCH_KEY)  # a click is in the state before the rerun
    lang = just_chosen if just_chosen in LANGUAGES else current_language()
    chosen = st.sidebar.segmented_control(
        t("app.language", lang),
        options=list(LANGUAGES),
        format_func=lambda code: _LANGUAGE_NAMES[code],
        default=lang,
        key=_SWITCH_KEY,
    )
    lang = chosen or lang
    st.session_state[_LANG_KEY] = lang
    if st.query_params.get(_LANG_KEY) != lang:
        st.query_params[_LANG_KEY] = lang
    return lang


def _run_through_the_entry_point() -> None:
    """Streamlit starts every server in its old "pages/ directory" mode until some run calls
    st.navigation: if a fresh server's first visitor opens a deep link (/sessions?session=…),
    it runs that page script alone, without dashboard.py (no language switch, no page list).
    Leave that mode and rerun, so the entry point routes the same URL. (A Streamlit internal:
    tests/test_support_browser.py opens a fresh server by deep link and fails if this breaks.)"""
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def page(title_key: str, *, require_store: bool = True) -> Page:
    """Start a page: title, language, snapshot; stops with a message when there is no data.

    A page that can work without a database yet (the Data page, which creates it by importing
    files) passes `require_store=False` and gets an empty `snapshot` when there is none.
    """
    _run_through_the_entry_point()
    lang = current_language()
    st.title(t(title_key, lang))
    path = settings().db_path
    if not require_store and not path.exists():
        return Page(lang=lang, snapshot="", settings=settings())
    try:
        snapshot = snapshot_id()
    except StoreError as e:
        if not path.exists():
            st.info(t("app.no_database", lang, path=path))
        else:
            st.error(t("app.store_error", lang, problem=e))
        st.stop()
    return Page(lang=lang, snapshot=snapshot, settings=settings())
