"""The DuckDB store: schema and migrations, the single publishing writer, snapshot readers.

Writers go through `open_writer`; long-running readers through `SnapshotReader`; one-off readers
(tools, tests, analysts) may simply `duckdb.connect(path, read_only=True)` on the published file.
"""

from pipeline.store.failures import abort_transaction, disk_full_error, is_disk_full
from pipeline.store.reader import SnapshotReader
from pipeline.store.schema import SCHEMA_VERSION, migrate, schema_version
from pipeline.store.writer import Writer, open_writer

__all__ = [
    "SCHEMA_VERSION",
    "SnapshotReader",
    "Writer",
    "abort_transaction",
    "disk_full_error",
    "is_disk_full",
    "migrate",
    "open_writer",
    "schema_version",
]
