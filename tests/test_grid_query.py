"""A GridQuery carries the grid's state from the UI to the pipeline, which compiles it: equal
states make equal hashable queries, and the history queries filter and sort by it."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from history_rows import create_history

from pipeline.errors import GridFilterError, PipelineError, QueryError
from pipeline.filters.grid_query import GridQuery
from pipeline.filters.mail_filter import MailFilter
from pipeline.queries.history import count_mails, history_rows

UTC = dt.UTC
FAILED_IN_FRENCH = {
    "status": {"filterType": "text", "type": "equals", "filter": "Réception impossible"}
}


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    create_history(
        con,
        [
            {"send_id": f"m{i}", "status": status, "recipient_email": f"p{i}@orange.fr",
             "requested_at": dt.datetime(2026, 3, 1 + i, 9, tzinfo=UTC)}
            for i, status in enumerate(["opened", "undeliverable", "sent", "undeliverable"])
        ],
    )  # fmt: skip
    return con


def test_equal_grid_states_make_equal_hashable_queries() -> None:
    a = GridQuery.from_grid(
        {"subject": {"type": "contains", "filter": "x"}, "status": {"type": "blank"}},
        [{"colId": "status", "sort": "asc"}],
        selections={"status": ["sent"], "email_type": []},
    )
    b = GridQuery.from_grid(
        {"status": {"type": "blank"}, "subject": {"filter": "x", "type": "contains"}},
        [{"sort": "asc", "colId": "status"}],
        selections={"email_type": [], "status": ["sent"]},
    )
    assert a == b and hash(a) == hash(b)
    assert {a: 1}[b] == 1
    assert a != GridQuery.from_grid(a.filter_model, a.sort_model, lang="en")


def test_a_query_is_filtered_only_when_a_known_column_or_a_selection_narrows_it() -> None:
    assert not GridQuery().is_filtered()
    assert not GridQuery.from_grid({"no_such_field": {"type": "blank"}}).is_filtered()
    assert not GridQuery.from_grid(selections={"status": []}).is_filtered()
    assert GridQuery.from_grid(FAILED_IN_FRENCH).is_filtered()
    assert GridQuery.from_grid(selections={"status": ["sent"]}).is_filtered()


def test_history_queries_filter_by_the_label_of_the_query_s_language(con) -> None:
    french = GridQuery.from_grid(FAILED_IN_FRENCH, lang="fr")
    assert count_mails(con, MailFilter(), french) == 2
    assert sorted(history_rows(con, MailFilter(), french)["send_id"]) == ["m1", "m3"]
    assert count_mails(con, MailFilter(), GridQuery.from_grid(FAILED_IN_FRENCH, lang="en")) == 0


def test_history_rows_follow_the_grid_s_sort_and_default_to_the_newest_first(con) -> None:
    oldest_first = GridQuery.from_grid(sort_model=[{"colId": "requested_at", "sort": "asc"}])
    assert list(history_rows(con, MailFilter(), oldest_first)["send_id"]) == [
        "m0", "m1", "m2", "m3"
    ]  # fmt: skip
    assert list(history_rows(con, MailFilter(), GridQuery())["send_id"]) == [
        "m3", "m2", "m1", "m0"
    ]  # fmt: skip


def test_selections_and_header_filters_narrow_together(con) -> None:
    both = GridQuery.from_grid(FAILED_IN_FRENCH, selections={"status": ["undeliverable", "sent"]})
    assert count_mails(con, MailFilter(), both) == 2
    sent = GridQuery.from_grid(selections={"status": ["sent"]})
    assert list(history_rows(con, MailFilter(), sent)["send_id"]) == ["m2"]


@pytest.mark.parametrize(
    "build",
    [
        lambda: GridQuery.from_grid({"status": {"type": "equals"}}).check(),
        lambda: GridQuery.from_grid(sort_model=[{"colId": "status", "sort": "up"}]).check(),
        lambda: GridQuery.from_grid({"subject": {"type": "contains", "filter": object()}}),
        lambda: GridQuery.from_grid(selections={"status": "sent"}),  # type: ignore[dict-item]
    ],
)
def test_a_model_the_grid_could_not_have_sent_is_a_query_error(build) -> None:
    with pytest.raises(GridFilterError) as raised:
        build()
    assert isinstance(raised.value, QueryError) and isinstance(raised.value, PipelineError)


def test_a_bad_query_is_refused_by_the_history_queries_too(con) -> None:
    with pytest.raises(GridFilterError):
        count_mails(con, MailFilter(), GridQuery.from_grid({"status": {"type": "equals"}}))
