"""SQL conditions on a mail's status, built from the vocabulary of pipeline/rules/statuses.py.

Queries that count or select a set of statuses (the failed ones, the settled ones, …) take their
condition from here rather than writing the list again, so the set is defined once. The values
are the vocabulary's own constants, checked against STATUS_KEYS; user input never reaches here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pipeline.rules.statuses import STATUS_KEYS

_COLUMN = re.compile(r"^[a-z_][a-z0-9_.]*$")


def status_in(statuses: Iterable[str], column: str = "status") -> str:
    """`status IN ('a', 'b')` for these vocabulary statuses (ValueError for any other value)."""
    values = tuple(statuses)
    unknown = [value for value in values if value not in STATUS_KEYS]
    if unknown or not values:
        raise ValueError(f"not a non-empty set of mail statuses: {unknown or values!r}")
    if not _COLUMN.match(column):
        raise ValueError(f"not a column name: {column!r}")
    quoted = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({quoted})"
