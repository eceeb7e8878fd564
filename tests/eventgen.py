"""Generate large, realistic Brevo webhook files (JSON Lines) and matching send logs for load tests.

The records copy the shape of tests/data/events/brevo_webhooks.jsonl and the Brevo samples under
tests/data/provider_samples/brevo/: `message-id` in angle brackets, `ts`, `ts_event` (epoch
seconds), `ts_epoch` (milliseconds), `date` (account-local wall clock), a free-text `reason` on
failures. Each mail gets a plausible life: request, then delivered (and maybe opened, proxy-opened,
clicked), or a soft bounce, or a hard bounce, or a block. Deterministic for a given seed and range.
Used by the live-ingest tests and bench/live_ingest.py; never by the pipeline.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Iterator
from pathlib import Path

_DOMAINS = ("gmail.com", "orange.fr", "free.fr", "laposte.net", "outlook.fr", "exemple-of.fr")
_EPOCH0 = 1_767_603_600  # 2026-01-05 09:00:00 UTC


def message_id(mail: int) -> str:
    return f"<20260105.{mail:09d}@smtp-relay.mailin.fr>"


def recipient(mail: int) -> str:
    return f"stagiaire.{mail}@{_DOMAINS[mail % len(_DOMAINS)]}"


def _event(name: str, mail: int, ts: int, extra: str = "") -> str:
    # Formatted by hand: json.dumps per record would make the generator slower than the ingest.
    date = _local_date(ts)
    return (
        f'{{"event": "{name}", "email": "{recipient(mail)}", "id": 1234, '
        f'"message-id": "{message_id(mail)}", "subject": "Votre convocation", '
        f'"date": "{date}", "ts": {ts}, "ts_event": {ts}, "ts_epoch": {ts * 1000}, '
        f'"tags": ["convocation"]{extra}}}\n'
    )


def _local_date(ts: int) -> str:
    # Paris in January is UTC+1; exact enough for a generator, the reader prefers ts_epoch.
    t = ts + 3600
    days, rest = divmod(t - 1_767_571_200, 86_400)  # seconds since 2026-01-05 00:00 UTC
    hh, rest = divmod(rest, 3600)
    mm, ss = divmod(rest, 60)
    day = 5 + days
    month, day_in = (1, day) if day <= 31 else (2, day - 31)
    return f"2026-{month:02d}-{day_in:02d} {hh:02d}:{mm:02d}:{ss:02d}"


def mail_events(mail: int, rng: random.Random) -> list[str]:
    """The webhook records of one mail's life, in time order."""
    t = _EPOCH0 + mail * 3  # a mail every three seconds
    out = [_event("request", mail, t)]
    fate = rng.random()
    if fate < 0.02:
        reason = f', "reason": "550 5.1.1 <{recipient(mail)}>: Recipient address rejected"'
        return [*out, _event("hard_bounce", mail, t + 4, reason)]
    if fate < 0.03:
        return [*out, _event("blocked", mail, t + 1, ', "reason": "blocked : due to spam"')]
    if fate < 0.06:
        reason = ', "reason": "452 4.2.2 Mailbox full, try again later"'
        out.append(_event("soft_bounce", mail, t + 60, reason))
    out.append(_event("delivered", mail, t + 5 + (fate < 0.06) * 600))
    if rng.random() < 0.12:
        out.append(_event("proxy_open", mail, t + 30))
    opened = rng.random()
    if opened < 0.55:
        out.append(_event("unique_opened", mail, t + 3600))
        if opened < 0.35:
            out.append(_event("opened", mail, t + 7200))
        if opened < 0.15:
            link = ', "link": "https://extranet.exemple-of.fr/convocation"'
            out.append(_event("click", mail, t + 3700, link))
    return out


def brevo_webhook_lines(events: int, *, first_mail: int = 0, seed: int = 1) -> Iterator[str]:
    """At least `events` records, whole mails at a time, for mails first_mail, first_mail+1, …"""
    rng = random.Random(seed * 1_000_003 + first_mail)
    written, mail = 0, first_mail
    while written < events:
        lines = mail_events(mail, rng)
        written += len(lines)
        mail += 1
        yield from lines


def write_brevo_webhooks(path: Path, events: int, *, first_mail: int = 0, seed: int = 1) -> int:
    """Write a JSON Lines file of at least `events` records; returns the number written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with open(path, "w", encoding="utf-8") as out:
        buffer: list[str] = []
        for line in brevo_webhook_lines(events, first_mail=first_mail, seed=seed):
            buffer.append(line)
            if len(buffer) >= 10_000:
                out.writelines(buffer)
                count += len(buffer)
                buffer = []
        out.writelines(buffer)
        count += len(buffer)
    return count


def _iso(ts: int) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat()


def write_send_log(path: Path, mails: range) -> int:
    """A JSON Lines send log (the platform's side) for the given mail numbers."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as out:
        for mail in mails:
            record = {
                "send_id": f"M-{mail:09d}",
                "requested_at": _iso(_EPOCH0 + mail * 3 - 1),
                "provider": "brevo",
                "provider_message_id": message_id(mail),
                "session_id": f"S-2026-{mail % 500:03d}",
                "session_name": f"Habilitation électrique BR — session {mail % 500}",
                "opportunity_id": "",
                "email_type": "convocation",
                "sender_email": "formation@exemple-of.fr",
                "recipient_email": recipient(mail),
                "recipient_name": f"Stagiaire {mail}",
                "recipient_kind": "learner",
                "contact_id": f"C-{mail}",
                "subject": "Votre convocation à la formation",
                "body_html": "<p>Bonjour,</p>",
                "body_text": "Bonjour,",
                "attachments": [],
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return len(mails)
