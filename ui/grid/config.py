"""What the history grid is given: its display frame, its AG Grid options, its state type.

Pure functions, no Streamlit calls: the display frame turns email_history rows into labelled,
Paris-time cells; the options configure columns, floating filters that never filter in the
browser, sorting that keeps the server's order, single-row selection and the restored state.
Only AG Grid community features are used.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ui.grid import js as grid_js
from ui.grid.text import Translate, ag_grid_locale, filter_option_names

PARIS = "Europe/Paris"
ROW_HEIGHT = 34
HEADER_HEIGHT = 36
TEXT_OPTIONS = ("contains", "notContains", "equals", "notEqual", "startsWith", "endsWith")
DATE_OPTIONS = ("equals", "notEqual", "lessThan", "greaterThan", "inRange")
NUMBER_OPTIONS = ("equals", "notEqual", "greaterThan", "greaterThanOrEqual", "lessThan",
                  "lessThanOrEqual", "inRange")  # fmt: skip


@dataclass(frozen=True)
class GridState:
    """What the user did in the grid: header filters, sort, and the selected mail."""

    filter_model: dict[str, Any] = field(default_factory=dict)
    sort_model: list[dict[str, str]] = field(default_factory=list)
    selected_send_id: str | None = None

    @classmethod
    def from_browser(cls, value: Any) -> GridState | None:
        """The state from the grid's collector payload; None when there is none yet."""
        if not isinstance(value, Mapping):
            return None
        filters, sort, selected = (
            value.get("filterModel"), value.get("sortModel"), value.get("selectedId"))  # fmt: skip
        return cls(
            filter_model=dict(filters) if isinstance(filters, Mapping) else {},
            sort_model=[dict(s) for s in sort if isinstance(s, Mapping)]
            if isinstance(sort, list)
            else [],
            selected_send_id=selected if isinstance(selected, str) else None,
        )

    def to_browser(self) -> dict[str, Any]:
        """The collector's payload shape, for restoring and comparing in the browser."""
        return {"filterModel": self.filter_model, "sortModel": self.sort_model,
                "selectedId": self.selected_send_id}  # fmt: skip


def grid_frame(
    rows: pd.DataFrame,
    *,
    status_labels: Mapping[str, str],
    type_labels: Mapping[str, str],
    kind_labels: Mapping[str, str],
    show_session: bool,
    opportunity_label: Callable[[str], str] = str,
) -> pd.DataFrame:
    """The display frame the grid receives: labels, Paris times, codes kept for colours.

    On cross-session views a mail sent from a sales opportunity (no session) shows
    `opportunity_label(opportunity_id)` in the session column."""
    rows = rows.reset_index(drop=True)
    when = pd.to_datetime(rows["requested_at"], utc=True).dt.tz_convert(PARIS)
    frame = pd.DataFrame(
        {
            "send_id": rows["send_id"].astype("string"),
            "requested_at": when.dt.strftime("%d/%m/%Y %H:%M").astype("string"),
            "email_type": _labelled(rows["email_type"], type_labels),
            "recipient": _recipient_text(rows),
            "recipient_name": rows["recipient_name"].astype("string"),
            "recipient_email": rows["recipient_email"].astype("string"),
            "recipient_kind": _labelled(rows["recipient_kind"], kind_labels),
            "subject": rows["subject"].astype("string"),
            "status": _labelled(rows["status"], status_labels),
            "status_code": rows["status"].astype("string"),
            "attachment_count": rows["attachment_count"].fillna(0).astype("int64"),
        },
        index=pd.RangeIndex(len(rows)),
    )
    if show_session:
        frame["session_name"] = _session_text(rows, opportunity_label).to_numpy()
    return frame.fillna("") if len(frame) else frame


def _labelled(codes: pd.Series, labels: Mapping[str, str]) -> pd.Series:
    codes = codes.astype("string")
    return codes.map(lambda c: labels.get(c, c) if isinstance(c, str) else c).astype("string")


def _session_text(rows: pd.DataFrame, opportunity_label: Callable[[str], str]) -> pd.Series:
    session = rows["session_name"].astype("string")
    if "opportunity_id" not in rows:
        return session
    opportunity = rows["opportunity_id"].astype("string")
    labelled = opportunity.map(lambda o: opportunity_label(o) if isinstance(o, str) else o).astype(
        "string"
    )
    return session.where(session.notna() & (session != ""), labelled)


def _recipient_text(rows: pd.DataFrame) -> pd.Series:
    name = rows["recipient_name"].astype("string").str.strip().fillna("")
    email = rows["recipient_email"].astype("string").fillna("")
    return (name + " <" + email + ">").where(name != "", email).astype("string")


def grid_options(
    *,
    lang: str,
    show_session: bool,
    t: Translate,
    status_colors: Mapping[str, str],
    restore: GridState,
    status_text_colors: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """AG Grid options: columns, server-side filtering and sorting, restored state."""
    names = filter_option_names(lang)

    def header(field_name: str) -> str:
        return t(f"grid.col.{field_name}", lang)

    text_filter = _filter("agTextColumnFilter", TEXT_OPTIONS, names)
    # Minimum widths add up to ~950 px with the session column: the whole grid fits beside the
    # sidebar at 1440 px, so no column (the paperclip, the session) hides behind a scrollbar.
    columns: list[dict[str, Any]] = [
        {"field": "requested_at", "headerName": header("requested_at"), "width": 130,
         "filter": "agDateColumnFilter",
         "filterParams": {**_filter_params(DATE_OPTIONS, names, date=True),
                          "minValidYear": 1900, "maxValidYear": 9998}},
        {"field": "email_type", "headerName": header("email_type"), "width": 108,
         "tooltipField": "email_type", **text_filter},
        {"field": "recipient", "headerName": header("recipient"), "flex": 2, "minWidth": 160,
         "cellRenderer": grid_js.RECIPIENT_RENDERER, "tooltipField": "recipient",
         **text_filter},
        {"field": "recipient_kind", "headerName": header("recipient_kind"), "width": 88,
         **text_filter},
        {"field": "subject", "headerName": header("subject"), "flex": 2, "minWidth": 130,
         "tooltipField": "subject", **text_filter},
        {"field": "status", "headerName": header("status"), "width": 160,
         "cellRenderer": grid_js.status_badge_renderer(status_colors, status_text_colors),
         **text_filter},
        {"field": "attachment_count", "headerName": header("attachment_count"), "width": 60,
         "headerTooltip": t("grid.col.attachment_tip", lang),
         "valueFormatter": grid_js.ATTACHMENT_FORMATTER, "cellStyle": {"textAlign": "center"},
         "filter": "agNumberColumnFilter",
         "filterParams": _filter_params(NUMBER_OPTIONS, names)},
    ]  # fmt: skip
    if show_session:
        columns.append({"field": "session_name", "headerName": header("session_name"),
                        "flex": 1.5, "minWidth": 120, "tooltipField": "session_name",
                        **text_filter})  # fmt: skip
    options: dict[str, Any] = {
        "columnDefs": columns,
        "defaultColDef": {
            "sortable": True,
            "resizable": True,
            "floatingFilter": True,
            "suppressHeaderMenuButton": True,
            "cellDataType": False,
            "comparator": grid_js.KEEP_SERVER_ORDER,
        },
        "getRowId": grid_js.GET_ROW_ID,
        "rowSelection": {"mode": "singleRow", "checkboxes": False, "enableClickSelection": True},
        "rowHeight": ROW_HEIGHT,
        "headerHeight": HEADER_HEIGHT,
        "floatingFiltersHeight": HEADER_HEIGHT,
        "enableCellTextSelection": True,
        "tooltipShowDelay": 400,
        "animateRows": False,
        "localeText": ag_grid_locale(lang),
        "context": {"restored": restore.to_browser()},
        "initialState": _initial_state(restore),
    }
    return options


def _filter(kind: str, keys: tuple[str, ...], names: Mapping[str, str]) -> dict[str, Any]:
    return {"filter": kind, "filterParams": _filter_params(keys, names)}


def _filter_params(
    keys: tuple[str, ...], names: Mapping[str, str], *, date: bool = False
) -> dict[str, Any]:
    """AG Grid's filter options under their own keys, each passing every row in the browser."""

    def name(key: str) -> str:
        date_key = "date" + key[0].upper() + key[1:]
        return names[date_key] if date and date_key in names else names[key]

    options = [
        {"displayKey": k, "displayName": name(k), "predicate": grid_js.ALWAYS_PASS,
         "numberOfInputs": 2 if k == "inRange" else 1}
        for k in keys
    ] + [
        {"displayKey": k, "displayName": names[k], "predicate": grid_js.ALWAYS_PASS,
         "numberOfInputs": 0}
        for k in ("blank", "notBlank")
    ]  # fmt: skip
    return {"filterOptions": options, "maxNumConditions": 2, "debounceMs": 400,
            "inRangeInclusive": True, "buttons": ["reset"]}  # fmt: skip


def _initial_state(restore: GridState) -> dict[str, Any]:
    state: dict[str, Any] = {}
    if restore.filter_model:
        state["filter"] = {"filterModel": restore.filter_model}
    if restore.sort_model:
        state["sort"] = {"sortModel": restore.sort_model}
    if restore.selected_send_id is not None:
        state["rowSelection"] = [restore.selected_send_id]
    return state
