"""How deep a JSON text nests and where a JSON value ends, found without recursion.

Python's json module recurses once per level and raises RecursionError near a thousand levels;
a hostile line of 100,000 nested objects must be refused as one record, not crash the ingest.
These helpers only scan brackets and strings: they never decode a value, and they are cheap for
the ordinary record (a bracket count settles it before any scan).
"""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc

from pipeline.i18n.messages import Message, message
from pipeline.settings import InputLimits

# A JSON string, escapes included (the unrolled form: no backtracking per character).
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_BRACKET_OR_QUOTE = re.compile(r'[\[\]{}"]')


def nests_deeper_than(text: str, limit: int) -> bool:
    """True when the objects and arrays of `text` nest more than `limit` levels deep."""
    if text.count("{") + text.count("[") <= limit:
        return False  # not enough brackets to nest that deep, wherever they are
    depth = 0
    for bracket in _NOT_BRACKET.sub("", _STRING.sub("", text)):
        if bracket in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def value_end(text: str, start: int) -> int:
    """Where the object or array starting at `start` ends (just after its closing bracket), or
    len(text) when it is never closed; used to step over a value too deep to decode."""
    depth = 0
    pos = start
    while match := _BRACKET_OR_QUOTE.search(text, pos):
        char = match.group()
        if char == '"':
            string = _STRING.match(text, match.start())
            if string is None:
                return len(text)  # an unclosed string runs to the end
            pos = string.end()
            continue
        depth += 1 if char in "[{" else -1
        pos = match.end()
        if depth == 0:
            return pos
    return len(text)


# What a reject keeps of a record refused for its size or depth: enough to recognise it.
PREVIEW_CHARS = 10_000


def preview(text: str) -> str:
    """The start of a record too large or too deep to keep whole, marked as cut."""
    if len(text) <= PREVIEW_CHARS:
        return text
    return f"{text[:PREVIEW_CHARS]}… [cut: {len(text)} characters in all]"


def preview_of_bytes(start: bytes, size: int) -> str:
    """The start of a line of `size` bytes never held whole, marked as cut."""
    text = start[: 4 * PREVIEW_CHARS].decode("utf-8", errors="replace")[:PREVIEW_CHARS]
    return f"{text}… [cut: {size} bytes in all]"


def flag_over_limits(table: pa.Table, limits: InputLimits) -> pa.Table:
    """The (line, raw, error, …) records of `table`, with each record not yet refused that is
    larger than the record limit or nested deeper than the nesting limit refused now (its raw
    text cut to a preview). Only records with enough bytes or brackets are looked at closely."""
    raw = table["raw"]
    brackets = pc.add(pc.count_substring(raw, "{"), pc.count_substring(raw, "["))
    suspect = pc.and_(
        pc.or_(
            pc.greater(brackets, limits.nesting_depth),
            pc.greater(pc.binary_length(raw), limits.record_bytes),
        ),
        pc.is_null(table["error_code"]),
    )
    positions = pc.indices_nonzero(pc.fill_null(suspect, False)).to_pylist()
    if not positions:
        return table
    texts = raw.to_pylist()
    errors = {name: table[name].to_pylist() for name in ("error", "error_code", "error_params")}
    for i in positions:
        problem = _over_limit(texts[i], limits)
        if problem is None:
            continue
        texts[i] = preview(texts[i])
        errors["error"][i] = problem.text
        errors["error_code"][i] = problem.code
        errors["error_params"][i] = problem.params_json()
    columns = {"raw": pa.array(texts, pa.string())}
    columns.update({name: pa.array(values, pa.string()) for name, values in errors.items()})
    for name, column in columns.items():
        table = table.set_column(table.schema.get_field_index(name), name, column)
    return table


def _over_limit(text: str, limits: InputLimits) -> Message | None:
    size = len(text.encode("utf-8", errors="surrogateescape"))
    if size > limits.record_bytes:
        return record_too_large(size, limits)
    if nests_deeper_than(text, limits.nesting_depth):
        return message("too_deep", limit=limits.nesting_depth)
    return None


def record_too_large(size: int, limits: InputLimits) -> Message:
    """The refusal of one record of `size` bytes."""
    return message("record_too_large", size_mb=_mb(size), limit_mb=_mb(limits.record_bytes))


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}"
