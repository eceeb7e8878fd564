"""The two yardsticks an ingest is compared with, on the very files it ingested: the floor
(DuckDB's own readers, `read_json` / `read_csv` of each file into a plain table) and the peer
(pandas `read_json(lines=True)` / `read_csv`, then the frame into a table of a DuckDB file).

Both are child steps: they parse and store, nothing more — no mapping, validation, de-duplication
or statuses — so an ingest within a small multiple of the floor wastes little.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any


def duckdb_floor(files: list[dict[str, Any]], db_path: str) -> dict[str, Any]:
    """Child step: each file into its own table of a fresh DuckDB file, then a checkpoint."""
    import duckdb

    con = duckdb.connect(db_path)
    per_file = []
    for i, file in enumerate(files):
        started = time.perf_counter()
        try:
            con.execute(f"CREATE TABLE t{i} AS {_duckdb_select(file)}", [file["path"]])
            rows = _rows(con, f"t{i}")
            error = None
        except duckdb.Error as e:
            rows, error = 0, str(e).splitlines()[0]
        per_file.append(_entry(file, started, rows, error))
    started = time.perf_counter()
    con.execute("CHECKPOINT")
    con.close()
    return {"files": per_file, "checkpoint_s": time.perf_counter() - started}


def _duckdb_select(file: dict[str, Any]) -> str:
    if file["kind"] == "csv":
        return "SELECT * FROM read_csv(?)"  # DuckDB sniffs the delimiter, quoting and types
    if file["layout"] == "batches":  # one JSON array of events a line (SendGrid's webhooks)
        return (
            "SELECT unnest(json, max_depth := 2) "
            "FROM read_json(?, format = 'newline_delimited', records = false)"
        )
    return "SELECT * FROM read_json(?)"


def pandas_peer(files: list[dict[str, Any]], db_path: str) -> dict[str, Any]:
    """Child step: each file into a pandas frame, then into its own table of a DuckDB file."""
    import duckdb
    import pandas as pd

    con = duckdb.connect(db_path)
    per_file = []
    for i, file in enumerate(files):
        started = time.perf_counter()
        try:
            frame = _pandas_frame(pd, file)
            con.register("frame", frame)
            con.execute(f"CREATE TABLE t{i} AS SELECT * FROM frame")
            con.unregister("frame")
            rows, error = _rows(con, f"t{i}"), None
        except (ValueError, TypeError, duckdb.Error) as e:  # pandas' and DuckDB's refusals
            rows, error = 0, f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
        per_file.append(_entry(file, started, rows, error))
    started = time.perf_counter()
    con.execute("CHECKPOINT")
    con.close()
    return {"files": per_file, "checkpoint_s": time.perf_counter() - started}


def _pandas_frame(pd: Any, file: dict[str, Any]) -> Any:
    path = file["path"]
    encoding = "cp1252" if file["encoding"] == "cp1252" else "utf-8-sig"
    if file["kind"] == "csv":
        return pd.read_csv(path, sep=file["delimiter"], encoding=encoding)
    if file["layout"] == "records":
        return pd.read_json(path, lines=True, encoding=encoding)
    if file["layout"] == "document":
        return pd.read_json(path, encoding=encoding)
    # Lines that are JSON arrays: pandas reads each array as one row, so flatten them first.
    with open(path, encoding=encoding) as handle:
        events = [event for line in handle if line.strip() for event in json.loads(line)]
    return pd.DataFrame.from_records(events)


def _rows(con: Any, table: str) -> int:
    return int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])


def _entry(file: dict[str, Any], started: float, rows: int, error: str | None) -> dict[str, Any]:
    return {
        "file": Path(file["path"]).name,
        "encoding": file["encoding"],
        "seconds": time.perf_counter() - started,
        "rows": rows,
        "error": error,
    }
