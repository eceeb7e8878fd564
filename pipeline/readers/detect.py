"""Recognise an input file's format from its content, never from its name.

Looks at the first bytes (empty, binary, Parquet), then at the first few JSON records or the
CSV header, and asks each registered reader whether it recognises them: the reader most of the
sampled records agree on reads the file, so one odd or broken first record does not refuse it
(that record is refused alone, with its own reason, when the file is read). A file nobody
recognises is refused with a message saying what Mailtrail expected.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from pipeline.errors import InputFileError
from pipeline.i18n.messages import Message, message
from pipeline.readers import READERS, ReaderSpec
from pipeline.readers.records import csv_layout, json_samples
from pipeline.settings import InputLimits

_HEAD_BYTES = 64 * 1024
_PARQUET_MAGIC = b"PAR1"
# A text file may hold a stray control character or NUL byte (that line is then refused alone);
# a file whose head is more than this share of them is binary.
_BINARY_SHARE = 0.05


def detect_format(
    path: Path, readers: tuple[ReaderSpec, ...] = READERS, limits: InputLimits | None = None
) -> ReaderSpec:
    """The reader for this file, or InputFileError saying why none fits."""
    head = _head(path)
    if head.startswith(_PARQUET_MAGIC):
        return _match(path, "parquet", _parquet_columns(path), readers)
    binary = binary_evidence(head)
    if binary is not None:
        raise InputFileError(path, binary)
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if not text:
        raise InputFileError(path, message("empty"))
    if text[0] in "[{":
        return _match_json(path, _json_samples(path, limits or InputLimits()), readers)
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


def _match_json(path: Path, samples: list[Any], readers: tuple[ReaderSpec, ...]) -> ReaderSpec:
    """The JSON reader that recognises most of the sampled records (on a tie, the one that
    recognised the earliest): each record votes for the first reader recognising it."""
    votes: dict[int, int] = {}
    for sample in samples:
        for index, spec in enumerate(readers):
            if spec.container == "json" and spec.recognises(sample):
                votes[index] = votes.get(index, 0) + 1
                break
    if not votes:
        raise InputFileError(path, _unrecognised("json", samples[0], readers))
    return readers[max(votes, key=lambda index: votes[index])]


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


_CONTROL_BYTES = bytes(b for b in range(32) if b not in b"\t\n\v\f\r")


def binary_evidence(head: bytes) -> Message | None:
    """The refusal of a binary file, with the evidence (its NUL bytes and share of control
    characters in `head`); None for text, even text holding a few such bytes."""
    if not head:
        return None
    control = len(head) - len(head.translate(None, _CONTROL_BYTES))
    if control <= len(head) * _BINARY_SHARE:
        return None
    return message(
        "binary_evidence",
        nul=head.count(b"\x00"),
        control=round(100 * control / len(head)),
    )


def _json_samples(path: Path, limits: InputLimits) -> list[Any]:
    samples = json_samples(path, limits=limits)
    if not samples:
        raise InputFileError(path, message("invalid_json"))
    return samples


def _parquet_columns(path: Path) -> frozenset[str]:
    try:
        rows = duckdb.execute(
            "SELECT name FROM parquet_schema(?) WHERE name <> 'schema'", [str(path)]
        ).fetchall()
    except duckdb.Error as e:
        raise InputFileError(path, message("bad_parquet", detail=str(e))) from e
    return frozenset(str(r[0]).lower() for r in rows)
