"""Column mapping files (TOML): parse and validate them, with errors naming the key at fault.

A mapping tells Mailtrail how to read another provider's CSV export: which column holds what,
how times are written, what each event label means (docs/mappings.md). Validation only: the SQL
that applies a mapping is in mapped_csv.py.
"""

from __future__ import annotations

import codecs
import re
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from pipeline.errors import PipelineError
from pipeline.rules.statuses import EVENTS

VOCABULARY = EVENTS  # the normalized events a mapping may name
REQUIRED_COLUMNS = ("message_id", "recipient", "time", "event")
OPTIONAL_COLUMNS = (
    "reason", "smtp_code", "enhanced_code", "subject", "sender", "url", "event_id", "provider",
    "machine_open",
)  # fmt: skip
TIME_KEYWORDS = ("epoch", "epoch_ms", "iso")
_TOP_KEYS = {"name", "label", "provider", "csv", "columns", "time", "events"}
_RESERVED = ("line", "raw", "field_count")  # records.py renames such header names with a '_'


class MappingError(PipelineError):
    """A column mapping file is missing, unreadable or names something Mailtrail cannot use."""

    def __init__(self, path: Path, key: str | None, problem: str) -> None:
        where = f"{path}: {key}: " if key else f"{path}: "
        super().__init__(where + problem)
        self.path, self.key, self.problem = str(path), key, problem


@dataclass(frozen=True)
class Label:
    """What one of the provider's event labels means."""

    label: str
    event: str
    bounce_kind: str | None = None
    machine_open: bool = False


@dataclass(frozen=True)
class ColumnMapping:
    """A validated column mapping."""

    path: Path
    name: str
    label: str
    provider: str | None
    columns: dict[str, str]  # role → lower-cased CSV column name
    time_formats: tuple[str, ...]
    timezone: str | None
    delimiter: str | None
    encoding: str | None
    labels: tuple[Label, ...]


def parse_mapping(path: Path) -> ColumnMapping:
    """Read a mapping file; MappingError naming the key at fault when it cannot be used."""
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise MappingError(path, None, f"cannot be read: {e.strerror or e}") from e
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise MappingError(path, None, f"not valid TOML: {e}") from e
    unknown = sorted(set(doc) - _TOP_KEYS)
    if unknown:
        raise MappingError(
            path, unknown[0], f"unknown key (expected: {', '.join(sorted(_TOP_KEYS))})"
        )
    columns = _columns(path, _table(path, doc, "columns"))
    provider = _provider(path, doc.get("provider"), "provider" in columns)
    csv = _table(path, doc, "csv", required=False, keys={"delimiter", "encoding"})
    time = _table(path, doc, "time", keys={"format", "timezone"})
    name = _text(path, doc.get("name", path.stem), "name")
    return ColumnMapping(
        path=path,
        name=name,
        label=_text(path, doc.get("label", f"Column mapping {name}"), "label"),
        provider=provider,
        columns=columns,
        time_formats=_time_formats(path, time.get("format")),
        timezone=_timezone(path, time.get("timezone")),
        delimiter=_delimiter(path, csv.get("delimiter")),
        encoding=_encoding(path, csv.get("encoding")),
        labels=_labels(path, _table(path, doc, "events")),
    )


# --- validation ----------------------------------------------------------------------------


def _table(
    path: Path,
    doc: Mapping[str, Any],
    key: str,
    required: bool = True,
    keys: set[str] | None = None,
) -> dict:
    value = doc.get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise MappingError(
            path, f"[{key}]", "missing table" if value is None else "must be a table"
        )
    unknown = sorted(set(value) - keys) if keys is not None else []
    if keys is not None and unknown:
        raise MappingError(
            path, f"{key}.{unknown[0]}", f"unknown key (expected: {', '.join(sorted(keys))})"
        )
    return value


def _text(path: Path, value: Any, key: str) -> str:
    if not isinstance(value, str) or not value.strip() or "\x00" in value:
        raise MappingError(path, key, "must be a non-empty text")
    return value.strip()


def _columns(path: Path, table: dict) -> dict[str, str]:
    allowed = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
    for key in table:
        if key not in allowed:
            raise MappingError(
                path, f"columns.{key}", f"unknown role (expected: {', '.join(allowed)})"
            )
    for key in REQUIRED_COLUMNS:
        if key not in table:
            raise MappingError(path, f"columns.{key}", "missing: name the CSV column that holds it")
    columns = {}
    for key, value in table.items():
        name = _text(path, value, f"columns.{key}").lower()
        columns[key] = f"{name}_" if name in _RESERVED else name
    return columns


def _provider(path: Path, value: Any, has_column: bool) -> str | None:
    if value is None:
        if not has_column:
            raise MappingError(
                path,
                "provider",
                "missing: give the provider's name "
                '(e.g. provider = "mailjet") or a columns.provider column',
            )
        return None
    name = _text(path, value, "provider").lower()
    if not re.fullmatch(r"[a-z0-9][a-z0-9_.-]*", name):
        raise MappingError(path, "provider", "use lower-case letters, digits, '_', '-' or '.'")
    return name


def _time_formats(path: Path, value: Any) -> tuple[str, ...]:
    formats = [value] if isinstance(value, str) else value
    if not isinstance(formats, list) or not formats:
        raise MappingError(
            path,
            "time.format",
            "missing: a strptime format such as "
            "'%d/%m/%Y %H:%M:%S', or 'epoch', 'epoch_ms', 'iso' (or a list of them)",
        )
    for fmt in formats:
        text = _text(path, fmt, "time.format")
        if text not in TIME_KEYWORDS and "%" not in text:
            raise MappingError(
                path,
                "time.format",
                f"{text!r} is neither a strptime format nor one of {', '.join(TIME_KEYWORDS)}",
            )
        if text not in TIME_KEYWORDS:
            _check_strptime(path, text)
    return tuple(f.strip() for f in formats)


def _check_strptime(path: Path, fmt: str) -> None:
    try:
        duckdb.execute("SELECT try_strptime('2000-01-01', ?)", [fmt])
    # A '%' before a non-ASCII letter: DuckDB's error message cuts that letter's bytes in two,
    # and its Python binding fails decoding the message (found by tests/test_fuzz_inputs.py).
    except (duckdb.Error, UnicodeDecodeError) as e:
        raise MappingError(path, "time.format", f"{fmt!r} is not a valid strptime format") from e


def _timezone(path: Path, value: Any) -> str | None:
    if value is None:
        return None
    zone = _text(path, value, "time.timezone")
    known = duckdb.execute("SELECT count(*) FROM pg_timezone_names() WHERE name = ?", [zone])
    if known.fetchone() == (0,):
        raise MappingError(
            path,
            "time.timezone",
            f"unknown time zone {zone!r} (use an IANA name such as 'Europe/Paris' or 'UTC')",
        )
    return zone


def _delimiter(path: Path, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) != 1 or value in '"\r\n':
        raise MappingError(path, "csv.delimiter", "must be one character such as ',' ';' or '\\t'")
    return value


def _encoding(path: Path, value: Any) -> str | None:
    if value is None:
        return None
    text = _text(path, value, "csv.encoding")
    try:
        return codecs.lookup(text).name
    except LookupError as e:
        raise MappingError(
            path, "csv.encoding", f"unknown encoding {text!r} (e.g. 'utf-8', 'cp1252', 'latin-1')"
        ) from e


def _labels(path: Path, table: dict) -> tuple[Label, ...]:
    if not table:
        raise MappingError(path, "[events]", "map at least one provider label to an event")
    labels: list[Label] = []
    seen: dict[str, tuple[str, tuple[str, str | None, bool]]] = {}
    for raw_label, value in table.items():
        key = f"events.{raw_label!r}"
        label = _label(path, key, raw_label, value)
        meaning = (label.event, label.bounce_kind, label.machine_open)
        folded = _fold(raw_label)
        if folded in seen and seen[folded][1] != meaning:
            raise MappingError(
                path,
                key,
                f"same label as {seen[folded][0]!r} once case and "
                "accents are ignored, but mapped differently",
            )
        seen[folded] = (raw_label, meaning)
        labels.append(label)
    return tuple(labels)


def _label(path: Path, key: str, raw_label: str, value: Any) -> Label:
    spec = {"event": value} if isinstance(value, str) else value
    if not isinstance(spec, dict) or set(spec) - {"event", "bounce", "machine_open"}:
        raise MappingError(
            path,
            key,
            "expected an event name, or a table "
            "{ event = …, bounce = 'hard'|'soft', machine_open = true|false }",
        )
    event = spec.get("event")
    if event not in VOCABULARY:
        raise MappingError(path, key, f"event {event!r} is not one of {', '.join(VOCABULARY)}")
    bounce = spec.get("bounce")
    if (event == "bounced") != (bounce is not None) or bounce not in (None, "hard", "soft"):
        raise MappingError(
            path,
            key,
            "a 'bounced' event needs bounce = 'hard' or 'soft' (and only a bounce has one)",
        )
    machine = spec.get("machine_open", False)
    if not isinstance(machine, bool) or (machine and event != "opened"):
        raise MappingError(path, key, "machine_open is true or false, and only for 'opened'")
    return Label(raw_label, event, bounce, machine)


def _fold(label: str) -> str:
    decomposed = unicodedata.normalize("NFKD", label.strip())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
