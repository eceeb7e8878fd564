"""Read-only access to the published store for long-running processes (the dashboard).

The published file is immutable: the writer replaces it whole. Each generation is opened through
a private hard link with a name of its own, because DuckDB shares one database instance per path
within a process and would otherwise keep serving the first file it opened. Threads get their
own cursor on the generation they ask for; a generation is closed once it has been superseded
and nobody uses it. Nothing here writes to the store.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipeline.errors import StoreError

log = logging.getLogger(__name__)

RETIRE_GRACE_SECONDS = 60.0


@dataclass
class _Generation:
    snapshot_id: str
    path: Path
    con: duckdb.DuckDBPyConnection
    owns_link: bool
    users: int = 0
    retired_at: float | None = None
    closed: bool = field(default=False)


class SnapshotReader:
    """The latest published snapshot of one database file, for many threads at once."""

    def __init__(
        self,
        db_path: Path | str,
        timezone: str = "Europe/Paris",
        *,
        retire_grace_seconds: float = RETIRE_GRACE_SECONDS,
    ) -> None:
        self.db_path = Path(db_path).absolute()
        self.timezone = timezone
        # How long a superseded generation stays open for pages pinned to it after its last use.
        self.retire_grace_seconds = retire_grace_seconds
        self._lock = threading.Lock()
        self._current: _Generation | None = None
        self._retired: list[_Generation] = []
        self._link_dir = self.db_path.parent / f".{self.db_path.name}.readers" / str(os.getpid())
        _remove_dead_link_dirs(self._link_dir.parent)

    def latest_snapshot_id(self) -> str:
        """Identify the newest published generation (opening it if it is new)."""
        with self._lock:
            return self._refresh().snapshot_id

    @contextlib.contextmanager
    def cursor(self, snapshot_id: str | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor of this thread's own on `snapshot_id` if still open, else on the newest."""
        with self._lock:
            generation = self._find(snapshot_id) or self._refresh()
            generation.users += 1
        cur = generation.con.cursor()
        try:
            cur.execute(f"SET TimeZone = '{self.timezone}'")
            yield cur
        finally:
            cur.close()
            with self._lock:
                generation.users -= 1
                self._close_unused()

    def close(self) -> None:
        """Close every generation (tests and shutdown)."""
        with self._lock:
            for generation in [*self._retired, *([self._current] if self._current else [])]:
                _close(generation)
            self._retired.clear()
            self._current = None
        shutil.rmtree(self._link_dir, ignore_errors=True)

    def _find(self, snapshot_id: str | None) -> _Generation | None:
        if snapshot_id is None:
            return None
        for generation in [self._current, *self._retired]:
            if generation and generation.snapshot_id == snapshot_id and not generation.closed:
                return generation
        return None

    def _refresh(self) -> _Generation:
        try:
            stat = self.db_path.stat()
        except FileNotFoundError as e:
            raise StoreError(
                f"no Mailtrail database at {self.db_path}: build the demo with "
                "`python -m pipeline demo` or ingest files with `python -m pipeline ingest`"
            ) from e
        snapshot_id = f"{stat.st_ino}-{stat.st_mtime_ns}"
        if self._current and self._current.snapshot_id == snapshot_id:
            return self._current
        generation = self._open_generation(snapshot_id)
        if generation is None:
            assert self._current is not None
            return self._current
        if self._current and not self._current.closed:
            self._current.retired_at = time.monotonic()
            self._retired.append(self._current)
        self._current = generation
        self._close_unused()
        return generation

    def _open_generation(self, snapshot_id: str) -> _Generation | None:
        link = self._link_dir / f"{snapshot_id}.duckdb"
        try:
            self._link_dir.mkdir(parents=True, exist_ok=True)
            if not link.exists():
                os.link(self.db_path, link)
        except OSError as e:
            log.info(
                "cannot hard-link snapshots beside %s (%s); opening it directly", self.db_path, e
            )
            return self._open_direct(snapshot_id)
        return _Generation(snapshot_id, link, _connect(link, self.db_path), owns_link=True)

    def _open_direct(self, snapshot_id: str) -> _Generation | None:
        """Open the published file by its own name (a folder where we cannot make links).

        DuckDB hands out the instance it already has for a path while any connection to it is
        open, whatever file the path now names: a new file can only be opened once every direct
        generation is closed. Until the old one is idle the reader keeps serving it (None), whole
        and under its own id; then it closes it, grace period or not, and opens the new file.
        """
        direct = [
            g
            for g in [self._current, *self._retired]
            if g is not None and not g.owns_link and not g.closed
        ]
        if any(g.users for g in direct):
            return None
        for generation in direct:
            _close(generation)
        self._retired = [g for g in self._retired if not g.closed]
        return _Generation(
            snapshot_id, self.db_path, _connect(self.db_path, self.db_path), owns_link=False
        )

    def _close_unused(self) -> None:
        now = time.monotonic()
        keep = []
        for generation in self._retired:
            idle = generation.users == 0
            old = (
                generation.retired_at is not None
                and now - generation.retired_at > self.retire_grace_seconds
            )
            if idle and old:
                _close(generation)
            else:
                keep.append(generation)
        self._retired = keep


def _connect(path: Path, db_path: Path) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.Error as e:
        raise StoreError(f"cannot open {db_path} for reading: {e}") from e


def _close(generation: _Generation) -> None:
    if generation.closed:
        return
    generation.closed = True
    with contextlib.suppress(duckdb.Error):
        generation.con.close()
    if generation.owns_link:
        generation.path.unlink(missing_ok=True)


def _remove_dead_link_dirs(parent: Path) -> None:
    if not parent.is_dir():
        return
    for child in parent.iterdir():
        if child.name.isdigit() and not _pid_alive(int(child.name)):
            shutil.rmtree(child, ignore_errors=True)


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
