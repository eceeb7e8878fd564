"""The grid's display frame, options, state handling and row cap, without a browser."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from history_rows import synthetic_history
from streamlit.testing.v1 import AppTest

from pipeline.filters.grid_sql import HISTORY_COLUMNS, grid_where
from pipeline.i18n import t as grid_t
from pipeline.i18n.numbers import format_count
from pipeline.rules.statuses import STATUS_COLOURS as STATUS_COLORS
from ui.grid.config import grid_frame, grid_options
from ui.grid.history_grid import GridState, component_key, default_height
from ui.grid.mail_list import GRID_ROW_LIMIT
from ui.grid.text import count_line, kind_labels, status_labels, type_labels

UTC = dt.UTC
ROOT = Path(__file__).resolve().parents[1]


def rows(**overrides) -> pd.DataFrame:
    base = {
        "send_id": ["S1", "S2"],
        "requested_at": [dt.datetime(2025, 3, 30, 0, 30, tzinfo=UTC),
                         dt.datetime(2025, 3, 30, 1, 30, tzinfo=UTC)],
        "email_type": ["convocation", "mystery"],
        "recipient_name": ["Marie Dupont", "  "],
        "recipient_email": ["marie@orange.fr", "x@y.fr"],
        "recipient_kind": ["learner", None],
        "subject": ["Convocation", None],
        "status": ["opened", "send_error"],
        "attachment_count": [2, None],
        "session_name": ["Excel – Lyon", None],
    }  # fmt: skip
    return pd.DataFrame({**base, **overrides})


def frame(source: pd.DataFrame, lang: str = "fr", show_session: bool = True) -> pd.DataFrame:
    return grid_frame(
        source,
        status_labels=status_labels(lang),
        type_labels=type_labels(lang),
        kind_labels=kind_labels(lang),
        show_session=show_session,
    )


def options(restore: GridState | None = None, lang: str = "fr", show_session: bool = True):
    return grid_options(lang=lang, show_session=show_session, t=grid_t,
                        status_colors=STATUS_COLORS, restore=restore or GridState())  # fmt: skip


def test_send_times_show_as_paris_wall_clock_across_the_summer_time_change():
    assert list(frame(rows())["requested_at"]) == ["30/03/2025 01:30", "30/03/2025 03:30"]


def test_codes_become_labels_and_unknown_codes_stay_visible():
    shown = frame(rows(), lang="en")
    assert list(shown["email_type"]) == ["Joining instructions", "mystery"]
    assert list(shown["status"]) == ["Opened", "Send error"]
    assert list(shown["status_code"]) == ["opened", "send_error"]
    assert list(shown["recipient_kind"]) == ["Learner", ""]


def test_the_recipient_cell_holds_the_name_and_the_address_or_the_address_alone():
    assert list(frame(rows())["recipient"]) == ["Marie Dupont <marie@orange.fr>", "x@y.fr"]


def test_the_display_frame_leaves_the_page_rows_untouched_and_hides_the_session_on_demand():
    source = rows()
    before = source.copy()
    shown = frame(source, show_session=False)
    pd.testing.assert_frame_equal(source, before)
    assert "session_name" not in shown.columns
    assert list(shown["attachment_count"]) == [2, 0]


def test_rows_with_any_index_keep_each_mail_on_its_own_line():
    source = rows().set_axis([7, 3])
    assert list(frame(source)["send_id"]) == ["S1", "S2"]
    assert list(frame(source)["recipient"]) == ["Marie Dupont <marie@orange.fr>", "x@y.fr"]


def test_an_empty_result_gives_an_empty_frame_with_the_grid_columns():
    shown = frame(rows().iloc[0:0])
    assert len(shown) == 0 and "recipient" in shown.columns


@pytest.mark.parametrize(
    ("total", "shown", "lang", "user_sorted", "line"),
    [
        (
            12345,
            500,
            "fr",
            False,
            "12\u202f345 e-mails correspondent, affichage des 500 plus récents",
        ),
        (12345, 500, "en", False, "12,345 mails match, showing the latest 500"),
        (12345, 500, "en", True, "12,345 mails match, showing the first 500 in this order"),
        (42, 42, "fr", False, "42 e-mails correspondent"),
        (1, 1, "en", False, "1 mail matches"),
        (0, 0, "fr", False, "Aucun e-mail ne correspond"),
    ],
)
def test_the_count_line_says_how_many_mails_match_and_how_many_are_shown(
    total, shown, lang, user_sorted, line
):
    assert count_line(total, shown, lang, user_sorted=user_sorted) == line


def test_the_count_line_takes_the_shared_translate_function():
    def t(key, lang, **params):
        return f"{key}|{lang}|{json.dumps(params, sort_keys=True)}"

    assert count_line(9, 3, "en", t) == 'grid.count.some|en|{"shown": "3", "total": "9"}'


_KIND_OF_FILTER = {"agTextColumnFilter": {"text", "enum", "boolean"},
                   "agDateColumnFilter": {"date"}, "agNumberColumnFilter": {"number"}}  # fmt: skip
_FILTER_TYPE = {"agTextColumnFilter": "text", "agDateColumnFilter": "date",
                "agNumberColumnFilter": "number"}  # fmt: skip


def _sample_condition(filter_type: str, key: str, inputs: int) -> dict:
    model = {"filterType": filter_type, "type": key}
    values = {
        "text": {"filter": "x"},
        "number": {"filter": 1, "filterTo": 2},
        "date": {"dateFrom": "2025-03-01 00:00:00", "dateTo": "2025-03-02 00:00:00"},
    }
    if inputs:
        model.update(values[filter_type])
    return model  # fmt: skip


def test_every_grid_column_and_filter_option_is_one_grid_sql_understands():
    for column in options()["columnDefs"]:
        sql_column = HISTORY_COLUMNS[column["field"]]
        assert sql_column.kind in _KIND_OF_FILTER[column["filter"]]
        filter_type = _FILTER_TYPE[column["filter"]]
        for option in column["filterParams"]["filterOptions"]:
            condition = _sample_condition(filter_type, option["displayKey"],
                                          option["numberOfInputs"])  # fmt: skip
            grid_where({column["field"]: condition}, HISTORY_COLUMNS)  # no GridFilterError


def test_the_browser_never_filters_or_sorts_rows_itself():
    built = options()
    for column in built["columnDefs"]:
        predicates = {o["predicate"].js_code for o in column["filterParams"]["filterOptions"]}
        assert predicates == {"::JSCODE::function () { return true; }::JSCODE::"}
    assert "return 0" in built["defaultColDef"]["comparator"].js_code


def test_only_community_features_are_configured():
    text = json.dumps(options(), default=lambda o: o.js_code)
    for enterprise in (
        "agSetColumnFilter",
        "masterDetail",
        "rowGroup",
        "pivot",
        "sideBar",
        "enableRangeSelection",
        "cellSelection",
        "agMultiColumnFilter",
    ):
        assert enterprise not in text  # fmt: skip


def test_the_session_column_is_there_only_when_asked_for():
    fields = [c["field"] for c in options(show_session=False)["columnDefs"]]
    assert "session_name" not in fields
    assert fields[-1] == "attachment_count"
    assert [c["field"] for c in options()["columnDefs"]][-1] == "session_name"


def test_a_remounted_grid_starts_from_the_kept_filters_sort_and_selection():
    kept = GridState(
        filter_model={"subject": {"filterType": "text", "type": "contains", "filter": "x"}},
        sort_model=[{"colId": "requested_at", "sort": "asc"}],
        selected_send_id="S1",
    )
    built = options(kept)
    assert built["initialState"] == {
        "filter": {"filterModel": kept.filter_model},
        "sort": {"sortModel": kept.sort_model},
        "rowSelection": ["S1"],
    }
    assert built["context"]["restored"] == kept.to_browser()
    assert options()["initialState"] == {}


def test_browser_payloads_become_grid_states_and_junk_becomes_nothing():
    payload = {"filterModel": {"a": {}}, "sortModel": [{"colId": "a", "sort": "asc"}, 3],
               "selectedId": "S9"}  # fmt: skip
    assert GridState.from_browser(payload) == GridState(
        {"a": {}}, [{"colId": "a", "sort": "asc"}], "S9"
    )
    assert GridState.from_browser(None) is None
    assert GridState.from_browser({"filterModel": "x", "selectedId": 5}) == GridState()


def test_the_default_height_fits_a_few_rows_and_caps_at_about_fifteen():
    assert default_height(0) == 220
    assert default_height(5) == 2 * 36 + 5 * 34 + 18
    assert default_height(5000) == default_height(15)


def test_the_demo_page_runs_and_filters_through_the_browser_payload():
    app = AppTest.from_file("apps/grid_app.py", default_timeout=60)
    app.run()
    assert not app.exception
    assert any("5\u202f000 e-mails correspondent" in c.value for c in app.caption)
    invoices = sum(m["email_type"] == "facture" for m in synthetic_history(5000))
    app.session_state[component_key("history", "fr")] = {  # what the collector sends back
        "filterModel": {"subject": {"filterType": "text", "type": "contains", "filter": "facture"}},
        "sortModel": [], "selectedId": "S000001"}  # fmt: skip
    app.run()
    assert not app.exception
    assert any(c.value.startswith(f"{invoices} e-mails correspondent") for c in app.caption)
    assert "selected: `S000001`" in [m.value for m in app.markdown]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_column_fits_beside_the_sidebar_at_1440_pixels(lang: str) -> None:
    # 1440 px window − sidebar − page padding leaves ~978 px; keep room for a vertical scrollbar
    columns = options(lang=lang, show_session=True)["columnDefs"]
    least = sum(c.get("minWidth", c.get("width", 0)) for c in columns)
    assert least <= 960, least


def test_a_mail_sent_from_a_sales_opportunity_names_it_in_the_session_column():
    rows = pd.DataFrame(
        {
            "send_id": ["a", "b"],
            "requested_at": pd.to_datetime(["2026-03-01T10:00Z", "2026-03-02T10:00Z"]),
            "email_type": ["libre", "convocation"],
            "recipient_name": ["Ana", "Bo"],
            "recipient_email": ["ana@x.fr", "bo@x.fr"],
            "recipient_kind": ["client", "learner"],
            "subject": ["Devis", "Convocation"],
            "status": ["sent", "sent"],
            "attachment_count": [0, 1],
            "session_name": [None, "Excel – Lyon"],
            "opportunity_id": ["OPP-7", None],
        }
    )
    shown = grid_frame(
        rows, status_labels={}, type_labels={}, kind_labels={}, show_session=True,
        opportunity_label="Opportunité {}".format,
    )  # fmt: skip
    assert list(shown["session_name"]) == ["Opportunité OPP-7", "Excel – Lyon"]


def test_the_grid_never_receives_more_mails_than_its_cap_and_says_there_are_more(
    demo_env, monkeypatch
) -> None:
    # The Explore page over the 4,000-mail demo store, with AgGrid replaced by a recorder of the
    # frame it would send to the browser: every page's mail list goes through this call.
    handed: list[pd.DataFrame] = []

    def recording_aggrid(frame: pd.DataFrame, **_options: object) -> SimpleNamespace:
        handed.append(frame)
        return SimpleNamespace(raw_data=None)

    monkeypatch.setattr("ui.grid.history_grid.AgGrid", recording_aggrid)
    monkeypatch.chdir(ROOT)
    app = AppTest.from_file(str(ROOT / "pages/explore.py"), default_timeout=60)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    with demo_env.connect() as con:
        total = con.execute("SELECT count(*) FROM email_history").fetchone()[0]
    assert total > GRID_ROW_LIMIT
    assert [len(frame) for frame in handed] == [GRID_ROW_LIMIT]
    expected = count_line(total, GRID_ROW_LIMIT, "fr")
    assert expected.startswith(format_count(total, "fr")) and "plus récents" in expected
    assert expected in [c.value for c in app.caption]
