"""Turn an input file into numbered raw records, in chunks, without interpreting any field.

JSON files become (line, raw) records: a JSON Lines file gives one record per line, a single
document (object or array, pretty-printed or not) one record per top-level element with the line
it starts on. CSV files become (line, raw, field count, one text column per header name), read
in the encoding pipeline.readers.encoding decides for the file. Decoding problems are
kept as records with an error (its text, code and JSON parameters: pipeline.i18n.messages), so
that a bad line is refused alone and the rest still loads.
Field mapping and validation happen later, in SQL.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.compute as pc

from pipeline.errors import InputFileError
from pipeline.i18n.messages import Message, message
from pipeline.readers.encoding import file_encoding, lines_not_in
from pipeline.readers.json_limits import (
    flag_over_limits,
    nests_deeper_than,
    preview,
    preview_of_bytes,
    value_end,
)
from pipeline.readers.json_limits import record_too_large as _record_too_large
from pipeline.settings import InputLimits

CHUNK_RECORDS = 100_000
# JSON Lines are split by Arrow in blocks of whole lines of about this size.
JSON_BLOCK_BYTES = 32 << 20
# The csv module refuses fields over 128 KiB by default; a long HTML body is legitimate.
csv.field_size_limit(64 * 1024 * 1024)
_BOM = codecs.BOM_UTF8
_UNDECODABLE = re.compile("[\udc80-\udcff]")  # bytes decoded with errors="surrogateescape"
Row = tuple[int, str | None, Message | None]  # (line, raw, why it cannot be used)
# How many records format detection looks at (pipeline.readers.detect).
SAMPLE_RECORDS = 5
_DEFAULT_LIMITS = InputLimits()


@dataclass(frozen=True)
class CsvLayout:
    """What we learnt from a CSV file's first line, and its lines not valid in its encoding."""

    encoding: str
    delimiter: str
    header: tuple[str, ...]
    bad_lines: Mapping[int, Message] = field(default_factory=dict)


def csv_layout(path: Path, delimiter: str | None = None, encoding: str | None = None) -> CsvLayout:
    """Encoding, delimiter (, ; or tab, from the header line) and header names; a delimiter or
    encoding given by the caller (a column mapping) replaces the detected one."""
    decided = lines_not_in(path, encoding) if encoding else file_encoding(path)
    encoding = decided.encoding
    with open(path, encoding=encoding, errors="replace", newline="") as handle:
        first = handle.readline()
    if delimiter is None:
        counts = {d: first.count(d) for d in (";", ",", "\t")}
        delimiter = max(counts, key=lambda d: counts[d])
        if counts[delimiter] == 0:
            delimiter = ","
    header = next(csv.reader([first], delimiter=delimiter), [])
    names = tuple(name.strip().strip("\ufeff") for name in header)
    return CsvLayout(encoding, delimiter, names, decided.bad_lines)


def csv_records(path: Path, layout: CsvLayout) -> Iterator[pa.Table]:
    """Chunks of (line, raw, field_count, error_code, error_params, <header columns…>) as text,
    one row per CSV record; a record spanning a line not valid in the file's encoding has the
    error of its first such line (and its text decoded with replacement characters)."""
    columns = _unique_names(layout.header)
    with open(path, encoding=layout.encoding, errors="replace", newline="") as handle:
        lines = _LineRecorder(handle)
        reader = csv.reader(lines, delimiter=layout.delimiter)
        next(reader, None)  # header
        lines.take()
        batch: list[_CsvRow] = []
        for fields in _csv_rows(reader, path, lines):
            start_line, end_line = lines.span()
            _, raw = lines.take()
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue
            batch.append((start_line, raw, fields, _encoding_error(layout, start_line, end_line)))
            if len(batch) >= CHUNK_RECORDS:
                yield _csv_table(batch, columns)
                batch = []
        if batch:
            yield _csv_table(batch, columns)


def csv_columns(layout: CsvLayout) -> list[str]:
    """The text columns csv_records gives a file: its header names, made unique and non-empty."""
    return _unique_names(layout.header)


def _csv_rows(reader: Iterator[list[str]], path: Path, lines: _LineRecorder) -> Iterator[list[str]]:
    """The reader's rows; a CSV the csv module cannot parse on refuses the file, naming the line."""
    try:
        yield from reader
    except csv.Error as e:
        start_line, _ = lines.take()
        problem = message("bad_csv", line=start_line, detail=str(e))
        raise InputFileError(path, problem) from e


def json_records(path: Path, limits: InputLimits = _DEFAULT_LIMITS) -> Iterator[pa.Table]:
    """Chunks of (line, element, raw, error, error_code, error_params) JSON records, `element`
    being the 1-based position in a top-level array; see the module docstring. A record larger
    or nested deeper than `limits` allow is refused alone."""
    if _looks_like_json_lines(path, limits=limits):
        chunks = _json_lines(path, limits)
    else:
        chunks = _json_document(path, limits)
    for chunk in chunks:
        yield flag_over_limits(chunk, limits)


_CsvRow = tuple[int, str, list[str], Message | None]  # (line, raw, fields, encoding error)
_CSV_OWN_COLUMNS = ("line", "raw", "field_count", "error_code", "error_params")


def _encoding_error(layout: CsvLayout, start_line: int, end_line: int) -> Message | None:
    """Why the record on these physical lines is not valid in the file's encoding, if it is not."""
    if not layout.bad_lines:
        return None
    for number in range(start_line, end_line + 1):
        if number in layout.bad_lines:
            return layout.bad_lines[number]
    return None


def _csv_table(batch: list[_CsvRow], columns: list[str]) -> pa.Table:
    width = len(columns)
    data: dict[str, list] = {
        "line": [b[0] for b in batch],
        "raw": [b[1] for b in batch],
        "field_count": [len(b[2]) for b in batch],
        "error_code": [b[3].code if b[3] else None for b in batch],
        "error_params": [b[3].params_json() if b[3] else None for b in batch],
    }
    for i, name in enumerate(columns):
        data[name] = [b[2][i] if i < len(b[2]) and i < width else None for b in batch]
    return pa.table(
        data,
        schema=pa.schema(
            [("line", pa.int64()), ("raw", pa.string()), ("field_count", pa.int32())]
            + [("error_code", pa.string()), ("error_params", pa.string())]
            + [(name, pa.string()) for name in columns]
        ),
    )


def _unique_names(header: tuple[str, ...]) -> list[str]:
    seen: dict[str, int] = {}
    names = []
    for i, name in enumerate(header):
        name = name or f"column_{i + 1}"
        if name in _CSV_OWN_COLUMNS:
            name = f"{name}_"
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return names


class _LineRecorder:
    """Feeds lines to csv.reader while remembering which physical lines made each record."""

    def __init__(self, handle) -> None:  # type: ignore[no-untyped-def]
        self._handle = handle
        self._line = 0
        self._start = 1
        self._parts: list[str] = []

    def __iter__(self) -> _LineRecorder:
        return self

    def __next__(self) -> str:
        text = self._handle.readline()
        if not text:
            raise StopIteration
        if not self._parts:
            self._start = self._line + 1
        self._line += 1
        self._parts.append(text)
        return text

    def span(self) -> tuple[int, int]:
        """The first and last physical lines of the record being read."""
        return self._start, self._line

    def take(self) -> tuple[int, str]:
        raw = "".join(self._parts).rstrip("\r\n")
        self._parts = []
        return self._start, raw


def _json_table(rows: list[Row], elements: list[int | None] | None = None) -> pa.Table:
    return pa.table(
        {
            "line": [r[0] for r in rows],
            "element": elements if elements is not None else [None] * len(rows),
            "raw": [r[1] for r in rows],
            "error": [r[2].text if r[2] else None for r in rows],
            "error_code": [r[2].code if r[2] else None for r in rows],
            "error_params": [r[2].params_json() if r[2] else None for r in rows],
        },
        schema=pa.schema(
            [("line", pa.int64()), ("element", pa.int64()), ("raw", pa.string())]
            + [(name, pa.string()) for name in ("error", "error_code", "error_params")]
        ),
    )


def _looks_like_json_lines(
    path: Path, probe_lines: int = 5, limits: InputLimits = _DEFAULT_LIMITS
) -> bool:
    """JSON Lines when one of the first non-blank lines is a complete JSON record on its own.

    Probing several lines keeps a file whose first line is truncated a JSON Lines file, so
    that only that line is refused.
    """
    return _first_json_line(path, probe_lines, limits) is not None


def _first_json_line(
    path: Path, probe_lines: int = 5, limits: InputLimits = _DEFAULT_LIMITS
) -> dict | list | None:
    return next(iter(_json_line_values(path, probe_lines, limits)), None)


def _json_line_values(path: Path, probe_lines: int, limits: InputLimits) -> Iterator[dict | list]:
    """The JSON Lines records among the first `probe_lines` non-blank lines (none when the file
    is a pretty-printed document); a line too long or nested too deep counts as not a record."""
    probed = 0
    with open(path, "rb") as handle:
        for raw_line in _bounded_lines(handle, limits.record_bytes):
            line = raw_line.decode("utf-8", errors="replace").lstrip("\ufeff").rstrip()
            if not line.strip():
                continue
            if probed == 0 and line.strip() in ("[", "{"):
                return  # the opening bracket of a pretty-printed document
            value = _decoded_line(line, limits)
            # Nested lines of a pretty-printed document are indented; records of JSON Lines are not.
            if isinstance(value, dict | list) and not line[0].isspace():
                yield value
            probed += 1
            if probed >= probe_lines:
                return


def _bounded_lines(handle: BinaryIO, max_bytes: int) -> Iterator[bytes]:
    """The file's lines; a line over `max_bytes` is read past and given as an empty line."""
    while line := handle.readline(max_bytes + 1):
        if len(line) > max_bytes and not line.endswith(b"\n"):
            while (rest := handle.readline(1 << 20)) and not rest.endswith(b"\n"):
                pass
            yield b""
            continue
        yield line


def _decoded_line(line: str, limits: InputLimits) -> Any:
    if nests_deeper_than(line, limits.nesting_depth):
        return None
    try:
        return json.loads(line)
    except (ValueError, RecursionError):
        return None


def json_samples(
    path: Path, count: int = SAMPLE_RECORDS, limits: InputLimits = _DEFAULT_LIMITS
) -> list[Any]:
    """The first `count` readable JSON records of the file (lines, or a document's top-level
    values, arrays unwrapped to their elements), for format detection; records that cannot be
    decoded or break the limits are left out."""
    if _looks_like_json_lines(path, limits=limits):
        values: list[Any] = list(_json_line_values(path, count * 2, limits))
    else:
        values = _document_samples(path, count, limits)
    samples: list[Any] = []
    for value in values:
        samples.extend(value[:count] if isinstance(value, list) else [value])
    return samples[:count]


def _document_samples(path: Path, count: int, limits: InputLimits) -> list[Any]:
    samples: list[Any] = []
    for table in _json_document(path, limits):
        table = flag_over_limits(table, limits)
        for raw, error in zip(table["raw"].to_pylist(), table["error"].to_pylist(), strict=True):
            if error is None and len(samples) < count:
                samples.append(json.loads(raw))
        break
    return samples


def first_json_record(path: Path) -> Any:
    """The first JSON record of the file (first line, or document, or its first array element);
    None when there is no readable record."""
    samples = json_samples(path, 1)
    value: Any = samples[0] if samples else None
    while isinstance(value, list) and value:
        value = value[0]
    return value


def _json_lines(path: Path, limits: InputLimits = _DEFAULT_LIMITS) -> Iterator[pa.Table]:
    """Blocks of whole lines split by Arrow; a block that is not all UTF-8 is read line by line,
    so that only its undecodable lines are refused (with the byte where decoding failed). A line
    longer than the record limit is never held whole: it is refused with its start."""
    number = 0
    with open(path, "rb") as handle:
        for block in _line_blocks(handle, limits.record_bytes):
            if isinstance(block, _LongLine):
                number += 1
                yield _json_table([(number, block.start, _record_too_large(block.size, limits))])
                continue
            if number == 0 and block.startswith(_BOM):
                block = block[len(_BOM) :]
            try:
                yield _json_lines_table(block, number)
            except pa.ArrowInvalid:  # not UTF-8
                yield from _json_lines_one_by_one(block, number)
            number += block.count(b"\n") + (0 if block.endswith(b"\n") else 1)


@dataclass(frozen=True)
class _LongLine:
    """A line longer than the record limit: its start (as text) and its size in bytes."""

    start: str
    size: int


def _line_blocks(handle: BinaryIO, max_line: int) -> Iterator[bytes | _LongLine]:
    """The file in blocks of about JSON_BLOCK_BYTES, each ending at the end of a line; a line
    that grows past `max_line` bytes without ending is given as a _LongLine instead."""
    rest = b""
    while chunk := handle.read(JSON_BLOCK_BYTES):
        block = rest + chunk
        cut = block.rfind(b"\n") + 1
        if cut == 0:
            if len(block) > max_line:
                long_line, rest = _rest_of_long_line(handle, block)
                yield long_line
            else:
                rest = block
            continue
        rest = block[cut:]
        yield block[:cut]
    if rest:
        yield rest


def _rest_of_long_line(handle: BinaryIO, start: bytes) -> tuple[_LongLine, bytes]:
    """Read past the end of the line `start` begins (never holding it whole); the line, and
    what follows its end in the last block read."""
    size = len(start)
    after = b""
    while chunk := handle.read(JSON_BLOCK_BYTES):
        end = chunk.find(b"\n")
        if end >= 0:
            size += end
            after = chunk[end + 1 :]
            break
        size += len(chunk)
    return _LongLine(preview_of_bytes(start, size), size), after


def _json_lines_table(block: bytes, first_number: int) -> pa.Table:
    """(line, raw, no error) for each non-blank line of a UTF-8 block; ArrowInvalid otherwise."""
    pieces = pc.split_pattern(pa.array([block], pa.large_binary()), pattern=b"\n").flatten()
    if block.endswith(b"\n"):
        pieces = pieces.slice(0, len(pieces) - 1)
    texts = pc.utf8_rtrim(pieces.cast(pa.large_string()), characters="\r")
    numbers = pa.array(range(first_number + 1, first_number + 1 + len(texts)), pa.int64())
    keep = pc.not_equal(pc.utf8_trim_whitespace(texts), "")
    count = pc.sum(keep).as_py() or 0
    return pa.table(
        {
            "line": numbers.filter(keep),
            "element": pa.nulls(count, pa.int64()),
            "raw": texts.filter(keep).cast(pa.string()),
            "error": pa.nulls(count, pa.string()),
            "error_code": pa.nulls(count, pa.string()),
            "error_params": pa.nulls(count, pa.string()),
        }
    )


def _json_lines_one_by_one(block: bytes, first_number: int) -> Iterator[pa.Table]:
    batch: list[Row] = []
    lines = block.split(b"\n")
    if block.endswith(b"\n"):
        lines.pop()
    for number, raw_line in enumerate(lines, start=first_number + 1):
        try:
            text = raw_line.decode("utf-8").rstrip("\r\n")
            error = None
        except UnicodeDecodeError as e:
            text = raw_line.decode("utf-8", errors="replace").rstrip("\r\n")
            error = message("utf8_at", byte=e.start + 1)
        if not text.strip():
            continue
        batch.append((number, text, error))
        if len(batch) >= CHUNK_RECORDS:
            yield _json_table(batch)
            batch = []
    if batch:
        yield _json_table(batch)


def _json_document(path: Path, limits: InputLimits = _DEFAULT_LIMITS) -> Iterator[pa.Table]:
    # Bytes that are not UTF-8 become lone surrogates: the records holding one are refused
    # alone (a JSON array written by a tool with the wrong encoding keeps its clean elements).
    text = path.read_bytes().decode("utf-8", errors="surrogateescape").removeprefix("\ufeff")
    decoder = json.JSONDecoder()
    start = _skip_ws(text, 0)
    elements: list[int | None]
    if start < len(text) and text[start] == "[":
        rows = list(_array_elements(text, start, decoder, limits))
        elements = list(range(1, len(rows) + 1))
    else:
        rows = list(_top_level_values(text, start, decoder, limits))
        elements = [None] * len(rows)
    rows = [_flag_undecodable(row) for row in rows]
    for i in range(0, len(rows), CHUNK_RECORDS):
        yield _json_table(rows[i : i + CHUNK_RECORDS], elements[i : i + CHUNK_RECORDS])


def _decode_at(
    text: str, pos: int, decoder: json.JSONDecoder, limits: InputLimits
) -> tuple[int, Message | None]:
    """Where the JSON value at `pos` ends; for a value nested too deep for Python's decoder, its
    end found by scanning brackets and the reason to refuse it. JSONDecodeError otherwise."""
    try:
        return int(decoder.raw_decode(text, pos)[1]), None
    except RecursionError:
        return value_end(text, pos), message("too_deep", limit=limits.nesting_depth)


def _value_row(text: str, pos: int, end: int, problem: Message | None, line: int) -> Row:
    if problem is None:
        return line, text[pos:end], None
    return line, preview(text[pos:end]), problem


def _flag_undecodable(row: Row) -> Row:
    line, raw, error = row
    if raw is None or not _UNDECODABLE.search(raw):
        return row
    return line, _UNDECODABLE.sub("\ufffd", raw), error or message("utf8")


def _array_elements(
    text: str, start: int, decoder: json.JSONDecoder, limits: InputLimits
) -> Iterator[Row]:
    """Elements of a top-level array with their start lines; a broken tail is one error record."""
    pos = _skip_ws(text, start + 1)
    line_at = _LineCounter(text)
    if pos < len(text) and text[pos] == "]":
        return
    while pos < len(text):
        try:
            end, problem = _decode_at(text, pos, decoder, limits)
        except json.JSONDecodeError as e:
            line = line_at(e.pos)
            yield (
                line_at(pos),
                text[pos:].strip()[:10_000],
                message("bad_json", line=line, detail=e.msg),
            )
            return
        yield _value_row(text, pos, end, problem, line_at(pos))
        pos = _skip_ws(text, end)
        if pos < len(text) and text[pos] == ",":
            pos = _skip_ws(text, pos + 1)
        elif pos < len(text) and text[pos] == "]":
            trailing = _skip_ws(text, pos + 1)
            if trailing < len(text):
                yield (
                    line_at(trailing),
                    text[trailing:][:10_000],
                    message("after_array"),
                )
            return
        else:
            yield line_at(pos), text[pos:][:10_000], message("array_comma")
            return
    yield line_at(len(text)), "", message("unclosed")


def _top_level_values(
    text: str, start: int, decoder: json.JSONDecoder, limits: InputLimits
) -> Iterator[Row]:
    """One or more concatenated JSON values (a single document is the usual case)."""
    pos = start
    line_at = _LineCounter(text)
    while pos < len(text):
        try:
            end, problem = _decode_at(text, pos, decoder, limits)
        except json.JSONDecodeError as e:
            yield (
                line_at(pos),
                text[pos:][:10_000],
                message("bad_json", line=line_at(e.pos), detail=e.msg),
            )
            return
        yield _value_row(text, pos, end, problem, line_at(pos))
        pos = _skip_ws(text, end)


def _skip_ws(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


class _LineCounter:
    """Line number of a character offset, for offsets asked in increasing order (mostly)."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._pos = 0
        self._line = 1

    def __call__(self, pos: int) -> int:
        if pos < self._pos:
            return self._text.count("\n", 0, pos) + 1
        self._line += self._text.count("\n", self._pos, pos)
        self._pos = pos
        return self._line
