"""Install the bounce rules — SQL macros that explain why a mail failed — into a DuckDB connection.

The rules themselves live in sql/bounce_rules.sql (read its header: the macros, what each reader
must supply as `provider_class`, and the order in which a category is chosen). They run set-based
inside DuckDB after staging; this module never classifies a row in Python.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.rules.statuses import BOUNCE_CATEGORIES

if TYPE_CHECKING:
    import duckdb

__all__ = ["BOUNCE_CATEGORIES", "CATEGORISED_EVENTS", "install_bounce_macros"]

SQL_PATH = Path(__file__).parent / "sql" / "bounce_rules.sql"

#: Events that carry a bounce category: failures and deferrals.
CATEGORISED_EVENTS: tuple[str, ...] = ("deferred", "bounced", "blocked", "rejected", "failed")


def install_bounce_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Create (or replace) the bounce macros in `con`; safe to call more than once."""
    con.execute(bounce_rules_sql())


@cache
def bounce_rules_sql() -> str:
    """The text of sql/bounce_rules.sql."""
    return SQL_PATH.read_text(encoding="utf-8")
