"""Watching an inbox folder: ingest each file that lands there once it is complete.

A file is complete when its size and modification time have not changed for `settle_seconds`
(writers that can should write `name.part` or a hidden file and rename it when done: those are
never read). Files ready together are ingested in one writer session and published at once;
then each moves to `processed/`, or to `failed/` with a `.reason.txt` when it was refused as a
whole. A stop request (Ctrl-C, SIGTERM) finishes the file in hand, publishes, and returns.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from pipeline.errors import StoreError
from pipeline.ingest.files import load_file, refresh_loaded_mails
from pipeline.ingest.runs import FileReport
from pipeline.rules.sql_files import install_macros
from pipeline.settings import Settings
from pipeline.store import open_writer

log = logging.getLogger(__name__)

PROCESSED = "processed"
FAILED = "failed"
RETRY_SECONDS = 30.0
_IGNORED_SUFFIXES = (".part", ".tmp", ".partial", ".crdownload", ".reason.txt")


@dataclass
class _Seen:
    size: int
    mtime_ns: int
    stable_since: float


class Inbox:
    """The state of one watched folder: which files are ready, where they go afterwards."""

    def __init__(self, folder: Path, settle_seconds: float) -> None:
        self.folder = folder
        self.settle_seconds = settle_seconds
        self._seen: dict[Path, _Seen] = {}

    def ready_files(self, now: float | None = None) -> list[Path]:
        """Files whose size and mtime have been stable for settle_seconds, oldest first."""
        now = time.monotonic() if now is None else now
        ready = []
        present = set()
        for path in self._candidates():
            try:
                stat = os.lstat(path)  # a link's own metadata: links are refused, not followed
            except FileNotFoundError:
                continue
            present.add(path)
            seen = self._seen.get(path)
            if seen is None or (seen.size, seen.mtime_ns) != (stat.st_size, stat.st_mtime_ns):
                self._seen[path] = _Seen(stat.st_size, stat.st_mtime_ns, now)
            elif now - seen.stable_since >= self.settle_seconds:
                ready.append(path)
        self._seen = {p: s for p, s in self._seen.items() if p in present}
        return sorted(ready, key=lambda p: (self._seen[p].mtime_ns, p.name))

    @property
    def has_pending(self) -> bool:
        """Files seen but not yet judged complete: worth looking again soon."""
        return bool(self._seen)

    def unchanged_since_ready(self, path: Path) -> bool:
        """True when the file is still exactly as it was when it was judged complete."""
        seen = self._seen.get(path)
        try:
            stat = os.lstat(path)
        except FileNotFoundError:
            return False
        return seen is not None and (seen.size, seen.mtime_ns) == (stat.st_size, stat.st_mtime_ns)

    def file_away(self, path: Path, report: FileReport) -> Path:
        """Move an ingested file to processed/ (or failed/ with its reason)."""
        target_dir = self.folder / (FAILED if report.status == "refused" else PROCESSED)
        target_dir.mkdir(exist_ok=True)
        target = _free_name(target_dir / path.name)
        os.replace(path, target)
        if report.status == "refused":
            reason = target.with_name(target.name + ".reason.txt")
            # "x": never write through a link someone left under that name.
            with open(reason, "x", encoding="utf-8") as handle:
                handle.write(f"{report.message}\n")
        self._seen.pop(path, None)
        return target

    def _candidates(self) -> Iterator[Path]:
        """Every entry but folders (processed/, failed/, uploads/): symbolic links and special
        files too, which ingest_file refuses into failed/ with a reason instead of reading them
        or leaving them unexplained in the inbox."""
        for entry in os.scandir(self.folder):
            name = entry.name
            if name.startswith(".") or name.endswith(_IGNORED_SUFFIXES):
                continue
            if entry.is_dir(follow_symlinks=False):
                continue
            yield Path(entry.path)


def watch(
    folder: Path,
    settings: Settings,
    *,
    stop: threading.Event,
    poll_seconds: float = 1.0,
    settle_seconds: float = 2.0,
    on_report: Callable[[FileReport, Path], None] | None = None,
) -> None:
    """Ingest files landing in `folder` until `stop` is set."""
    folder.mkdir(parents=True, exist_ok=True)
    inbox = Inbox(folder, settle_seconds)
    wake = threading.Event()
    observer = _start_observer(folder, wake)
    try:
        while not stop.is_set():
            ready = inbox.ready_files()
            if ready and not _ingested_or_retry_later(inbox, ready, settings, stop, on_report):
                continue
            wake.wait(min(poll_seconds, settle_seconds / 2) if inbox.has_pending else poll_seconds)
            wake.clear()
    finally:
        observer.stop()
        observer.join(timeout=5)


def _ingested_or_retry_later(
    inbox: Inbox,
    ready: list[Path],
    settings: Settings,
    stop: threading.Event,
    on_report: Callable[[FileReport, Path], None] | None,
) -> bool:
    """Ingest the ready files; when the store cannot take them (a full disk, another writer for
    too long) say why and wait RETRY_SECONDS: the files stay in the inbox and the watcher keeps
    running, so ingestion resumes by itself once the cause is gone."""
    try:
        _ingest_batch(inbox, ready, settings, stop, on_report)
    except StoreError as e:
        log.error("%s; the inbox will be tried again in %.0f s", e, RETRY_SECONDS)
        stop.wait(RETRY_SECONDS)
        return False
    return True


def _ingest_batch(
    inbox: Inbox,
    ready: list[Path],
    settings: Settings,
    stop: threading.Event,
    on_report: Callable[[FileReport, Path], None] | None,
) -> None:
    loaded: list[tuple[Path, FileReport]] = []
    with open_writer(settings) as writer:
        install_macros(writer.con)
        for path in ready:
            if stop.is_set():
                break  # the file in hand is finished; the rest waits for the next start
            loaded.append((path, load_file(writer, path)))
        reports = refresh_loaded_mails(writer, [report for _, report in loaded])
    done: list[tuple[Path, FileReport]] = []
    for (path, _), report in zip(loaded, reports, strict=True):
        if inbox.unchanged_since_ready(path):
            done.append((path, report))
        else:
            log.warning("%s changed while it was being ingested; it will be read again", path)
    # Only once the store is published do files leave the inbox: a crash before this point
    # leaves them in place, and ingesting them again is harmless.
    for path, report in done:
        target = inbox.file_away(path, report)
        if on_report:
            on_report(report, target)


def _free_name(target: Path) -> Path:
    reason = target.with_name(target.name + ".reason.txt")
    if not os.path.lexists(target) and not os.path.lexists(reason):
        return target
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    return target.with_name(f"{target.stem}.{stamp}{target.suffix}")


class _Wake(FileSystemEventHandler):
    def __init__(self, wake: threading.Event) -> None:
        self._wake = wake

    def on_any_event(self, event: FileSystemEvent) -> None:
        self._wake.set()


def _start_observer(folder: Path, wake: threading.Event):  # type: ignore[no-untyped-def]
    observer = Observer()
    observer.schedule(_Wake(wake), str(folder), recursive=False)
    observer.daemon = True
    observer.start()
    return observer


@contextlib.contextmanager
def stop_on_signals() -> Iterator[threading.Event]:
    """An event set by SIGINT or SIGTERM, for the duration of the block."""
    stop = threading.Event()

    def handler(signum: int, _frame: object) -> None:
        name = signal.Signals(signum).name
        log.warning("received %s: finishing the file in hand, then stopping", name)
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
