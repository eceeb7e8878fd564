"""The one history grid every Mailtrail page uses (streamlit-aggrid, community modules only).

The page filters and sorts in DuckDB: it reads the grid's last state with `grid_state(key)`,
makes a `pipeline.filters.grid_query.GridQuery` of it for the pipeline's queries to compile,
and hands the resulting rows to `history_grid`. The grid shows the user's header filters and
sort but never re-filters or re-sorts the rows itself, and returns only {filter model, sort
model, selected send_id} — never the rows. Its state is kept in session_state and restored
when the grid is remounted.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import streamlit as st
from st_aggrid import AgGrid, DataReturnMode

from pipeline.i18n import t as translate
from pipeline.rules.statuses import STATUS_COLOURS, STATUS_TEXT_COLOURS
from ui.grid import js as grid_js
from ui.grid import text as grid_text
from ui.grid.config import HEADER_HEIGHT, ROW_HEIGHT, GridState, grid_frame, grid_options
from ui.grid.text import Translate, count_line

__all__ = ["GridState", "component_key", "grid_state", "history_grid"]

UPDATE_ON = ["filterChanged", "sortChanged", "selectionChanged"]
_STATE_SUFFIX = "::state"
_RESTORE_SUFFIX = "::restore"
_MOUNTED_SUFFIX = "::mounted"


def grid_state(key: str, initial: GridState | None = None) -> GridState:
    """The grid's latest state, to read BEFORE querying the rows it will show.

    The browser's last return wins; else the state kept from an earlier run (the grid was
    remounted, e.g. after visiting another page); else `initial` (e.g. from the URL).
    """
    mounted = st.session_state.get(key + _MOUNTED_SUFFIX)
    latest = GridState.from_browser(st.session_state.get(mounted)) if mounted else None
    if latest is not None:
        return latest
    kept = st.session_state.get(key + _STATE_SUFFIX)
    return kept if isinstance(kept, GridState) else (initial or GridState())


def history_grid(
    rows: pd.DataFrame,
    *,
    key: str,
    lang: str,
    show_session: bool,
    total: int,
    height: int | None = None,
    t: Translate = translate,
    status_labels: Mapping[str, str] | None = None,
    status_colors: Mapping[str, str] | None = None,
    type_labels: Mapping[str, str] | None = None,
    kind_labels: Mapping[str, str] | None = None,
    initial: GridState | None = None,
) -> GridState:
    """Show `rows` (already filtered, sorted and limited by the page) and return the state.

    `rows` holds email_history columns: send_id, requested_at, email_type, recipient_name,
    recipient_email, recipient_kind, subject, status, attachment_count (and session_name, with
    opportunity_id for mails sent from a sales opportunity, when `show_session`). `total` is
    how many mails match the filters in all. Labels and colours default to the shared ones
    (translation table, pipeline.rules.statuses).
    """
    sorted_by_user = bool(grid_state(key, initial).sort_model)
    st.caption(count_line(total, len(rows), lang, t, user_sorted=sorted_by_user))
    frame = grid_frame(
        rows,
        status_labels=status_labels or grid_text.status_labels(lang),
        type_labels=type_labels or grid_text.type_labels(lang),
        kind_labels=kind_labels or grid_text.kind_labels(lang),
        show_session=show_session,
        opportunity_label=lambda o: t("grid.opportunity", lang, opportunity_id=o),
    )
    options = grid_options(
        lang=lang,
        show_session=show_session,
        t=t,
        status_colors=status_colors or STATUS_COLOURS,
        status_text_colors=STATUS_TEXT_COLOURS,
        restore=_restore_snapshot(key, component_key(key, lang), initial),
    )
    response = AgGrid(
        frame,  # a fresh frame: AgGrid rewrites the frame it is given
        gridOptions=options,
        height=height or default_height(len(frame)),
        data_return_mode=DataReturnMode.CUSTOM,
        custom_jscode_for_grid_return=grid_js.COLLECTOR,
        should_grid_return=grid_js.SHOULD_RETURN,
        update_on=UPDATE_ON,
        allow_unsafe_jscode=True,
        enable_enterprise_modules=False,
        show_toolbar=False,
        theme="streamlit",
        key=component_key(key, lang),
    )
    state = GridState.from_browser(response.raw_data) or grid_state(key, initial)
    st.session_state[key + _MOUNTED_SUFFIX] = component_key(key, lang)
    st.session_state[key + _STATE_SUFFIX] = state
    return state


def component_key(key: str, lang: str) -> str:
    """The AgGrid widget key: a new language mounts a new grid (AG Grid's own words, such as
    the filter menus, are fixed when it is created), which then restores the kept state."""
    return f"{key}::{lang}"


def _restore_snapshot(key: str, component: str, initial: GridState | None) -> GridState:
    """The state a newly mounted grid starts from, frozen while that grid stays mounted.

    While the browser has returned a value (session_state[component] set) the grid is mounted and
    holds its own state; changing gridOptions then would only make AG Grid re-apply options.
    Streamlit forgets the value when the grid leaves the page, so the next mount takes a new
    snapshot of the kept state.
    """
    snapshot_key = key + _RESTORE_SUFFIX
    if st.session_state.get(component) is None or snapshot_key not in st.session_state:
        st.session_state[snapshot_key] = grid_state(key, initial)
    return st.session_state[snapshot_key]


def default_height(n_rows: int) -> int:
    """Tall enough for about 15 rows, shorter when there are fewer, never a sliver."""
    wanted = 2 * HEADER_HEIGHT + ROW_HEIGHT * max(n_rows, 3) + 18
    return max(220, min(wanted, 2 * HEADER_HEIGHT + ROW_HEIGHT * 15 + 18))
