"""The store's schema: numbered SQL migrations and the version recorded in the database.

`migrate(con)` brings any Mailtrail database, empty or older, to the current version inside the
caller's transaction. A migration's version is the number its file name starts with (1, 2, 3, … with
no gap; a test checks it); the store's version is the highest one applied. It never
drops data; a migration that reshapes a table copies it.
"""

from __future__ import annotations

from importlib import resources

import duckdb

from pipeline.errors import StoreError

MIGRATIONS: tuple[str, ...] = (
    "001_initial.sql",
    "002_contract_views.sql",
    "003_vocabulary.sql",
    "004_message_codes.sql",
    "005_materialised_mails.sql",
    "006_reject_element.sql",
    "007_daily_rollups.sql",
)


def migration_version(name: str) -> int:
    """The version a migration file brings the store to: `004_message_codes.sql` → 4."""
    return int(name.split("_", 1)[0])


SCHEMA_VERSION = max(migration_version(name) for name in MIGRATIONS)


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The version of the schema in this database (0 when it has none)."""
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_meta'"
    ).fetchone()
    if not exists or not exists[0]:
        return 0
    row = con.execute("SELECT value FROM schema_meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Apply the migrations this database lacks; returns the version it is at now."""
    current = schema_version(con)
    if current > SCHEMA_VERSION:
        raise StoreError(
            f"the database is at schema version {current}, newer than this Mailtrail "
            f"({SCHEMA_VERSION}); upgrade Mailtrail"
        )
    if current == SCHEMA_VERSION:
        return current
    con.execute("CREATE TABLE IF NOT EXISTS schema_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    for name in sorted(MIGRATIONS, key=migration_version):
        if migration_version(name) > current:
            _apply(con, name)
    con.execute(
        "INSERT OR REPLACE INTO schema_meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)]
    )
    return SCHEMA_VERSION


def _apply(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Run one migration; a store it cannot bring forward (a value outside the vocabulary that
    003 now enforces, say) is a StoreError naming the migration, and the caller rolls back."""
    try:
        con.execute(_read_sql(name))
    except duckdb.Error as e:
        raise StoreError(f"the store cannot be migrated by {name}: {e}") from e


def _read_sql(name: str) -> str:
    return resources.files("pipeline.store").joinpath("sql", name).read_text(encoding="utf-8")
