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

import numpy as np

from pipeline.demo.world import people as people_mod
from pipeline.demo.world import stories, threads
from pipeline.demo.world.clock import Period, WorkingDays
from pipeline.demo.world.people import People
from pipeline.demo.world.planning import Planned, plan_opportunity, plan_session
from pipeline.demo.world.stories import StoryBook, StoryScout
from pipeline.demo.world.threads import Opportunities, Session

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
    opportunities: Opportunities
    book: StoryBook
    order: array  # thread keys by time of their first mail
    console: list[tuple[int, str, str]]

    def plan(self, key: int) -> list[Planned]:
        lo, hi = self.period.start, self.period.now
        if key >= CONSOLE_BASE:
            return []
        if key >= OPPORTUNITY_BASE:
            o = self.opportunities[key - OPPORTUNITY_BASE]
            return plan_opportunity(o, self.wd, self.seed, lo, hi)
        return plan_session(self.sessions[key], self.wd, self.seed, lo, hi)


class _Tally:
    """The counting pass: mails per thread, first mail time per thread, story candidates."""

    def __init__(self, scout: StoryScout) -> None:
        self.scout = scout
        self.keys = array("q")
        self.first_ts = array("q")
        self.total = 0

    def add(self, key: int, plans: list[Planned]) -> int:
        if plans:
            self.keys.append(key)
            self.first_ts.append(plans[0].ts)
            self.scout.see(key, plans)
            self.total += len(plans)
        return len(plans)

    def order(self) -> array:
        """Thread keys by the time of their first mail (then by key)."""
        first_ts = np.frombuffer(self.first_ts, dtype=np.int64)
        keys = np.frombuffer(self.keys, dtype=np.int64)
        ordered = array("q")
        ordered.frombytes(keys[np.lexsort((keys, first_ts))].tobytes())
        return ordered


def build_world(seed: int, today: date, emails: int) -> World:
    period = Period(today)
    wd = WorkingDays(period.first_day - timedelta(days=260), today + timedelta(days=400))
    rng = random.Random(seed)
    seen = people_mod.TakenAddresses(emails // 4)
    people, n_clients = _people(rng, seed, emails, seen)
    sessions = threads.build_sessions(
        rng, threads.session_count(emails), period, wd, people, n_clients
    )
    _size_sessions(sessions, emails - max(1, round(emails * LIBRE_SHARE)), wd, seed, period)
    threads.assign_learners(rng, sessions, people, seen)
    del seen
    tally = _Tally(StoryScout(seed, period, people, stuck=3 + emails // 20_000))
    limit = emails - max(3, round(emails * 0.02))  # room for the scripted opportunities
    for s in sessions:
        plans = plan_session(s, wd, seed, period.start, period.now)
        while tally.total + len(plans) > limit and s.learner_count > 1:
            _shrink(s, tally.total + len(plans) - limit)
            plans = plan_session(s, wd, seed, period.start, period.now)
        if tally.total + len(plans) <= limit:
            tally.add(s.idx, plans)
    opportunities = Opportunities()
    for o in stories.scripted_opportunities(rng, people, wd, period, 0):
        plans = plan_opportunity(o, wd, seed, period.start, period.now)
        if plans and tally.total + len(plans) <= emails:
            o.idx, o.mails = len(opportunities), len(plans)
            opportunities.append(o)
            tally.add(OPPORTUNITY_BASE + o.idx, plans)
    _fill_opportunities(rng, emails - tally.total, opportunities, people, wd, seed, period, tally)
    book = tally.scout.book(sessions, wd, seed)
    for o in opportunities:
        for j, code in stories.opportunity_codes(o).items():
            book.force(OPPORTUNITY_BASE + o.idx, j, code)
    console = stories.console_mails(rng, period, people, 4 + emails // 40_000)
    for n, (ts, _, _) in enumerate(console):
        tally.keys.append(CONSOLE_BASE + n)
        tally.first_ts.append(ts)
    return World(
        seed, emails, period, wd, people, sessions, opportunities, book, tally.order(), console
    )


def _people(
    rng: random.Random, seed: int, emails: int, seen: people_mod.TakenAddresses
) -> tuple[People, int]:
    first, last, fake = people_mod.name_pools(seed)
    n_clients = min(25_000, max(8, round(emails / 220)))
    n_prospects = n_clients // 2 + 4
    companies = people_mod.build_companies(rng, fake, last, n_clients + n_prospects)
    clients = people_mod.build_contacts(rng, (first, last), companies, seen)
    n_trainers = min(400, max(6, threads.session_count(emails) // 10))
    trainers, specialities = people_mod.build_trainers(rng, (first, last), n_trainers, seen)
    return People(first, last, companies, clients, trainers, specialities), n_clients


def _size_sessions(
    sessions: list[Session], budget: int, wd: WorkingDays, seed: int, period: Period
) -> None:
    """Scale the cohorts (or, if there are none, every session) so that session mails fill
    ~95% of the budget. Mails grow about linearly with learners, so one counting pass at the
    drawn sizes is enough; the exact count comes later, and opportunities fill the rest."""
    counts = {}
    for s in sessions:
        if s.cohort:
            threads.set_cohort_size(s, s.sizes[0])
        s.learners = array("i", bytes(4 * s.learner_count))  # who does not change the count
        s.learner_companies = array("i", bytes(4 * s.learner_count))
        counts[s.idx] = len(plan_session(s, wd, seed, period.start, period.now))
    total = sum(counts.values())
    cohorts = [s for s in sessions if s.cohort]
    in_cohorts = sum(counts[s.idx] for s in cohorts)
    wanted = 0.95 * budget - (total - in_cohorts)
    if cohorts and in_cohorts and wanted > 0.25 * in_cohorts:
        factor = wanted / in_cohorts
        for s in cohorts:
            threads.set_cohort_size(s, min(MAX_COHORT, round(s.sizes[0] * factor)))
        return
    factor = 0.95 * budget / max(total, 1)
    for s in sessions:
        s.sizes = [max(1, round(n * factor)) for n in s.sizes]
        if s.cohort:
            threads.set_cohort_size(s, s.sizes[0])


def _shrink(s: Session, excess: int) -> None:
    """Drop learners from the end of a session that would exceed the run's mail count."""
    keep = max(1, s.learner_count - max(1, excess // 4))
    s.learners, s.learner_companies = s.learners[:keep], s.learner_companies[:keep]
    sizes, left = [], keep
    for n in s.sizes:
        sizes.append(min(n, left))
        left -= sizes[-1]
    s.sizes = sizes


def _fill_opportunities(
    rng: random.Random,
    remaining: int,
    opportunities: Opportunities,
    people: People,
    wd: WorkingDays,
    seed: int,
    period: Period,
    tally: _Tally,
) -> None:
    """Sales opportunities until the run has exactly the requested number of mails."""
    first, last = wd.on_or_after(period.first_day), wd.on_or_before(period.today)
    while remaining > 0:
        o = threads.new_opportunity(rng, len(opportunities), people, first, last)
        o.mails = min(o.mails, remaining)
        plans = plan_opportunity(o, wd, seed, period.start, period.now)
        if not plans:
            continue
        o.mails = len(plans)  # mails planned after "now" are dropped for good
        opportunities.append(o)
        remaining -= tally.add(OPPORTUNITY_BASE + o.idx, plans)
