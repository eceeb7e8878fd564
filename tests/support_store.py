"""Small hand-made stores for the support pages' tests: a JSON Lines send log and the Brevo
webhooks of each mail's fate, written as text and ingested through the real pipeline.

    mails = [Mail("M1", "2026-03-02T10:00:00+01:00", "a@gmail.com", fate="hard_bounce", ...)]
    write_store(mails, write, ingest)
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

REASONS = {
    "hard_bounce": "550 5.1.1 <{email}>: Recipient address rejected: User unknown",
    "blocked": "550 5.7.1 Message rejected by policy",
    "invalid_email": "Invalid",
}


@dataclass(frozen=True)
class Mail:
    """One mail of a test store and what became of it at Brevo (None: no event yet)."""

    send_id: str
    requested_at: str  # ISO 8601 with offset
    recipient_email: str
    recipient_name: str = ""
    recipient_kind: str = "learner"
    contact_id: str | None = None
    session_id: str | None = "S-1"
    session_name: str | None = "Excel initiation – Inter – Lyon – 02/03/2026"
    opportunity_id: str | None = None
    email_type: str = "convocation"
    fate: str | None = "delivered"  # delivered, opened, hard_bounce, blocked, invalid_email


def write_store(mails: list[Mail], write, ingest) -> None:
    """Write the send log and the webhooks of `mails`, then ingest both."""
    sends = "".join(json.dumps(_send(m), ensure_ascii=False) + "\n" for m in mails)
    events = "".join(line for m in mails for line in _events(m))
    paths: list[Path] = [write("sends.jsonl", sends)]
    if events:
        paths.append(write("brevo.jsonl", events))
    reports = ingest(*paths)
    assert all(r.ok for r in reports), reports


def _message_id(mail: Mail) -> str:
    return f"<{mail.send_id.lower()}@smtp-relay.mailin.fr>"


def _send(mail: Mail) -> dict[str, object]:
    return {
        "send_id": mail.send_id, "requested_at": mail.requested_at, "provider": "brevo",
        "provider_message_id": _message_id(mail), "session_id": mail.session_id or "",
        "session_name": mail.session_name or "", "opportunity_id": mail.opportunity_id or "",
        "email_type": mail.email_type, "sender_email": "formation@exemple-of.fr",
        "recipient_email": mail.recipient_email, "recipient_name": mail.recipient_name,
        "recipient_kind": mail.recipient_kind, "contact_id": mail.contact_id or "",
        "subject": f"Mail {mail.send_id}", "body_html": "<p>Bonjour</p>", "body_text": "Bonjour",
        "attachments": [],
    }  # fmt: skip


def _events(mail: Mail) -> list[str]:
    if mail.fate is None:
        return []
    sent = dt.datetime.fromisoformat(mail.requested_at)
    names = {"delivered": ["request", "delivered"], "opened": ["request", "delivered", "opened"]}
    out = []
    for step, name in enumerate(names.get(mail.fate, ["request", mail.fate]), start=1):
        at = sent + dt.timedelta(seconds=5 * step)
        record = {
            "event": name, "email": mail.recipient_email, "id": 1,
            "message-id": _message_id(mail), "subject": f"Mail {mail.send_id}",
            "date": at.strftime("%Y-%m-%d %H:%M:%S"), "ts": int(at.timestamp()),
            "ts_event": int(at.timestamp()), "ts_epoch": int(at.timestamp()) * 1000, "tags": [],
        }  # fmt: skip
        if name in REASONS:
            record["reason"] = REASONS[name].format(email=mail.recipient_email)
        out.append(json.dumps(record) + "\n")
    return out
