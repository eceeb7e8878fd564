"""Compact figures for the support pages: a row of tiles (a number, its label, a colour bar) and
the mails of a selection by type, coloured by status.

The tiles are drawn as plain HTML (st.html, sanitized by Streamlit): every value is escaped here
and every colour comes from pipeline.rules.statuses. The frames they draw are built by pure
functions (`status_tile_items`, `type_status_frame`) that tests can check without a browser.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from pipeline.i18n import labels
from pipeline.i18n.numbers import format_count
from pipeline.rules.statuses import MAIL_TYPES, STATUS_COLOURS, STATUS_KEYS
from ui.app.shell import Page

NEUTRAL = "#5B6270"
_CSS = """
<style>
.mt-tiles{display:flex;flex-wrap:wrap;gap:10px;margin:2px 0 10px 0}
.mt-tile{flex:1 1 128px;min-width:118px;max-width:260px;border:1px solid rgba(49,51,63,.14);
 border-top:5px solid var(--mt-colour);border-radius:8px;padding:8px 12px 9px 12px;
 background:rgba(250,250,252,.6)}
.mt-tile-value{font-size:1.55rem;font-weight:650;line-height:1.2;font-variant-numeric:tabular-nums}
.mt-tile-label{font-size:.86rem;opacity:.85;line-height:1.25}
.mt-tile-note{font-size:.78rem;opacity:.62;margin-top:2px}
</style>
"""


@dataclass(frozen=True)
class Tile:
    """One figure: its label, its value (already formatted), a colour, an optional small note."""

    label: str
    value: str
    colour: str = NEUTRAL
    note: str = ""
    name: str = ""  # stable identifier for tests and the browser (data-tile)


def tiles(items: Sequence[Tile]) -> None:
    """Draw the tiles in one row (wrapping on narrow screens)."""
    st.html(_CSS + tiles_html(items))


def tiles_html(items: Sequence[Tile]) -> str:
    """The tiles' HTML, every text escaped."""
    parts = []
    for item in items:
        note = f'<div class="mt-tile-note">{html.escape(item.note)}</div>' if item.note else ""
        parts.append(
            f'<div class="mt-tile" data-tile="{html.escape(item.name)}" '
            f'style="--mt-colour:{_colour(item.colour)}">'
            f'<div class="mt-tile-value">{html.escape(item.value)}</div>'
            f'<div class="mt-tile-label">{html.escape(item.label)}</div>{note}</div>'
        )
    return f'<div class="mt-tiles">{"".join(parts)}</div>'


def status_tile_items(counts: Mapping[str, int], lang: str) -> list[Tile]:
    """One tile per status, in the statuses' order, with its share of all the mails."""
    total = sum(counts.values())
    names = labels("status", lang)
    return [
        Tile(
            label=names[status],
            value=format_count(int(counts.get(status, 0)), lang),
            colour=STATUS_COLOURS[status],
            note=_share(int(counts.get(status, 0)), total, lang),
            name=status,
        )
        for status in STATUS_KEYS
    ]


def status_tiles(view: Page, counts: Mapping[str, int]) -> None:
    tiles(status_tile_items(counts, view.lang))


def type_status_frame(counts: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Rows of type_status_counts with labels: type (label), status (key), label, mails; the
    types in the order of a training's life, mails of no known type last."""
    types, statuses = labels("mail_type", lang), labels("status", lang)
    order = {code: i for i, code in enumerate(MAIL_TYPES)}
    frame = counts.copy()
    frame["type_order"] = frame["email_type"].map(lambda c: order.get(c, len(order)))
    frame["type"] = frame["email_type"].map(
        lambda c: types.get(c, c) if isinstance(c, str) else "—"
    )
    frame["label"] = frame["status"].map(lambda s: statuses.get(s, s))
    frame["status_order"] = frame["status"].map(
        lambda s: STATUS_KEYS.index(s) if s in STATUS_KEYS else 99
    )
    frame = frame.sort_values(["type_order", "status_order"]).reset_index(drop=True)
    return frame[["type", "status", "label", "mails"]]


def type_status_chart(view: Page, counts: pd.DataFrame, *, key: str) -> None:
    """Horizontal bars, one per mail type, split by status in the status colours."""
    frame = type_status_frame(counts, view.lang)
    if frame.empty:
        return
    types = list(dict.fromkeys(frame["type"]))
    figure = go.Figure()
    for status in STATUS_KEYS:
        part = frame[frame["status"] == status]
        if part.empty:
            continue
        figure.add_bar(
            y=part["type"], x=part["mails"], name=part["label"].iloc[0], orientation="h",
            marker_color=STATUS_COLOURS[status],
            hovertemplate="%{y} · %{fullData.name} : %{x}<extra></extra>",
        )  # fmt: skip
    figure.update_layout(
        barmode="stack",
        height=64 + 24 * len(types),
        margin={"l": 0, "r": 10, "t": 26, "b": 0},
        legend={
            "orientation": "h",
            "y": 1.0,
            "yanchor": "bottom",
            "x": 0,
            "title": None,
            "traceorder": "normal",
        },
        yaxis={"categoryorder": "array", "categoryarray": types[::-1], "title": None},
        xaxis={"title": None, "rangemode": "tozero"},
        bargap=0.28,
        separators=", " if view.lang == "fr" else ".,",
    )
    st.plotly_chart(figure, key=key, config={"displayModeBar": False})


def _share(part: int, total: int, lang: str) -> str:
    if not total:
        return ""
    value = 100 * part / total
    text = f"{value:.0f}" if value >= 10 or value == 0 else f"{value:.1f}"
    return f"{text.replace('.', ',')} %" if lang == "fr" else f"{text}%"


def _colour(colour: str) -> str:
    """Only a #hex colour reaches the style attribute."""
    ok = (
        colour.startswith("#")
        and len(colour) in (4, 7)
        and all(c in "0123456789abcdefABCDEF" for c in colour[1:])
    )
    return colour if ok else NEUTRAL
