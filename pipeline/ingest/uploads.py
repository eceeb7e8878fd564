"""Files uploaded through the Data page: where they are kept before (and after) their ingest.

Each upload gets its own folder, `<inbox>/uploads/<timestamp>/`, readable by its owner only, with
the original file names made safe: a name can never leave its folder, hide itself or collide with
another of the same upload. The inbox watcher reads only the inbox's top level, so it never takes
these files. Nothing here ingests or touches the store.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

UPLOADS = "uploads"
MAX_NAME = 120
_UNSAFE = re.compile(r"[^\w.\- ()+,@=]+")


def safe_file_name(name: str, default: str = "upload") -> str:
    """The last part of `name`, without folders, control characters, leading dots or spaces."""
    base = re.split(r"[/\\]", unicodedata.normalize("NFC", name))[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    base = _UNSAFE.sub("_", base).strip(" ._") or default
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    if len(base) > MAX_NAME:
        keep = MAX_NAME - len(suffix) - 1 if suffix else MAX_NAME
        base = f"{stem[:keep]}.{suffix}" if suffix else stem[:MAX_NAME]
    return base


def new_upload_folder(inbox_dir: Path, now: dt.datetime | None = None) -> Path:
    """A fresh private folder `<inbox>/uploads/<YYYY-MM-DD_HHMMSS>[-n]/`."""
    now = now or dt.datetime.now()
    parent = inbox_dir / UPLOADS
    parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = now.strftime("%Y-%m-%d_%H%M%S")
    for attempt in range(1, 1000):
        folder = parent / (stamp if attempt == 1 else f"{stamp}-{attempt}")
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            continue
        return folder
    raise FileExistsError(f"no free upload folder name under {parent} for {stamp}")


def save_uploads(
    files: Iterable[tuple[str, bytes]], folder: Path, *, subfolder: str | None = None
) -> list[Path]:
    """Write each (original name, content) into `folder` (or its `subfolder`), in order.

    Names are made safe with `safe_file_name`; a name already used in this upload gets
    ` (2)`, ` (3)`… before its extension. Returns the paths written.
    """
    target = folder / subfolder if subfolder else folder
    target.mkdir(parents=True, exist_ok=True, mode=0o700)
    written: list[Path] = []
    for name, content in files:
        path = _free_path(target / safe_file_name(name))
        with open(path, "xb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        written.append(path)
    return written


def _free_path(path: Path) -> Path:
    # lexists: a dangling link is a name already taken (and "xb" would refuse to write through it).
    if not os.path.lexists(path):
        return path
    for n in range(2, 10_000):
        candidate = path.with_name(f"{path.stem} ({n}){path.suffix}")
        if not os.path.lexists(candidate):
            return candidate
    raise FileExistsError(f"too many files named {path.name}")
