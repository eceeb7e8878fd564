"""One description of "which mails": the filters every page, drill-down link and export share.

A MailFilter turns into a parameterised SQL condition on `mails` (email_history's columns plus the
search columns the store prepares; whitelisted columns, values always bound), into URL query
parameters and back (so an overview bar can open Explore on exactly its mails, and support can
paste a link), and into a file-name slug for exports.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from pipeline.rules.statuses import BOUNCE_CATEGORIES, RECIPIENT_KINDS, STATUS_KEYS

_MULTI = {
    "statuses": "status",
    "email_types": "email_type",
    "recipient_kinds": "recipient_kind",
    "providers": "provider",
    "recipient_domains": "recipient_domain",
    "bounce_categories": "bounce_category",
}
_ALLOWED = {
    "statuses": set(STATUS_KEYS),
    "recipient_kinds": set(RECIPIENT_KINDS),
    "bounce_categories": set(BOUNCE_CATEGORIES),
}
_SINGLE = {
    "session_id": "session_id",
    "contact_id": "contact_id",
    "opportunity_id": "opportunity_id",
    "recipient_email": "recipient_email",
}
_URL_NAMES = {
    "start": "period_start",
    "end": "period_end",
    "status": "statuses",
    "type": "email_types",
    "kind": "recipient_kinds",
    "provider": "providers",
    "domain": "recipient_domains",
    "category": "bounce_categories",
    "session": "session_id",
    "contact": "contact_id",
    "opportunity": "opportunity_id",
    "to": "recipient_email",
    "q": "text",
    "complained": "complained",
    "unsubscribed": "unsubscribed",
    "send_log": "has_send_log",
    "not_domain": "excluded_domains",
    "human_open": "human_open",
}
_FIELD_TO_URL = {v: k for k, v in _URL_NAMES.items()}
MAX_TEXT = 200
MAX_SLUG = 120


@dataclass(frozen=True)
class MailFilter:
    """Which mails. Empty fields restrict nothing; periods are calendar days, both ends included,
    in the configured zone (the connection's TimeZone)."""

    period_start: dt.date | None = None
    period_end: dt.date | None = None
    statuses: tuple[str, ...] = ()
    email_types: tuple[str, ...] = ()
    recipient_kinds: tuple[str, ...] = ()
    providers: tuple[str, ...] = ()
    recipient_domains: tuple[str, ...] = ()
    bounce_categories: tuple[str, ...] = ()
    session_id: str | None = None
    contact_id: str | None = None
    opportunity_id: str | None = None
    recipient_email: str | None = None
    # Free text over recipient name, address and subject, ignoring case and accents.
    text: str | None = None
    complained: bool | None = None
    unsubscribed: bool | None = None
    has_send_log: bool | None = None
    # Every domain but these (mails without a domain included): the "other domains" of a chart.
    excluded_domains: tuple[str, ...] = ()
    # True: opened or clicked at least once by a person; False: no such open (machine opens
    # by privacy proxies do not count as a person's).
    human_open: bool | None = None

    def __post_init__(self) -> None:
        for name, allowed in _ALLOWED.items():
            unknown = set(getattr(self, name)) - allowed
            if unknown:
                raise ValueError(f"unknown {name}: {', '.join(sorted(unknown))}")
        if self.period_start and self.period_end and self.period_start > self.period_end:
            raise ValueError("the period starts after it ends")

    def where(self) -> tuple[str, list[Any]]:
        """The SQL condition on `mails` (without WHERE) and its parameters."""
        parts: list[str] = []
        params: list[Any] = []
        if self.period_start:
            parts.append("requested_at >= CAST(? AS DATE)::TIMESTAMPTZ")
            params.append(self.period_start)
        if self.period_end:
            parts.append("requested_at < (CAST(? AS DATE) + 1)::TIMESTAMPTZ")
            params.append(self.period_end)
        for name, column in _MULTI.items():
            values = getattr(self, name)
            if values:
                parts.append(f"{column} IN ({', '.join('?' for _ in values)})")
                params.extend(values)
        for name, column in _SINGLE.items():
            value = getattr(self, name)
            if value:
                parts.append(f"{column} = ?")
                params.append(value.lower() if name == "recipient_email" else value)
        if self.excluded_domains:
            marks = ", ".join("?" for _ in self.excluded_domains)
            parts.append(f"(recipient_domain IS NULL OR recipient_domain NOT IN ({marks}))")
            params.extend(self.excluded_domains)
        for name in ("complained", "unsubscribed", "has_send_log"):
            value = getattr(self, name)
            if value is not None:
                parts.append(f"{name} = ?")
                params.append(value)
        if self.human_open is not None:
            parts.append("(open_count > 0 OR click_count > 0) = ?")
            params.append(self.human_open)
        if self.text:
            # The prepared column is folded once per mail; the text the same way, in SQL.
            parts.append("contains(search_text, strip_accents(lower(?)))")
            params.append(self.text.strip()[:MAX_TEXT])
        return (" AND ".join(parts) or "TRUE"), params

    def with_(self, **changes: Any) -> MailFilter:
        """A copy with some fields changed (tuples for the multi-valued ones)."""
        return replace(self, **changes)

    def to_query_params(self) -> dict[str, str]:
        """URL query parameters (multi-valued ones comma-separated), only for fields set."""
        out: dict[str, str] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value in (None, (), ""):
                continue
            key = _FIELD_TO_URL[f.name]
            if isinstance(value, tuple):
                out[key] = ",".join(value)
            elif isinstance(value, bool):
                out[key] = "1" if value else "0"
            elif isinstance(value, dt.date):
                out[key] = value.isoformat()
            else:
                out[key] = str(value)
        return out

    @classmethod
    def from_query_params(cls, params: Mapping[str, str | list[str]]) -> MailFilter:
        """The filter a URL describes; unknown parameters and unreadable values are ignored."""
        values: dict[str, Any] = {}
        for key, raw in params.items():
            name = _URL_NAMES.get(key)
            text = raw[-1] if isinstance(raw, list) else raw
            if name is None or text is None or str(text).strip() == "":
                continue
            converted = _convert(name, str(text))
            if converted is not None:
                values[name] = converted
        for name, allowed in _ALLOWED.items():
            if name in values:
                values[name] = tuple(v for v in values[name] if v in allowed)
        if _bad_period(values):
            del values["period_end"]
        return cls(**values)

    def slug(self) -> str:
        """What the filter holds, for file names: 'undeliverable_2026-03-01_2026-03-31'.

        Statuses (or 'all'), then the other criteria set, then the period; ASCII letters,
        digits, '-' and '.' only, the criteria cut to MAX_SLUG characters.
        """
        what = list(self.statuses) or ["all"]
        what += ["-".join(getattr(self, name)) for name in _SLUG_LISTS if getattr(self, name)]
        what += [f"{prefix}-{value}" for prefix, value in self._slug_values() if value]
        for name, yes, no in _SLUG_FLAGS:
            value = getattr(self, name)
            if value is not None:
                what.append(yes if value else no)
        head = "_".join(file_safe(part) for part in what)[:MAX_SLUG].strip("_-")
        dates = [d.isoformat() for d in (self.period_start, self.period_end) if d]
        return "_".join([head, *dates])

    def _slug_values(self) -> list[tuple[str, str | None]]:
        return [
            ("session", self.session_id),
            ("contact", self.contact_id),
            ("opportunity", self.opportunity_id),
            ("to", self.recipient_email),
            ("q", self.text),
        ]


URL_KEYS: tuple[str, ...] = tuple(_URL_NAMES)
"""Every URL query parameter a MailFilter reads (other parameters, e.g. lang, are the page's)."""

_SLUG_LISTS = tuple(name for name in _MULTI if name != "statuses")
_SLUG_FLAGS = (
    ("complained", "complained", "not-complained"),
    ("unsubscribed", "unsubscribed", "not-unsubscribed"),
    ("has_send_log", "send-log", "no-send-log"),
)


def _convert(name: str, text: str) -> Any:
    if name in ("period_start", "period_end"):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            return None
    if name in _MULTI or name == "excluded_domains":
        return tuple(v.strip() for v in text.split(",") if v.strip())
    if name in ("complained", "unsubscribed", "has_send_log", "human_open"):
        return {"1": True, "true": True, "0": False, "false": False}.get(text.lower())
    return text[:MAX_TEXT]


def _bad_period(values: Mapping[str, Any]) -> bool:
    start, end = values.get("period_start"), values.get("period_end")
    return bool(start and end and start > end)


def file_safe(text: str) -> str:
    """ASCII only (accents dropped), anything but letters, digits, '-' and '.' made '-'."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(c if c.isalnum() or c in "-." else "-" for c in plain)[:60]
