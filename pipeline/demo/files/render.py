"""Writes the mails of one thread at a time: send-log records, attachments and provider events.

Each thread draws from its own random stream, so what it writes does not depend on the order of
the others. Records go to time-sorted spools (see `spool`) that are sealed as generation moves
on. Decides nothing about stories or sizes: that is `world`'s job.
"""

from __future__ import annotations

import random
import zlib
from collections import Counter
from pathlib import Path

from pipeline.demo.files import brevo, content, sendgrid, sendlog
from pipeline.demo.files.documents import Documents
from pipeline.demo.files.outputs import Outputs
from pipeline.demo.world import catalog, outcomes
from pipeline.demo.world.planning import CLIENT, COMPANY, LEARNER, Planned
from pipeline.demo.world.threads import seed_for
from pipeline.demo.world.world import CONSOLE_BASE, OPPORTUNITY_BASE, World

RENDER_STREAM = 2
BREVO_PIXEL = "https://ea.r.sp1-brevo.net/tr/op/{t}"
SENDGRID_PIXEL = "https://u4528311.ct.sendgrid.net/wf/open?upn={t}"


class Renderer:
    def __init__(self, world: World, out_dir: Path, attachments_dir: Path) -> None:
        self.w = world
        self.out = Outputs(world.period, out_dir, world.seed)
        self.docs = Documents(world, attachments_dir)
        self.encoder = sendlog.SendLogEncoder()
        self.writer = content.Writer()
        self.brevo_csv = brevo.CsvExport()
        self.activity = sendgrid.ActivityCsv()
        self.ctx = outcomes.Context(
            cutoff=world.period.now - 600,
            incident=world.period.incident,
            windows=world.book.windows,
        )
        self.operators = _operators(world)
        self.stories: Counter[str] = Counter()
        self.mails = 0
        self.serial = 0
        self._learners: dict[int, tuple[str, str, str, str]] = {}  # of the thread, by learner

    def thread(self, key: int) -> None:
        rng = random.Random(seed_for(self.w.seed, key, RENDER_STREAM))
        if key >= CONSOLE_BASE:
            self._console(rng, *self.w.console[key - CONSOLE_BASE])
            return
        plans = self.w.plan(key)
        about = self.docs.about(key)
        forced = self.w.book.forced.get(key, {})
        last = len(plans) - 1 if key >= OPPORTUNITY_BASE else -1  # a prospect's last word
        for j, p in enumerate(plans):
            self._mail(rng, key, about, p, forced.get(j, "last" if j == last else ""))
        self.docs.forget_thread()
        self.writer.forget_thread()
        self.encoder.forget_thread()
        self._learners.clear()
        if plans:
            self.out.seal_before(plans[0].ts * 1000)

    def _mail(
        self, rng: random.Random, key: int, about: content.About, p: Planned, code: str
    ) -> None:
        """One mail: its send-log record, then what the provider reported about it."""
        email, name, greeting, contact_id = self._recipient(p)
        provider = "brevo" if p.ts < self.w.period.switch else "sendgrid"
        self.serial += 1
        token = f"{rng.getrandbits(128):032x}"
        if provider == "brevo":
            mid, pixel = brevo.message_id(p.ts, self.serial), BREVO_PIXEL.format(t=token)
        else:
            mid = sendgrid.x_message_id(rng.getrandbits(128))
            pixel = SENDGRID_PIXEL.format(t=token)
        written = self.writer.write(
            about,
            p.email_type,
            p.variant,
            p.kind,
            greeting,
            self._company_name(key, p),
            self.docs.invoice_number(key, p.company),
            token,
            pixel,
        )
        sender = self._sender(p)
        record = {
            "send_id": uuid4(rng.getrandbits(128)),
            "requested_at": p.ts,
            "provider": provider,
            "provider_message_id": mid,
            **self._about_fields(key, about),
            "email_type": p.email_type,
            "sender_email": sender,
            "recipient_email": email,
            "recipient_name": name,
            "recipient_kind": p.kind,
            "contact_id": contact_id,
            "subject": written.subject,
            "body_html": written.html,
            "body_text": written.text,
            "attachments": tuple(
                self.docs.attachment(key, kind, p) for kind in written.attachments
            ),
        }
        self.out.sendlog(p.ts, self.encoder.encode(self.out.sendlog_format(p.ts), record))
        self.mails += 1
        rcpt = self._rcpt(email)
        evs, tags = outcomes.decide(
            rng, p.ts, p.email_type, p.kind, rcpt, provider, code, written.link, self.ctx
        )
        if tags:
            self.stories.update(tags)
        self._events(provider, evs, rcpt, mid, written.subject, sender, p.email_type, p.ts)

    def _about_fields(self, key: int, about: content.About) -> dict[str, object]:
        """The send-log fields naming the session (or, for free-text mails, the opportunity)."""
        if key >= OPPORTUNITY_BASE:
            return {
                "session_id": None,
                "session_name": None,
                "session_place": None,
                "session_start": None,
                "session_end": None,
                "opportunity_id": about.key,
            }
        return {
            "session_id": about.key,
            "session_name": self.docs.session_name(key),
            "session_place": about.place,
            "session_start": about.start,
            "session_end": about.end,
            "opportunity_id": None,
        }

    def _events(
        self,
        provider: str,
        evs: list[outcomes.Ev],
        rcpt: outcomes.Rcpt,
        mid: str,
        subject: str,
        sender: str,
        tag: str,
        ts: int,
    ) -> None:
        out = self.out
        if provider == "brevo":
            bm = brevo.Message(rcpt.email, mid, subject, tag, sender)
            for name, e in brevo.webhook_events(evs):
                if out.is_brevo_csv(e.ms):
                    row = self.brevo_csv.row(bm, name, e)
                    if row:
                        out.brevo(e.ms, row)
                else:
                    out.brevo(e.ms, brevo.json_line(bm, name, e))
            return
        sm = sendgrid.Message(mid, ts, self.serial, rcpt.email, tag, rcpt.operator)
        mx = sendgrid.mx_host(rcpt.operator, rcpt.domain)
        for x in sendgrid.webhook_events(evs):
            out.sendgrid(x.ev.ms, sendgrid.json_obj(sm, x))
            if out.in_activity_window(x.ev.ms):
                out.activity(x.ev.ms, self.activity.row(sm, x, subject, sender, mx))

    def _console(self, rng: random.Random, ts: int, email: str, subject: str) -> None:
        """A mail sent by hand from the provider's console: events only, no send-log record."""
        provider = "brevo" if ts < self.w.period.switch else "sendgrid"
        self.serial += 1
        mid = (
            brevo.message_id(ts, 10**10 + self.serial)
            if provider == "brevo"
            else sendgrid.x_message_id(rng.getrandbits(128))
        )
        rcpt = self._rcpt(email)
        evs, _ = outcomes.decide(rng, ts, "libre", CLIENT, rcpt, provider, "", "", self.ctx)
        self._events(provider, evs, rcpt, mid, subject, catalog.SENDER_TRAINING, "console", ts)
        self.stories["console_sent"] += 1

    def _recipient(self, p: Planned) -> tuple[str, str, str, str]:
        """(address, display name, name to greet, contact id) at the time of the mail."""
        people = self.w.people
        if p.kind == LEARNER:
            known = self._learners.get(p.ref)
            if known is None:
                known = self._learners[p.ref] = (
                    people.learner_email(p.ref),
                    people.learner_name(p.ref),
                    people.learner_first(p.ref),
                    f"STG-{p.ref + 1:06d}",
                )
            return known
        if p.kind == COMPANY:
            c = people.companies[p.ref]
            return f"{c.mailbox}@{c.domain}", c.name, "", f"ENT-{p.ref + 1:05d}"
        contact = people.clients[p.ref] if p.kind == CLIENT else people.trainers[p.ref]
        email = contact.email
        wrong = self.w.book.client_wrong.get(p.ref) if p.kind == CLIENT else None
        if wrong and wrong[0] <= p.ts < wrong[1]:
            email = wrong[2]
        return email, f"{contact.first} {contact.last}", contact.first, contact.contact_id

    def _rcpt(self, email: str) -> outcomes.Rcpt:
        domain = email.rpartition("@")[2]
        operator = self.operators.get(domain, "ovh")
        apple = domain == "icloud.com" or zlib.crc32(email.encode()) % 100 < 12
        return outcomes.Rcpt(email, domain, operator, apple)

    def _company_name(self, key: int, p: Planned) -> str:
        if p.company >= 0:
            return self.w.people.companies[p.company].name
        if key >= OPPORTUNITY_BASE and p.kind == CLIENT:
            return self.w.people.companies[self.w.people.clients[p.ref].company].name
        return ""

    def _sender(self, p: Planned) -> str:
        if p.email_type == "facture" or p.variant.startswith("facture"):
            return catalog.SENDER_BILLING
        if p.email_type == "libre":
            return self.docs.rep_email
        return catalog.SENDER_TRAINING

    def finish(self) -> tuple[list[Path], int]:
        self.out.seal_all()
        return self.out.files(), self.out.provider_events

    def abandon(self) -> None:
        self.out.discard()


def uuid4(bits: int) -> str:
    """`str(uuid.UUID(int=bits, version=4))`, without building the UUID object."""
    bits = (bits & ~(0xC000 << 48) | 0x8000 << 48) & ~(0xF000 << 64) | 4 << 76
    h = f"{bits:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _operators(world: World) -> dict[str, str]:
    ops = dict(catalog.MAILBOX_OPERATOR)
    ops[catalog.ORG_DOMAIN] = "m365"
    for c in world.people.companies:
        ops[c.domain] = c.operator
    ops.update({d: "typo" for d in world.book.typo_domains})
    ops.update({d: "dead" for d in world.book.dead_domains})
    return ops
