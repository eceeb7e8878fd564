"""Everything decided before the first mail is written: people, sessions sized so that the run
has exactly the requested number of mails, opportunities filling the rest, the stories.

Sizing plans every session once with placeholder learners (a plan depends on how many learners,
not on who they are), resizes the large cohorts, then seats real learners; a counting pass over
every thread gives the write order and feeds the story scout. No files are written here.
"""

from __future__ import annotations

import random
from array import array
from dataclasses import dataclass
from datetime import date, timedelta

from pipeline.demo import people as people_mod
from pipeline.demo import stories, threads
from pipeline.demo.clock import Period, WorkingDays
from pipeline.demo.people import People
from pipeline.demo.planning import Planned, plan_opportunity, plan_session
from pipeline.demo.stories import StoryBook, StoryScout
from pipeline.demo.threads import Opportunity, Session

OPPORTUNITY_BASE = 1_000_000_000  # thread keys: sessions below, opportunities above
CONSOLE_BASE = 2_000_000_000
LIBRE_SHARE = 0.07
MAX_COHORT = 450


@dataclass
class World:
    seed: int
    emails: int
    period: Period
    wd: WorkingDays
    people: People
    sessions: list[Session]
    opportunities: list[Opportunity]
    book: StoryBook
    order: list[int]  # thread keys by time of their first mail
    counts: dict[int, int]
    console: list[tuple[int, str, str]]

    def plan(self, key: int) -> list[Planned]:
        lo, hi = self.period.start, self.period.now
        if key >= CONSOLE_BASE:
            return []
        if key >= OPPORTUNITY_BASE:
            o = self.opportunities[key - OPPORTUNITY_BASE]
            return plan_opportunity(o, self.wd, self.seed, lo, hi)
        return plan_session(self.sessions[key], self.wd, self.seed, lo, hi)


def build_world(seed: int, today: date, emails: int) -> World:
    period = Period(today)
    wd = WorkingDays(period.first_day - timedelta(days=260), today + timedelta(days=130))
    rng = random.Random(seed)
    people, n_clients = _people(rng, seed, emails)
    sessions = threads.build_sessions(rng, threads.session_count(emails), period, wd, people,
                                      n_clients)
    budget = emails - max(1, round(emails * LIBRE_SHARE))
    _size_sessions(sessions, budget, wd, seed, period)
    threads.assign_learners(rng, sessions, people, _seen_addresses(people))
    scripted = stories.scripted_opportunities(rng, people, wd, period, 0)
    scout = StoryScout(seed, period, people, stuck=3 + emails // 20_000)
    counts: dict[int, int] = {}
    first_ts = array("q")
    keys = array("q")
    total = 0
    for key, plans in _session_plans(sessions, wd, seed, period):
        total += _count(key, plans, counts, keys, first_ts, scout)
    opportunities = list(scripted)
    for o in scripted:
        total += _count(OPPORTUNITY_BASE + o.idx, plan_opportunity(o, wd, seed, period.start,
                        period.now), counts, keys, first_ts, scout)
    _fill_opportunities(rng, emails - total, opportunities, people, wd, seed, period,
                        (counts, keys, first_ts, scout))
    book = scout.book(sessions, wd, seed)
    for o in opportunities:
        key = OPPORTUNITY_BASE + o.idx
        for j, code in stories.opportunity_codes(o, counts.get(key, 0)).items():
            book.force(key, j, code)
    console = stories.console_mails(rng, period, people, 4 + emails // 40_000)
    for n, (ts, _, _) in enumerate(console):
        keys.append(CONSOLE_BASE + n)
        first_ts.append(ts)
    order = [k for _, k in sorted(zip(first_ts, keys, strict=True))]
    return World(seed, emails, period, wd, people, sessions, opportunities, book, order, counts,
                 console)


def _people(rng: random.Random, seed: int, emails: int) -> tuple[People, int]:
    first, last, fake = people_mod.name_pools(seed)
    n_clients = min(25_000, max(8, round(emails / 220)))
    n_prospects = n_clients // 2 + 4
    companies = people_mod.build_companies(rng, fake, last, n_clients + n_prospects)
    seen: set[str] = set()
    clients = people_mod.build_contacts(rng, (first, last), companies, seen)
    n_trainers = min(400, max(6, threads.session_count(emails) // 10))
    trainers, specialities = people_mod.build_trainers(rng, (first, last), n_trainers, seen)
    return People(first, last, companies, clients, trainers, specialities), n_clients


def _seen_addresses(people: People) -> set[str]:
    return {c.email for c in people.clients} | {t.email for t in people.trainers}


def _placeholder(s: Session) -> None:
    s.learners = [0] * s.learner_count
    s.learner_companies = [0] * s.learner_count


def _size_sessions(sessions: list[Session], budget: int, wd: WorkingDays, seed: int,
                   period: Period) -> None:
    """Resize cohorts (or, without any, every session) until session mails fill ~97% of the
    budget; opportunities then fill the rest exactly."""
    cohorts = [s for s in sessions if s.cohort]
    for s in cohorts:
        threads.set_cohort_size(s, s.sizes[0])
    for _ in range(6):
        for s in sessions:
            _placeholder(s)
        counts = {s.idx: len(plan_session(s, wd, seed, period.start, period.now))
                  for s in sessions}
        total = sum(counts.values())
        if 0.94 * budget <= total <= 0.99 * budget:
            return
        in_cohorts = sum(counts[s.idx] for s in cohorts)
        wanted = 0.97 * budget - (total - in_cohorts)
        if cohorts and in_cohorts and wanted > 0.25 * in_cohorts:
            factor = wanted / in_cohorts
            for s in cohorts:
                threads.set_cohort_size(s, min(MAX_COHORT, round(s.sizes[0] * factor)))
        else:
            factor = 0.97 * budget / max(total, 1)
            for s in sessions:
                s.sizes = [max(1, round(n * factor)) for n in s.sizes]
                if s.cohort:
                    threads.set_cohort_size(s, s.sizes[0])


def _session_plans(sessions: list[Session], wd: WorkingDays, seed: int, period: Period):  # noqa: ANN202
    for s in sessions:
        yield s.idx, plan_session(s, wd, seed, period.start, period.now)


def _count(key: int, plans: list[Planned], counts: dict[int, int], keys: array,
           first_ts: array, scout: StoryScout) -> int:
    if not plans:
        return 0
    counts[key] = len(plans)
    keys.append(key)
    first_ts.append(plans[0].ts)
    scout.see(key, plans)
    return len(plans)


def _fill_opportunities(rng: random.Random, remaining: int, opportunities: list[Opportunity],
                        people: People, wd: WorkingDays, seed: int, period: Period,
                        sinks: tuple) -> None:
    """Sales opportunities until the run has exactly the requested number of mails."""
    counts, keys, first_ts, scout = sinks
    first, last = wd.on_or_after(period.first_day), wd.on_or_before(period.today)
    while remaining > 0:
        o = threads.new_opportunity(rng, len(opportunities), people, wd, first, last)
        o.mails = min(o.mails, remaining)
        plans = plan_opportunity(o, wd, seed, period.start, period.now)
        if not plans:
            continue
        o.mails = len(plans)  # mails planned after "now" are dropped for good
        opportunities.append(o)
        remaining -= _count(OPPORTUNITY_BASE + o.idx, plans, counts, keys, first_ts, scout)
