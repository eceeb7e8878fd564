"""What the writer says when the operating system or DuckDB fails it: the real cause, once.

A full disk shows up as OSError ENOSPC (the work copy, the journal, the fsync) or as a DuckDB
IO error (a write, the COMMIT, the checkpoint). Either way the user gets one sentence naming the
disk and the free space an ingest needs, and the published store is untouched (the writer only
ever wrote its private copy). A ROLLBACK after a failed COMMIT fails too ("no transaction is
active"): `abort_transaction` keeps that second error from hiding the first. Nothing here
parses inputs.
"""

from __future__ import annotations

import errno
import logging
import shutil
from pathlib import Path

import duckdb

from pipeline.errors import StoreError

log = logging.getLogger(__name__)

_DISK_FULL_WORDS = ("no space left on device", "disk is full", "disk full")


def abort_transaction(con: duckdb.DuckDBPyConnection) -> None:
    """ROLLBACK the open transaction, if DuckDB still has one: after a failed COMMIT it has
    already rolled back, and the error being raised is the one to report."""
    try:
        con.execute("ROLLBACK")
    except duckdb.Error as e:
        log.debug("no transaction left to roll back: %s", e)


def is_disk_full(error: BaseException) -> bool:
    """True for an OSError ENOSPC or EDQUOT, or a DuckDB error saying the disk is full."""
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    return isinstance(error, duckdb.Error) and any(
        words in str(error).lower() for words in _DISK_FULL_WORDS
    )


def disk_full_error(db_path: Path, doing: str) -> StoreError:
    """The one sentence for a disk that filled up while the writer was `doing` something."""
    folder = db_path.absolute().parent
    size = db_path.stat().st_size if db_path.exists() else 0
    free = shutil.disk_usage(folder).free
    # The work copy is the store once more, and an ingest adds to it (architecture.md: about
    # twice the store's size on disk while an ingest runs).
    needed = max(2 * size, 64 * 1024 * 1024)
    return StoreError(
        f"the disk holding {folder} is full ({_mb(free)} MB free) while {doing}: an ingest "
        f"needs at least {_mb(needed)} MB free there; the published store is unchanged, so free "
        "some space and run the ingest again"
    )


def os_error(db_path: Path, doing: str, error: OSError) -> StoreError:
    """A StoreError for any other OSError while `doing` something, in one sentence."""
    what = error.strerror or str(error)
    return StoreError(
        f"cannot write beside the store in {db_path.absolute().parent} while {doing}: {what}; "
        "the published store is unchanged"
    )


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):,.0f}"
