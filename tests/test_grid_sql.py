"""The grid's filter and sort models become SQL that DuckDB runs on `mails` (email_history and
its prepared columns)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import duckdb
import pytest
from history_rows import create_history

from pipeline.filters.grid_sql import (
    HISTORY_COLUMNS,
    GridFilterError,
    grid_order,
    grid_where,
    with_labels,
)

UTC = dt.UTC
FR_STATUS = {"sent": "Envoyé", "opened": "Reçu et ouvert", "send_error": "Erreur à l'envoi"}


def mail(send_id: str, **fields):
    return {"send_id": send_id, **fields}


@pytest.fixture
def con():
    con = duckdb.connect()
    create_history(
        con,
        [
            mail(
                "a",
                recipient_name="Marie Dupont",
                recipient_email="marie@orange.fr",
                subject="Convocation 100% présentiel",
                status="opened",
                requested_at=dt.datetime(2025, 3, 29, 23, 30, tzinfo=UTC),
                attachment_count=2,
                complained=True,
            ),
            mail(
                "b",
                recipient_name="Élodie MARTIN",
                recipient_email="e_martin@free.fr",
                subject="Facture n_1",
                status="sent",
                requested_at=dt.datetime(2025, 3, 29, 22, 30, tzinfo=UTC),
                attachment_count=0,
                complained=False,
            ),
            mail(
                "c",
                recipient_name=None,
                recipient_email="jean\\x@gmail.com",
                subject=None,
                status="send_error",
                requested_at=dt.datetime(2025, 3, 30, 22, 30, tzinfo=UTC),
                attachment_count=None,
                complained=None,
            ),
            mail(
                "d",
                recipient_name="   ",
                recipient_email="zoe@acme.fr",
                subject="Évaluation",
                status="delivered",
                requested_at=None,
                attachment_count=1,
            ),
        ],
    )
    return con


def matching(con, filter_model, columns=HISTORY_COLUMNS, **kwargs) -> set[str]:
    where, params = grid_where(filter_model, columns, **kwargs)
    rows = con.execute(f"SELECT send_id FROM mails WHERE {where}", params).fetchall()
    return {send_id for (send_id,) in rows}


def text(kind, value=None, **extra):
    model = {"filterType": "text", "type": kind, **extra}
    if value is not None:
        model["filter"] = value
    return model


def test_an_empty_filter_model_keeps_every_mail(con):
    assert grid_where({}, HISTORY_COLUMNS) == ("TRUE", [])
    assert matching(con, None) == {"a", "b", "c", "d"}


def test_recipient_contains_matches_the_name_or_the_address_ignoring_case(con):
    assert matching(con, {"recipient": text("contains", "MARTIN")}) == {"b"}
    assert matching(con, {"recipient": text("contains", "orange")}) == {"a"}


def test_percent_underscore_and_backslash_in_text_filters_match_literally(con):
    assert matching(con, {"subject": text("contains", "100%")}) == {"a"}
    assert matching(con, {"subject": text("contains", "%")}) == {"a"}
    assert matching(con, {"recipient": text("contains", "e_m")}) == {"b"}
    assert matching(con, {"recipient": text("startsWith", "_")}) == set()
    assert matching(con, {"recipient": text("contains", "\\x")}) == {"c"}


def test_negative_text_filters_keep_mails_whose_cell_is_empty(con):
    assert matching(con, {"subject": text("notContains", "facture")}) == {"a", "c", "d"}
    assert matching(con, {"subject": text("notEqual", "évaluation")}) == {"a", "b", "c"}


def test_equals_starts_with_and_ends_with_ignore_case(con):
    assert matching(con, {"subject": text("equals", "ÉVALUATION")}) == {"d"}
    assert matching(con, {"recipient": text("startsWith", "élodie")}) == {"b"}
    assert matching(con, {"recipient": text("endsWith", "@ACME.FR")}) == {"d"}


def test_text_filters_ignore_accents_as_well_as_case(con):
    assert matching(con, {"recipient": text("contains", "elodie")}) == {"b"}
    assert matching(con, {"recipient": text("startsWith", "ELODIE mar")}) == {"b"}
    assert matching(con, {"subject": text("equals", "evaluation")}) == {"d"}
    assert matching(con, {"subject": text("contains", "presentiel")}) == {"a"}
    assert matching(con, {"subject": text("notContains", "présentiel")}) == {"b", "c", "d"}
    labelled = with_labels(HISTORY_COLUMNS, {"status": FR_STATUS})
    assert matching(con, {"status": text("contains", "recu")}, labelled) == {"a"}  # "Reçu…"


def test_blank_counts_whitespace_only_cells_and_needs_every_part_of_the_cell_blank(con):
    assert matching(con, {"recipient_name": text("blank")}) == {"c", "d"}
    assert matching(con, {"recipient_name": text("notBlank")}) == {"a", "b"}
    assert matching(con, {"recipient": text("blank")}) == set()


def test_two_conditions_join_with_and_or_or(con):
    either = {
        "filterType": "text",
        "operator": "OR",
        "conditions": [text("contains", "marie"), text("contains", "zoe")],
    }
    both = {**either, "operator": "AND"}
    assert matching(con, {"recipient": either}) == {"a", "d"}
    assert matching(con, {"recipient": both}) == set()


def test_column_filters_combine_with_and(con):
    model = {"recipient": text("contains", "fr"), "subject": text("notBlank")}
    assert matching(con, model) == {"a", "b", "d"}


def test_status_text_filter_matches_the_translated_label_with_labels(con):
    columns = with_labels(HISTORY_COLUMNS, {"status": FR_STATUS})
    assert matching(con, {"status": text("contains", "reçu")}, columns) == {"a"}
    assert matching(con, {"status": text("startsWith", "erreur")}, columns) == {"c"}
    # a code without a label is matched as itself
    assert matching(con, {"status": text("equals", "delivered")}, columns) == {"d"}


def test_date_equals_compares_the_calendar_day_in_paris(con):
    # 29 March 23:30 UTC is already 30 March in Paris (summer time starts that night)
    day = {"filterType": "date", "type": "equals", "dateFrom": "2025-03-30 00:00:00"}
    assert matching(con, {"requested_at": day}) == {"a"}
    day["dateFrom"] = "2025-03-29 00:00:00"
    assert matching(con, {"requested_at": day}) == {"b"}


def test_date_in_range_includes_both_days_and_comparisons_skip_empty_dates(con):
    def date(kind, **dates):
        return {"requested_at": {"filterType": "date", "type": kind, **dates}}

    assert matching(con, date("inRange", dateFrom="2025-03-29", dateTo="2025-03-30")) == {"a", "b"}
    assert matching(con, date("inRange", dateFrom="2025-03-30", dateTo="2025-03-31")) == {"a", "c"}
    assert matching(con, date("lessThan", dateFrom="2025-03-30 00:00:00")) == {"b"}
    assert matching(con, date("greaterThan", dateFrom="2025-03-30 00:00:00")) == {"c"}
    assert matching(con, date("notEqual", dateFrom="2025-03-30 00:00:00")) == {"b", "c"}
    assert matching(con, date("blank")) == {"d"}
    assert matching(con, date("notBlank")) == {"a", "b", "c"}


def test_number_filters_compare_and_in_range_is_inclusive(con):
    def number(kind, **values):
        return {"attachment_count": {"filterType": "number", "type": kind, **values}}

    assert matching(con, number("greaterThan", filter=0)) == {"a", "d"}
    assert matching(con, number("inRange", filter=0, filterTo=1)) == {"b", "d"}
    assert matching(con, number("notEqual", filter=2)) == {"b", "d"}
    assert matching(con, number("blank")) == {"c"}
    assert matching(con, number("lessThanOrEqual", filter=1.5)) == {"b", "d"}


def test_yes_no_columns_take_true_false_or_oui_non(con):
    assert matching(con, {"complained": text("equals", "oui")}) == {"a"}
    assert matching(con, {"complained": text("notEqual", "true")}) == {"b", "c", "d"}
    assert matching(con, {"complained": text("blank")}) == {"c", "d"}


def test_multi_selects_above_the_grid_become_in_conditions(con):
    selections = {"status": ["sent", "opened"], "email_type": []}
    assert matching(con, {}, selections=selections) == {"a", "b"}
    where, params = grid_where({}, HISTORY_COLUMNS, selections=selections)
    assert where == "status IN (?, ?)" and params == ["sent", "opened"]


def test_injection_attempts_in_values_are_bound_not_pasted(con):
    hostile = "x'); DROP TABLE email_history; --"
    assert matching(con, {"subject": text("contains", hostile)}) == set()
    assert matching(con, {}, selections={"status": [hostile]}) == set()
    assert con.execute("SELECT count(*) FROM email_history").fetchone() == (4,)


def test_filters_on_columns_outside_the_whitelist_are_ignored(con):
    model = {"1=1) OR (1": text("contains", "x"), "subject": text("contains", "facture")}
    where, _ = grid_where(model, HISTORY_COLUMNS)
    assert "1=1" not in where
    assert matching(con, model) == {"b"}


@pytest.mark.parametrize(
    "model",
    [
        {"subject": text("like", "x")},
        {"subject": text("contains", "")},
        {"subject": text("contains", 12)},
        {"subject": {"filterType": "number", "type": "equals", "filter": 1}},
        {"subject": {"filterType": "text", "operator": "XOR", "conditions": [text("blank")]}},
        {"subject": {"filterType": "text", "operator": "OR", "conditions": []}},
        {"subject": "contains x"},
        {"attachment_count": {"filterType": "number", "type": "equals", "filter": "1"}},
        {"attachment_count": {"filterType": "number", "type": "equals", "filter": True}},
        {"attachment_count": {"filterType": "number", "type": "equals", "filter": 2**80}},
        {"attachment_count": {"filterType": "number", "type": "equals", "filter": float("nan")}},
        {"requested_at": {"filterType": "date", "type": "equals", "dateFrom": "2025-02-30"}},
        {"requested_at": {"filterType": "date", "type": "equals", "dateFrom": "today"}},
        {"complained": text("equals", "maybe")},
    ],
)
def test_models_the_grid_cannot_produce_raise_a_grid_filter_error(model):
    with pytest.raises(GridFilterError):
        grid_where(model, HISTORY_COLUMNS)


def test_a_filter_model_that_is_not_an_object_raises_a_grid_filter_error():
    with pytest.raises(GridFilterError):
        grid_where(["subject"], HISTORY_COLUMNS)  # type: ignore[arg-type]


def ordered(con, sort_model, columns=HISTORY_COLUMNS) -> list[str]:
    order = grid_order(sort_model, columns)
    return [r[0] for r in con.execute(f"SELECT send_id FROM mails ORDER BY {order}").fetchall()]


def test_default_order_is_latest_first_with_undated_mails_last(con):
    assert ordered(con, None) == ["c", "a", "b", "d"]
    assert ordered(con, [{"colId": "unknown", "sort": "asc"}]) == ["c", "a", "b", "d"]


def test_status_sorts_in_lifecycle_order_not_alphabetically(con):
    assert ordered(con, [{"colId": "status", "sort": "asc"}]) == ["b", "d", "a", "c"]


def test_recipient_sorts_by_name_or_address_ignoring_accents_and_case(con):
    assert ordered(con, [{"colId": "recipient", "sort": "asc"}]) == ["b", "c", "a", "d"]


def test_equal_sort_keys_fall_back_to_the_send_id_in_the_same_direction(con):
    assert grid_order([{"colId": "status", "sort": "desc"}], HISTORY_COLUMNS).endswith(
        "send_id DESC"
    )


def test_a_sort_direction_other_than_asc_or_desc_raises_a_grid_filter_error():
    with pytest.raises(GridFilterError):
        grid_order([{"colId": "status", "sort": "up; DROP"}], HISTORY_COLUMNS)


def test_the_grid_sql_module_does_not_import_streamlit():
    code = "import sys, pipeline.filters.grid_sql; print('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
