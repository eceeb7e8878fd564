"""The overview's figures, built once per content: building one plotly figure from its frame
takes 40-220 ms (ten of them a second or more per run of the page, measured on this 2-core
machine), serialising it a few. The frames come from the snapshot's cached queries, so a figure
keyed by its arguments (frames hashed by content) is rebuilt only when the data, the period, the
bucket or the language change."""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, TypeVar

import streamlit as st

P = ParamSpec("P")
R = TypeVar("R")


def cached_figure(builder: Callable[P, R]) -> Callable[P, R]:
    """`builder`, its figures kept per arguments. Kept as objects, not copies (a copy costs a
    third of a build): st.plotly_chart only reads the figure it is given."""
    return st.cache_resource(show_spinner=False, max_entries=128, ttl=3600)(builder)
