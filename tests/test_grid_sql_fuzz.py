"""Hostile and random grid models never reach the SQL text and never return wrong rows.

Hypothesis feeds grid_where/grid_order with models a tampered browser could send (unknown
columns, injection in keys and values, odd types) and random well-formed ones; a Python
oracle with AG Grid's semantics says which mails each well-formed model must return.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from zoneinfo import ZoneInfo

import duckdb
from history_rows import create_history
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from pipeline.filters.grid_sql import (
    HISTORY_COLUMNS,
    GridFilterError,
    grid_order,
    grid_where,
    with_labels,
)

UTC, PARIS = dt.UTC, ZoneInfo("Europe/Paris")
FR_STATUS = {"requested": "Demandé", "sent": "Envoyé", "delivered": "Reçu",
             "opened": "Reçu et ouvert", "undeliverable": "Réception impossible",
             "send_error": "Erreur à l'envoi"}  # fmt: skip
COLUMNS = with_labels(HISTORY_COLUMNS, {"status": FR_STATUS})

# --- the SQL text may only hold these tokens ----------------------------------------------

TEMPLATE_WORDS = {
    "AND", "OR", "NOT", "LIKE", "ESCAPE", "IS", "NULL", "TRUE", "FALSE", "IN", "BETWEEN",
    "CASE", "WHEN", "THEN", "ELSE", "END", "DISTINCT", "FROM", "ASC", "DESC", "NULLS", "LAST",
    "coalesce", "lower", "trim",
}  # fmt: skip
TOKEN = re.compile(r"'(?:[^']|'')*'|[A-Za-z_][A-Za-z0-9_]*|\d+|<>|<=|>=|\S")
PUNCTUATION = {"(", ")", ",", "?", "=", "<", ">", "<=", ">=", "<>"}


def whitelist_tokens() -> set[str]:
    """Every token of the whitelisted column expressions, sort expressions included."""
    tokens: set[str] = set()
    for column in HISTORY_COLUMNS.values():
        for expr in (*column.exprs, column.sort_expression()):
            tokens.update(TOKEN.findall(expr))
    return tokens


ALLOWED = TEMPLATE_WORDS | PUNCTUATION | whitelist_tokens() | {"'\\'", "''"}


def assert_only_allowed_tokens(sql: str) -> None:
    stray = [t for t in TOKEN.findall(sql) if t not in ALLOWED]
    assert not stray, f"tokens outside the whitelist: {stray} in {sql}"


# --- a small table of tricky mails ----------------------------------------------------------

NAMES = ["Marie Dupont", "élodie MARTIN", "100% Zoé", "a_b c", "back\\slash", "O'Brien",
         "   ", "", None, "Ève Ça"]  # fmt: skip
EMAILS = ["marie@orange.fr", "e_martin@free.fr", "zoe%@x.fr", "ab@c.fr", None]
SUBJECTS = ["Convocation", "Facture n_1", "100% à distance", "", None, "  x  ", "Évaluation"]
STATUSES = list(FR_STATUS) + [None]
MOMENTS = [dt.datetime(2025, 3, 29, h, 30, tzinfo=UTC) for h in (0, 22, 23)] + [
    dt.datetime(2025, 3, 30, 22, 30, tzinfo=UTC), dt.datetime(2025, 10, 25, 22, 15, tzinfo=UTC),
    dt.datetime(2025, 10, 26, 23, 5, tzinfo=UTC), None]  # fmt: skip
COUNTS = [0, 1, 2, 7, None]
FLAGS = [True, False, None]


def build_rows() -> list[dict]:
    return [
        {
            "send_id": f"m{i:02d}",
            "recipient_name": NAMES[i % len(NAMES)],
            "recipient_email": EMAILS[(i * 3) % len(EMAILS)],
            "subject": SUBJECTS[(i * 5) % len(SUBJECTS)],
            "status": STATUSES[i % len(STATUSES)],
            "requested_at": MOMENTS[(i * 2) % len(MOMENTS)],
            "attachment_count": COUNTS[i % len(COUNTS)],
            "complained": FLAGS[i % len(FLAGS)],
        }
        for i in range(40)
    ]


ROWS = build_rows()
CON = duckdb.connect()
create_history(CON, ROWS)


def run_where(where: str, params: list) -> set[str]:
    rows = CON.execute(f"SELECT send_id FROM mails WHERE {where}", params).fetchall()
    return {r[0] for r in rows}


# --- hostile models -------------------------------------------------------------------------

HOSTILE_TEXT = st.sampled_from(
    ["'; DROP TABLE email_history; --", "' OR '1'='1", "%", "_", "\\", "%_\\", '"', "?",
     "$1", "/*", "--", "\x00", "é", "x" * 1001, "1); SELECT 1; --"]
) | st.text(max_size=30)  # fmt: skip
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | HOSTILE_TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(HOSTILE_TEXT, inner, max_size=3),
    max_leaves=12,
)
FILTER_TYPES = ["contains", "notContains", "equals", "notEqual", "startsWith", "endsWith",
                "blank", "notBlank", "lessThan", "greaterThan", "inRange", "lessThanOrEqual",
                "greaterThanOrEqual", "empty", "DROP"]  # fmt: skip
SIMPLE = st.fixed_dictionaries(
    {"type": st.sampled_from(FILTER_TYPES) | JSON},
    optional={
        "filterType": st.sampled_from(["text", "number", "date", "set"]) | JSON,
        "filter": HOSTILE_TEXT | st.integers() | st.floats() | JSON,
        "filterTo": st.integers() | st.floats() | JSON,
        "dateFrom": st.sampled_from(
            ["2025-03-30 00:00:00", "2025-03-30", "0001-01-01", "9999-12-31", "2025-13-01"]
        )
        | HOSTILE_TEXT,
        "dateTo": st.sampled_from(["2025-10-26 00:00:00", "2025-03-30"]) | HOSTILE_TEXT,
    },
)
COMBINED = st.fixed_dictionaries(
    {
        "operator": st.sampled_from(["AND", "OR", "XOR", "AND 1=1"]) | JSON,
        "conditions": st.lists(SIMPLE | JSON, max_size=12) | JSON,
    },
    optional={"filterType": st.sampled_from(["text", "number", "date"]) | JSON},
)
COLUMN_KEYS = st.sampled_from(list(HISTORY_COLUMNS)) | HOSTILE_TEXT
TEXT_FIELDS = [name for name, c in HISTORY_COLUMNS.items() if c.kind in ("text", "enum")]
HOSTILE_TEXT_CONDITION = st.fixed_dictionaries(
    {"filterType": st.just("text"), "type": st.sampled_from(FILTER_TYPES[:8]),
     "filter": HOSTILE_TEXT}
)  # fmt: skip
NEAR_VALID = st.dictionaries(
    st.sampled_from(TEXT_FIELDS),
    HOSTILE_TEXT_CONDITION | st.fixed_dictionaries(
        {"filterType": st.just("text"), "operator": st.sampled_from(["AND", "OR"]),
         "conditions": st.lists(HOSTILE_TEXT_CONDITION, min_size=1, max_size=3)}),
    min_size=1, max_size=3,
)  # fmt: skip
HOSTILE_MODELS = (
    NEAR_VALID | st.dictionaries(COLUMN_KEYS, SIMPLE | COMBINED | JSON, max_size=4) | JSON
)
HOSTILE_SELECTIONS = (
    st.dictionaries(COLUMN_KEYS, st.lists(HOSTILE_TEXT, max_size=4) | JSON, max_size=2) | st.none()
)
HOSTILE_SORTS = (
    st.lists(
        st.fixed_dictionaries(
            {"colId": COLUMN_KEYS, "sort": st.sampled_from(["asc", "desc"]) | JSON}
        )
        | JSON,
        max_size=8,
    )
    | JSON
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(model=HOSTILE_MODELS, selections=HOSTILE_SELECTIONS)
def test_hostile_filter_models_raise_grid_filter_error_or_run_with_whitelisted_sql(
    model, selections
):
    try:
        where, params = grid_where(model, COLUMNS, selections=selections)
    except GridFilterError:
        event("refused with GridFilterError")
        return
    event("ran" if where != "TRUE" else "ran without a condition")
    assert_only_allowed_tokens(where)
    assert where.count("?") == len(params)
    run_where(where, params)  # never a DuckDB error


@settings(max_examples=300, deadline=None)
@given(sort_model=HOSTILE_SORTS)
def test_hostile_sort_models_raise_grid_filter_error_or_order_by_whitelisted_sql(sort_model):
    try:
        order = grid_order(sort_model, COLUMNS)
    except GridFilterError:
        return
    assert_only_allowed_tokens(order)
    CON.execute(f"SELECT send_id FROM mails ORDER BY {order}").fetchall()


# --- well-formed models against an oracle -------------------------------------------------

ALPHABET = "aAeEéÉçÇzZ %_\\'.@01"
TEXT_VALUES = st.text(alphabet=ALPHABET, min_size=1, max_size=3) | st.sampled_from(
    ["marie", "MARTIN", "100%", "a_b", "\\", "%", "_", "Reçu", "erreur", "o'b", "ève ça"]
)
TEXT_TYPES = ["contains", "notContains", "equals", "notEqual", "startsWith", "endsWith",
              "blank", "notBlank"]  # fmt: skip
DAYS = st.dates(dt.date(2025, 3, 28), dt.date(2025, 3, 31)) | st.dates(
    dt.date(2025, 10, 25), dt.date(2025, 10, 28)
)
DATE_TYPES = ["equals", "notEqual", "lessThan", "greaterThan", "inRange", "blank", "notBlank"]
NUMBER_TYPES = ["equals", "notEqual", "lessThan", "lessThanOrEqual", "greaterThan",
                "greaterThanOrEqual", "inRange", "blank", "notBlank"]  # fmt: skip


@st.composite
def text_condition(draw):
    kind = draw(st.sampled_from(TEXT_TYPES))
    extra = {} if kind in ("blank", "notBlank") else {"filter": draw(TEXT_VALUES)}
    return {"filterType": "text", "type": kind, **extra}


@st.composite
def date_condition(draw):
    kind = draw(st.sampled_from(DATE_TYPES))
    model = {"filterType": "date", "type": kind}
    if kind not in ("blank", "notBlank"):
        model["dateFrom"] = f"{draw(DAYS).isoformat()} 00:00:00"
    if kind == "inRange":
        model["dateTo"] = f"{draw(DAYS).isoformat()} 00:00:00"
    return model


@st.composite
def number_condition(draw):
    kind = draw(st.sampled_from(NUMBER_TYPES))
    model = {"filterType": "number", "type": kind}
    if kind not in ("blank", "notBlank"):
        model["filter"] = draw(st.integers(-1, 8) | st.floats(-1, 8))
    if kind == "inRange":
        model["filterTo"] = draw(st.integers(-1, 8))
    return model


@st.composite
def boolean_condition(draw):
    kind = draw(st.sampled_from(["equals", "notEqual", "blank", "notBlank"]))
    extra = (
        {}
        if kind in ("blank", "notBlank")
        else {"filter": draw(st.sampled_from(["true", "false", "Oui", "non"]))}
    )
    return {"filterType": "text", "type": kind, **extra}


def maybe_combined(condition, filter_type):
    return condition | st.builds(
        lambda op, conds: {"filterType": filter_type, "operator": op, "conditions": conds},
        st.sampled_from(["AND", "OR"]),
        st.lists(condition, min_size=2, max_size=2),
    )


WELL_FORMED = st.fixed_dictionaries(
    {},
    optional={
        "recipient": maybe_combined(text_condition(), "text"),
        "subject": maybe_combined(text_condition(), "text"),
        "status": maybe_combined(text_condition(), "text"),
        "requested_at": maybe_combined(date_condition(), "date"),
        "attachment_count": maybe_combined(number_condition(), "number"),
        "complained": boolean_condition(),
    },
)


def folded(text: str) -> str:
    """Lower case without accents, as the grid's text filters compare (DuckDB's strip_accents
    drops the combining marks of the decomposed text)."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def text_passes(cells: list, cond: dict) -> bool:
    kind = cond["type"]
    blank = all(c is None or c.strip(" ") == "" for c in cells)
    if kind in ("blank", "notBlank"):
        return blank if kind == "blank" else not blank
    value = folded(cond["filter"])
    tests = {
        "contains": lambda c: value in c, "notContains": lambda c: value in c,
        "equals": lambda c: c == value, "notEqual": lambda c: c == value,
        "startsWith": lambda c: c.startswith(value), "endsWith": lambda c: c.endswith(value),
    }  # fmt: skip
    hit = any(c is not None and tests[kind](folded(c)) for c in cells)
    return not hit if kind in ("notContains", "notEqual") else hit


def date_passes(moment, cond: dict) -> bool:
    kind = cond["type"]
    if kind in ("blank", "notBlank"):
        return (moment is None) == (kind == "blank")
    if moment is None:
        return False
    day = moment.astimezone(PARIS).date()
    start = dt.date.fromisoformat(cond["dateFrom"][:10])
    if kind == "inRange":
        return start <= day <= dt.date.fromisoformat(cond["dateTo"][:10])
    return {"equals": day == start, "notEqual": day != start,
            "lessThan": day < start, "greaterThan": day > start}[kind]  # fmt: skip


def number_passes(value, cond: dict) -> bool:
    kind = cond["type"]
    if kind in ("blank", "notBlank"):
        return (value is None) == (kind == "blank")
    if value is None:
        return False
    low = cond["filter"]
    if kind == "inRange":
        return low <= value <= cond["filterTo"]
    return {"equals": value == low, "notEqual": value != low, "lessThan": value < low,
            "lessThanOrEqual": value <= low, "greaterThan": value > low,
            "greaterThanOrEqual": value >= low}[kind]  # fmt: skip


def boolean_passes(flag, cond: dict) -> bool:
    kind = cond["type"]
    if kind in ("blank", "notBlank"):
        return (flag is None) == (kind == "blank")
    wanted = cond["filter"].lower() in ("true", "oui")
    return flag == wanted if kind == "equals" else flag != wanted


def oracle_passes(row: dict, field: str, model: dict) -> bool:
    if "conditions" in model:
        results = [oracle_passes(row, field, c) for c in model["conditions"]]
        return all(results) if model["operator"] == "AND" else any(results)
    if field == "recipient":
        return text_passes([row["recipient_name"], row["recipient_email"]], model)
    if field == "status":
        status = row["status"]
        return text_passes([FR_STATUS.get(status, status) if status else None], model)
    if field == "subject":
        return text_passes([row["subject"]], model)
    if field == "requested_at":
        return date_passes(row["requested_at"], model)
    if field == "attachment_count":
        return number_passes(row["attachment_count"], model)
    return boolean_passes(row["complained"], model)


@settings(max_examples=400, deadline=None)
@given(model=WELL_FORMED)
def test_well_formed_models_return_exactly_the_mails_the_oracle_matches(model):
    where, params = grid_where(model, COLUMNS)
    assert_only_allowed_tokens(where)
    expected = {
        row["send_id"] for row in ROWS
        if all(oracle_passes(row, field, m) for field, m in model.items())
    }  # fmt: skip
    event("matches " + ("none" if not expected else "all" if len(expected) == 40 else "some"))
    assert run_where(where, params) == expected
