"""The vocabulary, enforced: the store's CHECK constraints list exactly the values of
pipeline/rules/statuses.py, refuse anything else (at merge time, rolling the merge back), reach
older stores when they migrate, and admit everything the demo really stores."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from pipeline.errors import StoreError
from pipeline.ingest.merge import merge_events
from pipeline.ingest.validate import REJECTS_COLUMNS
from pipeline.readers.sendlog import _KINDS
from pipeline.rules.sql_files import install_macros
from pipeline.rules.statuses import BOUNCE_CATEGORIES, EVENTS, RECIPIENT_KINDS, STATUS_KEYS
from pipeline.store import SCHEMA_VERSION, migrate, schema_version
from pipeline.store.schema import MIGRATIONS, _read_sql
from tests.conftest import DemoStore

#: (table, column) → the Python tuple its CHECK constraint must list.
VOCABULARY: dict[tuple[str, str], tuple[str, ...]] = {
    ("mail_status", "status"): STATUS_KEYS,
    ("events", "event"): EVENTS,
    ("events", "bounce_category"): BOUNCE_CATEGORIES,
    ("mail_status", "bounce_category"): BOUNCE_CATEGORIES,
    ("sends", "recipient_kind"): RECIPIENT_KINDS,
}

_IN_LIST = re.compile(r'^\(?"?(\w+)"? IN \((.*)\)\)?$')


def _check_lists(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], tuple[str, ...]]:
    """Every `column IN ('a', 'b', ...)` CHECK constraint of the store, as DuckDB keeps it."""
    rows = con.execute(
        "SELECT table_name, expression FROM duckdb_constraints() WHERE constraint_type = 'CHECK'"
    ).fetchall()
    lists = {}
    for table, expression in rows:
        match = _IN_LIST.match(expression)
        assert match, f"unexpected CHECK constraint on {table}: {expression}"
        lists[(table, match.group(1))] = tuple(re.findall(r"'([^']*)'", match.group(2)))
    return lists


def _store(path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    migrate(con)
    return con


def test_store_constraints_list_exactly_the_python_vocabulary(tmp_path: Path) -> None:
    assert _check_lists(_store(tmp_path / "store.duckdb")) == VOCABULARY


def test_every_recipient_kind_alias_of_the_send_log_names_a_vocabulary_kind() -> None:
    found = duckdb.connect().execute(f"SELECT list(DISTINCT kind ORDER BY kind) FROM {_KINDS}")
    assert found.fetchone() == (sorted(RECIPIENT_KINDS),)


def test_store_refuses_a_status_outside_the_vocabulary(tmp_path: Path) -> None:
    con = _store(tmp_path / "store.duckdb")
    insert = (
        "INSERT INTO mail_status (mail_id, provider, has_send_log, status, open_count, "
        "machine_open_count, click_count, complained, unsubscribed) "
        "VALUES ('m1', 'brevo', true, ?, 0, 0, 0, false, false)"
    )
    con.execute(insert, ["delivered"])
    with pytest.raises(duckdb.ConstraintException, match="status"):
        con.execute(insert, ["lost_in_the_post"])
    assert con.execute("SELECT list(status) FROM mail_status").fetchone() == (["delivered"],)


def test_merging_an_event_outside_the_vocabulary_fails_and_rolls_back(tmp_path: Path) -> None:
    con = _store(tmp_path / "store.duckdb")
    install_macros(con)  # as every ingest does before it merges, with its stage's rejects
    con.execute(f"CREATE TEMP TABLE stage_rejects ({REJECTS_COLUMNS})")
    con.execute(
        """
        CREATE TEMP TABLE stage_events AS
        SELECT 'e1' AS event_id, 'c1' AS content_key, 'brevo' AS provider,
               '<m1@x>' AS provider_message_id, 'm1@x' AS message_key,
               'a@example.org' AS recipient_email, TIMESTAMPTZ '2026-01-05 10:00:00+00' AS event_at,
               'exploded' AS raw_event, 'exploded' AS event, NULL::VARCHAR AS bounce_kind,
               false AS is_machine_open, NULL::VARCHAR AS reason, NULL::VARCHAR AS smtp_code,
               NULL::VARCHAR AS enhanced_code, NULL::VARCHAR AS provider_class,
               NULL::VARCHAR AS bounce_category, NULL::VARCHAR AS subject,
               NULL::VARCHAR AS sender_email, NULL::VARCHAR AS url,
               NULL::VARCHAR AS provider_event_id, 1 AS line, '{}' AS raw
        """
    )
    con.execute("BEGIN TRANSACTION")
    with pytest.raises(duckdb.ConstraintException, match="event"):
        merge_events(con, run_id=1, source="bad.jsonl")
    con.execute("ROLLBACK")
    assert con.execute("SELECT count(*) FROM events").fetchone() == (0,)


def _version_2_store(path: Path, status: str) -> None:
    """A store as Mailtrail wrote it before the vocabulary was enforced, holding one mail."""
    old = duckdb.connect(str(path))
    old.execute("CREATE TABLE schema_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    for name in MIGRATIONS[:2]:
        old.execute(_read_sql(name))
    old.execute("INSERT INTO schema_meta VALUES ('schema_version', '2')")
    old.execute(
        "INSERT INTO mail_status (mail_id, provider, has_send_log, status, open_count, "
        "machine_open_count, click_count, complained, unsubscribed, bounce_category) "
        "VALUES ('m1', 'brevo', false, ?, 0, 0, 0, false, false, 'mailbox_full')",
        [status],
    )
    old.close()


def test_an_older_store_holding_a_value_outside_the_vocabulary_is_refused_unchanged(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.duckdb"
    _version_2_store(path, "bogus")
    con = duckdb.connect(str(path))
    con.begin()
    with pytest.raises(StoreError, match="003_vocabulary.sql"):
        migrate(con)
    con.rollback()
    assert schema_version(con) == 2
    assert con.execute("SELECT status FROM mail_status").fetchall() == [("bogus",)]


def test_an_older_store_gets_the_constraints_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    _version_2_store(path, "undeliverable")

    con = duckdb.connect(str(path))
    assert migrate(con) == SCHEMA_VERSION == schema_version(con)
    assert _check_lists(con) == VOCABULARY
    assert con.execute("SELECT send_id, status, bounce_category FROM email_history").fetchall() == [
        ("m1", "undeliverable", "mailbox_full")
    ]


def test_everything_the_demo_stores_is_in_the_vocabulary(demo_store: DemoStore) -> None:
    con = demo_store.connect()
    for (table, column), accepted in VOCABULARY.items():
        stored = {
            value
            for (value,) in con.execute(
                f"SELECT DISTINCT {column} FROM {table} WHERE {column} IS NOT NULL"
            ).fetchall()
        }
        assert stored, f"the demo stores no {table}.{column}: the check would prove nothing"
        assert stored <= set(accepted), (table, column, stored - set(accepted))
