"""Load the pipeline's SQL files (macros, normalisation, status rules) by name."""

from __future__ import annotations

from functools import cache
from importlib import resources

import duckdb

# Macro files every connection that stages or normalises data needs, in dependency order.
MACRO_FILES: tuple[str, ...] = ("macros.sql", "bounce_rules.sql")


@cache
def sql_text(name: str) -> str:
    """The text of pipeline/rules/sql/<name>."""
    return resources.files("pipeline.rules").joinpath("sql", name).read_text(encoding="utf-8")


def install_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Define the conversion and classification macros on this connection (temporary)."""
    for name in MACRO_FILES:
        con.execute(sql_text(name))


def run_sql_file(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Run every statement of pipeline/rules/sql/<name>."""
    con.execute(sql_text(name))
