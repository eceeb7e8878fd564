"""What the overview's numbers mean: each rate as numerator ÷ denominator over mail counts, the
thresholds a rate is judged against (each with its source), and the minimum volume below
which a rate is not judged at all.

The counts themselves are computed in SQL (pipeline/queries/overview.py, `COUNTS`); this module
only names them, divides them and compares. It never reads the store and must not import
Streamlit. The words (labels, definitions, sources) live in i18n/overview.toml.

Counts, per mail and by its status (DESIGN.md):
    mails                every mail the platform asked to send in the period (requested_at)
    settled              mails whose fate is known: delivered, opened, undeliverable, send_error
                         (mails still requested or sent are in flight and left out of every rate,
                         so that the last days do not look bad while the provider is working)
    arrived              delivered or opened (accepted by the recipient's server)
    attempted            arrived or undeliverable: the mails the provider tried to deliver, the
                         base the providers and the thresholds compute a bounce rate on
    undeliverable, send_error   mails in that status
    human_opened         opened mails with at least one open or click by a person
    machine_opened_only  opened mails whose only opens came from a privacy proxy (Apple Mail…)
    complained           mails whose recipient marked them as spam
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pipeline.rules.statuses import FAILED_STATUSES, RECEIVED_STATUSES

Direction = Literal["higher", "lower", "neutral"]
Level = Literal["watch", "high", "critical"]
LEVELS: tuple[Level, ...] = ("watch", "high", "critical")

COUNT_NAMES: tuple[str, ...] = (
    "mails",
    "settled",
    "arrived",
    "attempted",
    "undeliverable",
    "send_error",
    "in_flight",
    "human_opened",
    "machine_opened_only",
    "complained",
)


@dataclass(frozen=True)
class Rate:
    """A rate: `numerator` ÷ `denominator`, two of COUNT_NAMES; `better` says which way is good."""

    key: str
    numerator: str
    denominator: str
    better: Direction

    def of(self, counts: Mapping[str, int]) -> float | None:
        """The rate (0..1) of these counts; None when the denominator is zero."""
        below = int(counts.get(self.denominator) or 0)
        return int(counts.get(self.numerator) or 0) / below if below else None


#: The failure rates, one per failed status and named after it.
FAILURE_RATES: tuple[str, ...] = FAILED_STATUSES

RATES: dict[str, Rate] = {
    rate.key: rate
    for rate in (
        Rate("delivery", "arrived", "settled", "higher"),
        Rate("open", "human_opened", "arrived", "higher"),
        Rate("machine_open", "machine_opened_only", "arrived", "neutral"),
        Rate("undeliverable", "undeliverable", "attempted", "lower"),
        Rate("send_error", "send_error", "settled", "lower"),
        Rate("complaint", "complained", "arrived", "lower"),
    )
}


#: The mails a rate counts in its numerator, as MailFilter fields: what a click on a rate opens.
NUMERATOR_FILTERS: dict[str, dict[str, Any]] = {
    "delivery": {"statuses": RECEIVED_STATUSES},
    "open": {"statuses": ("opened",), "human_open": True},
    "machine_open": {"statuses": ("opened",), "human_open": False},
    "undeliverable": {"statuses": ("undeliverable",)},
    "send_error": {"statuses": ("send_error",)},
    "complaint": {"complained": True},
}


@dataclass(frozen=True)
class Threshold:
    """A level a rate should stay under; `source` names the i18n key saying who set it."""

    rate: str
    level: Level
    value: float
    source: str


# Sources, stated as honestly as we know them (texts in i18n/overview.toml, threshold.source.*):
# - bounces 2 %: common practice of e-mail providers and deliverability guides, not a rule of
#   any one mailbox provider;
# - bounces 5 % and 10 %: Amazon SES puts an account under review from a 5 % bounce rate and
#   may pause its sending from 10 % (SES sending review process);
# - complaints 0.1 % and 0.3 %: Google's and Yahoo's sender guidelines (February 2024): stay
#   under 0.1 %, never reach 0.3 %;
# - send errors: no industry threshold exists; Mailtrail uses the bounce levels, because a mail
#   that could not be sent did not arrive either (said as such on the page).
THRESHOLDS: tuple[Threshold, ...] = (
    Threshold("undeliverable", "watch", 0.02, "industry_practice"),
    Threshold("undeliverable", "high", 0.05, "amazon_ses_review"),
    Threshold("undeliverable", "critical", 0.10, "amazon_ses_pause"),
    Threshold("send_error", "watch", 0.02, "mailtrail_send_errors"),
    Threshold("send_error", "high", 0.05, "mailtrail_send_errors"),
    Threshold("send_error", "critical", 0.10, "mailtrail_send_errors"),
    Threshold("complaint", "watch", 0.001, "google_yahoo_2024_target"),
    Threshold("complaint", "critical", 0.003, "google_yahoo_2024_limit"),
)


@dataclass(frozen=True)
class VolumeGuard:
    """A rate is judged only with at least `min_denominator` mails under it and `min_numerator`
    over it: 1 failure in 3 mails (33 %) or in 50 (2 %) is chance, not a trend."""

    min_denominator: int
    min_numerator: int

    def allows(self, numerator: int, denominator: int) -> bool:
        return denominator >= self.min_denominator and numerator >= self.min_numerator


# Mailtrail's choice. At least 5 failures: fewer is the odd typo or full mailbox, whatever the
# rate (the smallest alarm is then 5 in 250 mails for 2 %). At least 30 mails: a small
# organisation's month; below it one session's bad address list makes any rate. Complaints are
# rarer: 500 delivered mails and 2 complaints before 0.1 % or 0.3 % means anything.
GUARDS: dict[str, VolumeGuard] = {
    "undeliverable": VolumeGuard(min_denominator=30, min_numerator=5),
    "send_error": VolumeGuard(min_denominator=30, min_numerator=5),
    "complaint": VolumeGuard(min_denominator=500, min_numerator=2),
}

JUDGED_RATES: tuple[str, ...] = tuple(GUARDS)


def thresholds_of(rate: str) -> tuple[Threshold, ...]:
    """The thresholds of one rate, lowest first."""
    return tuple(sorted((th for th in THRESHOLDS if th.rate == rate), key=lambda th: th.value))


def enough_volume(rate: str, counts: Mapping[str, int]) -> bool:
    """True when the counts are large enough to judge `rate` (always True for unjudged rates)."""
    guard = GUARDS.get(rate)
    if guard is None:
        return True
    definition = RATES[rate]
    return guard.allows(
        int(counts.get(definition.numerator) or 0), int(counts.get(definition.denominator) or 0)
    )


def crossed(rate: str, counts: Mapping[str, int]) -> Threshold | None:
    """The highest threshold the rate reaches (≥) with enough volume; None otherwise."""
    value = RATES[rate].of(counts)
    if value is None or not enough_volume(rate, counts):
        return None
    reached = [th for th in thresholds_of(rate) if value >= th.value]
    return reached[-1] if reached else None


def level_rank(level: Level | None) -> int:
    """0 for no level, then 1, 2, 3 from watch to critical."""
    return 0 if level is None else LEVELS.index(level) + 1
