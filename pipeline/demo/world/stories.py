"""The stories a manager must find in the demo, chosen before any mail is written.

While the generator counts the planned mails it shows them to a `StoryScout`, which keeps a few
candidates per story (reservoir sampling: bounded memory, deterministic). `StoryScout.book` then
fixes who and when: address typos, a wrong address at a client company, a full mailbox, a dead
company domain, stuck and unreported mails, asynchronous bounces. The DMARC incident is a month;
unsubscribe and spam stories are scripted opportunities; console mails have no send log.
"""

from __future__ import annotations

import heapq
import random
from dataclasses import dataclass, field
from datetime import timedelta

from pipeline.demo.world import catalog
from pipeline.demo.world.clock import DAY, Period, WorkingDays, local_date, local_epoch
from pipeline.demo.world.people import People
from pipeline.demo.world.planning import CLIENT, COMPANY, LEARNER, Planned, plan_session
from pipeline.demo.world.threads import Opportunity, Session

TYPO_RATE = 0.015


@dataclass
class StoryBook:
    forced: dict[int, dict[int, str]] = field(default_factory=dict)  # thread -> {mail: code}
    windows: dict[str, list[tuple[int, int, str]]] = field(default_factory=dict)  # by address
    client_wrong: dict[int, tuple[int, int, str]] = field(default_factory=dict)
    typo_domains: set[str] = field(default_factory=set)
    dead_domains: set[str] = field(default_factory=set)

    def force(self, key: int, index: int, code: str) -> None:
        """Give a mail a scripted outcome, unless an earlier story already did."""
        self.forced.setdefault(key, {}).setdefault(index, code)


class StoryScout:
    """Sees every planned mail once, in thread order, and keeps story candidates."""

    def __init__(self, seed: int, period: Period, people: People, stuck: int) -> None:
        self.rng = random.Random(seed * 31 + 5)
        self.period, self.people = period, people
        csv_month = period.brevo_export_month
        # Story mails must stay in one provider's era and show their reasons: clear of the
        # Brevo month exported as CSV (no reason column) and of the DMARC incident.
        self._avoid = [
            (period.month_starts[csv_month - 1], period.month_starts[csv_month + 1]),
            period.incident,
        ]
        self.stuck_wanted = stuck
        self.latest: list[tuple[int, int, int]] = []  # the very last mails: no event yet
        self.recent: list[tuple[int, int, int]] = []  # the last ones before two hours ago
        self.pools: dict[str, list[tuple[int, int, Planned]]] = {}
        self.seen: dict[str, int] = {}

    def see(self, key: int, plans: list[Planned]) -> None:
        before = self.period.now - 2 * 3600
        latest, recent = self.latest, self.recent
        for j, p in enumerate(plans):
            ts = p.ts
            _keep_top(latest, (ts, key, j), 2)
            if ts < before:
                _keep_top(recent, (ts, key, j), self.stuck_wanted + 2)
            if p.email_type == "facture" and p.kind == COMPANY:
                era = self._era(ts, 0, 3 * DAY)
                if era:
                    self._offer(f"async_{era}", key, j, p)
            elif p.email_type == "convention" and key < 10**9:
                # programme before, certificat after; the company's mailbox is not Gmail's:
                # the DMARC incident may overlap
                era = self._era(ts, 35 * DAY, 60 * DAY, incident_ok=True)
                if era:
                    self._offer(f"unknown_{era}", key, j, p, 3)
            elif p.email_type == "convocation" and p.kind == LEARNER and not p.variant:
                era = self._era(ts, 0, 40 * DAY)
                personal = self.people.l_domain[p.ref] >= 0
                for story in (("full", "typo") if personal else ("dead",)) if era else ():
                    self._offer(f"{story}_{era}", key, j, p, 3)

    def _era(self, ts: int, before: int, after: int, incident_ok: bool = False) -> str:
        """'b' (Brevo) or 's' (SendGrid) when a story's mails, from `before` ahead of `ts` to
        `after` it, all fall in that provider's era and in no month to avoid; else ''."""
        lo, hi = ts - before, ts + after
        avoid = self._avoid[:1] if incident_ok else self._avoid
        if any(a < hi and lo < b for a, b in avoid):
            return ""
        if self.period.month_starts[1] <= lo and hi < self.period.switch:
            return "b"
        if self.period.switch <= lo and hi < self.period.now - 5 * DAY:
            return "s"
        return ""

    def _first_free(self, story: str, era: str, taken: set[int]) -> tuple[int, int, Planned] | None:
        """The first candidate whose recipient is not in another story yet (then taken)."""
        for candidate in self.pools.get(f"{story}_{era}", []):
            if candidate[2].ref not in taken:
                taken.add(candidate[2].ref)
                return candidate
        return None

    def _offer(self, name: str, key: int, j: int, p: Planned, size: int = 1) -> None:
        n = self.seen[name] = self.seen.get(name, 0) + 1
        pool = self.pools.setdefault(name, [])
        if len(pool) < size:
            pool.append((key, j, p))
        elif self.rng.random() < size / n:
            pool[self.rng.randrange(size)] = (key, j, p)

    def book(self, sessions: list[Session], wd: WorkingDays, seed: int) -> StoryBook:
        book = StoryBook()
        for _, key, j in self.latest:
            book.force(key, j, "no_events")
        for _, key, j in sorted(self.recent)[-self.stuck_wanted :]:
            book.force(key, j, "stuck")
        for era in "bs":
            for key, j, _ in self.pools.get(f"async_{era}", []):
                book.force(key, j, "async_bounce")
        taken: set[int] = set()
        for era in "bs":
            typo = self._first_free("typo", era, taken)
            if typo:
                _make_typo(self.people, typo[2].ref, book, self.rng)
            dead = self._first_free("dead", era, taken)
            if dead:
                _make_dead(self.people, dead[2].ref, book)
            full = self._first_free("full", era, taken)
            if full:
                _make_full(self.people, sessions[full[0]], full[2].ref, book, wd, seed, self.period)
            unknown = self._first_free("unknown", era, set(book.client_wrong))
            if unknown:
                _make_unknown(
                    self.people,
                    sessions[unknown[0]],
                    unknown[2].ref,
                    book,
                    wd,
                    seed,
                    self.period,
                    sendgrid=era == "s",
                )
        for i in range(self.people.learner_count):
            if (
                self.people.l_domain[i] >= 0
                and i not in taken
                and i not in self.people.email_overrides
                and self.rng.random() < TYPO_RATE
            ):
                _make_typo(self.people, i, book, self.rng)
        return book


def _keep_top(heap: list[tuple[int, int, int]], item: tuple[int, int, int], size: int) -> None:
    """Keep the `size` largest items in a min-heap."""
    if len(heap) < size:
        heapq.heappush(heap, item)
    elif item > heap[0]:
        heapq.heapreplace(heap, item)


def _make_typo(people: People, learner: int, book: StoryBook, rng: random.Random) -> None:
    local, domain = people.learner_default_email(learner).split("@")
    options = [typed for right, typed in catalog.DOMAIN_TYPOS if right == domain]
    typed = rng.choice(options) if options else rng.choice(catalog.DOMAIN_TYPOS)[1]
    people.email_overrides[learner] = f"{local}@{typed}"
    book.typo_domains.add(typed)


def _make_dead(people: People, learner: int, book: StoryBook) -> None:
    """The learner typed a company domain that has never existed (no MX)."""
    local, domain = people.learner_default_email(learner).split("@")
    name, _, tld = domain.rpartition(".")
    real = {c.domain for c in people.companies}
    candidates = (
        f"{name.replace('-', '')}.{tld}",
        f"{name}.{'com' if tld == 'fr' else 'fr'}",
        f"{name}-groupe.{tld}",
    )
    dead = next((d for d in candidates if d not in real), f"{name}-{learner}.{tld}")
    people.email_overrides[learner] = f"{local}@{dead}"
    book.dead_domains.add(dead)


def _mails_to(
    s: Session, kind: str, ref: int, wd: WorkingDays, seed: int, period: Period
) -> list[Planned]:
    return [
        p
        for p in plan_session(s, wd, seed, period.start, period.now)
        if p.kind == kind and p.ref == ref
    ]


def _make_full(
    people: People,
    s: Session,
    learner: int,
    book: StoryBook,
    wd: WorkingDays,
    seed: int,
    period: Period,
) -> None:
    """Mailbox full from the convocation on: retried then delivered until the last day, then
    refused for ten days, then emptied."""
    mails = _mails_to(s, LEARNER, learner, wd, seed, period)
    hot = [p.ts for p in mails if p.email_type == "evaluation_a_chaud"]
    first, last_ok = mails[0].ts, (hot[0] if hot else mails[0].ts)
    book.windows.setdefault(people.learner_email(learner), []).extend(
        [(first, last_ok + 1, "full_retry"), (last_ok + 1, last_ok + 10 * DAY, "full_bounce")]
    )


def _make_unknown(
    people: People,
    s: Session,
    client: int,
    book: StoryBook,
    wd: WorkingDays,
    seed: int,
    period: Period,
    sendgrid: bool,
) -> None:
    """The client contact's address was mistyped in the CRM for this session's preparation and
    fixed after the certificat: every mail in between bounces (SendGrid: the first bounces, the
    next ones are dropped as a bounced address)."""
    mails = [
        p.ts
        for p in _mails_to(s, CLIENT, client, wd, seed, period)
        if p.email_type != "evaluation_a_froid"
    ]
    contact = people.clients[client]
    local, domain = contact.email.split("@")
    first, _, last = local.partition(".")
    wrong = f"{first[:1]}.{last or first}@{domain}"
    if wrong == contact.email:
        wrong = f"{first}{last}@{domain}"
    lo, hi = mails[0], mails[-1] + 1
    book.client_wrong[client] = (lo, hi, wrong)
    book.windows[wrong] = (
        [(lo, lo + 1, "unknown_user"), (lo + 1, hi, "suppressed_bounced")]
        if sendgrid
        else [(lo, hi, "unknown_user")]
    )


def scripted_opportunities(
    rng: random.Random, people: People, wd: WorkingDays, period: Period, first_idx: int
) -> list[Opportunity]:
    """A prospect who unsubscribes (Brevo), one who reports spam and one who unsubscribes
    (SendGrid); their later mails are refused by the provider's suppression list."""
    starts = (
        ("unsubscribe", period.month_starts[3]),
        ("spam", period.switch + 5 * DAY),
        ("unsubscribe", period.switch + 25 * DAY),
    )
    prospects = range(len(people.clients) // 2, len(people.clients))
    out = []
    for n, (story, start) in enumerate(starts):
        day = wd.on_or_after(period.first_day + timedelta(days=(start - period.start) // DAY))
        out.append(
            Opportunity(
                idx=first_idx + n,
                course=rng.randrange(len(catalog.COURSES)),
                client=rng.choice(prospects),
                rep=rng.randrange(len(catalog.SALES_REPS)),
                start=day,
                mails=4,
                story=story,
                stream=100_000_000 + n,
            )
        )
    return out


def opportunity_codes(o: Opportunity) -> dict[int, str]:
    """Codes of a scripted opportunity's mails: the ending, then the provider's refusals."""
    if not o.story:
        return {}
    suppressed = "suppressed_unsub" if o.story == "unsubscribe" else "suppressed_spam"
    return {1: o.story, **{j: suppressed for j in range(2, o.mails)}}


CONSOLE_SUBJECTS = (
    "Test d'envoi – modèle de convocation",
    "Re: devis formation SST pour 8 salariés",
    "Documents de fin de formation (renvoi)",
    "Votre facture – copie demandée",
)


def console_mails(
    rng: random.Random, period: Period, people: People, count: int
) -> list[tuple[int, str, str]]:
    """Mails sent by hand from the providers' consoles: (epoch, recipient, subject), half in each
    provider's era, never in the send log."""
    out = []
    for n in range(count):
        lo, hi = (
            (period.month_starts[1], period.switch - DAY)
            if n % 2 == 0
            else (period.switch + DAY, period.now - 2 * DAY)
        )
        day = local_date(rng.randint(lo, hi))
        ts = local_epoch(day, rng.randint(9 * 3600, 18 * 3600))
        client = people.clients[rng.randrange(len(people.clients))]
        out.append((ts, client.email, rng.choice(CONSOLE_SUBJECTS)))
    return out
