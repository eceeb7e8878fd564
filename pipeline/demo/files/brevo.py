"""Brevo's native spellings of the neutral events: transactional webhook payloads (one JSON object
per event, written one per line) and rows of the console's transactional-log CSV export.

Fields follow the live captures in provider-samples/brevo (symfony_*): `message-id` with angle
brackets, `date` in the account's time zone (Europe/Paris) without offset, `ts`/`ts_event` epoch
seconds, `ts_epoch` epoch milliseconds. Knows nothing of how outcomes are decided.
"""

from __future__ import annotations

import csv
import io
import json
import time
import zlib
from functools import lru_cache
from json.encoder import encode_basestring

from pipeline.demo.world import catalog
from pipeline.demo.world.clock import local_stamp
from pipeline.demo.world.outcomes import Ev

_json = json.JSONEncoder(ensure_ascii=False).encode

ACCOUNT_ID = 3194713
SENDING_IPS = catalog.BREVO_IPS
OPENER_IPS = (
    "80.12.93.84",
    "90.63.214.7",
    "86.245.17.190",
    "176.150.40.12",
    "92.184.106.71",
    "78.193.66.201",
    "109.215.88.3",
    "66.249.84.41",
    "66.249.93.103",
)
PROXY_IPS = ("104.28.41.101", "104.28.86.211", "172.225.31.46", "172.226.5.88")
CSV_HEADER = b"st_text,ts,sub,frm,email,tag,mid,link\n"
CSV_LABELS = {
    "request": "Sent",
    "delivered": "Delivered",
    "unique_opened": "First opening",
    "opened": "Opened",
    "proxy_open": "Loaded by proxy",
    "click": "Clicked",
    "deferred": "Deferred",
    "soft_bounce": "Soft bounce",
    "hard_bounce": "Hard bounce",
    "blocked": "Blocked",
    "invalid_email": "Invalid Email",
    "error": "Error",
    "spam": "Complaint",
    "unsubscribed": "Unsubscribed",
}
_SIMPLE = {
    "accepted": "request",
    "deferred": "deferred",
    "soft_bounce": "soft_bounce",
    "delivered": "delivered",
    "bounce": "hard_bounce",
    "blocked": "hard_bounce",
    "invalid": "invalid_email",
    "error": "error",
    "click": "click",
    "complaint": "spam",
    "unsubscribe": "unsubscribed",
}
_BLOCK_REASONS = {
    "unsub": "blocked : due to unsubscribed user",
    "spam": "blocked : due to blacklist user",
    "bounced": "blocked : due to blacklist user",
}


def message_id(ts: int, serial: int) -> str:
    """`<YYYYMMDDhhmm.NNNNNNNNNNN@smtp-relay.mailin.fr>`: request minute (UTC) and a number
    unique per mail (an invertible scramble of `serial`)."""
    number = (serial * 7_919_144_621 + 12_345_678_901) % 100_000_000_000
    return f"<{time.strftime('%Y%m%d%H%M', time.gmtime(ts))}.{number:011d}@smtp-relay.mailin.fr>"


class Message:
    """One Brevo message: the JSON fragments every event about it repeats, encoded once."""

    def __init__(self, email: str, mid: str, subject: str, tag: str, sender: str) -> None:
        self.email, self.mid, self.subject, self.tag, self.sender = email, mid, subject, tag, sender
        self.head = f'{{"id": {ACCOUNT_ID}, "email": {_q(email)}, "message-id": {_q(mid)}, '
        self.tags = _tags_json(tag)
        self.subject_json = _q(subject)
        self.sending_ip = SENDING_IPS[zlib.crc32(mid.encode()) % len(SENDING_IPS)]
        self.opener_ip = OPENER_IPS[zlib.crc32(email.encode()) % len(OPENER_IPS)]


_q = encode_basestring  # a JSON string, as json.dumps(ensure_ascii=False) writes it


@lru_cache(maxsize=64)
def _tags_json(tag: str) -> str:
    tags = _json([tag])
    return f'"tags": {tags}, "tag": {_q(tags)}, '


def webhook_events(evs: list[Ev]) -> list[tuple[str, Ev]]:
    """Brevo event names for one message's events (a first open is both unique and plain)."""
    out: list[tuple[str, Ev]] = []
    opened = proxied = False
    for e in evs:
        if e.kind == "open":
            if not opened:
                out.append(("unique_opened", e))
            out.append(("opened", e))
            opened = True
        elif e.kind == "machine_open":
            if not proxied:
                out.append(("unique_proxy_open", e))
            out.append(("proxy_open", e))
            proxied = True
        elif e.kind == "suppressed":
            out.append(("blocked", e))
        else:
            out.append((_SIMPLE[e.kind], e))
    return out


def json_line(m: Message, name: str, e: Ev) -> bytes:
    """One webhook payload, key order as in the live captures, as a JSON line."""
    ts = e.ms // 1000
    return (
        f'{m.head}"date": "{local_stamp(ts)}", {m.tags}"event": "{name}", '
        f'"subject": {m.subject_json}, {_ip_field(m, name, e)}"ts_event": {ts}, "ts": {ts}, '
        f'{_reason_field(name, e)}"ts_epoch": {e.ms}}}\n'
    ).encode()


def _ip_field(m: Message, name: str, e: Ev) -> str:
    """`sending_ip`: Brevo's relay for delivery events, the reader's address for opens."""
    if name in ("request", "delivered", "deferred", "soft_bounce", "hard_bounce"):
        return f'"sending_ip": "{m.sending_ip}", '
    if name in ("opened", "unique_opened", "click"):
        return f'"sending_ip": "{m.opener_ip}", '
    if name in ("proxy_open", "unique_proxy_open"):
        return f'"sending_ip": "{PROXY_IPS[e.ms % len(PROXY_IPS)]}", '
    return ""


def _reason_field(name: str, e: Ev) -> str:
    if name in ("request", "delivered"):
        return '"reason": "sent", '
    if name == "blocked":
        return f'"reason": "{_BLOCK_REASONS[e.status]}", '
    if name in ("deferred", "soft_bounce", "hard_bounce"):
        return f'"reason": {_q(e.reason)}, '
    if name == "click":
        return f'"link": {_q(e.reason)}, '
    if name in ("opened", "unique_opened"):
        return '"link": "", '
    return ""


class CsvExport:
    """Rows of Brevo's transactional-log export (English UI labels, `NA` for empty)."""

    def __init__(self) -> None:
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="\n")

    def row(self, m: Message, name: str, e: Ev) -> bytes | None:
        label = CSV_LABELS.get(name)
        if label is None:  # the log shows one "Loaded by proxy" line, not the unique variant
            return None
        link = e.reason if name == "click" else "NA"
        self._buffer.seek(0)
        self._buffer.truncate()
        self._writer.writerow(
            [
                label,
                local_stamp(e.ms // 1000, "%d-%m-%Y"),
                m.subject,
                m.sender,
                m.email,
                m.tag or "NA",
                m.mid,
                link,
            ]
        )
        return self._buffer.getvalue().encode("utf-8")
