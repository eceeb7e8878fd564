"""Recognise an input file's format from its content, never from its name.

Looks at the first bytes (empty, binary, Parquet), then at the first JSON object or the CSV
header, and asks each registered reader whether it recognises it. A file nobody recognises is
refused with a message saying what Mailtrail expected.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from pipeline.errors import InputFileError
from pipeline.i18n.messages import Message, message
from pipeline.readers import READERS, ReaderSpec
from pipeline.readers.records import csv_layout, first_json_record

_HEAD_BYTES = 64 * 1024
_PARQUET_MAGIC = b"PAR1"


def detect_format(path: Path, readers: tuple[ReaderSpec, ...] = READERS) -> ReaderSpec:
    """The reader for this file, or InputFileError saying why none fits."""
    head = _head(path)
    if head.startswith(_PARQUET_MAGIC):
        return _match(path, "parquet", _parquet_columns(path), readers)
    if _is_binary(head):
        raise InputFileError(path, message("binary"))
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if not text:
        raise InputFileError(path, message("empty"))
    if text[0] in "[{":
        return _match(path, "json", _first_json_sample(path), readers)
    for spec in readers:
        # A column mapping may name its own delimiter or encoding: sniff the header read so.
        if spec.container == "csv" and (spec.delimiter or spec.encoding):
            own = csv_layout(path, spec.delimiter, spec.encoding).header
            if spec.recognises(frozenset(name.lower() for name in own)):
                return spec
    header = frozenset(name.lower() for name in csv_layout(path).header)
    return _match(path, "csv", header, readers)


def expected_formats(readers: tuple[ReaderSpec, ...] = READERS) -> str:
    """One line listing what Mailtrail reads, for refusal messages."""
    return "; ".join(spec.label for spec in readers)


def _match(path: Path, container: str, sample: Any, readers: tuple[ReaderSpec, ...]) -> ReaderSpec:
    for spec in readers:
        if spec.container == container and spec.recognises(sample):
            return spec
    raise InputFileError(path, _unrecognised(container, sample, readers))


def _unrecognised(container: str, sample: Any, readers: tuple[ReaderSpec, ...]) -> Message:
    expected = expected_formats(readers)
    if container == "json":
        keys = ", ".join(sorted(sample)[:12]) if isinstance(sample, dict) else type(sample).__name__
        return message("unrecognised_json", fields=keys, expected=expected)
    columns = ", ".join(sorted(sample)[:15])
    return message(
        "unrecognised_columns", kind=container.upper(), columns=columns, expected=expected
    )


def _head(path: Path) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(_HEAD_BYTES)
    except OSError as e:
        raise InputFileError(path, message("unreadable", detail=str(e.strerror or e))) from e


def _is_binary(head: bytes) -> bool:
    if b"\x00" in head:
        return True
    control = sum(1 for byte in head[:4096] if byte < 9 or 13 < byte < 32)
    return control > len(head[:4096]) * 0.05


def _first_json_sample(path: Path) -> Any:
    sample = first_json_record(path)
    if sample is None:
        raise InputFileError(path, message("invalid_json"))
    return sample


def _parquet_columns(path: Path) -> frozenset[str]:
    try:
        rows = duckdb.execute(
            "SELECT name FROM parquet_schema(?) WHERE name <> 'schema'", [str(path)]
        ).fetchall()
    except duckdb.Error as e:
        raise InputFileError(path, message("bad_parquet", detail=str(e))) from e
    return frozenset(str(r[0]).lower() for r in rows)
