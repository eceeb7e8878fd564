"""What an ingest said, in the reader's language: file formats, run outcomes, refusal reasons.

The pipeline writes its messages in English, once, into the ingest history (the CLI and analysts
read them so). This module recognises each message the pipeline produces and says it again in
plain words through the translation table; a message it does not recognise is shown as written.
It must not change what the pipeline records, and it does not import Streamlit.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from pipeline.i18n import format_datetime, has_key, t, table

Params = dict[str, str]


def format_label(format_name: str | None, lang: str = "fr") -> str:
    """The name of a detected format: `brevo_webhook` → Brevo webhooks (JSON) in English."""
    if not format_name:
        return "—"
    if format_name.startswith("mapping:"):
        return t("data.format.mapping", lang, name=format_name.removeprefix("mapping:"))
    key = f"data.format.{format_name}"
    return t(key, lang) if has_key(key) else format_name


def run_status(status: str, lang: str = "fr") -> str:
    """The label of an ingest run's outcome."""
    key = f"data.run_status.{status}"
    return t(key, lang) if has_key(key) else status


def run_message(message: str | None, lang: str = "fr", timezone: str = "Europe/Paris") -> str:
    """An ingest run's message (refusal, duplicate file, interruption, notes) in plain words;
    times written with a zone are shown in `timezone`."""
    if not message:
        return ""
    whole = _translate(message, _RUN_PATTERNS, lang, timezone)
    if whole is not None:
        return whole
    parts = message.split("; ")
    translated = [_translate(part, _RUN_PATTERNS, lang, timezone) for part in parts]
    if not any(translated):
        return message
    return " ".join(_sentence(text or part) for text, part in zip(translated, parts, strict=True))


def reject_reason(reason: str | None, lang: str = "fr") -> str:
    """Why one input record was refused, in plain words."""
    if not reason:
        return ""
    return _translate(reason, _reject_patterns(), lang, "UTC") or reason


# --- the pipeline's messages ----------------------------------------------------------------

# (the match's named groups, language, time zone) → the translation's parameters
Convert = Callable[[dict[str, str], str, str], Params]


def _names(match: dict[str, str], lang: str, zone: str) -> Params:
    return match


def _duplicate(match: dict[str, str], lang: str, zone: str) -> Params:
    when = _when(match["when"], lang, zone)
    return {"name": Path(match["path"]).name, "run": match["run"], "when": when}


def _interrupted(match: dict[str, str], lang: str, zone: str) -> Params:
    return {"started": _when(match["started"], lang, zone)}


def _columns(match: dict[str, str], lang: str, zone: str) -> Params:
    return {**match, "kind": match["kind"].upper()}


def _missing(match: dict[str, str], lang: str, zone: str) -> Params:
    from pipeline.readers import READERS  # the readers' own labels name them in messages

    names = {spec.label: spec.name for spec in READERS}
    label = match["label"]
    return {**match, "label": format_label(names[label], lang) if label in names else label}


def _address(match: dict[str, str], lang: str, zone: str) -> Params:
    return {"address": match["address"], "problem": _address_problem(match["problem"], lang)}


_RUN_PATTERNS: tuple[tuple[re.Pattern[str], str, Convert], ...] = tuple(
    (re.compile(pattern, re.DOTALL), key, convert)
    for pattern, key, convert in (
        (r"cannot be read: (?P<detail>.*)", "data.why.unreadable", _names),
        (r"binary file: .*", "data.why.binary", _names),
        (r"the file is empty", "data.why.empty", _names),
        (r"the file has a header but no records", "data.why.header_only", _names),
        (r"invalid JSON: no complete record could be read", "data.why.invalid_json", _names),
        (r"unreadable Parquet file: (?P<detail>.*)", "data.why.bad_parquet", _names),
        (r"unreadable CSV from line (?P<line>\d+): (?P<detail>.*)", "data.why.bad_csv", _names),
        (
            r"unrecognised format \(JSON whose first record has the fields: (?P<fields>.*)\)\. "
            r"Expected one of: .*",
            "data.why.unknown_json",
            _names,
        ),
        (
            r"unrecognised format \((?P<kind>CSV|PARQUET) with the columns: (?P<columns>.*)\)\. "
            r"Expected one of: .*",
            "data.why.unknown_columns",
            _columns,
        ),
        (
            r"(?P<label>.+): missing required column\(s\) (?P<missing>.+) \(found: (?P<found>.*)\)",
            "data.why.missing_columns",
            _missing,
        ),
        (
            r"identical to (?P<path>.+), ingested in run (?P<run>\d+) on (?P<when>[^:]+:\d\d): "
            r"nothing changed",
            "data.why.duplicate_file",
            _duplicate,
        ),
        (
            r"interrupted: the ingest started at (?P<started>\S+) by process \S+ stopped before "
            r"it finished; nothing of it was kept",
            "data.why.interrupted",
            _interrupted,
        ),
        (
            r"(?P<count>\d+) event\(s\) with an unrecognised name kept as 'unknown'",
            "data.why.unknown_events",
            _names,
        ),
        (r"every record was already in the store: nothing changed", "data.why.all_known", _names),
    )
)


@cache
def _reject_patterns() -> tuple[tuple[re.Pattern[str], str, Convert], ...]:
    quoted = r"(?P<value>'.*')"
    patterns = (
        (r"no message id", "data.reject_reason.no_message_id", _names),
        (r"no event time", "data.reject_reason.no_event_time", _names),
        (rf"unreadable event time {quoted}", "data.reject_reason.bad_event_time", _names),
        (
            rf"implausible event time {quoted} \((?P<read>.*)\)",
            "data.reject_reason.implausible_event_time",
            _names,
        ),
        (r"no event name", "data.reject_reason.no_event_name", _names),
        (r"missing (?P<column>\w+)", "data.reject_reason.missing_column", _names),
        (
            rf"unreadable requested_at {quoted} \(expected .*\)",
            "data.reject_reason.bad_requested_at",
            _names,
        ),
        (
            r"malformed recipient_email (?P<address>'.*'): (?P<problem>.*)",
            "data.reject_reason.bad_address",
            _address,
        ),
        (
            rf"unknown recipient_kind {quoted} \(expected .*\)",
            "data.reject_reason.bad_recipient_kind",
            _names,
        ),
        (r"attachments is not a JSON list of .*", "data.reject_reason.bad_attachments", _names),
        (
            rf"send_id {quoted} is already used at line (?P<line>\d+) of this file with other "
            r"content",
            "data.reject_reason.send_id_conflict",
            _names,
        ),
        (
            r"expected (?P<expected>\d+) fields as in the header, found (?P<found>\d+)",
            "data.reject_reason.field_count",
            _names,
        ),
        (
            r"expected a JSON object, found (?P<found>\w+)",
            "data.reject_reason.not_an_object",
            _names,
        ),
        (
            r"invalid JSON at line (?P<line>\d+): (?P<detail>.*)",
            "data.reject_reason.bad_json",
            _names,
        ),
        (r"invalid JSON: (?P<detail>.*)", "data.reject_reason.bad_json_line", _names),
        (r"invalid JSON", "data.reject_reason.bad_json_plain", _names),
        (r"unexpected text after the JSON array", "data.reject_reason.after_array", _names),
        (r"expected ',' or '\]' between array elements", "data.reject_reason.array_comma", _names),
        (
            r"the JSON array is not closed \(truncated file\?\)",
            "data.reject_reason.unclosed",
            _names,
        ),
        (
            r"not valid UTF-8 \(byte (?P<byte>\d+) of the line\)",
            "data.reject_reason.utf8_at",
            _names,
        ),
        (r"not valid UTF-8 text", "data.reject_reason.utf8", _names),
    )
    return tuple((re.compile(p, re.DOTALL), key, convert) for p, key, convert in patterns)


@cache
def _address_problems() -> tuple[tuple[re.Pattern[str], str], ...]:
    """The English address problems of pipeline.support.typos, as patterns back to their keys."""
    found = []
    for key, entry in table().items():
        if key.startswith("address.") and key != "address.did_you_mean":
            pattern = re.escape(entry["en"])
            pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>.*)", pattern)
            found.append((re.compile(pattern, re.DOTALL), key))
    return tuple(found)


def _address_problem(problem: str, lang: str) -> str:
    for pattern, key in _address_problems():
        match = pattern.fullmatch(problem)
        if match:
            return t(key, lang, **match.groupdict())
    return problem


def _translate(
    message: str,
    patterns: tuple[tuple[re.Pattern[str], str, Convert], ...],
    lang: str,
    zone: str,
) -> str | None:
    for pattern, key, convert in patterns:
        match = pattern.fullmatch(message.strip())
        if match:
            return t(key, lang, **convert(match.groupdict(), lang, zone))
    return None


def _when(text: str, lang: str, zone: str) -> str:
    """'2026-11-20 11:50' (already local) or an ISO time with its zone, as read in `lang`."""
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        return text
    if value.tzinfo is not None:
        value = value.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    return format_datetime(value, lang)


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else f"{text}."
