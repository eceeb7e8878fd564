"""Mailtrail's settings: one declarative object, each value overridable by an environment variable.

Tests and tools build a `Settings` with overrides instead of patching paths. Nothing here reads a
file or opens a database; it only says where things are and how they are interpreted.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pipeline.errors import ConfigError


@dataclass(frozen=True)
class Setting:
    """One setting: its environment variable, default and help text."""

    env: str
    default: str
    help: str


SETTINGS: dict[str, Setting] = {
    "db_path": Setting("MAILTRAIL_DB", "data/mailtrail.duckdb", "The published DuckDB database."),
    "inbox_dir": Setting("MAILTRAIL_INBOX", "data/inbox", "Folder watched for new input files."),
    "attachments_dir": Setting(
        "MAILTRAIL_ATTACHMENTS", "data/attachments", "Root of the send logs' attachment paths."
    ),
    "notes_path": Setting(
        "MAILTRAIL_NOTES_DB",
        "",
        "SQLite file of support notes; empty means beside the database.",
    ),
    "timezone": Setting("MAILTRAIL_TZ", "Europe/Paris", "Zone of times written without one."),
    "language": Setting("MAILTRAIL_LANG", "fr", "Default interface language (fr or en)."),
    "writer_wait_seconds": Setting(
        "MAILTRAIL_WRITER_WAIT", "600", "How long an ingest waits for another ingest to finish."
    ),
    "stuck_hours": Setting(
        "MAILTRAIL_STUCK_HOURS",
        "4",
        "Hours after which a mail still `requested` is stuck (the detail panel warns, the Data "
        "page lists it). 4 rather than 2: providers report a queued mail within minutes, but "
        "their files are often imported a few hours apart, and a shorter delay cries wolf.",
    ),
    "plausible_since": Setting(
        "MAILTRAIL_PLAUSIBLE_SINCE",
        "2000-01-01",
        "Earliest plausible date of a send request or a provider event; earlier ones come from a "
        "misread date (1900, year 0) and are refused.",
    ),
    "plausible_days_ahead": Setting(
        "MAILTRAIL_PLAUSIBLE_DAYS_AHEAD",
        "2",
        "Days after now up to which a send request or provider event is plausible (clocks "
        "differ a little); later ones (the year 3000) are refused.",
    ),
    # Limits on what one input file may make the pipeline hold (docs/security.md).
    "max_file_mb": Setting(
        "MAILTRAIL_MAX_FILE_MB",
        "2048",
        "Largest input file read, in MB; a larger file is refused whole. A JSON document is read "
        "into memory at once, so this bounds an ingest's memory.",
    ),
    "max_record_mb": Setting(
        "MAILTRAIL_MAX_RECORD_MB",
        "64",
        "Largest record (a JSON line or element, a CSV row), in MB; a larger one is refused "
        "alone. Mail bodies with inline images make records of a few MB legitimate.",
    ),
    "max_nesting": Setting(
        "MAILTRAIL_MAX_NESTING",
        "64",
        "Deepest nesting of objects and arrays a JSON record may have; providers use under ten.",
    ),
    "max_field_chars": Setting(
        "MAILTRAIL_MAX_FIELD_CHARS",
        "4000",
        "Longest text kept in a field that is only shown (subject, reason, names): longer text is "
        "cut there and marked as cut, never refused.",
    ),
    "max_rejects_per_file": Setting(
        "MAILTRAIL_MAX_REJECTS",
        "10000",
        "Refused records kept per file, each with its reason and raw text; beyond it one summary "
        "record gives the count of the others.",
    ),
}


@dataclass(frozen=True)
class InputLimits:
    """What one input file may make the pipeline hold; each beyond is refused or cut, and said."""

    file_bytes: int = int(float(SETTINGS["max_file_mb"].default) * 1024 * 1024)
    record_bytes: int = int(float(SETTINGS["max_record_mb"].default) * 1024 * 1024)
    nesting_depth: int = int(SETTINGS["max_nesting"].default)
    field_chars: int = int(SETTINGS["max_field_chars"].default)
    rejects_per_file: int = int(SETTINGS["max_rejects_per_file"].default)


@dataclass(frozen=True)
class Settings:
    """Resolved settings. Build with `Settings.from_env()` or `Settings(...)` in tests."""

    db_path: Path = Path(SETTINGS["db_path"].default)
    inbox_dir: Path = Path(SETTINGS["inbox_dir"].default)
    attachments_dir: Path = Path(SETTINGS["attachments_dir"].default)
    notes_path: Path | None = None
    timezone: str = SETTINGS["timezone"].default
    language: str = SETTINGS["language"].default
    writer_wait_seconds: float = float(SETTINGS["writer_wait_seconds"].default)
    stuck_hours: float = float(SETTINGS["stuck_hours"].default)
    plausible_since: dt.date = dt.date.fromisoformat(SETTINGS["plausible_since"].default)
    plausible_days_ahead: float = float(SETTINGS["plausible_days_ahead"].default)
    max_file_mb: float = float(SETTINGS["max_file_mb"].default)
    max_record_mb: float = float(SETTINGS["max_record_mb"].default)
    max_nesting: int = int(SETTINGS["max_nesting"].default)
    max_field_chars: int = int(SETTINGS["max_field_chars"].default)
    max_rejects_per_file: int = int(SETTINGS["max_rejects_per_file"].default)
    extra: dict[str, str] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as e:
            raise ConfigError(f"unknown time zone {self.timezone!r} (MAILTRAIL_TZ)") from e
        if not self.stuck_hours > 0:
            raise ConfigError(
                f"the stuck delay must be a positive number of hours, not {self.stuck_hours!r} "
                "(MAILTRAIL_STUCK_HOURS)"
            )
        if not self.plausible_days_ahead >= 0:
            raise ConfigError(
                "the plausible window must end zero or more days ahead, not "
                f"{self.plausible_days_ahead!r} (MAILTRAIL_PLAUSIBLE_DAYS_AHEAD)"
            )
        for name in _LIMITS:
            if not getattr(self, name) > 0:
                raise ConfigError(
                    f"{SETTINGS[name].env} must be a positive number of {_NUMBER_UNITS[name]}, "
                    f"not {getattr(self, name)!r}"
                )
        if self.language not in ("fr", "en"):
            raise ConfigError(
                f"language must be 'fr' or 'en', not {self.language!r} (MAILTRAIL_LANG)"
            )

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: object) -> Settings:
        """Defaults, then environment variables, then explicit overrides (None: not given)."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in fields(cls):
            spec = SETTINGS.get(f.name)
            if spec is None:
                continue
            raw = env.get(spec.env, "") or spec.default
            values[f.name] = _convert(f.name, raw)
        values.update({k: _convert(k, v) for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]

    def with_db(self, db_path: Path | str | None) -> Settings:
        """The same settings on another database (None keeps this one)."""
        return self if db_path is None else replace(self, db_path=Path(db_path))

    @property
    def limits(self) -> InputLimits:
        """The input limits, in the units the readers count."""
        return InputLimits(
            file_bytes=int(self.max_file_mb * 1024 * 1024),
            record_bytes=int(self.max_record_mb * 1024 * 1024),
            nesting_depth=self.max_nesting,
            field_chars=self.max_field_chars,
            rejects_per_file=self.max_rejects_per_file,
        )

    @property
    def resolved_notes_path(self) -> Path:
        """Support notes live beside the database unless configured elsewhere."""
        if self.notes_path is not None:
            return self.notes_path
        return self.db_path.with_name(self.db_path.stem + "_notes.sqlite")


# Numeric settings, with the unit their error message names.
_NUMBER_UNITS = {
    "writer_wait_seconds": "seconds",
    "stuck_hours": "hours",
    "plausible_days_ahead": "days",
    "max_file_mb": "MB",
    "max_record_mb": "MB",
    "max_nesting": "levels",
    "max_field_chars": "characters",
    "max_rejects_per_file": "records",
}
# The input limits (InputLimits), each a positive number; the last three in whole units.
_LIMITS = ("max_file_mb", "max_record_mb", "max_nesting", "max_field_chars", "max_rejects_per_file")
_WHOLE_NUMBERS = frozenset(_LIMITS[2:])


def _number(name: str, raw: object) -> float:
    try:
        return float(str(raw))
    except ValueError as e:
        unit = _NUMBER_UNITS[name]
        raise ConfigError(f"{SETTINGS[name].env} must be a number of {unit}, not {raw!r}") from e


def _convert(name: str, raw: object) -> object:
    if name in ("db_path", "inbox_dir", "attachments_dir"):
        return Path(str(raw))
    if name == "notes_path":
        return Path(str(raw)) if raw else None
    if name in _WHOLE_NUMBERS:
        return int(_number(name, raw))
    if name in _NUMBER_UNITS:
        return _number(name, raw)
    if name == "plausible_since":
        return _date(name, raw)
    return str(raw)


def _date(name: str, raw: object) -> dt.date:
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw))
    except ValueError as e:
        raise ConfigError(f"{SETTINGS[name].env} must be a date (YYYY-MM-DD), not {raw!r}") from e
