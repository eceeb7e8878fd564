"""The mail list every support and analyst page shares: status and mail-type pickers above the
history grid, the grid itself (filtered and sorted in DuckDB), and the selected mail's detail
below it. The selected mail is kept in the URL (`mail=SEND_ID`) so that a link opens it again."""

from __future__ import annotations

import streamlit as st

from pipeline.errors import GridFilterError
from pipeline.filters.grid_query import GridQuery
from pipeline.filters.mail_filter import MailFilter
from pipeline.queries.history import count_mails, history_rows
from pipeline.rules.statuses import MAIL_TYPES, STATUS_KEYS
from ui.app.db import cached_query
from ui.app.shell import Page
from ui.grid.history_grid import grid_state, history_grid
from ui.grid.text import status_labels, type_labels
from ui.mail.detail import mail_detail

MAIL_PARAM = "mail"
GRID_ROW_LIMIT = 2000


def mail_list(
    view: Page,
    mail_filter: MailFilter,
    *,
    key: str,
    show_session: bool,
    pickers: bool = True,
    limit: int = GRID_ROW_LIMIT,
) -> str | None:
    """Show the mails of `mail_filter` in the history grid, and the selected one's detail.

    Returns the send_id of the mail shown in detail (selected in the grid, else named in the
    URL), or None. `key` must be unique on the page; it keeps the grid's state across reruns.
    """
    selections = _pickers(view, key) if pickers else {}
    state = grid_state(key)
    try:
        grid = GridQuery.from_grid(
            state.filter_model, state.sort_model, selections=selections, lang=view.lang
        ).check()
    except GridFilterError as e:
        st.warning(view.t("mail_list.bad_filter", problem=e))
        grid = GridQuery(lang=view.lang)
    total = cached_query(count_mails)(view.snapshot, mail_filter, grid)
    rows = cached_query(history_rows)(view.snapshot, mail_filter, grid, limit)
    state = history_grid(rows, key=key, lang=view.lang, show_session=show_session, total=total)
    send_id = _shown_mail(state.selected_send_id, key)
    if send_id:
        mail_detail(view, send_id)
    return send_id


def header_filters(view: Page, key: str) -> GridQuery:
    """The header filters the user set in the grid `key` (as mail_list will apply them in this
    run), so that a count or an export can match the grid exactly. An unfiltered query when
    there are none, or when they cannot be applied (mail_list says so)."""
    try:
        return GridQuery.from_grid(grid_state(key).filter_model, lang=view.lang).check()
    except GridFilterError:
        return GridQuery(lang=view.lang)


def _pickers(view: Page, key: str) -> dict[str, list[str]]:
    """The status and mail-type multi-selects (AG Grid's set filter is enterprise-only)."""
    statuses, types = status_labels(view.lang), type_labels(view.lang)
    left, right = st.columns(2)
    chosen_statuses = left.multiselect(
        view.t("mail_list.statuses"), list(STATUS_KEYS), format_func=statuses.__getitem__,
        placeholder=view.t("mail_list.all_statuses"), key=f"{key}::statuses",
    )  # fmt: skip
    chosen_types = right.multiselect(
        view.t("mail_list.types"), list(MAIL_TYPES), format_func=lambda c: types.get(c, c),
        placeholder=view.t("mail_list.all_types"), key=f"{key}::types",
    )  # fmt: skip
    return {"status": chosen_statuses, "email_type": chosen_types}


def _shown_mail(selected: str | None, key: str) -> str | None:
    """The grid's selection wins and is written to the URL; without one, the URL's mail.

    A selection the user has just cleared removes the mail from the URL too.
    """
    previous_key = f"{key}::previous_selection"
    previous = st.session_state.get(previous_key)
    st.session_state[previous_key] = selected
    if selected:
        if st.query_params.get(MAIL_PARAM) != selected:
            st.query_params[MAIL_PARAM] = selected
        return selected
    if previous and MAIL_PARAM in st.query_params:
        del st.query_params[MAIL_PARAM]
        return None
    return st.query_params.get(MAIL_PARAM) or None
