"""What an input file must be before anything reads it: a regular file, of a bearable size.

A symbolic link in an ingested folder or the inbox could make Mailtrail read, and quote in the
ingest history, a file nobody meant to give it (`ln -s /etc/shadow inbox/x.csv`); a FIFO or a
device would block or never end. They are refused from their own metadata (`lstat`, which never
follows a link nor opens the file), so a refusal never quotes their content. Nothing here reads
a file's bytes or touches the store.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from pipeline.i18n.messages import Message, message
from pipeline.settings import InputLimits

# stat's file-type tests, with the English word the recorded message uses.
_KINDS = (
    (stat.S_ISLNK, "symlink", "symbolic link"),
    (stat.S_ISFIFO, "fifo", "named pipe (FIFO)"),
    (stat.S_ISCHR, "device", "device"),
    (stat.S_ISBLK, "device", "device"),
    (stat.S_ISSOCK, "socket", "socket"),
)


def refusal_before_reading(path: Path, limits: InputLimits) -> Message | None:
    """Why `path` must not be read at all (not a regular file, too large), or None.

    OSError when it cannot even be looked at (gone, no permission)."""
    info = os.lstat(path)
    if not stat.S_ISREG(info.st_mode):
        return not_a_regular_file(info.st_mode)
    if info.st_size > limits.file_bytes:
        return message(
            "file_too_large",
            size_mb=f"{info.st_size / (1024 * 1024):,.0f}",
            limit_mb=f"{limits.file_bytes / (1024 * 1024):,.0f}",
        )
    return None


def not_a_regular_file(mode: int) -> Message:
    """The refusal of a file of this mode (a link, a FIFO, a device…), naming only its kind."""
    for is_kind, code, words in _KINDS:
        if is_kind(mode):
            return message("not_a_regular_file", kind=words, kind_code=code)
    return message("not_a_regular_file", kind="special file", kind_code="other")


def is_directory(path: Path) -> bool:
    """A real folder, not a link to one (links are refused like any other, never followed)."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False
