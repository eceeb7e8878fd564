"""The whitelist of grid columns: what each field the grid shows means in SQL on `mails`.

A grid field name (what AG Grid sends back in its filter and sort models) maps to fixed SQL
expressions and a kind that decides which filters apply. This table is the only place column
text for grid filtering and sorting comes from; it holds no user input and imports no Streamlit.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Literal

from pipeline.rules.statuses import BOUNCE_CATEGORIES, RECIPIENT_KINDS, STATUS_KEYS

ColumnKind = Literal["text", "date", "number", "boolean", "enum"]

_CODE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class GridColumn:
    """One filterable, sortable grid column.

    exprs: SQL expressions a filter tests; a row matches a positive text condition when any of
        them matches (the recipient cell shows a name and an address).
    kind: which filter model applies (text, date, number, boolean, enum).
    sort: SQL expression to sort by; by default the first expression (accent- and
        case-insensitively for text).
    order: for enums, the codes in their natural order, used for sorting.
    labels: for enums, code → label shown in the grid; text filters match the label.
    """

    exprs: tuple[str, ...]
    kind: ColumnKind
    sort: str | None = None
    order: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.exprs:
            raise ValueError("a grid column needs at least one SQL expression")
        bad = [code for code in self.order if not _CODE.match(code)]
        if bad:
            raise ValueError(f"enum codes must be plain identifiers: {bad}")

    def sort_expression(self) -> str:
        """The SQL text this column sorts by (fixed text from this whitelist only)."""
        if self.sort is not None:
            return self.sort
        first = self.exprs[0]
        if self.kind == "text":
            return f"strip_accents(lower({first}))"
        if self.kind == "enum" and self.order:
            ranks = " ".join(f"WHEN '{code}' THEN {rank}" for rank, code in enumerate(self.order))
            return f"CASE {first} {ranks} ELSE {len(self.order)} END"
        return first


def _text(*exprs: str, sort: str | None = None) -> GridColumn:
    return GridColumn(exprs=exprs, kind="text", sort=sort)


def _enum(expr: str, *order: str) -> GridColumn:
    return GridColumn(exprs=(expr,), kind="enum", order=order)


STATUS_CODES = STATUS_KEYS

HISTORY_COLUMNS: Mapping[str, GridColumn] = MappingProxyType(
    {
        "send_id": _text("CAST(send_id AS VARCHAR)"),
        "requested_at": GridColumn(exprs=("requested_at",), kind="date"),
        "email_type": _enum("email_type"),
        # Sorted by the key the store prepares: the name (else the address), folded.
        "recipient": _text("recipient_name", "recipient_email", sort="recipient_sort"),
        "recipient_name": _text("recipient_name"),
        "recipient_email": _text("recipient_email"),
        "recipient_domain": _text("recipient_domain"),
        "recipient_kind": _enum("recipient_kind", *RECIPIENT_KINDS),
        "contact_id": _text("CAST(contact_id AS VARCHAR)"),
        "subject": _text("subject"),
        "status": _enum("status", *STATUS_CODES),
        "status_at": GridColumn(exprs=("status_at",), kind="date"),
        "delivered_at": GridColumn(exprs=("delivered_at",), kind="date"),
        "first_opened_at": GridColumn(exprs=("first_opened_at",), kind="date"),
        "attachment_count": GridColumn(exprs=("attachment_count",), kind="number"),
        "open_count": GridColumn(exprs=("open_count",), kind="number"),
        "machine_open_count": GridColumn(exprs=("machine_open_count",), kind="number"),
        "click_count": GridColumn(exprs=("click_count",), kind="number"),
        "session_id": _text("CAST(session_id AS VARCHAR)"),
        "session_name": _text("session_name", "opportunity_id"),
        "opportunity_id": _text("CAST(opportunity_id AS VARCHAR)"),
        "provider": _text("provider"),
        "provider_message_id": _text("provider_message_id"),
        "sender_email": _text("sender_email"),
        "complained": GridColumn(exprs=("complained",), kind="boolean"),
        "unsubscribed": GridColumn(exprs=("unsubscribed",), kind="boolean"),
        "has_send_log": GridColumn(exprs=("has_send_log",), kind="boolean"),
        "last_reason": _text("last_reason"),
        "smtp_code": _text("CAST(smtp_code AS VARCHAR)"),
        "bounce_category": _enum("bounce_category", *BOUNCE_CATEGORIES),
    }
)


def with_labels(
    columns: Mapping[str, GridColumn], labels: Mapping[str, Mapping[str, str]]
) -> dict[str, GridColumn]:
    """A copy of `columns` whose enum columns match text filters against these labels.

    `labels` maps a grid field to {code: label} in the user's language, e.g.
    {"status": {"opened": "Reçu et ouvert", ...}}. Fields that are not enums are refused.
    """
    out = dict(columns)
    for name, mapping in labels.items():
        column = columns.get(name)
        if column is None or column.kind != "enum":
            raise ValueError(f"{name!r} is not an enum column of this grid")
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()):
            raise ValueError(f"labels of {name!r} must map strings to strings")
        out[name] = replace(column, labels=MappingProxyType(dict(mapping)))
    return out
