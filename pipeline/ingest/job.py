"""An ingest running in a background thread, that a page can follow and a rerun cannot cut short.

A page that ran `ingest_paths` in its own script would see it interrupted by any rerun the user
triggers meanwhile (the work discarded, the click replayed). An `IngestJob` runs it in a thread
of its own: the page only reads how far it got (files done, waiting for another writer) and its
outcome, and can come back to it from any later run. Nothing here imports Streamlit.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path

from pipeline.errors import PipelineError
from pipeline.ingest.files import ingest_paths
from pipeline.ingest.runs import FileReport
from pipeline.settings import Settings

log = logging.getLogger(__name__)


class IngestJob:
    """`ingest_paths(paths, settings, mapping=...)` in a daemon thread, observable from outside."""

    def __init__(
        self, paths: Sequence[Path], settings: Settings, *, mapping: Path | None = None
    ) -> None:
        self.paths = tuple(paths)
        self.settings = settings
        self.mapping = mapping
        self.done: list[FileReport] = []  # reports of the files finished so far, in order
        self.waiting = False  # queued behind another writer
        self.reports: tuple[FileReport, ...] | None = None
        self.error: Exception | None = None  # PipelineError, or whatever else stopped it
        self._finished = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mailtrail-ingest", daemon=True)

    def start(self) -> IngestJob:
        self._thread.start()
        return self

    @property
    def total(self) -> int:
        return len(self.paths)

    @property
    def finished(self) -> bool:
        return self._finished.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job is finished (or `timeout` seconds pass); True when finished."""
        return self._finished.wait(timeout)

    def _run(self) -> None:
        try:
            reports = ingest_paths(
                self.paths,
                self.settings,
                mapping=self.mapping,
                on_file=self._file_done,
                on_wait=self._waiting,
            )
            self.reports = tuple(reports)
            # The batch's status refresh, after the last file, completes each report (mails
            # changed): the progress list then shows the final reports too.
            self.done = list(reports)
        except PipelineError as e:  # reported to the page, which says it in plain words
            log.warning("ingest failed (files: %d): %s", len(self.paths), e)
            self.error = e
        except Exception as e:  # unexpected: kept for the page, with its traceback in the log
            log.exception("ingest failed (files: %d)", len(self.paths))
            self.error = e
        finally:
            self.waiting = False
            self._finished.set()

    def _file_done(self, report: FileReport) -> None:
        self.waiting = False
        self.done.append(report)

    def _waiting(self) -> None:
        self.waiting = True
