"""The people of the demo: client companies and their contacts, trainers, learners.

Names come from a seeded Faker fr_FR, drawn once into pools (Faker is slow per call); learners are
kept as compact integer arrays so that ten million mails fit in memory, their names and addresses
built on demand. Every address is unique. No mail content and no randomness outside `rng` here.
"""

from __future__ import annotations

import bisect
import random
import unicodedata
import zlib
from array import array
from dataclasses import dataclass, field
from itertools import accumulate

from faker import Faker

from pipeline.demo.world import catalog

_PATTERNS = ("{f}.{l}", "{f}{l}", "{fi}{l}", "{f}.{l}", "{l}.{f}", "{f}_{l}", "{fi}.{l}")
_PATTERN_WEIGHTS = (40, 12, 10, 14, 8, 6, 10)
_NUMBERED = 3  # this pattern always carries a number: marie.martin84
_PATTERN_CUMULATIVE = list(accumulate(_PATTERN_WEIGHTS))
_DOMAIN_CUMULATIVE = list(accumulate(w for _, w in catalog.PERSONAL_DOMAINS))


def _pick(rng: random.Random, cumulative: list[int]) -> int:
    """Index drawn with the weights whose running sums are `cumulative`."""
    return bisect.bisect(cumulative, rng.random() * cumulative[-1])


def slug(text: str, sep: str = "") -> str:
    """ASCII lower-case form of a name for an address: 'Gaëlle Le Bris' -> 'gaellelebris'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = "".join(c if c.isalnum() else " " for c in ascii_text.lower()).split()
    return sep.join(words)


class TakenAddresses:
    """Addresses already given out, as a bitmap over two CRC-32s: no address is ever given twice
    (no false negatives); a rare false positive just gives someone a number. Deterministic and
    small (one bit per slot) where a set of millions of strings would cost hundreds of MB."""

    def __init__(self, expected: int) -> None:
        self._size = 1 << max(20, (expected * 64).bit_length())
        self._bits = bytearray(self._size // 8)

    def _slot(self, email: str) -> int:
        raw = email.encode()
        return ((zlib.crc32(raw) << 32) | zlib.crc32(raw, 0x5BD1E995)) % self._size

    def __contains__(self, email: str) -> bool:
        i = self._slot(email)
        return bool(self._bits[i >> 3] >> (i & 7) & 1)

    def add(self, email: str) -> None:
        i = self._slot(email)
        self._bits[i >> 3] |= 1 << (i & 7)


@dataclass
class Company:
    name: str
    domain: str
    operator: str  # mailbox operator of the company domain (m365, google, ovh)
    mailbox: str  # accounting mailbox, recipient of invoices
    city: int  # index into catalog.PLACES
    contacts: list[int] = field(default_factory=list)  # indices into People.clients
    learner_base: int = 0  # this company's employees are learners base .. base + size - 1
    learner_count: int = 0


@dataclass(frozen=True)
class Contact:
    """A client contact or a trainer: few enough to keep as plain strings."""

    contact_id: str
    first: str
    last: str
    email: str
    company: int  # -1 for trainers


@dataclass
class People:
    first_names: list[str]
    last_names: list[str]
    companies: list[Company]
    clients: list[Contact]
    trainers: list[Contact]
    trainer_courses: list[tuple[int, ...]]
    # learners, one entry per learner in each array
    l_first: array = field(default_factory=lambda: array("H"))
    l_last: array = field(default_factory=lambda: array("H"))
    l_company: array = field(default_factory=lambda: array("i"))
    l_local: array = field(default_factory=lambda: array("B"))  # address pattern
    l_suffix: array = field(default_factory=lambda: array("H"))
    l_domain: array = field(default_factory=lambda: array("h"))  # -1: the company's domain
    email_overrides: dict[int, str] = field(default_factory=dict)  # story addresses
    _first_slugs: list[str] = field(default_factory=list)
    _last_slugs: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._first_slugs = [slug(n) for n in self.first_names]
        self._last_slugs = [slug(n, "-") for n in self.last_names]

    @property
    def learner_count(self) -> int:
        return len(self.l_first)

    def learner_name(self, i: int) -> str:
        return f"{self.first_names[self.l_first[i]]} {self.last_names[self.l_last[i]]}"

    def learner_first(self, i: int) -> str:
        return self.first_names[self.l_first[i]]

    def learner_default_email(self, i: int) -> str:
        d = self.l_domain[i]
        domain = (
            self.companies[self.l_company[i]].domain if d < 0 else catalog.PERSONAL_DOMAINS[d][0]
        )
        local = self._local(self.l_first[i], self.l_last[i], self.l_local[i], self.l_suffix[i])
        return f"{local}@{domain}"

    def learner_email(self, i: int) -> str:
        override = self.email_overrides.get(i)
        return override if override is not None else self.learner_default_email(i)

    def _local(self, f: int, last: int, pattern: int, n: int) -> str:
        fs = self._first_slugs[f]
        local = _PATTERNS[pattern].format(f=fs, l=self._last_slugs[last], fi=fs[:1])
        return f"{local}{n}" if n else local

    def add_learners(
        self, rng: random.Random, count: int, company: int, seen: TakenAddresses
    ) -> int:
        """Append `count` learners (employees of `company`, or private persons if -1)."""
        base = self.learner_count
        company_mail = 0.0 if company < 0 else 0.55
        n_first, n_last = len(self.first_names), len(self.last_names)
        for _ in range(count):
            f = int(rng.random() * n_first)
            last = int(rng.random() * n_last)
            dom = -1 if rng.random() < company_mail else _pick(rng, _DOMAIN_CUMULATIVE)
            domain = self.companies[company].domain if dom < 0 else catalog.PERSONAL_DOMAINS[dom][0]
            pattern = _pick(rng, _PATTERN_CUMULATIVE)
            suffix = rng.randrange(60, 100) if pattern == _NUMBERED else 0
            email = f"{self._local(f, last, pattern, suffix)}@{domain}"
            while email in seen:
                suffix = rng.randrange(1, 10_000)
                email = f"{self._local(f, last, pattern, suffix)}@{domain}"
            seen.add(email)
            self.l_first.append(f)
            self.l_last.append(last)
            self.l_company.append(company)
            self.l_local.append(pattern)
            self.l_suffix.append(suffix)
            self.l_domain.append(dom)
        return base


def name_pools(seed: int) -> tuple[list[str], list[str], Faker]:
    """Distinct French first and last names from a seeded Faker, in draw order."""
    fake = Faker("fr_FR")
    fake.seed_instance(seed)
    first = list(
        dict.fromkeys(
            fake.first_name_female() if i % 2 else fake.first_name_male() for i in range(3000)
        )
    )
    last = list(dict.fromkeys(fake.last_name() for _ in range(4000)))
    return first, last, fake


def build_companies(
    rng: random.Random, fake: Faker, last_names: list[str], count: int
) -> list[Company]:
    names: dict[str, None] = {}
    domains: set[str] = set()
    companies: list[Company] = []
    cities = [i for i, (city, _) in enumerate(catalog.PLACES) if city != catalog.VIRTUAL]
    weights = [catalog.PLACE_WEIGHTS[i] for i in cities]
    operators = [o for o, _ in catalog.COMPANY_OPERATORS]
    op_weights = [w for _, w in catalog.COMPANY_OPERATORS]
    while len(companies) < count:
        city = rng.choices(cities, weights)[0]
        name = _company_name(rng, fake, last_names, catalog.PLACES[city][0])
        if name in names:
            continue
        names[name] = None
        base = slug(_without_legal_form(name), "-")[:40].strip("-") or "entreprise"
        tld = ".fr" if rng.random() < 0.8 else ".com"
        domain = base + tld
        n = 2
        while domain in domains:
            domain, n = f"{base}{n}{tld}", n + 1
        domains.add(domain)
        companies.append(
            Company(
                name=name,
                domain=domain,
                operator=rng.choices(operators, op_weights)[0],
                mailbox=rng.choice(catalog.COMPANY_MAILBOXES),
                city=city,
            )
        )
    return companies


def _company_name(rng: random.Random, fake: Faker, last_names: list[str], city: str) -> str:
    roll = rng.random()
    if roll < 0.35:
        return str(fake.company())
    last = rng.choice(last_names)
    prefix = rng.choice(catalog.COMPANY_PREFIXES)
    if roll < 0.8:
        return f"{prefix} {last}"
    return f"{prefix} {last} {city}"


def _without_legal_form(name: str) -> str:
    for form in (" S.A.R.L.", " S.A.S.", " SARL", " SAS", " SA", " S.A.", " et Fils"):
        name = name.replace(form, "")
    return name


def build_contacts(
    rng: random.Random,
    people_names: tuple[list[str], list[str]],
    companies: list[Company],
    seen: TakenAddresses,
) -> list[Contact]:
    """One or two client contacts (training or HR managers) per company."""
    first_names, last_names = people_names
    clients: list[Contact] = []
    for ci, company in enumerate(companies):
        for _ in range(1 if rng.random() < 0.7 else 2):
            first, last = rng.choice(first_names), rng.choice(last_names)
            email = _unique(rng, f"{slug(first)}.{slug(last, '-')}", company.domain, seen)
            company.contacts.append(len(clients))
            clients.append(Contact(f"CLI-{len(clients) + 1:05d}", first, last, email, ci))
    return clients


def build_trainers(
    rng: random.Random, people_names: tuple[list[str], list[str]], count: int, seen: TakenAddresses
) -> tuple[list[Contact], list[tuple[int, ...]]]:
    first_names, last_names = people_names
    trainers: list[Contact] = []
    specialities: list[tuple[int, ...]] = []
    for i in range(count):
        first, last = rng.choice(first_names), rng.choice(last_names)
        if rng.random() < 0.4:
            domain = catalog.ORG_DOMAIN
        elif rng.random() < 0.3:
            domain = f"{slug(last, '-')}-formation.fr"
        else:
            domain = rng.choice(catalog.TRAINER_DOMAINS[:-1])
        email = _unique(rng, f"{slug(first)}.{slug(last, '-')}", domain, seen)
        trainers.append(Contact(f"FOR-{i + 1:03d}", first, last, email, -1))
        specialities.append(tuple(rng.sample(range(len(catalog.COURSES)), 4)))
    return trainers, specialities


def _unique(rng: random.Random, local: str, domain: str, seen: TakenAddresses) -> str:
    email = f"{local}@{domain}"
    while email in seen:
        email = f"{local}{rng.randrange(2, 100)}@{domain}"
    seen.add(email)
    return email
