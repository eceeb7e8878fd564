"""SendGrid's native spellings of the neutral events: Event Webhook objects (posted as JSON arrays)
and rows of the Email Activity "Export CSV" (the 28 columns of CSV_EXPORTS.md).

Ids as in provider-samples/sendgrid: the X-Message-Id (22 characters) returned at send time is
the prefix of `sg_message_id` and the local part of `smtp-id`; some drops carry an
`sg_message_id` without it. `timestamp` is integer epoch seconds. Knows nothing of outcomes.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import zlib
from functools import lru_cache
from json.encoder import encode_basestring
from typing import Any, NamedTuple

from pipeline.demo.world import catalog
from pipeline.demo.world.outcomes import Ev

_json = json.JSONEncoder(ensure_ascii=False).encode

OUTBOUND_IP = catalog.SENDGRID_IP
ORIGINATING_IP = "51.159.104.77"
API_KEY_ID = "pQx7Zk2cR0mWb6Tn1YfHaA"
USERNAME = "horizon-competences"
PODS = (
    "p3mdw1-756b745b58-kmzbl",
    "p3iad2-5b9c7d8f4d-xw7qp",
    "p3las1-6f8d9c7b5e-tr4nv",
    "p3mdw1-756b745b58-9hq2d",
    "p3iad2-5b9c7d8f4d-mm8zc",
)
MTAS = ("ismtpd0039p1iad1", "ismtpd0006p1sjc2", "ismtpd0102p1mdw1", "ismtpd0017p1las1")
HUMAN_AGENTS = (
    "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)",
    "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17928; Pro)",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Linux; Android 14; SM-A546B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36",
)
HUMAN_IPS = ("66.249.84.41", "90.63.214.7", "86.245.17.190", "176.150.40.12", "92.184.106.71")
MACHINE_IPS = ("104.28.41.101", "172.225.31.46", "172.226.5.88")
DROP_REASONS = {
    "bounced": "Bounced Address",
    "unsub": "Unsubscribed Address",
    "spam": "Spam Reporting Address",
}
RESPONSES = {
    "google": "250 2.0.0 OK  {t} a640c23a62f3a-ab7c3f1e{n}si.{k} - gsmtp",
    "microsoft": "250 2.6.0 <{x}@ismtpd.sendgrid.net> [InternalId={n}] Queued mail for delivery",
    "m365": "250 2.6.0 <{x}@ismtpd.sendgrid.net> [InternalId={n}] Queued mail for delivery",
    "orange": "250 2.0.0 {x8} mail accepted for delivery",
    "yahoo": "250 ok dirdel",
}
CSV_COLUMNS = (
    "processed",
    "message_id",
    "event",
    "api_key_id",
    "recv_message_id",
    "credential_id",
    "subject",
    "from",
    "email",
    "asm_group_id",
    "template_id",
    "originating_ip",
    "reason",
    "outbound_ip",
    "outbound_ip_type",
    "mx",
    "attempt",
    "url",
    "user_agent",
    "type",
    "is_unique",
    "username",
    "categories",
    "marketing_campaign_id",
    "marketing_campaign_name",
    "marketing_campaign_split_id",
    "marketing_campaign_version",
    "unique_args",
)
_NAMES = {
    "accepted": "processed",
    "deferred": "deferred",
    "soft_bounce": "deferred",
    "delivered": "delivered",
    "bounce": "bounce",
    "blocked": "bounce",
    "suppressed": "dropped",
    "invalid": "dropped",
    "error": "dropped",
    "open": "open",
    "machine_open": "open",
    "click": "click",
    "complaint": "spamreport",
    "unsubscribe": "unsubscribe",
}


def x_message_id(bits: int) -> str:
    return base64.urlsafe_b64encode(bits.to_bytes(16, "big")).decode()[:22]


class Message:
    """The ids of one message as SendGrid reports them, and the JSON fragments its events share."""

    def __init__(
        self, xid: str, ts: int, serial: int, email: str, category: str, operator: str
    ) -> None:
        self.xid, self.serial, self.email, self.operator = xid, serial, email, operator
        pod = PODS[serial % len(PODS)]
        self.sg_message_id = f"{xid}.filterdrecv-{pod}-{serial % 40}-{ts:08X}-{serial % 17}.0"
        self.smtp_id = f"<{xid}@{MTAS[serial % len(MTAS)]}.sendgrid.net>"
        self.bare_drop_id = f"filter{serial % 9000 + 1000:04d}p1las1.{serial % 30000}.{ts:X}5.0"
        self.email_json = _q(email)
        self.categories = _categories_json(category)
        self.agent = HUMAN_AGENTS[serial % len(HUMAN_AGENTS)]
        self.agent_json = _AGENTS_JSON[serial % len(HUMAN_AGENTS)]
        self._bits = int.from_bytes(base64.urlsafe_b64decode(xid + "=="), "big")

    def message_id_for(self, event: str) -> str:
        """Half the drops carry an sg_message_id without the X-Message-Id prefix."""
        return (
            self.bare_drop_id if event == "dropped" and self.serial % 2 == 0 else self.sg_message_id
        )

    def event_id(self, n: int) -> str:
        """A unique, stable `sg_event_id` for the message's n-th event."""
        bits = (self._bits * 0x9E3779B97F4A7C15 + n * 0xD1B54A32D192ED03) % (1 << 128)
        return base64.urlsafe_b64encode(bits.to_bytes(16, "big")).decode()[:22]


_q = encode_basestring  # a JSON string, as json.dumps(ensure_ascii=False) writes it
_AGENTS_JSON = tuple(_q(agent) for agent in HUMAN_AGENTS)


@lru_cache(maxsize=64)
def _categories_json(category: str) -> str:
    return _json(["transactionnel", category])


class Event(NamedTuple):
    name: str  # SendGrid event name
    ev: Ev
    n: int  # position among the message's events (makes sg_event_id)
    unique: bool  # first open / first click


def webhook_events(evs: list[Ev]) -> list[Event]:
    out = []
    seen: set[str] = set()
    for n, e in enumerate(evs):
        name = _NAMES[e.kind]
        out.append(Event(name, e, n, name not in seen))
        seen.add(name)
    return out


def json_obj(m: Message, x: Event) -> bytes:
    """One Event Webhook object (without the array brackets SendGrid wraps around a batch)."""
    e, name = x.ev, x.name
    smtp = (
        ""
        if name in ("open", "click", "spamreport", "unsubscribe")
        else (f'"smtp-id": "{m.smtp_id}", ')
    )
    sg_message_id = m.message_id_for(name)
    return (
        f'{{"email": {m.email_json}, "timestamp": {e.ms // 1000}, {smtp}"event": "{name}", '
        f'"category": {m.categories}, "sg_event_id": "{m.event_id(x.n)}", '
        f'"sg_message_id": "{sg_message_id}"{_detail_json(m, e)}}}'
    ).encode()


def _detail_json(m: Message, e: Ev) -> str:
    kind = e.kind
    if kind == "delivered":
        return (
            f', "ip": "{OUTBOUND_IP}", "tls": 1, "response": {_q(_response(m.operator, m, e.ms))}'
        )
    if kind in ("open", "machine_open"):
        if kind == "machine_open":
            return (
                f', "useragent": "Mozilla/5.0", "ip": "{MACHINE_IPS[e.ms % 3]}", '
                '"sg_machine_open": true'
            )
        return (
            f', "useragent": {m.agent_json}, "ip": "{HUMAN_IPS[e.ms % 3]}", '
            '"sg_machine_open": false'
        )
    if kind in ("accepted", "complaint", "unsubscribe"):
        return ""
    if kind == "click":
        return (
            f', "useragent": {m.agent_json}, "ip": "{HUMAN_IPS[e.ms % 3]}", '
            f'"url": {_q(e.reason)}, "url_offset": {{"index": 0, "type": "html"}}'
        )
    return "".join(f", {_json(k)}: {_json(v)}" for k, v in details(m, e).items())


def details(m: Message, e: Ev) -> dict[str, Any]:
    """The event-specific fields, by event kind."""
    kind = e.kind
    if kind == "delivered":
        return {"ip": OUTBOUND_IP, "tls": 1, "response": _response(m.operator, m, e.ms)}
    if kind in ("deferred", "soft_bounce"):
        return {"response": e.reason, "attempt": e.extra or "1"}
    if kind in ("bounce", "blocked"):
        return {
            "ip": OUTBOUND_IP,
            "tls": 1,
            "reason": e.reason,
            "status": e.status or "5.0.0",
            "type": "blocked" if kind == "blocked" else "bounce",
            "bounce_classification": e.extra or "Unclassified",
        }
    if kind == "suppressed":
        drop = {"reason": DROP_REASONS[e.status]}
        return {**drop, "status": "5.0.0"} if e.status == "bounced" else drop
    if kind in ("invalid", "error"):
        return {"reason": "Invalid"}
    if kind in ("open", "machine_open"):
        machine = kind == "machine_open"
        return {
            "useragent": "Mozilla/5.0" if machine else m.agent,
            "ip": (MACHINE_IPS if machine else HUMAN_IPS)[e.ms % 3],
            "sg_machine_open": machine,
        }
    if kind == "click":
        return {
            "useragent": m.agent,
            "ip": HUMAN_IPS[e.ms % 3],
            "url": e.reason,
            "url_offset": {"index": 0, "type": "html"},
        }
    return {}


def _response(operator: str, msg: Message, ms: int) -> str:
    template = RESPONSES.get(operator, "250 2.0.0 Ok: queued as {x8}")
    n = zlib.crc32(msg.xid.encode())
    return template.format(t=ms // 1000, n=n, k=n % 97, x=msg.xid, x8=msg.xid[:10])


class ActivityCsv:
    """Rows of the Email Activity CSV export for the same events."""

    def __init__(self) -> None:
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="\n")

    def header(self) -> bytes:
        return (",".join(CSV_COLUMNS) + "\n").encode("utf-8")

    def row(self, m: Message, x: Event, subject: str, sender: str, mx: str) -> bytes:
        name, e = x.name, x.ev
        d = details(m, e)
        delivery = name in ("delivered", "deferred", "bounce")
        sg_message_id = m.message_id_for(name)
        engagement = name in ("open", "click")
        values = {
            "processed": str(e.ms // 1000),
            "message_id": sg_message_id,
            "event": name,
            "api_key_id": API_KEY_ID,
            "recv_message_id": m.xid,
            "credential_id": "",
            "subject": subject,
            "from": sender,
            "email": m.email,
            "asm_group_id": "",
            "template_id": "",
            "originating_ip": ORIGINATING_IP,
            "reason": d.get("reason") or (d.get("response", "") if name == "deferred" else ""),
            "outbound_ip": OUTBOUND_IP if delivery else "",
            "outbound_ip_type": "dedicated" if delivery else "",
            "mx": mx if delivery else "",
            "attempt": d.get("attempt", "1" if name == "delivered" else ""),
            "url": d.get("url", ""),
            "user_agent": d.get("useragent", ""),
            "type": d.get("type", ""),
            "is_unique": ("true" if x.unique else "false") if engagement else "",
            "username": USERNAME,
            "categories": m.categories,
            "marketing_campaign_id": "",
            "marketing_campaign_name": "",
            "marketing_campaign_split_id": "",
            "marketing_campaign_version": "",
            "unique_args": "{}",
        }
        self._buffer.seek(0)
        self._buffer.truncate()
        self._writer.writerow([values[c] for c in CSV_COLUMNS])
        return self._buffer.getvalue().encode("utf-8")


def mx_host(operator: str, domain: str) -> str:
    if operator == "m365":
        return f"{domain.replace('.', '-')}.{catalog.MX_HOSTS['m365']}"
    return catalog.MX_HOSTS.get(operator, f"mx1.{domain}")
