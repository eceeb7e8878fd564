"""What the history grid asks for, as one typed, frozen, hashable value: `GridQuery`.

The UI builds a GridQuery from the grid's state (AG Grid's filter and sort models, the pickers
above the grid, the user's language) and hands it unchanged to the pipeline's queries and
exports; only they compile it, through grid_sql and the column whitelist of grid_columns, into
SQL with bound parameters. The UI never sees a WHERE or ORDER BY. The models are kept as
canonical JSON text, so that equal states make equal, hashable queries a cache can key on.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Any

from pipeline.errors import GridFilterError
from pipeline.filters.grid_columns import HISTORY_COLUMNS, GridColumn, with_labels
from pipeline.filters.grid_sql import Fragment, grid_condition, grid_order
from pipeline.i18n import labels

__all__ = ["GridFilterError", "GridQuery", "history_columns"]

Selections = tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class GridQuery:
    """The grid's header filters, sort and picker selections over `email_history`, in `lang`.

    filter_json, sort_json: AG Grid's filter model ({field: model}) and sort model
        ([{colId, sort}]) as canonical JSON; build with `from_grid`.
    selections: (field, codes) pairs of the multi-selects above the grid.
    lang: the language of the labels an enum column's text filter matches.
    """

    filter_json: str = "{}"
    sort_json: str = "[]"
    selections: Selections = ()
    lang: str = "fr"

    @classmethod
    def from_grid(
        cls,
        filter_model: Mapping[str, Any] | None = None,
        sort_model: Sequence[Mapping[str, Any]] | None = None,
        *,
        selections: Mapping[str, Sequence[str]] | None = None,
        lang: str = "fr",
    ) -> GridQuery:
        """The query of a grid state; GridFilterError when the models are not JSON values."""
        return cls(
            filter_json=_canonical(filter_model if filter_model is not None else {}),
            sort_json=_canonical(sort_model if sort_model is not None else []),
            selections=_frozen_selections(selections or {}),
            lang=lang,
        )

    @property
    def filter_model(self) -> Any:
        """AG Grid's filter model, as the grid sent it (a fresh copy)."""
        return json.loads(self.filter_json)

    @property
    def sort_model(self) -> Any:
        """AG Grid's sort model, as the grid sent it (a fresh copy)."""
        return json.loads(self.sort_json)

    def where(self) -> Fragment | None:
        """The SQL condition (no WHERE keyword) and its parameters; None when nothing filters.

        Raises GridFilterError for a model the grid could not have produced.
        """
        selections = {name: list(codes) for name, codes in self.selections}
        return grid_condition(self.filter_model, history_columns(self.lang), selections=selections)

    def order_by(self) -> str:
        """The ORDER BY list (no keyword), whitelisted column expressions only."""
        return grid_order(self.sort_model, history_columns(self.lang))

    def is_filtered(self) -> bool:
        """Whether the header filters or selections narrow the mails at all."""
        return self.where() is not None

    def check(self) -> GridQuery:
        """This query, once it is known to compile; GridFilterError otherwise."""
        self.where()
        self.order_by()
        return self


@cache
def history_columns(lang: str) -> Mapping[str, GridColumn]:
    """The history grid's whitelist, its enum columns matching the labels of `lang`."""
    return MappingProxyType(with_labels(HISTORY_COLUMNS, {
        "status": labels("status", lang),
        "email_type": labels("mail_type", lang),
        "recipient_kind": labels("recipient_kind", lang),
    }))  # fmt: skip


def _canonical(model: Any) -> str:
    try:
        return json.dumps(model, sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError) as e:
        raise GridFilterError(f"a grid model must be plain JSON: {e}") from e


def _frozen_selections(selections: Mapping[str, Sequence[str]]) -> Selections:
    if not isinstance(selections, Mapping):
        raise GridFilterError("selections must map a column to a list of codes")
    frozen = []
    for name, codes in selections.items():
        if not isinstance(codes, list | tuple) or not all(isinstance(c, str) for c in codes):
            raise GridFilterError(f"the selection of {name!r} must be a list of strings")
        frozen.append((str(name), tuple(codes)))
    return tuple(sorted(frozen))
