"""The pipeline's exceptions: a small hierarchy that the CLI and the pages translate at the edges.

Every message names what the user must look at (the file, the line) and what went wrong.
"""

from __future__ import annotations

from pipeline.i18n.messages import Message


class PipelineError(Exception):
    """Base of every error the pipeline raises on purpose."""


class ConfigError(PipelineError):
    """A setting has a value Mailtrail cannot use."""


class InputFileError(PipelineError):
    """A whole input file is refused (unreadable, empty, binary, unrecognised format)."""

    def __init__(self, path: object, problem: Message) -> None:
        super().__init__(f"{path}: {problem.text}")
        self.path = str(path)
        self.message = problem  # the code and parameters, for the ingest history

    @property
    def problem(self) -> str:
        """What went wrong, in the recorded English."""
        return self.message.text


class StoreError(PipelineError):
    """The database could not be opened, migrated or written."""


class StoreBusyError(StoreError):
    """Another ingest holds the writer lock for longer than we are willing to wait."""


class QueryError(PipelineError):
    """A query was asked for something it cannot answer (unknown column, bad filter)."""


class GridFilterError(QueryError):
    """A grid filter or sort model that the grid could not have produced."""


class ExportError(PipelineError):
    """An export could not be written: nothing to export, too many rows, unwritable destination."""
