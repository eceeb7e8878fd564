"""The detail panel's words and tables, computed without Streamlit so that tests can read them:
the status badge, the mail's facts (who, what, when), the event timeline frame."""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import PurePath
from typing import Any

import pandas as pd
from babel.dates import format_datetime as babel_datetime

from pipeline.i18n import format_datetime, has_key, t
from pipeline.rules.statuses import STATUS_COLOURS, STATUS_TEXT_COLOURS, status_label


def missing(value: object) -> bool:
    """None, NaN/NaT and blank strings."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def when(value: object, lang: str) -> str:
    """A time as people read it, in the store's zone; a dash when there is none."""
    if missing(value):
        return "—"
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    return format_datetime(value, lang)


def code_label(prefix: str, code: object, lang: str) -> str:
    """The translated label of a code (`mail_type.facture` → "Facture"), else the code itself."""
    if missing(code):
        return t("common.not_provided", lang)
    key = f"{prefix}.{code}"
    return t(key, lang) if has_key(key) else str(code)


def status_badge_html(status: str, lang: str) -> str:
    """The status as a coloured badge, with the colours the grid and charts use."""
    fill = STATUS_COLOURS.get(status, "#8C8C8C")
    ink = STATUS_TEXT_COLOURS.get(status, "#000000")
    label = html.escape(status_label(status, lang) if status in STATUS_COLOURS else status)
    return (
        f'<span class="mt-detail-badge" style="background:{fill};color:{ink};'
        "padding:0.2em 0.7em;border-radius:999px;font-weight:600;font-size:0.95rem;"
        f'white-space:nowrap">{label}</span>'
    )


def recipient_line(mail: Mapping[str, Any], lang: str) -> str:
    """`Name <address> · Kind`, with what is known."""
    address = mail.get("recipient_email") or t("common.not_provided", lang)
    name = mail.get("recipient_name")
    text = f"{name} <{address}>" if not missing(name) else str(address)
    if not missing(mail.get("recipient_kind")):
        text += " · " + code_label("recipient_kind", mail["recipient_kind"], lang)
    return text


def context_line(mail: Mapping[str, Any], lang: str) -> str:
    """The session (name, id, place, dates) or the sales opportunity the mail belongs to."""
    if not missing(mail.get("session_id")) or not missing(mail.get("session_name")):
        parts = [str(mail.get("session_name") or mail.get("session_id"))]
        if not missing(mail.get("session_name")) and not missing(mail.get("session_id")):
            parts[0] += f" ({mail['session_id']})"
        if not missing(mail.get("session_place")):
            parts.append(str(mail["session_place"]))
        start, end = mail.get("session_start"), mail.get("session_end")
        if not missing(start) and not missing(end) and start != end:
            parts.append(t("mail_detail.dates", lang, start=when(start, lang), end=when(end, lang)))
        elif not missing(start):
            parts.append(t("mail_detail.date", lang, day=when(start, lang)))
        return " · ".join(parts)
    if not missing(mail.get("opportunity_id")):
        return t("mail_detail.opportunity_value", lang, id=mail["opportunity_id"])
    return t("common.not_provided", lang)


def is_stuck(mail: Mapping[str, Any], hours: float, now: datetime | None = None) -> bool:
    """Still only requested, more than `hours` after it was (the MAILTRAIL_STUCK_HOURS setting)."""
    requested = mail.get("requested_at")
    if mail.get("status") != "requested" or missing(requested):
        return False
    now = now or datetime.now(UTC)
    return bool(now - pd.Timestamp(requested).to_pydatetime() > timedelta(hours=hours))


def machine_opens_only(mail: Mapping[str, Any]) -> bool:
    """Opened, but every open came from a privacy proxy and nobody clicked."""
    return (
        mail.get("status") == "opened"
        and not mail.get("open_count")
        and not mail.get("click_count")
        and bool(mail.get("machine_open_count"))
    )


def engagement_line(mail: Mapping[str, Any], lang: str) -> str:
    """Opens (with automatic ones apart), clicks, and the complaint / unsubscribe flags."""
    parts = [
        t("mail_detail.opens", lang, count=int(mail.get("open_count") or 0)),
        t("mail_detail.clicks", lang, count=int(mail.get("click_count") or 0)),
    ]
    if mail.get("machine_open_count"):
        parts.insert(1, t("mail_detail.machine_opens", lang, count=int(mail["machine_open_count"])))
    if mail.get("complained"):
        parts.append(t("common.complained", lang))
    if mail.get("unsubscribed"):
        parts.append(t("common.unsubscribed", lang))
    return " · ".join(parts)


def reason_line(mail: Mapping[str, Any], lang: str) -> str | None:
    """The provider's latest reason with its codes, or None."""
    reason = mail.get("last_reason")
    codes = [str(mail[c]) for c in ("smtp_code", "enhanced_code") if not missing(mail.get(c))]
    if missing(reason) and not codes:
        return None
    text = " ".join(str(reason).split()) if not missing(reason) else ""
    if codes and not all(code in text for code in codes):
        text = f"{text} ({' / '.join(codes)})".strip()
    return text


TIMELINE_COLUMNS = ("time", "provider", "raw_event", "event", "reason", "smtp_code",
                    "enhanced_code", "source")  # fmt: skip


def timeline_frame(
    events: pd.DataFrame, lang: str, mail: Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """The events as the timeline table shows them, oldest first, every code translated; with
    the `mail` row, the platform's request opens it (the step support checks first: was the
    mail asked for at all, and when)."""
    rows = [
        {
            "time": _event_time(e["event_at"], lang),
            "provider": code_label("provider", e["provider"], lang),
            "raw_event": e["raw_event"],
            "event": _event_label(e, lang),
            "reason": _reason(e),
            "smtp_code": "" if missing(e["smtp_code"]) else str(e["smtp_code"]),
            "enhanced_code": "" if missing(e["enhanced_code"]) else str(e["enhanced_code"]),
            "source": f"{PurePath(str(e['source_file'])).name}:{e['source_line']}",
        }
        for e in events.to_dict("records")
    ]
    request = _request_row(mail, lang) if mail is not None else None
    return pd.DataFrame(([request] if request else []) + rows, columns=list(TIMELINE_COLUMNS))


def _request_row(mail: Mapping[str, Any], lang: str) -> dict[str, str] | None:
    """The send log's request as a timeline row, or None for a mail known only from events."""
    if not mail.get("has_send_log") or missing(mail.get("requested_at")):
        return None
    source = mail.get("send_source_file")
    return {
        "time": _event_time(mail["requested_at"], lang),
        "provider": t("mail_detail.platform", lang),
        "raw_event": "",
        "event": t("mail_detail.request_event", lang),
        "reason": "",
        "smtp_code": "",
        "enhanced_code": "",
        "source": ""
        if missing(source)
        else f"{PurePath(str(source)).name}:{mail['send_source_line']}",
    }


def timeline_headers(lang: str) -> dict[str, str]:
    return {column: t(f"mail_detail.event.{column}", lang) for column in TIMELINE_COLUMNS}


def _event_time(value: object, lang: str) -> str:
    if missing(value):
        return "—"
    moment = pd.Timestamp(value).to_pydatetime()
    pattern = t("mail_detail.event_time_format", lang)
    text = babel_datetime(moment.replace(tzinfo=None), pattern, locale=lang)
    zone = moment.tzname()
    return f"{text} {zone}" if zone else text


def _event_label(event: Mapping[str, Any], lang: str) -> str:
    name = str(event["event"])
    if name == "bounced" and event.get("bounce_kind") in ("hard", "soft"):
        label = t(f"event.bounced_{event['bounce_kind']}", lang)
    else:
        label = code_label("event", name, lang)
    if name == "opened" and event.get("is_machine_open"):
        label = t("mail_detail.machine_open", lang, event=label)
    if not missing(event.get("bounce_category")):
        label += f" · {code_label('bounce_category', event['bounce_category'], lang)}"
    return label


def _reason(event: Mapping[str, Any]) -> str:
    """The provider's reason on one line; for a click, the link that was clicked."""
    reason = event.get("reason")
    text = "" if missing(reason) else " ".join(str(reason).split())
    if not text and not missing(event.get("url")):
        text = str(event["url"])
    return text


_MARKDOWN_SPECIAL = set("\\`*_{}[]()#+-.!|<>~$:")
SUBJECT_SHOWN = 160  # characters of a subject in a heading; the rest behind "Full subject"


def shortened(text: str, limit: int = SUBJECT_SHOWN) -> str:
    """`text` on one line, cut to `limit` characters with an ellipsis: a heading holds a line or
    two whatever a sender wrote (a 10,000-character subject would be a 7,000-px heading)."""
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1].rstrip() + "…"


def md_escape(text: str) -> str:
    """Text shown through st.markdown as typed: every Markdown character escaped, newlines kept
    as line breaks."""
    escaped = "".join(f"\\{c}" if c in _MARKDOWN_SPECIAL else c for c in text)
    return escaped.replace("\n", "  \n")


def facts_html(rows: list[tuple[str, str]]) -> str:
    """Label / value rows as a borderless two-column table; every text escaped (HTML keeps
    Markdown from turning addresses and message ids into links)."""
    cell = "border:none;padding:0.15rem 0;vertical-align:top;background:transparent"
    body = "".join(
        f'<tr style="border:none;background:transparent">'
        f'<th style="{cell};padding-right:1rem;text-align:left;font-weight:600;white-space:nowrap">'
        f"{html.escape(label)}</th>"
        f'<td style="{cell};overflow-wrap:anywhere">{html.escape(value)}</td></tr>'
        for label, value in rows
    )
    return (
        '<table class="mt-facts" style="border:none;border-collapse:collapse;width:100%;'
        f'margin:0.25rem 0 0.5rem 0;font-size:0.95rem">{body}</table>'
    )
