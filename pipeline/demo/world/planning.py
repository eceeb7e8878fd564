"""When the platform sends which mail to whom, for one session or one sales opportunity.

A plan is a time-sorted list of `Planned` tuples, drawn from the thread's own random stream: the
same thread always yields the same plan, so the generator can plan twice (once to count and pick
the stories, once to write) without holding ten million mails. Mails before the period or after
"now" are not in the plan. No content, recipients' addresses or provider events here.
"""

from __future__ import annotations

import random
from typing import NamedTuple

from pipeline.demo.world import catalog
from pipeline.demo.world.clock import WorkingDays
from pipeline.demo.world.threads import GROUP_SIZE, Opportunity, Session, seed_for

LEARNER, CLIENT, COMPANY, TRAINER = "learner", "client", "company", "trainer"
PLAN_STREAM = 1


class Planned(NamedTuple):
    ts: int  # epoch seconds of the request to the provider
    email_type: str
    kind: str  # recipient_kind
    ref: int  # learner, client, company or trainer index, by `kind`
    variant: str  # "", "rappel", "copie", "convention", "facture", "facture2", or libre step
    company: int  # the client company the mail is about, -1 if none


def _randint(rng: random.Random, a: int, b: int) -> int:
    """rng.randint's meaning at a third of its cost (planning draws millions of them)."""
    return a + int(rng.random() * (b - a + 1))


class _Clock:
    """Day-index plus time-of-day to epoch, with the working-day calendar."""

    def __init__(self, wd: WorkingDays, rng: random.Random) -> None:
        self.wd, self.rng = wd, rng

    def at(self, day: int, seconds: int) -> int:
        return self.wd.starts[day] + seconds

    def office(self, day: int) -> int:
        """A human at work: 8:30-12:15 or 13:45-18:30."""
        r = self.rng
        sec = _randint(r, 30_600, 44_100) if r.random() < 0.55 else _randint(r, 49_500, 66_600)
        return self.wd.starts[day] + sec

    def batch_start(self, lo_h: float, hi_h: float) -> int:
        return _randint(self.rng, int(lo_h * 3600), int(hi_h * 3600))


def plan_session(s: Session, wd: WorkingDays, seed: int, lo: int, hi: int) -> list[Planned]:
    rng = random.Random(seed_for(seed, s.idx, PLAN_STREAM))
    clock = _Clock(wd, rng)
    out: list[Planned] = []
    cold_day = s.end + _randint(rng, 42, 63)  # two to three months after the end
    _learner_mails(s, clock, rng, cold_day, out)
    out.append(
        Planned(
            clock.office(s.start - _randint(rng, 7, 9)), "convocation", TRAINER, s.trainer, "", -1
        )
    )
    if rng.random() < 0.8:
        out.append(
            Planned(
                clock.at(s.end, clock.batch_start(17.5, 18.2)),
                "evaluation_a_chaud",
                TRAINER,
                s.trainer,
                "",
                -1,
            )
        )
    for company, client in zip(s.companies, s.clients, strict=True):
        _company_mails(s, clock, rng, company, client, cold_day, out)
    out.sort()
    return [p for p in out if lo <= p.ts < hi]


def _learner_mails(
    s: Session, clock: _Clock, rng: random.Random, cold_day: int, out: list[Planned]
) -> None:
    """Convocation a week before, évaluation à chaud on the last day (and a reminder),
    attestation and certificat just after, évaluation à froid months later, per learner."""
    days = catalog.COURSES[s.course].days
    n = len(s.learners)
    groups = -(-n // GROUP_SIZE) if s.cohort else 1
    span = s.end - s.start + 1
    conv_at, hot_at = clock.batch_start(8.5, 10), clock.batch_start(16, 17.25)
    att_at, cold_at = clock.batch_start(9, 11.5), clock.batch_start(9, 10.5)
    certificate_to_learners = rng.random() < 0.5
    add = out.append
    starts = clock.wd.starts
    rnd = rng.random
    for k, (learner, company) in enumerate(zip(s.learners, s.learner_companies, strict=True)):
        g_start = s.start + min(k * groups // n * days, max(0, span - days))
        g_end = g_start + days - 1
        step = k * (2 + int(rnd() * 5))  # the platform sends a batch, a mail every few seconds
        add(
            Planned(
                starts[g_start - 5] + conv_at + step, "convocation", LEARNER, learner, "", company
            )
        )
        add(
            Planned(
                starts[g_end] + hot_at + step, "evaluation_a_chaud", LEARNER, learner, "", company
            )
        )
        if rnd() < 0.35:
            add(
                Planned(
                    starts[g_end + 3] + conv_at + step,
                    "evaluation_a_chaud",
                    LEARNER,
                    learner,
                    "rappel",
                    company,
                )
            )
        add(
            Planned(
                starts[g_end + 1] + att_at + step,
                "attestation_fin_formation",
                LEARNER,
                learner,
                "",
                company,
            )
        )
        if certificate_to_learners:
            add(
                Planned(
                    starts[g_end + 2] + att_at + step,
                    "certificat_realisation",
                    LEARNER,
                    learner,
                    "",
                    company,
                )
            )
        add(
            Planned(
                starts[cold_day] + cold_at + step,
                "evaluation_a_froid",
                LEARNER,
                learner,
                "",
                company,
            )
        )
        if rnd() < 0.2:
            add(
                Planned(
                    starts[cold_day + 5] + cold_at + step,
                    "evaluation_a_froid",
                    LEARNER,
                    learner,
                    "rappel",
                    company,
                )
            )


def _company_mails(
    s: Session,
    clock: _Clock,
    rng: random.Random,
    company: int,
    client: int,
    cold_day: int,
    out: list[Planned],
) -> None:
    """Programme, convention and relances to the client contact; invoice to the company."""
    add = out.append
    programme_day = s.start - _randint(rng, 28, 40)
    add(Planned(clock.office(programme_day), "programme", CLIENT, client, "", company))
    convention_day = s.start - _randint(rng, 16, 25)
    add(Planned(clock.office(convention_day), "convention", CLIENT, client, "", company))
    if rng.random() < 0.3:
        add(
            Planned(
                clock.office(convention_day + _randint(rng, 6, 10)),
                "relance",
                CLIENT,
                client,
                "convention",
                company,
            )
        )
    if rng.random() < 0.5:
        add(Planned(clock.office(s.start - 5), "convocation", CLIENT, client, "copie", company))
    add(
        Planned(
            clock.office(s.end + _randint(rng, 1, 3)),
            "certificat_realisation",
            CLIENT,
            client,
            "",
            company,
        )
    )
    if rng.random() < 0.3:
        add(
            Planned(
                clock.office(s.end + 1),
                "attestation_fin_formation",
                CLIENT,
                client,
                "copie",
                company,
            )
        )
    invoice_day = s.end + _randint(rng, 2, 6)
    add(Planned(clock.office(invoice_day), "facture", COMPANY, company, "", company))
    if rng.random() < 0.25:
        add(
            Planned(
                clock.office(invoice_day + _randint(rng, 22, 26)),
                "relance",
                COMPANY,
                company,
                "facture",
                company,
            )
        )
        if rng.random() < 0.4:
            add(
                Planned(
                    clock.office(invoice_day + _randint(rng, 33, 38)),
                    "relance",
                    COMPANY,
                    company,
                    "facture2",
                    company,
                )
            )
    if rng.random() < 0.6:
        add(Planned(clock.office(cold_day), "evaluation_a_froid", CLIENT, client, "", company))


def plan_opportunity(
    o: Opportunity, wd: WorkingDays, seed: int, lo: int, hi: int, limit: int | None = None
) -> list[Planned]:
    """Free-text mails of a sales rep to a prospect, a few working days apart."""
    stream = o.idx if o.stream < 0 else o.stream
    rng = random.Random(seed_for(seed, 1_000_000_000 + stream, PLAN_STREAM))
    clock = _Clock(wd, rng)
    out = []
    day = o.start
    for step in range(o.mails):
        out.append(Planned(clock.office(day), "libre", CLIENT, o.client, str(step), -1))
        day += _randint(rng, 3, 12)
    kept = [p for p in out if lo <= p.ts < hi]
    return kept[:limit] if limit is not None else kept
