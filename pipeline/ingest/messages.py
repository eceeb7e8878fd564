"""What an ingest said, in the reader's language: file formats, run outcomes, refusal reasons.

The ingest history stores each message as a code with its parameters (pipeline.i18n.messages)
beside its readable English text. This module says a message again from its code and
parameters through the translation table; a row without a code (written by an older Mailtrail)
is shown with its text as written. It never parses a text, never changes what the pipeline
records, and it does not import Streamlit.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pipeline.i18n import format_datetime, has_key, t
from pipeline.i18n.messages import RECORDED, Message, translation_key

Params = dict[str, Any]


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


def stored_message(code: object, params: object) -> Message | None:
    """The message of a stored `*_code` and `*_params` pair (params as JSON text or a mapping);
    None for a row without a code, or with a code this Mailtrail does not know (a newer one
    wrote it): such a row is shown with its text."""
    if not isinstance(code, str) or code not in RECORDED:
        return None
    if isinstance(params, str):
        params = json.loads(params)
    return Message(code, params if isinstance(params, Mapping) else {})


def run_message(
    note: Message | None,
    text: str | None = None,
    lang: str = "fr",
    timezone: str = "Europe/Paris",
) -> str:
    """An ingest run's message (refusal, duplicate file, interruption, notes) in plain words;
    times written with a zone are shown in `timezone`. Without a code, `text` as written."""
    if note is None:
        return text or ""
    if note.code == "notes":
        parts = [Message(p["code"], p["params"]) for p in note.params["parts"]]
        return " ".join(_sentence(run_message(part, None, lang, timezone)) for part in parts)
    return _say(note, lang, timezone)


def reject_reason(note: Message | None, text: str | None = None, lang: str = "fr") -> str:
    """Why one input record was refused, in plain words; without a code, `text` as written."""
    if note is None:
        return text or ""
    return _say(note, lang, "UTC")


def _say(note: Message, lang: str, zone: str) -> str:
    convert = _CONVERT.get(note.code, _as_is)
    params = dict(note.params)
    if isinstance(params.get("detail"), str):  # a library's words may name a server path
        params["detail"] = without_server_paths(params["detail"])
    return t(translation_key(note.code), lang, **convert(params, lang, zone))


# An absolute path, quoted or not, POSIX (/srv/mailtrail/inbox/x.csv) or Windows (C:\data\x.csv):
# its last part is the one group that matched. A path inside a word (a URL's path, a date like
# 05/01/2026) is left alone.
_SERVER_PATH = re.compile(
    r"(?<=['\"])/(?:[^'\"/\n]+/)+([^'\"/\n]+)(?=['\"])"  # quoted: may hold spaces
    r"|(?<![\w.:/])/(?:[^\s/'\"():,;]+/)+([^\s/'\"():,;]+)"
    r"|(?<![\w])[A-Za-z]:\\(?:[^\s\\'\"]+\\)*([^\s\\'\"]+)"
)


def without_server_paths(text: str) -> str:
    """`text` with each absolute file path replaced by its file name: what a message shown to the
    dashboard's users may say of a file on the server."""
    return _SERVER_PATH.sub(lambda m: next(part for part in m.groups() if part), text)


# --- parameters as the translations show them ------------------------------------------------

# (the message's parameters, language, time zone) → the translation's parameters
Convert = Callable[[Params, str, str], Params]


def _as_is(params: Params, lang: str, zone: str) -> Params:
    return params


def _duplicate(params: Params, lang: str, zone: str) -> Params:
    when = _when(str(params["when"]), lang, zone)
    return {"name": Path(str(params["path"])).name, "run": params["run"], "when": when}


def _interrupted(params: Params, lang: str, zone: str) -> Params:
    return {"started": _when(str(params["started"]), lang, zone)}


def _missing(params: Params, lang: str, zone: str) -> Params:
    label = format_label(params["format"], lang) if params.get("format") else params["label"]
    return {**params, "label": label}


def _field_count(params: Params, lang: str, zone: str) -> Params:
    return {**params, "count": int(params["found"])}


def _address(params: Params, lang: str, zone: str) -> Params:
    problem = params.get("problem_code")
    if problem:
        said = t(f"address.{problem}", lang, **(params.get("problem_params") or {}))
        return {"address": params["address"], "problem": said}
    return params


def _file_kind(params: Params, lang: str, zone: str) -> Params:
    return {"kind": t(f"data.file_kind.{params['kind_code']}", lang)}


_CONVERT: dict[str, Convert] = {
    "not_a_regular_file": _file_kind,
    "duplicate_file": _duplicate,
    "interrupted": _interrupted,
    "missing_columns": _missing,
    "field_count": _field_count,
    "bad_address": _address,
}


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
