"""Keep the store's rollups (migration 006: mails per day, per session day, per session, per
contact) current: after the touched mails' rows are written, recount what they touched.

One function, called wherever the mail rows are refreshed, so that the rollups follow that call
if it moves (one refresh per file or per batch of files alike)."""

from __future__ import annotations

import duckdb

from pipeline.rules.sql_files import run_sql_file


def refresh_rollups(con: duckdb.DuckDBPyConnection) -> None:
    """Recount the rollup rows of the days, sessions and contacts of the mails the last refresh
    touched (their old rows and new ones), set-based: delete those rows, insert them again."""
    run_sql_file(con, "refresh_rollups.sql")
