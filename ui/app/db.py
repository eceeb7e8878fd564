"""The dashboard's read access to the store: one snapshot reader per process, cached queries.

Every page pins the snapshot it reads at the top of its run (`snapshot_id()`), so that all its
queries see the same complete state even if an ingest publishes a new one meanwhile. Query
results are cached per snapshot: a new snapshot is new data, an old one never changes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, TypeVar

import streamlit as st

from pipeline.settings import Settings
from pipeline.store import SnapshotReader

P = ParamSpec("P")
R = TypeVar("R")


def settings() -> Settings:
    """The app's settings, from the environment (MAILTRAIL_DB, …); cheap, so read on each call."""
    return Settings.from_env()


@st.cache_resource(show_spinner=False)
def _reader(db_path: str, timezone: str) -> SnapshotReader:
    return SnapshotReader(db_path, timezone)


def reader() -> SnapshotReader:
    config = settings()
    return _reader(str(config.db_path.absolute()), config.timezone)


def snapshot_id() -> str:
    """The newest published snapshot; pin it for the whole page run."""
    return reader().latest_snapshot_id()


def cached_query(
    fn: Callable[..., R],
) -> Callable[..., R]:
    """Wrap `fn(con, *args)` as `wrapper(snapshot_id, *args)`, cached per snapshot and args."""

    def run(snapshot: str, *args: object, **kwargs: object) -> R:
        with reader().cursor(snapshot) as cur:
            return fn(cur, *args, **kwargs)

    # Streamlit keys its caches by function name and source: give each wrapper the query's own.
    run.__module__ = fn.__module__
    run.__qualname__ = f"cached:{fn.__qualname__}"
    run.__name__ = fn.__name__
    return st.cache_data(show_spinner=False, max_entries=256, ttl=3600)(run)
