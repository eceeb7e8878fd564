"""The Failed sends page's headline figures and the bar saying which group it is focused on
(with the buttons that widen it again)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pipeline.i18n import labels, t
from pipeline.i18n.numbers import format_count
from pipeline.rules.statuses import STATUS_COLOURS
from ui.app.figures import Tile, tiles
from ui.app.shell import Page

HANDLED_COLOUR = "#56B4E9"  # Okabe-Ito sky blue: not a status colour
GENERATION_KEY = "failed_generation"
MAIL_PARAM = "mail"


def failure_tile_items(
    categories: pd.DataFrame, addresses: pd.DataFrame, lang: str, total_addresses: int = 0
) -> list[Tile]:
    """Failed mails, of which undeliverable and send errors; addresses, of which handled."""
    mails = int(categories["mails"].sum()) if len(categories) else 0
    undeliverable = int(categories["undeliverable"].sum()) if len(categories) else 0
    errors = int(categories["send_errors"].sum()) if len(categories) else 0
    handled = int(addresses["handled"].sum()) if len(addresses) else 0
    # every address of the period, also those the table leaves out (failures_by_address's cap)
    count = max(total_addresses or 0, len(addresses))
    still_open = count - handled
    return [
        Tile(t("failed.tile.mails", lang), format_count(mails, lang), name="mails"),
        Tile(t("status.undeliverable", lang), format_count(undeliverable, lang),
             STATUS_COLOURS["undeliverable"], name="undeliverable"),
        Tile(t("status.send_error", lang), format_count(errors, lang),
             STATUS_COLOURS["send_error"], name="send_error"),
        Tile(t("failed.tile.addresses", lang), format_count(count, lang),
             name="addresses"),
        Tile(t("failed.tile.handled", lang), format_count(handled, lang), HANDLED_COLOUR,
             note=t("failed.tile.handled_note", lang, open=format_count(still_open, lang)),
             name="handled"),
    ]  # fmt: skip


def failure_tiles(
    view: Page, categories: pd.DataFrame, addresses: pd.DataFrame, total_addresses: int = 0
) -> None:
    tiles(failure_tile_items(categories, addresses, view.lang, total_addresses))


def focus_bar(view: Page, address: str | None, category: str | None) -> None:
    """ "Showing only …" with a button per focus that removes it, or nothing when unfocused."""
    if not address and not category:
        return
    parts = []
    if category:
        parts.append("**" + labels("bounce_category", view.lang).get(category, category) + "**")
    if address:
        parts.append(f"`{address}`")
    text, clear = st.columns([5, 1], vertical_alignment="center")
    text.markdown(view.t("failed.focused_on", focus=" · ".join(parts)))
    clear.button(
        view.t("failed.show_all"), key="failed_show_all", on_click=_clear, icon="✖️",
        width="stretch",
    )  # fmt: skip


def _clear() -> None:
    """Widen to the whole period: the tables start again without a selection."""
    for name in ("to", "category", MAIL_PARAM):
        if name in st.query_params:
            del st.query_params[name]
    st.session_state[GENERATION_KEY] = st.session_state.get(GENERATION_KEY, 0) + 1


def category_advice(view: Page, categories: pd.DataFrame, category: str | None) -> None:
    """What to do about the focused category, in full (the table cuts long actions short)."""
    row = (
        categories[categories["bounce_category"] == category] if category else categories.iloc[0:0]
    )
    if len(row):
        st.info(f"{row['action'].iloc[0]} {view.t('guidance.persists')}", icon="🛠️")
