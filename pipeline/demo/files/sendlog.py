"""The platform's send-log exports, in the three shapes its exports took over time.

* `excel`: what French Excel writes: semicolon CSV in Windows-1252, CRLF, dates `dd/mm/yyyy hh:mm`
  (Paris wall-clock, no zone), attachments as a JSON string;
* `csv_bom`: the newer export: semicolon CSV in UTF-8 with a BOM, `yyyy-mm-dd hh:mm:ss` Paris time;
* `jsonl`: the current API export: JSON Lines, ISO-8601 with offset, attachments as a JSON list.

Encodes one record at a time; knows nothing of how records are made.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable
from datetime import date
from encodings import cp1252
from functools import lru_cache
from json.encoder import encode_basestring
from typing import Any

from pipeline.demo.world.clock import iso_local, local_stamp

_json = json.JSONEncoder(ensure_ascii=False).encode

FIELDS = (
    "send_id",
    "requested_at",
    "provider",
    "provider_message_id",
    "session_id",
    "session_name",
    "session_place",
    "session_start",
    "session_end",
    "opportunity_id",
    "email_type",
    "sender_email",
    "recipient_email",
    "recipient_name",
    "recipient_kind",
    "contact_id",
    "subject",
    "body_html",
    "body_text",
    "attachments",
)
FORMATS = ("excel", "csv_bom", "jsonl")
EXTENSIONS = {"excel": "csv", "csv_bom": "csv", "jsonl": "jsonl"}


def format_for_month(index: int, months: int) -> str:
    """The first third of the period in Excel CSV, the middle in UTF-8 CSV, the rest JSON Lines."""
    return FORMATS[min(2, index * 3 // months)]


def header(fmt: str) -> bytes:
    if fmt == "jsonl":
        return b""
    line = ";".join(FIELDS) + "\r\n"
    return line.encode("cp1252") if fmt == "excel" else ("\ufeff" + line).encode("utf-8")


class SendLogEncoder:
    """Record dict -> bytes of one row. `requested_at` is epoch seconds, session dates are dates,
    `body_html`/`body_text` are tuples of segments and `attachments` a tuple of pdfs.Attachment;
    the escaped bytes of long segments and attachment lists are cached until `forget_thread`."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, object], bytes] = {}

    def forget_thread(self) -> None:
        self._cache.clear()

    def encode(self, fmt: str, record: dict[str, Any]) -> bytes:
        if fmt == "jsonl":
            return self._json(record)
        return self._csv(fmt, record)

    def _json(self, r: dict[str, Any]) -> bytes:
        small = _small_fields(r, iso_local(r["requested_at"]), _iso)
        # what json.dumps writes for this dict of strings and None, at a third of its cost
        head = ", ".join(
            key + ("null" if value is None else encode_basestring(value))
            for key, value in zip(_JSON_KEYS, small, strict=True)
        )
        return b"".join(
            [
                b"{",
                head.encode("utf-8"),
                b', "body_html": "',
                self._segments("jsonl", r["body_html"]),
                b'", "body_text": "',
                self._segments("jsonl", r["body_text"]),
                b'", "attachments": ',
                self._attachments("jsonl", r["attachments"]),
                b"}\n",
            ]
        )

    def _csv(self, fmt: str, r: dict[str, Any]) -> bytes:
        if fmt == "excel":  # Excel shows minutes only, and French dates
            small = _small_fields(r, local_stamp(r["requested_at"], "%d/%m/%Y")[:-3], _fr)
        else:
            small = _small_fields(r, local_stamp(r["requested_at"]), _iso)
        head = _encode(fmt, ";".join(_csv_cell(v) for v in small))
        return b"".join(
            [
                head,
                b';"',
                self._segments(fmt, r["body_html"]),
                b'";"',
                self._segments(fmt, r["body_text"]),
                b'";',
                self._attachments(fmt, r["attachments"]),
                b"\r\n",
            ]
        )

    def _segments(self, fmt: str, segments: tuple[str, ...]) -> bytes:
        cache, escaped = self._cache, []
        for text in segments:
            if len(text) < 64:  # a greeting, an empty button: cheaper escaped than looked up
                escaped.append(_escape(fmt, text))
                continue
            key = (fmt, text)
            cached = cache.get(key)
            if cached is None:
                cached = cache[key] = _escape(fmt, text)
            escaped.append(cached)
        return b"".join(escaped)

    def _attachments(self, fmt: str, attachments: tuple[Any, ...]) -> bytes:
        key = (fmt, attachments)
        cached = self._cache.get(key)
        if cached is None:
            text = _json([a.as_dict() for a in attachments])
            cached = self._cache[key] = (
                text.encode("utf-8") if fmt == "jsonl" else _encode(fmt, _csv_cell(text))
            )
        return cached


_JSON_KEYS = tuple(f"{encode_basestring(k)}: " for k in FIELDS[:-3])


def _small_fields(
    r: dict[str, Any], requested_at: str, day: Callable[[date | None], str | None]
) -> list[str | None]:
    """The fields before the bodies, as text (None when empty)."""
    return [
        r["send_id"],
        requested_at,
        r["provider"],
        r["provider_message_id"],
        r["session_id"],
        r["session_name"],
        r["session_place"],
        day(r["session_start"]),
        day(r["session_end"]),
        r["opportunity_id"],
        r["email_type"],
        r["sender_email"],
        r["recipient_email"],
        r["recipient_name"],
        r["recipient_kind"],
        r["contact_id"],
        r["subject"],
    ]


def _escape(fmt: str, text: str) -> bytes:
    """The inside of a quoted JSON string or CSV cell."""
    if fmt == "jsonl":
        return encode_basestring(text)[1:-1].encode("utf-8")
    return _encode(fmt, text.replace('"', '""'))


def _encode(fmt: str, text: str) -> bytes:
    """Excel writes "ANSI" (Windows-1252): what it cannot represent becomes '?'. (The codec
    called directly: `str.encode("cp1252")` looks the codec up on every call.)"""
    if fmt != "excel" or text.isascii():
        return text.encode("utf-8")
    return codecs.charmap_encode(text, "replace", cp1252.encoding_table)[0]


def _csv_cell(value: str | None) -> str:
    if value is None:
        return ""
    if '"' in value or ";" in value or "\n" in value or "\r" in value:
        return '"' + value.replace('"', '""') + '"'
    return value


@lru_cache(maxsize=1024)
def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


@lru_cache(maxsize=1024)
def _fr(d: date | None) -> str | None:
    return d.strftime("%d/%m/%Y") if d else None
