"""Is a recipient address well formed, and is its domain a likely typo of a common mailbox domain?

`suggest_address("jean@gmial.com")` → "jean@gmail.com": only when the domain is close to one of the
mailbox domains French recipients use (Gmail, Orange, Free, SFR, Hotmail, Outlook, Yahoo, La Poste,
iCloud…) and is not itself one of them; a company domain far from them is never "corrected".
`is_valid_address()` checks the syntax with email-validator (no network). `typo_domains()` lists
common typo → domain pairs for set-based checks in SQL. Must not import Streamlit or touch the
network.
"""

from __future__ import annotations

from functools import cache, lru_cache

from email_validator import EmailNotValidError, validate_email

from pipeline.i18n import DEFAULT_LANGUAGE, t

#: Mailbox brand → the domain suffixes it really uses; the first is the one to suggest.
MAILBOX_DOMAINS: dict[str, tuple[str, ...]] = {
    "gmail": ("com",),
    "googlemail": ("com",),
    "orange": ("fr",),
    "wanadoo": ("fr",),
    "free": ("fr",),
    "sfr": ("fr",),
    "neuf": ("fr",),
    "club-internet": ("fr",),
    "cegetel": ("net",),
    "numericable": ("fr",),
    "noos": ("fr",),
    "bbox": ("fr",),
    "aliceadsl": ("fr",),
    "libertysurf": ("fr",),
    "voila": ("fr",),
    "laposte": ("net",),
    "hotmail": ("fr", "com", "be", "co.uk", "de", "it", "es"),
    "live": ("fr", "com", "be"),
    "outlook": ("fr", "com", "be", "de"),
    "msn": ("com",),
    "yahoo": ("fr", "com", "be", "co.uk", "de", "it", "es"),
    "ymail": ("com",),
    "icloud": ("com",),
    "me": ("com",),
    "mac": ("com",),
    "gmx": ("fr", "com", "de", "net"),
    "aol": ("com", "fr"),
    "protonmail": ("com", "ch"),
    "proton": ("me",),
    "skynet": ("be",),
    "bluewin": ("ch",),
    "mail": ("com",),
}

#: Brands whose name alone is the whole brand: `gmail.fr` is not Gmail, so any other suffix is a
#: mistake. For the others, another suffix may be a real domain (`orange.com` is the company).
SINGLE_HOME = frozenset(
    {"gmail", "googlemail", "icloud", "laposte", "wanadoo", "ymail", "msn", "club-internet",
     "numericable", "aliceadsl", "cegetel", "neuf", "bbox", "libertysurf"}
)  # fmt: skip

#: Brands long and distinctive enough to recognise with one or two typos (first letter kept).
FUZZY_BRANDS = frozenset(
    {"gmail", "googlemail", "orange", "wanadoo", "hotmail", "outlook", "yahoo", "laposte",
     "icloud", "numericable", "aliceadsl", "club-internet", "protonmail", "libertysurf"}
)  # fmt: skip

#: Suffixes a mailbox domain can end with; a domain ending otherwise is left alone.
KNOWN_SUFFIXES = frozenset(suffix for suffixes in MAILBOX_DOMAINS.values() for suffix in suffixes)

KNOWN_DOMAINS = frozenset(
    f"{brand}.{suffix}" for brand, suffixes in MAILBOX_DOMAINS.items() for suffix in suffixes
)

_KEYBOARD_ROWS = ("azertyuiop", "qsdfghjklm", "wxcvbn", "qwertyuiop", "asdfghjkl", "zxcvbnm")


def suggest_address(email: str) -> str | None:
    """The address with its domain corrected, or None when there is nothing sure to suggest."""
    local, at, domain = email.strip().rpartition("@")
    if not at or not local or "@" in local or not domain:
        return None
    fixed = suggest_domain(domain)
    return f"{local}@{fixed}" if fixed else None


@lru_cache(maxsize=4096)
def suggest_domain(domain: str) -> str | None:
    """The mailbox domain `domain` was probably meant to be, or None."""
    typed = domain.strip().lower()
    cleaned = _clean_punctuation(typed)
    if cleaned in KNOWN_DOMAINS:
        return cleaned if cleaned != typed else None
    brand, _, suffix = cleaned.partition(".")
    if not suffix:
        brand, suffix = _split_glued_suffix(brand)
    found = _fix_suffix(brand, suffix) if brand in MAILBOX_DOMAINS else _fix_brand(brand, suffix)
    if found:
        return found
    return cleaned if cleaned != typed and "." in cleaned else None


def is_valid_address(email: str, lang: str = DEFAULT_LANGUAGE) -> tuple[bool, str | None]:
    """(True, None) for a well-formed address, else (False, a reason a person can read).

    Syntax only, with the maintained email-validator package; deliverability (DNS) is not checked.
    """
    problem = address_problem(email)
    if problem is None:
        return True, None
    key, params = problem
    return False, t(f"address.{key}", lang, **params)


def address_problem(email: str) -> tuple[str, dict[str, str]] | None:
    """None for a well-formed address, else what is wrong as the i18n key under `address.` and
    its parameters (`("forbidden_character", {"characters": "'é'"})`), to be said in any
    language."""
    reason = _common_mistake(email)
    if reason:
        return reason, {}
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as error:
        return _explain(str(error))
    return None


@cache
def typo_domains() -> tuple[tuple[str, str], ...]:
    """(typo, mailbox domain) pairs — one-key slips, swaps, drops, doubled letters, wrong suffixes.

    For set-based use: load them into a table and join on `recipient_domain`. Every pair agrees
    with `suggest_domain(typo)`; typos that are themselves mailbox domains are left out.
    """
    pairs: set[tuple[str, str]] = set()
    for domain in sorted(KNOWN_DOMAINS):
        for variant in _one_slip_variants(domain):
            if variant not in KNOWN_DOMAINS and suggest_domain(variant) == domain:
                pairs.add((variant, domain))
    return tuple(sorted(pairs))


def _common_mistake(email: str) -> str | None:
    """The i18n key (under `address.`) of a mistake people make often, for a French reason."""
    if not email.strip():
        return "empty"
    if any(character.isspace() for character in email):
        return "space"
    if "@" not in email:
        return "no_at_sign"
    if email.count("@") > 1:
        return "several_at_signs"
    domain = email.rpartition("@")[2]
    if domain and "." not in domain:
        return "no_dot_in_domain"
    if ".." in email:
        return "two_dots"
    return None


def _explain(detail: str) -> tuple[str, dict[str, str]]:
    """email-validator's English message, as one of our reasons (key, params) where we know it."""
    if "special-use or reserved" in detail:
        return "reserved_domain", {}
    if "invalid characters" in detail and ": " in detail:
        return "forbidden_character", {"characters": detail.rpartition(": ")[2][:-1]}
    if any(place in detail for place in ("with a period", "a period immediately")):
        return "misplaced_dot", {}
    if "too long" in detail or "so many characters" in detail:
        return "too_long", {}
    return "invalid", {"detail": detail.rstrip(".")}


def _clean_punctuation(domain: str) -> str:
    """`gmail,com` / `gmail..com` / `gmail.com.` / `gmail. com` → `gmail.com`."""
    cleaned = "".join(domain.split()).replace(",", ".").replace(";", ".")
    while ".." in cleaned:
        cleaned = cleaned.replace("..", ".")
    return cleaned.strip(".")


def _split_glued_suffix(name: str) -> tuple[str, str]:
    """`gmailcom` → ("gmail", "com"), `hotmailfr` → ("hotmail", "fr"); else (name, "")."""
    for brand, suffixes in MAILBOX_DOMAINS.items():
        for suffix in suffixes:
            glued = brand + suffix.replace(".", "")
            if name == glued:
                return brand, suffix
    return name, ""


def _fix_suffix(brand: str, suffix: str) -> str | None:
    """A real brand with a wrong suffix: `orange.f` → orange.fr, `gmail.fr` → gmail.com."""
    suffixes = MAILBOX_DOMAINS[brand]
    close = _closest(suffix, suffixes)
    if close:
        return f"{brand}.{close}"
    if not suffix or (brand in SINGLE_HOME and _plausible_suffix(suffix)):
        return f"{brand}.{suffixes[0]}"
    return None  # orange.com, yahoo.ca: real domains; gmail.example.fr: someone's own server


def _fix_brand(brand: str, suffix: str) -> str | None:
    """A typo of a distinctive brand (`gmial`, `hotmial`, `wanado`) with a plausible suffix."""
    if suffix and not _plausible_suffix(suffix):
        return None  # `mail.entreprise.fr`: not a mailbox domain at all
    candidates = sorted(
        (distance, name)
        for name in FUZZY_BRANDS
        if name[0] == brand[:1]
        and (distance := _distance(brand, name)) <= (2 if len(name) >= 7 else 1)
    )
    if not candidates or (len(candidates) > 1 and candidates[0][0] == candidates[1][0]):
        return None  # nothing close, or two brands equally close: no sure suggestion
    return _fix_suffix(candidates[0][1], suffix)


def _plausible_suffix(suffix: str) -> bool:
    """One label (`fr`, `con`, `cmo`) or a known two-label suffix (`co.uk`)."""
    return suffix in KNOWN_SUFFIXES or ("." not in suffix and suffix.isalpha())


def _closest(suffix: str, suffixes: tuple[str, ...]) -> str | None:
    """The suffix that `suffix` mistypes (one edit away or cut short); ties go to the first one."""
    if not suffix:
        return None
    if suffix in suffixes:
        return suffix
    scored = [
        (_distance(suffix, known), rank, known)
        for rank, known in enumerate(suffixes)
        if known.startswith(suffix) or _distance(suffix, known) <= 1
    ]
    return min(scored)[2] if scored else None


def _distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions, adjacent swaps."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, start=1):
            cost = 0 if char_a == char_b else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[len(b)]


def _one_slip_variants(domain: str) -> set[str]:
    """Every string one slip away: a dropped, doubled, swapped or neighbouring-key letter."""
    variants: set[str] = set()
    for i, char in enumerate(domain):
        variants.add(domain[:i] + domain[i + 1 :])
        variants.add(domain[:i] + char + domain[i:])
        if i + 1 < len(domain):
            variants.add(domain[:i] + domain[i + 1] + char + domain[i + 2 :])
        for neighbour in _neighbours(char):
            variants.add(domain[:i] + neighbour + domain[i + 1 :])
    return {variant for variant in variants if "." in variant.strip(".")}


def _neighbours(char: str) -> set[str]:
    """Keys beside `char` on AZERTY and QWERTY keyboards."""
    found: set[str] = set()
    for row in _KEYBOARD_ROWS:
        index = row.find(char)
        if index >= 0:
            found.update(row[max(index - 1, 0) : index] + row[index + 1 : index + 2])
    return found
