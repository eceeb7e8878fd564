"""Drill-down: from a number or a chart segment to the Explore page, filtered to exactly its mails.

A chart point carries its segment as JSON in `customdata` (`segment_data(...)`); a click turns
it back into a MailFilter (`segment_from_point`) and `open_explore` switches to the Explore page
with the filter (and the language) in the URL, so the link can be shared as it is.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any

import streamlit as st

from pipeline.filters.mail_filter import MailFilter
from pipeline.filters.periods import Period
from pipeline.queries.overview import segment_filter

# Zooming a category axis or drawing a selection box means nothing here; a click is the action.
_UNUSED_TOOLS = ["select2d", "lasso2d", "zoom2d", "pan2d", "zoomIn2d", "zoomOut2d", "autoScale2d"]

#: The page every drill-down opens (its url_path is "explore"; it reads MailFilter from the URL).
EXPLORE_PAGE = "pages/explore.py"


def explore_query_params(mail_filter: MailFilter, lang: str) -> dict[str, str]:
    """The Explore URL's parameters for these mails, in this language."""
    return {**mail_filter.to_query_params(), "lang": lang}


def open_explore(mail_filter: MailFilter, lang: str) -> None:
    """Switch to the Explore page showing exactly these mails (does not return)."""
    st.switch_page(EXPLORE_PAGE, query_params=explore_query_params(mail_filter, lang))


def explore_button(
    label: str, mail_filter: MailFilter, lang: str, *, key: str, help: str | None = None
) -> None:
    """A link-like button that opens Explore on these mails."""
    if st.button(label, key=key, type="tertiary", icon=":material/manage_search:", help=help):
        open_explore(mail_filter, lang)


def segment_data(
    period: Period | None = None,
    *,
    count: int,
    dimension: str | None = None,
    value: Any = None,
    others: tuple[str, ...] = (),
    **changes: Any,
) -> str:
    """A chart point's `customdata`: the segment it stands for, and how many mails it counts,
    as JSON."""
    spec: dict[str, Any] = {k: list(v) if isinstance(v, tuple) else v for k, v in changes.items()}
    spec["count"] = int(count)
    if period is not None:
        spec["start"], spec["end"] = period.start.isoformat(), period.end.isoformat()
    if dimension is not None:
        spec["dimension"], spec["value"] = dimension, value
    if others:
        spec["others"] = list(others)
    return json.dumps(spec, ensure_ascii=False, sort_keys=True)


def segment_from_point(base: MailFilter, point: Mapping[str, Any]) -> MailFilter | None:
    """The filter of a clicked point, or None when the point carries no segment."""
    data = point.get("customdata")
    if isinstance(data, list):
        data = data[0] if data else None
    if not isinstance(data, str):
        return None
    spec = json.loads(data)
    spec.pop("count", None)
    period = None
    if "start" in spec:
        period = Period(
            dt.date.fromisoformat(spec.pop("start")), dt.date.fromisoformat(spec.pop("end"))
        )
    dimension = spec.pop("dimension", None)
    value = spec.pop("value", None)
    others = tuple(spec.pop("others", ()))
    changes = {k: tuple(v) if isinstance(v, list) else v for k, v in spec.items()}
    return segment_filter(
        base, period=period, dimension=dimension, value=value, others=others, **changes
    )


def drill_chart(
    figure: Any, base: MailFilter, lang: str, *, key: str, scope: object = None
) -> None:
    """Draw a plotly chart whose clicks open Explore on the clicked segment's mails. `scope`
    (what the chart shows: period, filter…) is part of its key, so that a selection made on
    other data never carries over."""
    digest = hashlib.sha1(repr(scope).encode()).hexdigest()[:10]
    event = st.plotly_chart(
        figure,
        key=f"{key}::{digest}",
        on_select="rerun",
        selection_mode="points",
        config={"displaylogo": False, "modeBarButtonsToRemove": _UNUSED_TOOLS},
    )
    selection: Mapping[str, Any] = event.get("selection", {}) if event else {}
    points = selection.get("points", [])
    for point in points:
        target = segment_from_point(base, point)
        if target is not None:
            open_explore(target, lang)
