"""The Failed sends page's two grouped tables — by bounce category, by recipient address — and
their selection: clicking a row focuses the page on that group (`category=` or `to=` in the
URL), which filters the mail grid below.

The display frames are pure functions (`category_table`, `address_table`) of the grouped
queries, the guidance and the support notes. The URL is the source of truth: a table's
selection only reports the user's clicks, and a table whose rows change starts again from the
URL's focus.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from typing import Literal
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from pipeline.i18n import format_datetime, labels
from pipeline.queries.failures import with_advice
from pipeline.support.notes import Note, is_handled
from ui.app.shell import Page
from ui.app.url_state import url_value
from ui.grid.text import status_labels

ADDRESS_PARAM, CATEGORY_PARAM, MAIL_PARAM = "to", "category", "mail"
HANDLED, FAILED_AGAIN = "✓", "↻"
_DATETIME_FORMATS = {"fr": "DD/MM/YYYY HH:mm", "en": "YYYY-MM-DD HH:mm"}


@st.cache_data(show_spinner=False, max_entries=64)
def advised(groups: pd.DataFrame, lang: str) -> pd.DataFrame:
    """`with_advice` for rows of failures_by_address or failures_by_category, cached."""
    status_column = "last_status" if "last_status" in groups.columns else "main_status"
    return with_advice(groups, lang, status_column)


def category_table(groups: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Rows of failures_by_category (with advice) as the page shows them."""
    categories, statuses = labels("bounce_category", lang), status_labels(lang)
    return pd.DataFrame(
        {
            "category": groups["bounce_category"].map(lambda c: categories.get(c, c)),
            "status": groups["main_status"].map(lambda s: statuses.get(s, s)),
            "mails": groups["mails"].astype("int64"),
            "addresses": groups["addresses"].astype("int64"),
            "last_failed_at": groups["last_failed_at"],
            "action": groups["action"],
        }
    )


def address_table(groups: pd.DataFrame, notes: Mapping[str, Note], lang: str) -> pd.DataFrame:
    """Rows of failures_by_address (with advice) as the page shows them, with each address's
    follow-up (handled, or failed again since its latest note) and a `handled` flag."""
    categories = labels("bounce_category", lang)
    other = categories["other"]
    handled = [
        is_handled(notes.get(email), last)
        for email, last in zip(groups["recipient_email"], groups["last_failed_at"], strict=True)
    ]
    follow_up = [
        _follow_up(notes.get(email), done)
        for email, done in zip(groups["recipient_email"], handled, strict=True)
    ]
    names = groups["recipient_name"]
    fixes = zip(groups["suggestion"], groups["address_problem"], strict=True)
    return pd.DataFrame(
        {
            "follow_up": follow_up,
            "recipient_email": groups["recipient_email"],
            "recipient": [n.strip() if isinstance(n, str) else "" for n in names],
            "mails": groups["mails"].astype("int64"),
            "last_failed_at": groups["last_failed_at"],
            "category": groups["bounce_category"].map(lambda c: categories.get(c, other)),
            "suggestion": [_fix_hint(fix, problem) for fix, problem in fixes],
            "handled": handled,
        }
    )


def category_picker(view: Page, table: pd.DataFrame, codes: list[str], *, generation: int) -> None:
    """The category table; a click focuses the page on that category."""
    _selectable(
        view, table, codes, param=CATEGORY_PARAM, key=f"failed_categories::{generation}",
        columns=_category_columns(view), height="auto",
    )  # fmt: skip


def address_picker(view: Page, table: pd.DataFrame, *, generation: int) -> None:
    """The address table; a click focuses the page on that address."""
    _selectable(
        view, table.drop(columns=["handled"]), table["recipient_email"].tolist(),
        param=ADDRESS_PARAM, key=f"failed_addresses::{generation}",
        columns=_address_columns(view), height=min(38 + 35 * max(len(table), 3), 420),
    )  # fmt: skip


def _selectable(
    view: Page, table: pd.DataFrame, values: list[str], *, param: str, key: str,
    columns: dict, height: int | Literal["auto"],
) -> None:  # fmt: skip
    """A single-row selectable table bound to the URL parameter `param` (one row per value).

    The widget key follows the rows, so new rows start from the URL's focus; a click that
    changes the selection writes it (and forgets the mail open below, from the old group).
    """
    key = f"{key}::{_digest(values)}"
    focus = url_value(param)
    default = [values.index(focus)] if focus in values else []
    event = st.dataframe(
        table, key=key, on_select="rerun", selection_mode="single-row", hide_index=True,
        column_config=columns, selection_default={"selection": {"rows": default}},
        height=height,
    )  # fmt: skip
    rows = list(event.selection.rows) if event is not None else []
    previous = st.session_state.get(key + "::rows", default)
    st.session_state[key + "::rows"] = rows
    if rows == previous:
        return
    chosen = values[rows[0]] if rows and rows[0] < len(values) else None
    if chosen != focus:
        if MAIL_PARAM in st.query_params:
            del st.query_params[MAIL_PARAM]
        if chosen is None:
            del st.query_params[param]
        else:
            st.query_params[param] = chosen
        st.rerun()  # the whole page, from its first query, follows the new focus


def _category_columns(view: Page) -> dict:
    c = st.column_config
    return {
        "category": c.TextColumn(view.t("failed.col.category"), width=300),
        "status": c.TextColumn(view.t("failed.col.status"), width=150),
        "mails": c.NumberColumn(view.t("failed.col.mails"), width=70),
        "addresses": c.NumberColumn(view.t("failed.col.addresses"), width=80),
        "last_failed_at": c.DatetimeColumn(
            view.t("failed.col.last_failed_at"), format=_DATETIME_FORMATS[view.lang], width=130
        ),
        "action": c.TextColumn(view.t("failed.col.action"), width=215),
    }


def _address_columns(view: Page) -> dict:
    c = st.column_config
    return {
        "follow_up": c.TextColumn(
            view.t("failed.col.follow_up"), width=75, help=view.t("failed.col.follow_up_help")
        ),
        "recipient_email": c.TextColumn(view.t("failed.col.address"), width=200),
        "recipient": c.TextColumn(view.t("failed.col.recipient"), width=130),
        "mails": c.NumberColumn(view.t("failed.col.failures"), width=60),
        "last_failed_at": c.DatetimeColumn(
            view.t("failed.col.last_failed_at"), format=_DATETIME_FORMATS[view.lang], width=125
        ),
        "category": c.TextColumn(view.t("failed.col.category"), width=195),
        "suggestion": c.TextColumn(view.t("failed.col.suggestion"), width=160),
    }


def _fix_hint(fix: object, problem: object) -> str:
    """ "→ @gmail.com" for a likely typo of a mailbox domain, else what is wrong, else nothing."""
    if isinstance(fix, str):
        return "→ @" + fix.rpartition("@")[2]
    return problem if isinstance(problem, str) else ""


def _follow_up(note: Note | None, handled: bool) -> str:
    """✓ when handled, ↻ when it failed again since its latest note, else nothing."""
    if note is None:
        return ""
    return HANDLED if handled else FAILED_AGAIN


def _digest(values: list[str]) -> str:
    return hashlib.sha1("\n".join(values).encode("utf-8")).hexdigest()[:12]


def local_time(moment: dt.datetime, lang: str, timezone: str) -> str:
    """An aware time as people read it, in the configured zone, without the zone's name."""
    return format_datetime(moment.astimezone(ZoneInfo(timezone)).replace(tzinfo=None), lang)
