"""The six mail statuses, in display order, each with the one colour every chart and badge uses;
also the event vocabulary they are computed from and the bounce categories.

This module only names and colours the statuses; the rules that decide a mail's status live in SQL.
Labels come from the translation table (`status.<key>`, `status_meaning.<key>`), never from here.
Colours come from the Okabe-Ito colour-blind-safe palette where it has the hue asked for; every
fill keeps a 3:1 contrast against a white page, and `text_colour` is the badge text that keeps 4.5:1
on the fill.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.i18n import t


@dataclass(frozen=True)
class Status:
    """One mail status: its stable key, its chart/badge fill colour and the text colour on it."""

    key: str
    colour: str
    text_colour: str


STATUSES: tuple[Status, ...] = (
    Status("requested", colour="#8C8C8C", text_colour="#000000"),  # grey
    Status("sent", colour="#0072B2", text_colour="#FFFFFF"),  # blue
    Status("delivered", colour="#009E73", text_colour="#000000"),  # bluish green
    Status("opened", colour="#00504A", text_colour="#FFFFFF"),  # dark teal
    Status("undeliverable", colour="#D55E00", text_colour="#000000"),  # vermilion (orange-red)
    Status("send_error", colour="#A50F15", text_colour="#FFFFFF"),  # crimson
)

STATUS_KEYS: tuple[str, ...] = tuple(status.key for status in STATUSES)
STATUS_COLOURS: dict[str, str] = {status.key: status.colour for status in STATUSES}
STATUS_TEXT_COLOURS: dict[str, str] = {status.key: status.text_colour for status in STATUSES}

#: Who a mail was sent to, as the send log says it.
RECIPIENT_KINDS: tuple[str, ...] = ("learner", "client", "company", "trainer")

#: The platform's mail types, in the order of a training's life.
MAIL_TYPES: tuple[str, ...] = (
    "convention",
    "programme",
    "convocation",
    "evaluation_a_chaud",
    "attestation_fin_formation",
    "certificat_realisation",
    "evaluation_a_froid",
    "facture",
    "relance",
    "libre",
)

#: The normalized provider event vocabulary of DESIGN.md, in the order of a mail's life.
EVENTS: tuple[str, ...] = (
    "queued",
    "accepted",
    "deferred",
    "delivered",
    "opened",
    "clicked",
    "bounced",
    "blocked",
    "rejected",
    "failed",
    "complained",
    "unsubscribed",
    "unknown",
)

#: Events that carry a bounce category: failures and deferrals.
CATEGORISED_EVENTS: tuple[str, ...] = ("deferred", "bounced", "blocked", "rejected", "failed")

#: Why a mail failed or was deferred: every value the SQL macro `bounce_category` returns.
BOUNCE_CATEGORIES: tuple[str, ...] = (
    "unknown_recipient",
    "mailbox_full",
    "domain_not_found",
    "spam_or_policy",
    "sender_authentication",
    "suppressed",
    "invalid_address",
    "other",
)

#: Statuses that mean the mail reached its recipient's mailbox.
RECEIVED_STATUSES: tuple[str, ...] = ("delivered", "opened")

#: Statuses that mean the mail did not arrive and someone should act.
FAILED_STATUSES: tuple[str, ...] = ("undeliverable", "send_error")

#: Statuses whose fate is known: received or failed.
SETTLED_STATUSES: tuple[str, ...] = (*RECEIVED_STATUSES, *FAILED_STATUSES)

#: Statuses still in flight: asked for (`requested`) or handed to the provider (`sent`);
#: their fate is not known yet.
IN_FLIGHT_STATUSES: tuple[str, ...] = ("requested", "sent")


def status_label(key: str, lang: str = "fr") -> str:
    """The translated label of a status (`Demandé`, `Reçu et ouvert`, …)."""
    return t(f"status.{key}", lang)
