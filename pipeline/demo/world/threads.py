"""What the organisation does: training sessions and sales opportunities ("threads" of mails).

A thread is only a description (course, dates, who takes part); `planning` turns it into dated
mails. Built up front and kept in memory: tens of thousands of threads even for ten million mails.
No mail content and no provider knowledge here.
"""

from __future__ import annotations

import math
import random
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

from pipeline.demo.world import catalog
from pipeline.demo.world.clock import Period, WorkingDays
from pipeline.demo.world.people import People, TakenAddresses

GROUP_SIZE = 12  # learners per day in a cohort running as several groups
COHORT_SHARE = 0.35


@dataclass(slots=True)
class Session:
    idx: int
    session_id: str
    course: int
    place: int
    start: int  # working-day index (clock.WorkingDays)
    end: int
    trainer: int
    cohort: bool
    companies: list[int]  # client companies, in enrolment order
    clients: list[int]  # the client contact of each company
    sizes: list[int]  # learners from each company; private persons last, company -1
    learners: array = field(default_factory=lambda: array("i"))  # grouped like `sizes`
    learner_companies: array = field(default_factory=lambda: array("i"))

    @property
    def learner_count(self) -> int:
        return sum(self.sizes)


@dataclass(slots=True)
class Opportunity:
    idx: int
    course: int
    client: int  # index into People.clients
    rep: int  # index into catalog.SALES_REPS
    start: int  # working-day index of the first mail
    mails: int
    story: str = ""  # scripted ending: "" | "unsubscribe" | "spam"
    stream: int = -1  # its random stream; -1: its index

    @property
    def opportunity_id(self) -> str:
        return f"OPP-{self.idx + 1:06d}"


class Opportunities:
    """Hundreds of thousands of opportunities as compact arrays; items are built on access."""

    def __init__(self) -> None:
        self._course, self._client, self._rep = array("H"), array("i"), array("B")
        self._start, self._mails, self._stream = array("i"), array("B"), array("i")
        self._stories: dict[int, str] = {}

    def __len__(self) -> int:
        return len(self._course)

    def __getitem__(self, i: int) -> Opportunity:
        return Opportunity(
            i,
            self._course[i],
            self._client[i],
            self._rep[i],
            self._start[i],
            self._mails[i],
            self._stories.get(i, ""),
            self._stream[i],
        )

    def __iter__(self) -> Iterator[Opportunity]:
        return (self[i] for i in range(len(self)))

    def append(self, o: Opportunity) -> None:
        """Store `o` as the next opportunity (its `idx` must be the current length)."""
        assert o.idx == len(self)
        self._course.append(o.course)
        self._client.append(o.client)
        self._rep.append(o.rep)
        self._start.append(o.start)
        self._mails.append(o.mails)
        self._stream.append(o.stream)
        if o.story:
            self._stories[o.idx] = o.story


def seed_for(seed: int, idx: int, stream: int) -> int:
    """A distinct, stable integer seed per (run seed, thread, purpose)."""
    return (seed * 1_000_003 + idx) * 7 + stream


_COURSE_WEIGHTS = (9, 6, 10, 7, 6, 7, 5, 6, 4, 5, 6, 5, 4, 5, 6, 3, 3, 3, 2, 4)
_MONTH_WEIGHTS = (1.0, 1.05, 1.15, 1.1, 0.95, 1.1, 0.7, 0.25, 1.15, 1.2, 1.2, 0.75)


def session_count(emails: int) -> int:
    return max(2, round(emails * 150 / 40_000))


def build_sessions(
    rng: random.Random,
    count: int,
    period: Period,
    wd: WorkingDays,
    people: People,
    n_client_companies: int,
) -> list[Session]:
    """Sessions starting from ~4 months before the period to ~2 months after `today`."""
    first = wd.on_or_after(period.first_day - timedelta(days=120))
    last = wd.on_or_before(period.today + timedelta(days=60))
    growth_span = max(1, last - first)
    starts: list[int] = []
    while len(starts) < count:
        i = rng.randint(first, last)
        day = wd.day(i)
        weight = _MONTH_WEIGHTS[day.month - 1] * (0.8 + 0.4 * (i - first) / growth_span)
        if day.weekday() < 4 and rng.random() < weight / 1.6:
            starts.append(i)
    starts.sort()
    cohort_courses = [i for i, c in enumerate(catalog.COURSES) if c.cohort]
    n_cohorts = max(1 if count >= 4 else 0, round(count * COHORT_SHARE))
    cohort_at = set(rng.sample(range(count), n_cohorts))
    year_counters: dict[int, int] = {}
    sessions = []
    for idx, start in enumerate(starts):
        cohort = idx in cohort_at
        course_i = (
            rng.choice(cohort_courses)
            if cohort
            else rng.choices(range(len(catalog.COURSES)), _COURSE_WEIGHTS)[0]
        )
        course = catalog.COURSES[course_i]
        year = wd.day(start).year
        year_counters[year] = year_counters.get(year, 0) + 1
        session = Session(
            idx=idx,
            session_id=f"SES-{year}-{year_counters[year]:05d}",
            course=course_i,
            place=0,
            start=start,
            end=start + course.days - 1,
            trainer=_trainer_for(rng, people, course_i),
            cohort=cohort,
            companies=[],
            clients=[],
            sizes=[],
        )
        _enrol(rng, session, course, people, n_client_companies)
        sessions.append(session)
    return sessions


def _trainer_for(rng: random.Random, people: People, course: int) -> int:
    able = [i for i, spec in enumerate(people.trainer_courses) if course in spec]
    return rng.choice(able) if able else rng.randrange(len(people.trainers))


def _enrol(
    rng: random.Random, s: Session, course: catalog.Course, people: People, n_client_companies: int
) -> None:
    """Companies, their contacts and learner counts; place from the mode (inter, intra, cohort)."""
    lo, hi = course.size
    intra = s.cohort or rng.random() < 0.3
    if intra:
        companies = [rng.randrange(n_client_companies)]
        sizes = [rng.randint(30, 160) if s.cohort else rng.randint(lo, hi + 3)]
    else:
        total = rng.randint(lo, hi)
        n = min(total, rng.choice((1, 2, 2, 3, 3, 4)))
        companies = rng.sample(range(n_client_companies), n)
        private = sum(rng.random() < 0.15 for _ in range(total))
        sizes = _split(rng, total - private, n)
        if private:
            companies.append(-1)
            sizes.append(private)
    s.companies = [c for c in companies if c >= 0]
    s.clients = [rng.choice(people.companies[c].contacts) for c in s.companies]
    s.sizes = sizes
    if course.virtual and rng.random() < 0.4:
        s.place = len(catalog.PLACES) - 1
    elif intra:
        s.place = people.companies[companies[0]].city
    else:
        s.place = rng.choices(range(len(catalog.PLACES) - 1), catalog.PLACE_WEIGHTS[:-1])[0]


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    if parts <= 1:
        return [max(total, 1)]
    cuts = sorted(rng.sample(range(1, max(total, parts)), parts - 1))
    return [b - a for a, b in zip([0, *cuts], [*cuts, max(total, parts)], strict=True)]


def set_cohort_size(s: Session, learners: int) -> None:
    """Resize a cohort and spread its groups over consecutive days."""
    s.sizes = [max(learners, 20)]
    days = catalog.COURSES[s.course].days
    groups = math.ceil(s.sizes[0] / GROUP_SIZE)
    s.end = s.start + min(groups * days, 25) - 1


def assign_learners(
    rng: random.Random, sessions: list[Session], people: People, seen: TakenAddresses
) -> None:
    """Create each company's employees (re-used across its sessions), then seat them."""
    need: dict[int, list[int]] = {}
    for s in sessions:
        for c, n in zip(_with_private(s), s.sizes, strict=True):
            need.setdefault(c, []).append(n)
    pools: dict[int, tuple[int, int]] = {}
    for c in sorted(need):
        size = max(max(need[c]), math.ceil(0.8 * sum(need[c])))
        pools[c] = (people.add_learners(rng, size, c, seen), size)
    for s in sessions:
        s.learners, s.learner_companies = array("i"), array("i")
        for c, n in zip(_with_private(s), s.sizes, strict=True):
            base, size = pools[c]
            s.learners.extend(base + j for j in rng.sample(range(size), n))
            s.learner_companies.extend([c] * n)


def _with_private(s: Session) -> list[int]:
    return s.companies + [-1] * (len(s.sizes) - len(s.companies))


def new_opportunity(
    rng: random.Random, idx: int, people: People, first: int, last: int, mails: int | None = None
) -> Opportunity:
    return Opportunity(
        idx=idx,
        course=rng.randrange(len(catalog.COURSES)),
        client=rng.randrange(len(people.clients)),
        rep=rng.randrange(len(catalog.SALES_REPS)),
        start=rng.randint(first, last),
        mails=mails or rng.choice((1, 2, 2, 3, 3, 4, 5)),
    )
