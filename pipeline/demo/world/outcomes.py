"""What happens to one mail after the platform hands it to the provider, as neutral events.

`decide` turns a mail, its recipient and the run's stories into a short list of `Ev` (accepted,
deferred, delivered, bounce, open, click…) with realistic delays and SMTP texts; `brevo` and
`sendgrid` then spell them in each provider's native payload. No provider field names here.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import NamedTuple

from pipeline.demo.world import catalog
from pipeline.demo.world.clock import DAY, paris_offset

D = catalog.ORG_DOMAIN


class Ev(NamedTuple):
    ms: int  # epoch milliseconds
    kind: str  # accepted deferred soft_bounce delivered bounce blocked suppressed invalid error
    #            open machine_open click complaint unsubscribe
    reason: str = ""  # SMTP reply, drop cause, clicked URL, delivery response
    status: str = ""  # enhanced status code, or the suppression cause
    extra: str = ""  # bounce classification, or attempt number


class Rcpt(NamedTuple):  # one per mail: a tuple is cheaper to make than a frozen dataclass
    email: str
    domain: str
    operator: str  # mailbox operator (catalog.MAILBOX_OPERATOR values), "typo" or "dead"
    apple: bool  # reads mail in Apple Mail with privacy protection: machine opens


@dataclass
class Context:
    """Run-wide facts that outcomes depend on."""

    cutoff: int  # epoch s: provider data ends here (export time)
    incident: tuple[int, int]  # DMARC incident, epoch s
    windows: dict[str, list[tuple[int, int, str]]] = field(default_factory=dict)


OPEN_P = {
    ("convocation", "learner"): 0.70,
    ("convocation", "client"): 0.5,
    ("convocation", "trainer"): 0.78,
    ("programme", "client"): 0.5,
    ("convention", "client"): 0.62,
    ("relance", "client"): 0.45,
    ("relance", "company"): 0.4,
    ("evaluation_a_chaud", "learner"): 0.55,
    ("evaluation_a_chaud", "trainer"): 0.66,
    ("evaluation_a_froid", "learner"): 0.3,
    ("evaluation_a_froid", "client"): 0.3,
    ("attestation_fin_formation", "learner"): 0.5,
    ("attestation_fin_formation", "client"): 0.42,
    ("certificat_realisation", "learner"): 0.4,
    ("certificat_realisation", "client"): 0.45,
    ("facture", "company"): 0.33,
    ("libre", "client"): 0.38,
}
CLICK_P = {
    "evaluation_a_chaud": 0.55,
    "evaluation_a_froid": 0.45,
    "convocation": 0.4,
    "libre": 0.15,
}
DMARC_P = {"google": 0.62, "yahoo": 0.7, "microsoft": 0.25}
COMPANY_OPERATORS = ("m365", "ovh", "google-workspace")
SPAM_BLOCK = {"orange": 0.012, "microsoft": 0.01, "m365": 0.008, "free": 0.006}
SPAM_REASONS = {
    "orange": (
        "550 5.7.1 mwinf5c21 ME Service refuse. Veuillez essayer plus tard. Service "
        "refused, please try later. OFR004_104 [104]",
        "5.7.1",
    ),
    "microsoft": (
        "550 5.7.1 Unfortunately, messages from [{ip}] weren't sent. Please "
        "contact your Internet service provider since part of their network is on our "
        "block list (S3150).",
        "5.7.1",
    ),
    "m365": (
        "550 5.7.1 Service unavailable, Client host [{ip}] blocked using Spamhaus. "
        "To request removal from this list see https://www.spamhaus.org/query/ip/{ip} "
        "(AS3130).",
        "5.7.1",
    ),
    "default": ("550 5.7.1 Message rejected as spam by Content Filtering.", "5.7.1"),
}
GREYLISTERS = {"orange": 0.07, "free": 0.06, "sfr": 0.05, "ovh": 0.04}

DMARC_REASONS = {
    "google": (
        f"550 5.7.26 Unauthenticated email from {D} is not accepted due to domain's DMARC "
        f"policy. Please contact the administrator of {D} domain if this was a legitimate "
        "mail. To learn about the DMARC initiative, go to "
        "https://support.google.com/mail/?p=DmarcRejection - gsmtp",
        "5.7.26",
    ),
    "yahoo": (
        "554 5.7.9 Message not accepted for policy reasons.  See "
        "https://senders.yahooinc.com/error-codes",
        "5.7.9",
    ),
    "microsoft": (
        f"550 5.7.515 Access denied, sending domain {D} doesn't meet the required "
        "authentication level.",
        "5.7.515",
    ),
}
GREYLIST_REASONS = {
    "orange": "421 mwinf5c40 ME Service refuse. Veuillez essayer plus tard. Service refused, "
    "please try later. OFR004_104 [104]",
    "free": "451 4.7.1 Greylisting in action, please come back later",
}


def unknown_user_reason(email: str, operator: str) -> tuple[str, str]:
    if operator == "google":
        return (
            "550-5.1.1 The email account that you tried to reach does not exist. Please try\n"
            "550-5.1.1 double-checking the recipient's email address for typos or\n"
            "550-5.1.1 unnecessary spaces. Learn more at\n"
            "550 5.1.1  https://support.google.com/mail/?p=NoSuchUser - gsmtp",
            "5.1.1",
        )
    if operator in ("m365", "microsoft"):
        return (
            f"550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient {email} not found by SMTP "
            "address lookup",
            "5.1.10",
        )
    return (
        f"550 5.1.1 <{email}>: Recipient address rejected: User unknown in virtual mailbox table",
        "5.1.1",
    )


def human_delay(rng: random.Random) -> float:
    """Seconds between delivery and a person opening the mail."""
    r = rng.random()
    if r < 0.35:
        return rng.expovariate(1 / 1_200)
    if r < 0.78:
        return rng.expovariate(1 / 14_400)
    return rng.expovariate(1 / 200_000)


def _daytime(rng: random.Random, t: float) -> float:
    """People mostly open mail awake: move most night-time opens to the next morning."""
    hour = int((t + paris_offset(int(t))) % DAY) // 3600
    if hour < 6 and rng.random() < 0.8:
        return t + (7 - hour) * 3600 + rng.randint(0, 5400)
    return t


def decide(
    rng: random.Random,
    ts: int,
    email_type: str,
    kind: str,
    rcpt: Rcpt,
    provider: str,
    code: str,
    link: str,
    ctx: Context,
) -> tuple[list[Ev], list[str]]:
    """Events for one mail requested at `ts`, and the stories it belongs to. `code` is a
    scripted outcome (see `stories`); "last" marks a prospect's last mail."""
    if code in ("", "last"):
        window = _window_code(ctx, rcpt.email, ts)
        if window:
            code = window
        elif ctx.incident[0] <= ts < ctx.incident[1]:
            code = "dmarc"
    ms = ts * 1000 + rng.randint(120, 2_600)
    tags: list[str] = []
    if code == "no_events":
        return [], ["waiting"]
    if code == "stuck":
        return [Ev(ms, "accepted")], ["stuck"]
    head = [Ev(ms, "accepted")] if provider == "sendgrid" else []  # SendGrid processes drops
    if rcpt.operator == "typo":
        failure = "invalid" if provider == "sendgrid" or rng.random() < 0.8 else "error"
        return _cut([*head, Ev(ms + 40, failure, "Invalid")], ctx), ["address_typo"]
    if code.startswith("suppressed_"):
        cause = code.removeprefix("suppressed_")
        return _cut([*head, Ev(ms + 30, "suppressed", "", cause)], ctx), ["suppressed"]
    evs = [Ev(ms, "accepted")]
    t = _receiver_side(rng, rcpt, provider, code, ms + rng.randint(800, 9_000), evs, tags)
    if t < 0:
        return _cut(evs, ctx), tags
    delivered = t + int(rng.lognormvariate(8.0, 1.2))
    evs.append(Ev(delivered, "delivered"))
    if code == "async_bounce" or (rcpt.operator in ("m365", "ovh") and rng.random() < 0.0015):
        reason, status = unknown_user_reason(rcpt.email, rcpt.operator)
        evs.append(
            Ev(
                delivered + rng.randint(600_000, 5_400_000),
                "bounce",
                reason,
                status,
                "Invalid Address",
            )
        )
        return _cut(evs, ctx), [*tags, "async_bounce"]
    _engagement(rng, email_type, kind, rcpt, code, link, delivered, evs, tags)
    evs = _cut(evs, ctx)
    if len(evs) <= 1 and ts >= ctx.cutoff - 6 * 3600:
        tags.append("waiting")
    return evs, tags


def _window_code(ctx: Context, email: str, ts: int) -> str:
    for lo, hi, code in ctx.windows.get(email, ()):
        if lo <= ts < hi:
            return code
    return ""


def _receiver_side(
    rng: random.Random, rcpt: Rcpt, provider: str, code: str, t: int, evs: list[Ev], tags: list[str]
) -> int:
    """Append the receiving side's refusals and deferrals. Returns -1 when the mail is refused,
    else the epoch ms from which it goes on to be delivered."""
    op = rcpt.operator
    if op == "dead":
        reason = f"Unable to find MX of domain {rcpt.domain}"
        if provider == "brevo":
            evs.append(Ev(t, "soft_bounce", f"undefined {reason}"))
            evs.append(Ev(t + rng.randint(3, 6) * 3_600_000, "bounce", f"undefined {reason}"))
        else:
            evs.append(
                Ev(
                    t,
                    "bounce",
                    "unable to get mx info: failed to get IPs from PTR record: "
                    "lookup <nil>: unrecognized address",
                    "5.1.2",
                    "Invalid Address",
                )
            )
        tags.append("domain_not_found")
        return -1
    if code == "unknown_user":
        reason, status = unknown_user_reason(rcpt.email, op)
        evs.append(Ev(t, "bounce", reason, status, "Invalid Address"))
        tags.append("unknown_user")
        return -1
    if code in ("full_retry", "full_bounce"):
        tags.append("mailbox_full")
        return _mailbox_full(rng, rcpt, provider, code, t, evs)
    if code == "dmarc" and op in DMARC_P and rng.random() < DMARC_P[op]:
        reason, status = DMARC_REASONS[op]
        evs.append(Ev(t, "blocked", reason, status, "Technical Failure"))
        tags.append("dmarc_incident")
        return -1
    roll = rng.random()
    if roll < (0.012 if op in COMPANY_OPERATORS else 0.005):  # people leave, accounts close
        reason, status = unknown_user_reason(rcpt.email, op)
        evs.append(Ev(t, "bounce", reason, status, "Invalid Address"))
        return -1
    if roll > 1 - SPAM_BLOCK.get(op, 0.004):
        reason, status = SPAM_REASONS.get(op, SPAM_REASONS["default"])
        ip = catalog.SENDGRID_IP if provider == "sendgrid" else catalog.BREVO_IPS[t % 3]
        evs.append(Ev(t, "blocked", reason.replace("{ip}", ip), status, "Reputation"))
        return -1
    if rng.random() < GREYLISTERS.get(op, 0.01):
        reason = GREYLIST_REASONS.get(op, "421 4.7.0 Try again later, closing connection.")
        evs.append(Ev(t, "deferred", reason, "4.7.0", "1"))
        return t + rng.randint(300_000, 2_700_000)
    return t


def _mailbox_full(
    rng: random.Random, rcpt: Rcpt, provider: str, code: str, t: int, evs: list[Ev]
) -> int:
    soft = f"452 4.2.2 <{rcpt.email}>: Mailbox full - Boite pleine"
    attempts = rng.randint(2, 4)
    kind = "soft_bounce" if provider == "brevo" else "deferred"
    for attempt in range(1, attempts + 1):
        evs.append(Ev(t, kind, soft, "4.2.2", str(attempt)))
        t += rng.randint(900_000, 3 * 3_600_000)
    if code == "full_bounce":
        evs.append(
            Ev(
                t,
                "bounce",
                f"552 5.2.2 <{rcpt.email}>: Mailbox full - Boite pleine",
                "5.2.2",
                "Mailbox Unavailable",
            )
        )
        return -1
    return t


def _engagement(
    rng: random.Random,
    email_type: str,
    kind: str,
    rcpt: Rcpt,
    code: str,
    link: str,
    delivered: int,
    evs: list[Ev],
    tags: list[str],
) -> None:
    """Opens (human or Apple's proxy), clicks, complaints and unsubscribes."""
    p_open = OPEN_P.get((email_type, kind), 0.4)
    p_click = CLICK_P.get(email_type, 0.0) if link else 0.0
    opened_at = 0.0
    if rcpt.apple and rng.random() < 0.93:
        first = delivered + rng.randint(4_000, 900_000)
        evs.append(Ev(first, "machine_open"))
        if rng.random() < 0.3:
            evs.append(Ev(first + rng.randint(3_600_000, 30 * 3_600_000), "machine_open"))
        tags.append("machine_open")
        if rng.random() < p_open:
            opened_at = _daytime(rng, delivered / 1000 + human_delay(rng)) * 1000
    elif rng.random() < p_open or code in ("click", "unsubscribe", "spam"):
        opened_at = _daytime(rng, delivered / 1000 + human_delay(rng)) * 1000
        evs.append(Ev(int(opened_at), "open"))
        for _ in range(rng.choices((0, 1, 2, 3), (55, 25, 12, 8))[0]):
            evs.append(Ev(int(opened_at) + int(rng.expovariate(1 / 90_000) * 1000), "open"))
    if opened_at and (rng.random() < p_click or code == "click"):
        evs.append(Ev(int(opened_at) + rng.randint(8_000, 240_000), "click", link))
        if email_type.startswith("evaluation"):
            tags.append("evaluation_click")
    last_libre = email_type == "libre" and code == "last"
    if code == "unsubscribe" or (last_libre and rng.random() < 0.015):
        evs.append(Ev(int(opened_at or delivered) + rng.randint(20_000, 600_000), "unsubscribe"))
        tags.append("unsubscribe")
    elif code == "spam" or (last_libre and rng.random() < 0.005):
        evs.append(Ev(int(opened_at or delivered) + rng.randint(20_000, 600_000), "complaint"))
        tags.append("spam_complaint")


def _cut(evs: list[Ev], ctx: Context) -> list[Ev]:
    """Keep what the provider had reported by the export time, in time order."""
    limit = ctx.cutoff * 1000
    return sorted(e for e in evs if e.ms <= limit)
