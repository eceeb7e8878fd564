"""Test fixture app: the history grid over 5,000 synthetic mails in an in-memory DuckDB.

Run by tests/test_grid_browser.py with `streamlit run`; also handy by hand:
`PYTHONPATH=. streamlit run tests/apps/grid_app.py`. Query parameters: lang=fr|en,
session=0|1, limit=N. A "hide grid" toggle removes the grid for a run, as leaving the page
would, so that the browser test can check that a remounted grid restores its state.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import streamlit as st

TESTS = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(TESTS), str(TESTS.parent)]

from history_rows import STATUSES, create_history, synthetic_history  # noqa: E402

from pipeline.filters.grid_sql import (  # noqa: E402
    HISTORY_COLUMNS,
    GridFilterError,
    grid_order,
    grid_where,
    with_labels,
)
from ui.grid.history_grid import grid_state, history_grid  # noqa: E402
from ui.grid.text import kind_labels, type_labels  # noqa: E402
from ui.grid.text import status_labels as _status_labels  # noqa: E402

KEY = "history"
FIELDS = ("send_id, requested_at, email_type, recipient_name, recipient_email, "
          "recipient_kind, subject, status, attachment_count, session_name")  # fmt: skip


@st.cache_resource
def database() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    create_history(con, synthetic_history(5000))
    return con


st.set_page_config(page_title="Grid demo", layout="wide")
lang = st.radio("lang", ["fr", "en"], horizontal=True, key="lang",
               index=["fr", "en"].index(st.query_params.get("lang", "fr")))  # fmt: skip
show_session = st.query_params.get("session", "1") == "1"
limit = int(st.query_params.get("limit", "500"))
status_labels = _status_labels(lang)

st.session_state["runs"] = st.session_state.get("runs", 0) + 1
st.caption(f"run {st.session_state['runs']}")
statuses = st.multiselect(
    "Statuts", list(STATUSES), format_func=status_labels.__getitem__, key="statuses"
)
hide = st.toggle("hide grid", key="hide")
st.button("rerun")

if not hide:
    columns = with_labels(HISTORY_COLUMNS, {
        "status": status_labels,
        "email_type": type_labels(lang),
        "recipient_kind": kind_labels(lang),
    })  # fmt: skip
    state = grid_state(KEY)
    try:
        where, params = grid_where(state.filter_model, columns, selections={"status": statuses})
        order = grid_order(state.sort_model, columns)
    except GridFilterError as e:
        st.error(str(e))
        st.stop()
    cur = database().cursor()
    total = cur.execute(f"SELECT count(*) FROM mails WHERE {where}", params).fetchone()[0]
    rows = cur.execute(
        f"SELECT {FIELDS} FROM mails WHERE {where} ORDER BY {order} LIMIT ?",
        [*params, limit],
    ).df()
    result = history_grid(rows, key=KEY, lang=lang, show_session=show_session, total=total)
    st.markdown(f"selected: `{result.selected_send_id}`")
    st.markdown(f"first row: `{rows['send_id'].iloc[0] if len(rows) else None}`")
