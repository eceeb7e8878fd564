"""The history grid's words, all from the shared translation table (pipeline/i18n/grid.toml and
the status, mail type and recipient kind labels). No Streamlit here."""

from __future__ import annotations

from collections.abc import Callable

from pipeline.i18n import labels, t
from pipeline.i18n.numbers import format_count

Translate = Callable[..., str]


def status_labels(lang: str) -> dict[str, str]:
    return labels("status", lang)


def type_labels(lang: str) -> dict[str, str]:
    return labels("mail_type", lang)


def kind_labels(lang: str) -> dict[str, str]:
    return labels("recipient_kind", lang)


def filter_option_names(lang: str) -> dict[str, str]:
    """The names of the filter options (contains, inRange, …) in the header menus."""
    return labels("grid.filter", lang)


def ag_grid_locale(lang: str) -> dict[str, str]:
    """AG Grid's own words (its localeText)."""
    return labels("grid.locale", lang)


def count_line(
    total: int, shown: int, lang: str, translate: Translate = t, *, user_sorted: bool = False
) -> str:
    """The line above the grid: how many mails match, and how many the grid shows.

    The page shows the latest mails unless the user sorted on a column; then it shows the
    first ones in that order.
    """
    if total == 0:
        return translate("grid.count.none", lang)
    if total == 1:
        return translate("grid.count.one", lang)
    params = {"total": format_count(total, lang), "shown": format_count(shown, lang)}
    if shown >= total:
        return translate("grid.count.all", lang, **params)
    key = "grid.count.sorted" if user_sorted else "grid.count.some"
    return translate(key, lang, **params)
