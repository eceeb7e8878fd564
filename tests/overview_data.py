"""A small hand-checked store for the overview's tests: a send log and Brevo webhooks written
here, line by line, so that every count of the overview can be worked out by hand.

Period under test: 1-10 March 2026 (Paris). Previous period of the same length: 19-28 February.
Each mail's status, from its events (DESIGN.md):

    M01 M02  delivered              M06  undeliverable (hard_bounce)
    M03      opened by a person     M07  send_error (invalid_email)
    M04      opened by a machine    M08  sent, in flight (request only)
    M05      delivered + complaint  M09  requested, in flight (no event)
    M10      opened by a click, at 23:30 Paris on the period's last day
    P01-P04  the previous period: 2 delivered, 1 undeliverable, 1 opened
    O01 O02  outside both periods

Sessions: S1 = M01, M02, M06, M07; S2 = M05, M08, M09, M10; the others have none.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from pipeline.filters.periods import Period
from pipeline.ingest.files import ingest_paths
from pipeline.settings import Settings

PARIS = ZoneInfo("Europe/Paris")
PERIOD = Period(dt.date(2026, 3, 1), dt.date(2026, 3, 10))

# send_id, local time, type, recipient kind, recipient, session (- for none), Brevo events
_TABLE = """
M01 2026-03-02T10:00 convocation               learner a1@gmail.com     S1 request,delivered
M02 2026-03-02T10:05 convocation               learner a2@gmail.com     S1 request,delivered
M03 2026-03-03T09:00 programme                 learner a3@orange.fr     -  delivered,opened
M04 2026-03-03T09:10 programme                 learner a4@icloud.com    -  delivered,proxy_open
M05 2026-03-04T14:00 facture                   client  c1@entreprise.fr S2 delivered,spam
M06 2026-03-05T10:00 convocation               learner a6@gmail.com     S1 request,hard_bounce
M07 2026-03-06T10:00 convocation               learner a7@gmial.com     S1 invalid_email
M08 2026-03-09T10:00 attestation_fin_formation learner a8@orange.fr     S2 request
M09 2026-03-10T10:00 attestation_fin_formation learner a9@gmail.com     S2 -
M10 2026-03-10T23:30 evaluation_a_chaud        trainer t1@free.fr       S2 request,delivered,click
P01 2026-02-20T10:00 convocation               learner b1@gmail.com     -  delivered
P02 2026-02-21T10:00 convocation               learner b2@gmail.com     -  hard_bounce
P03 2026-02-24T10:00 programme                 learner b3@orange.fr     -  delivered
P04 2026-02-27T10:00 programme                 learner b4@orange.fr     -  delivered,opened
O01 2026-03-11T08:00 convocation               learner o1@gmail.com     -  delivered
O02 2026-02-18T08:00 convocation               learner o2@gmail.com     -  hard_bounce
"""


def _mails() -> dict[str, tuple[str, str, str, str, str, tuple[str, ...]]]:
    out = {}
    for line in _TABLE.strip().splitlines():
        send_id, when, mail_type, kind, to, session, events = line.split()
        out[send_id] = (
            when.replace("T", " "),
            mail_type,
            kind,
            to,
            "" if session == "-" else session,
            () if events == "-" else tuple(events.split(",")),
        )
    return out


MAILS = _mails()

_HEADER = (
    "send_id,requested_at,provider,provider_message_id,session_id,session_name,opportunity_id,"
    "email_type,sender_email,recipient_email,recipient_name,recipient_kind,contact_id,subject,"
    "body_html,body_text,attachments"
)
_REASONS = {
    "hard_bounce": "550 5.1.1 <{to}>: Recipient address rejected: User unknown",
    "invalid_email": "invalid email address",
}


def message_id(send_id: str) -> str:
    return f"<202603010000.{send_id}@smtp-relay.mailin.fr>"


def _local(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=PARIS)


def send_log() -> str:
    lines = [_HEADER]
    for send_id, (when, kind_of_mail, kind, to, session, _) in MAILS.items():
        name = f"Session {session}" if session else ""
        lines.append(
            f"{send_id},{_local(when).isoformat()},brevo,{message_id(send_id)},{session},{name},"
            f",{kind_of_mail},formation@exemple-of.fr,{to},{to.split('@')[0]},{kind},C-{send_id},"
            f"Mail {send_id},,,"
        )
    return "\n".join(lines) + "\n"


def brevo_events() -> str:
    lines = []
    for send_id, (when, _, _, to, _, events) in MAILS.items():
        start = _local(when)
        for step, event in enumerate(events, start=1):
            at = start + dt.timedelta(minutes=step)
            record = {
                "event": event,
                "email": to,
                "id": 1,
                "date": at.strftime("%Y-%m-%d %H:%M:%S"),
                "ts_epoch": int(at.timestamp() * 1000),
                "message-id": message_id(send_id),
                "subject": f"Mail {send_id}",
            }
            if event in _REASONS:
                record["reason"] = _REASONS[event].format(to=to)
            lines.append(json.dumps(record))
    return "\n".join(lines) + "\n"


def build(folder: Path) -> Settings:
    """Write the two files into `folder` and ingest them through the real pipeline."""
    config = Settings.from_env(environ={}, db_path=folder / "mailtrail.duckdb")
    sends, events = folder / "sends.csv", folder / "brevo.jsonl"
    sends.write_text(send_log(), encoding="utf-8")
    events.write_text(brevo_events(), encoding="utf-8")
    reports = ingest_paths([sends, events], config)
    assert all(report.ok for report in reports), reports
    return config


def connect(config: Settings) -> duckdb.DuckDBPyConnection:
    """The store read-only, in the configured zone, as the dashboard reads it."""
    con = duckdb.connect(str(config.db_path), read_only=True)
    con.execute(f"SET TimeZone = '{config.timezone}'")
    return con
