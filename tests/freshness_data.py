"""Small hand-made histories for the Data page tests: mails requested at chosen hours through Brevo,
SendGrid or any provider, with the provider's events written in its own native format.

    mails = every("brevo", hours=range(0, 24 * 30, 3))
    write("sends.csv", send_log(mails)); write("brevo.jsonl", brevo_events(mails))

Times count in hours from T0; each mail is accepted 5 s and delivered 10 s after its request.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass

T0 = dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.UTC)  # early enough for 200 days of history


@dataclass(frozen=True)
class Mail:
    send_id: str
    provider: str
    hour: float

    @property
    def requested_at(self) -> dt.datetime:
        return T0 + dt.timedelta(hours=self.hour)

    @property
    def message_id(self) -> str:
        if self.provider == "sendgrid":  # SendGrid's X-Message-Id: 22 characters
            return f"{self.send_id.replace('-', '')}".ljust(22, "x")[:22]
        return f"<{self.send_id}@smtp-relay.mailin.fr>"

    @property
    def recipient(self) -> str:
        return f"{self.send_id.lower()}@exemple.fr"


def every(provider: str, hours: Iterable[float], prefix: str | None = None) -> list[Mail]:
    """One mail through `provider` at each of these hours after T0."""
    prefix = prefix or provider[:2].upper()
    return [Mail(f"{prefix}-{i:05d}", provider, float(h)) for i, h in enumerate(hours)]


def send_log(mails: Iterable[Mail]) -> str:
    lines = ["send_id,requested_at,provider,provider_message_id,recipient_email,email_type"]
    lines += [
        f"{m.send_id},{m.requested_at.isoformat()},{m.provider},{m.message_id},{m.recipient},"
        "convocation"
        for m in mails
    ]
    return "\n".join(lines) + "\n"


def brevo_events(mails: Iterable[Mail], names: tuple[str, ...] = ("request", "delivered")) -> str:
    lines = []
    for m in mails:
        for offset, name in enumerate(names, start=1):
            at = m.requested_at + dt.timedelta(seconds=5 * offset)
            lines.append(
                json.dumps(
                    {
                        "event": name,
                        "email": m.recipient,
                        "message-id": m.message_id,
                        "ts_epoch": int(at.timestamp() * 1000),
                    }
                )
            )
    return "\n".join(lines) + "\n"


def sendgrid_events(mails: Iterable[Mail]) -> str:
    """One Event Webhook POST body (a JSON array) per mail, one per line."""
    lines = []
    for m in mails:
        batch = []
        for offset, name in enumerate(("processed", "delivered"), start=1):
            at = m.requested_at + dt.timedelta(seconds=5 * offset)
            batch.append(
                {
                    "email": m.recipient,
                    "timestamp": int(at.timestamp()),
                    "smtp-id": f"<{m.message_id}@ismtpd0001p1lon1.sendgrid.net>",
                    "event": name,
                    "sg_event_id": f"{m.send_id}-{name}",
                    "sg_message_id": f"{m.message_id}.filterdrecv-5645d9c87f-abcde-1-0-3.0",
                }
            )
        lines.append(json.dumps(batch))
    return "\n".join(lines) + "\n"


def hours_at(day: float, hour: float = 0.0) -> float:
    """Hours after T0 of `day` (0-based) plus `hour`."""
    return day * 24 + hour
