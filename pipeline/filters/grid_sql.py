"""Translate AG Grid's community filter and sort models into parameterised DuckDB SQL.

The history grid filters and sorts on the server: its header filters arrive as AG Grid filter
models (agTextColumnFilter, agDateColumnFilter, agNumberColumnFilter) and become a WHERE
condition here, with every value bound as a `?` parameter. Only the whitelisted column
expressions of `grid_columns` and the fixed templates below ever reach the SQL text. Models
for fields not in the whitelist are ignored; anything else the grid could not have produced
raises GridFilterError. This module builds text; it runs no query and imports no Streamlit.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from pipeline.errors import GridFilterError
from pipeline.filters.grid_columns import (
    HISTORY_COLUMNS,
    ColumnKind,
    GridColumn,
    with_labels,
)

__all__ = [
    "HISTORY_COLUMNS",
    "DEFAULT_SORT",
    "GridColumn",
    "GridFilterError",
    "grid_condition",
    "grid_order",
    "grid_where",
    "with_labels",
]

PARIS = ZoneInfo("Europe/Paris")
DEFAULT_SORT: tuple[Mapping[str, str], ...] = ({"colId": "requested_at", "sort": "desc"},)
MAX_CONDITIONS = 10
MAX_TEXT_LENGTH = 1000
MAX_SORT_KEYS = 5

Fragment = tuple[str, list[Any]]

_FILTER_TYPE: dict[ColumnKind, str] = {
    "text": "text",
    "enum": "text",
    "boolean": "text",
    "number": "number",
    "date": "date",
}
_AG_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2})?)?$")
_TRUE_WORDS = frozenset({"true", "yes", "oui", "vrai", "1"})
_FALSE_WORDS = frozenset({"false", "no", "non", "faux", "0"})


def grid_where(
    filter_model: Mapping[str, Any] | None,
    columns: Mapping[str, GridColumn],
    *,
    selections: Mapping[str, Sequence[str]] | None = None,
) -> tuple[str, list[Any]]:
    """The WHERE condition (without the keyword) and its parameters for a grid filter model.

    `filter_model` is AG Grid's `api.getFilterModel()`: {field: model}. `selections` are the
    multi-selects above the grid, {field: [code, ...]}, each becoming `expr IN (?, ...)` on
    the raw column; an empty selection restricts nothing. Returns ("TRUE", []) when nothing
    filters.
    """
    return grid_condition(filter_model, columns, selections=selections) or ("TRUE", [])


def grid_condition(
    filter_model: Mapping[str, Any] | None,
    columns: Mapping[str, GridColumn],
    *,
    selections: Mapping[str, Sequence[str]] | None = None,
) -> Fragment | None:
    """Like `grid_where`, but None when nothing filters (so that a caller adds no condition)."""
    if filter_model is None:
        filter_model = {}
    if not isinstance(filter_model, Mapping):
        raise GridFilterError("the filter model must be an object of column filters")
    fragments: list[Fragment] = []
    for name, model in filter_model.items():
        column = columns.get(name) if isinstance(name, str) else None
        if column is not None:  # a field this page does not show is ignored, never pasted
            fragments.append(_column_condition(column, model))
    if selections is not None and not isinstance(selections, Mapping):
        raise GridFilterError("selections must map a column to a list of codes")
    for name, values in (selections or {}).items():
        fragments.extend(_selection_condition(name, columns, values))
    return _join(fragments, "AND") if fragments else None


def grid_order(
    sort_model: Sequence[Mapping[str, Any]] | None,
    columns: Mapping[str, GridColumn],
    default: Sequence[Mapping[str, Any]] = DEFAULT_SORT,
) -> str:
    """The ORDER BY list (without the keyword) for a grid sort model [{colId, sort}, ...].

    Unknown columns are ignored; when no known column remains, `default` decides. The mail's
    `send_id` always ends the list so that equal keys keep a stable order.
    """
    keys = _sort_keys(sort_model, columns) or _sort_keys(default, columns)
    if not keys:
        raise GridFilterError("the default sort names no column of this grid")
    last_direction = keys[-1][1]
    return ", ".join(
        [f"{expr} {direction} NULLS LAST" for expr, direction in keys]
        + [f"send_id {last_direction}"]
    )


def _sort_keys(
    sort_model: Sequence[Mapping[str, Any]] | None, columns: Mapping[str, GridColumn]
) -> list[tuple[str, str]]:
    if sort_model is None:
        return []
    if not isinstance(sort_model, Sequence) or isinstance(sort_model, str | bytes):
        raise GridFilterError("the sort model must be a list of {colId, sort}")
    keys: list[tuple[str, str]] = []
    seen: set[str] = set()
    for item in sort_model:
        if not isinstance(item, Mapping):
            raise GridFilterError("each sort key must be an object {colId, sort}")
        name, direction = item.get("colId"), item.get("sort")
        if not isinstance(name, str) or name not in columns or name in seen:
            continue
        column = columns[name]
        if direction not in ("asc", "desc"):
            raise GridFilterError(f"sort direction must be 'asc' or 'desc' for {name!r}")
        seen.add(name)
        keys.append((column.sort_expression(), "ASC" if direction == "asc" else "DESC"))
    return keys[:MAX_SORT_KEYS]


def _selection_condition(
    name: str, columns: Mapping[str, GridColumn], values: Sequence[str]
) -> list[Fragment]:
    """`expr IN (?, ...)` on the raw codes; an empty selection restricts nothing."""
    column = columns.get(name)
    if column is None or column.kind not in ("enum", "text"):
        raise GridFilterError(f"{name!r} is not a text or enum column of this grid")
    if not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values):
        raise GridFilterError(f"the selection of {name!r} must be a list of strings")
    if not values:
        return []
    marks = ", ".join("?" for _ in values)
    return [(f"{column.exprs[0]} IN ({marks})", list(values))]


def _column_condition(column: GridColumn, model: Any) -> Fragment:
    if not isinstance(model, Mapping):
        raise GridFilterError("a column filter must be an object")
    expected = _FILTER_TYPE[column.kind]
    if model.get("filterType", expected) != expected:
        raise GridFilterError(f"a {column.kind} column takes a {expected!r} filter")
    if "conditions" not in model:
        return _condition(column, model)
    conditions, operator = model.get("conditions"), model.get("operator")
    if operator not in ("AND", "OR"):
        raise GridFilterError("the operator joining conditions must be 'AND' or 'OR'")
    if not isinstance(conditions, list) or not 1 <= len(conditions) <= MAX_CONDITIONS:
        raise GridFilterError(f"a combined filter holds 1 to {MAX_CONDITIONS} conditions")
    parts = []
    for condition in conditions:
        if not isinstance(condition, Mapping):
            raise GridFilterError("each condition must be an object")
        if condition.get("filterType", expected) != expected:
            raise GridFilterError(f"a {column.kind} column takes a {expected!r} filter")
        parts.append(_condition(column, condition))
    return _join(parts, operator)


def _condition(column: GridColumn, model: Mapping[str, Any]) -> Fragment:
    if not isinstance(model.get("type"), str):
        raise GridFilterError(f"a filter type must be a name, not {model.get('type')!r}")
    kind = column.kind
    if kind == "number":
        return _number_condition(column.exprs[0], model)
    if kind == "date":
        return _date_condition(column.exprs[0], model)
    if kind == "boolean":
        return _boolean_condition(column.exprs[0], model)
    return _text_condition(_text_exprs(column), model)


# --- text -------------------------------------------------------------------------------

# Support types names without accents or capitals: "helene" must find "Hélène".
_LIKE = "coalesce(strip_accents(lower({e})) LIKE strip_accents(lower(?)) ESCAPE '\\', FALSE)"
_EQUALS = "coalesce(strip_accents(lower({e})) = strip_accents(lower(?)), FALSE)"
_BLANK = "({e} IS NULL OR trim({e}) = '')"
_TEXT_PATTERNS = {
    "contains": "%{}%",
    "notContains": "%{}%",
    "startsWith": "{}%",
    "endsWith": "%{}",
}


def _text_exprs(column: GridColumn) -> list[Fragment]:
    """The SQL a text filter reads: enum codes become their labels through bound pairs."""
    if column.kind != "enum" or not column.labels:
        return [(expr, []) for expr in column.exprs]
    expr = column.exprs[0]
    whens = " ".join("WHEN ? THEN ?" for _ in column.labels)
    params = [value for pair in column.labels.items() for value in pair]
    return [(f"CASE {expr} {whens} ELSE {expr} END", params)]


def _text_condition(exprs: list[Fragment], model: Mapping[str, Any]) -> Fragment:
    kind = model.get("type")
    if kind == "blank":
        return _join([_apply(_BLANK, e) for e in exprs], "AND")
    if kind == "notBlank":
        return _negate(_join([_apply(_BLANK, e) for e in exprs], "AND"))
    value = _text_value(model.get("filter"))
    if kind in ("equals", "notEqual"):
        matches = [_apply(_EQUALS, e, [value]) for e in exprs]
    elif kind in _TEXT_PATTERNS:
        pattern = _TEXT_PATTERNS[kind].format(_escape_like(value))
        matches = [_apply(_LIKE, e, [pattern]) for e in exprs]
    else:
        raise GridFilterError(f"unknown text filter type {kind!r}")
    any_match = _join(matches, "OR")
    return _negate(any_match) if kind in ("notEqual", "notContains") else any_match


def _text_value(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise GridFilterError("a text filter needs a non-empty string")
    if len(value) > MAX_TEXT_LENGTH:
        raise GridFilterError(f"a text filter is at most {MAX_TEXT_LENGTH} characters")
    return value


def _escape_like(value: str) -> str:
    """Make `%`, `_` and the escape character itself match literally under ESCAPE '\\'."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _boolean_condition(expr: str, model: Mapping[str, Any]) -> Fragment:
    kind = model.get("type")
    if kind == "blank":
        return f"{expr} IS NULL", []
    if kind == "notBlank":
        return f"{expr} IS NOT NULL", []
    word = _text_value(model.get("filter")).strip().lower()
    if word not in _TRUE_WORDS | _FALSE_WORDS:
        raise GridFilterError("a yes/no filter takes true/false, yes/no or oui/non")
    value = word in _TRUE_WORDS
    if kind == "equals":
        return f"{expr} = ?", [value]
    if kind == "notEqual":  # like AG Grid's text filter, an empty cell is "not equal"
        return f"{expr} IS DISTINCT FROM ?", [value]
    raise GridFilterError(f"a yes/no filter does not take {kind!r}")


# --- numbers ----------------------------------------------------------------------------

_NUMBER_COMPARISONS = {
    "equals": "=",
    "notEqual": "<>",
    "lessThan": "<",
    "lessThanOrEqual": "<=",
    "greaterThan": ">",
    "greaterThanOrEqual": ">=",
}


def _number_condition(expr: str, model: Mapping[str, Any]) -> Fragment:
    kind = model.get("type")
    if kind == "blank":
        return f"{expr} IS NULL", []
    if kind == "notBlank":
        return f"{expr} IS NOT NULL", []
    low = _number_value(model.get("filter"))
    if kind == "inRange":  # inclusive, as the grid's filterParams say
        return f"{expr} BETWEEN ? AND ?", [low, _number_value(model.get("filterTo"))]
    if kind in _NUMBER_COMPARISONS:
        return f"{expr} {_NUMBER_COMPARISONS[kind]} ?", [low]
    raise GridFilterError(f"unknown number filter type {kind!r}")


def _number_value(value: Any) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise GridFilterError("a number filter needs a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise GridFilterError("a number filter needs a finite number")
    if isinstance(value, int) and not -(2**63) <= value < 2**63:
        raise GridFilterError("a number filter value is out of range")
    return value


# --- dates: calendar days in Europe/Paris -----------------------------------------------


def _date_condition(expr: str, model: Mapping[str, Any]) -> Fragment:
    kind = model.get("type")
    if kind == "blank":
        return f"{expr} IS NULL", []
    if kind == "notBlank":
        return f"{expr} IS NOT NULL", []
    day = _day(model.get("dateFrom"))
    if kind == "equals":
        return f"({expr} >= ? AND {expr} < ?)", [_start(day), _start(day, 1)]
    if kind == "notEqual":
        return f"({expr} < ? OR {expr} >= ?)", [_start(day), _start(day, 1)]
    if kind == "lessThan":
        return f"{expr} < ?", [_start(day)]
    if kind == "lessThanOrEqual":
        return f"{expr} < ?", [_start(day, 1)]
    if kind == "greaterThan":
        return f"{expr} >= ?", [_start(day, 1)]
    if kind == "greaterThanOrEqual":
        return f"{expr} >= ?", [_start(day)]
    if kind == "inRange":  # both days included, as the grid's filterParams say
        last = _day(model.get("dateTo"))
        return f"({expr} >= ? AND {expr} < ?)", [_start(day), _start(last, 1)]
    raise GridFilterError(f"unknown date filter type {kind!r}")


def _day(value: Any) -> dt.date:
    """AG Grid sends dates as 'YYYY-MM-DD hh:mm:ss'; only the calendar day counts."""
    match = _AG_DATE.match(value) if isinstance(value, str) else None
    if match is None:
        raise GridFilterError("a date filter needs a date as 'YYYY-MM-DD'")
    try:
        day = dt.date.fromisoformat(match.group(1))
    except ValueError as e:
        raise GridFilterError(f"{match.group(1)!r} is not a calendar date") from e
    if not dt.date(1900, 1, 1) <= day <= dt.date(9998, 12, 31):
        raise GridFilterError("a date filter must lie between 1900 and 9998")
    return day


def _start(day: dt.date, plus_days: int = 0) -> dt.datetime:
    """The instant a calendar day begins in Paris (DST-aware), as an aware datetime."""
    day = day + dt.timedelta(days=plus_days)
    return dt.datetime(day.year, day.month, day.day, tzinfo=PARIS)


# --- composing fragments ----------------------------------------------------------------


def _apply(template: str, expr: Fragment, values: Iterable[Any] = ()) -> Fragment:
    """Fill a template's {e} slots with an expression, keeping parameters in text order."""
    sql, expr_params = expr
    pieces = template.split("{e}")
    value_iter = iter(values)
    params: list[Any] = []
    for index, piece in enumerate(pieces):
        params.extend(next(value_iter) for _ in range(piece.count("?")))
        if index < len(pieces) - 1:
            params.extend(expr_params)
    return sql.join(pieces), params


def _join(fragments: list[Fragment], operator: str) -> Fragment:
    if len(fragments) == 1:
        return fragments[0]
    text = f" {operator} ".join(f"({sql})" for sql, _ in fragments)
    return f"({text})", [p for _, params in fragments for p in params]


def _negate(fragment: Fragment) -> Fragment:
    sql, params = fragment
    return f"NOT ({sql})", params
