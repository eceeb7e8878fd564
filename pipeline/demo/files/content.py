"""The words of each mail: French subject, short HTML and plain-text bodies, links, attachments.

One function per mail type family, fed with what the platform knows about the session or the
opportunity and the recipient. The HTML is what the platform sent: the organisation's logo as a
remote image and, at the end, the provider's open-tracking pixel. No provider events here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import partial
from html import escape as _html_escape
from html import unescape
from typing import NamedTuple

from pipeline.demo.world import catalog

MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
escape = partial(_html_escape, quote=False)  # element text: apostrophes stay readable
FORMS = f"https://formulaires.{catalog.ORG_DOMAIN}/e"
SIGNATURE = ("L'équipe formation", catalog.ORG_NAME, catalog.ORG_ADDRESS, "04 78 62 31 90")


def french_date(d: date) -> str:
    day = "1er" if d.day == 1 else str(d.day)
    return f"{day} {MONTHS[d.month - 1]} {d.year}"


def french_span(start: date, end: date) -> str:
    if start == end:
        return f"le {french_date(start)}"
    if (start.year, start.month) == (end.year, end.month):
        first = "1er" if start.day == 1 else str(start.day)
        return f"du {first} au {french_date(end)}"
    return f"du {french_date(start)} au {french_date(end)}"


@dataclass(frozen=True)
class About:
    """What a thread of mails is about: a session, or a sales opportunity (no session)."""

    key: str  # session_id or opportunity_id
    course: str
    course_code: str
    place: str = ""
    address: str = ""
    start: date | None = None
    end: date | None = None
    virtual: bool = False
    sender_name: str = catalog.ORG_NAME

    @property
    def span(self) -> str:
        return french_span(self.start, self.end) if self.start and self.end else ""


class Written(NamedTuple):
    """A mail's words. Bodies are tuples of segments to concatenate: the long ones are shared by
    every mail of the same kind in a thread, so encoders can cache their escaped bytes. (A
    tuple: one is made per mail, and it is cheaper to make than a frozen dataclass.)"""

    subject: str
    html: tuple[str, ...]
    text: tuple[str, ...]
    link: str  # the tracked link in the mail, "" if none
    attachments: tuple[str, ...]  # attachment kinds, see pdfs.ATTACHMENT_KINDS


@dataclass(frozen=True)
class _Shared:
    subject: str
    html_head: str
    html_body: str
    html_signature: str
    text_body: str
    text_signature: str
    attachments: tuple[str, ...]
    link_kind: str


class Writer:
    """Writes mails; remembers the shared parts of each mail kind for the current thread."""

    def __init__(self) -> None:
        self._shared: dict[tuple[str, str, str, str, str], _Shared] = {}

    def forget_thread(self) -> None:
        self._shared.clear()

    def write(
        self,
        about: About,
        email_type: str,
        variant: str,
        kind: str,
        greeting_name: str,
        company: str,
        invoice: str,
        token: str,
        pixel: str,
    ) -> Written:
        key = (email_type, variant, kind, company, invoice)
        shared = self._shared.get(key)
        if shared is None:
            shared = self._shared[key] = _share(about, email_type, variant, kind, company, invoice)
        hello = f"Bonjour {greeting_name}," if greeting_name else "Madame, Monsieur,"
        link = _link(about, shared.link_kind, token)
        button = (
            f'<p><a href="{link}" style="background:#0b6e4f;color:#fff;padding:10px 18px;'
            f'text-decoration:none;border-radius:4px">{_button(link)}</a></p>\n'
            if link
            else ""
        )
        html = (
            shared.html_head,
            f"<p>{escape(hello)}</p>\n",
            shared.html_body,
            button,
            shared.html_signature,
            f'<img src="{pixel}" width="1" height="1" alt="" style="display:block;border:0">'
            "\n</body></html>",
        )
        text = (
            hello,
            "\n\n",
            shared.text_body,
            f"{link}\n\n" if link else "",
            shared.text_signature,
        )
        return Written(shared.subject, html, text, link, shared.attachments)


def _share(
    about: About, email_type: str, variant: str, kind: str, company: str, invoice: str
) -> _Shared:
    subject, paragraphs, link_kind, attachments = _words(
        about, email_type, variant, kind, company, invoice
    )
    signature = SIGNATURE if email_type != "libre" else (about.sender_name, *SIGNATURE[1:])
    head = "\n".join(
        [
            "<!DOCTYPE html>",
            f'<html lang="fr"><head><meta charset="utf-8"><title>{escape(subject)}</title></head>',
            '<body style="font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#1f2933">',
            f'<p><img src="{catalog.LOGO_URL}" alt="{catalog.ORG_NAME}" '
            'width="180" height="48"></p>',
            "",
        ]
    )
    return _Shared(
        subject=subject,
        html_head=head,
        html_body="".join(f"<p>{p}</p>\n" for p in paragraphs),
        html_signature="<p>" + "<br>".join(escape(line) for line in signature) + "</p>\n",
        text_body="".join(f"{_plain(p)}\n\n" for p in paragraphs),
        text_signature="\n".join(signature),
        attachments=attachments,
        link_kind=link_kind,
    )


def _link(about: About, link_kind: str, token: str) -> str:
    if link_kind == "form":
        return f"{FORMS}/{about.key}/{token[:16]}"
    if link_kind == "classe":
        return f"https://classe.{catalog.ORG_DOMAIN}/classe/{about.key}/{token[:12]}"
    if link_kind == "catalogue":
        code = about.course_code.lower()
        return f"{catalog.ORG_SITE}/catalogue/{code}?utm_source=mail&c={token[:8]}"
    return ""


def _button(link: str) -> str:
    if link.startswith(FORMS):
        return "Donner mon avis"
    return "Rejoindre la classe virtuelle" if "/classe/" in link else "Voir le catalogue"


def _plain(paragraph: str) -> str:
    return unescape(paragraph.replace("<strong>", "").replace("</strong>", ""))


def _words(
    a: About, email_type: str, variant: str, kind: str, company: str, invoice: str
) -> tuple[str, list[str], str, tuple[str, ...]]:
    """(subject, HTML paragraphs, kind of tracked link, attachment kinds)."""
    course = escape(a.course)
    strong = f"<strong>{course}</strong>"
    where = "en classe virtuelle" if a.virtual else f"à {escape(a.place)} ({escape(a.address)})"
    if email_type == "convocation":
        if kind == "trainer":
            return (
                f"Ordre de mission – {a.course} – {a.span} – {a.place}",
                [
                    f"Vous animerez la session {a.key} de la formation {strong} {a.span} {where}.",
                    "Vous trouverez ci-joint la convocation des stagiaires et le programme. "
                    "Merci de nous confirmer votre disponibilité par retour de mail.",
                ],
                "",
                ("convocation", "programme"),
            )
        if variant == "copie":
            return (
                f"Convocations envoyées – {a.course} ({a.key})",
                [
                    f"Les convocations à la formation {strong} ({a.span}, {where}) ont été "
                    "envoyées à vos collaborateurs.",
                    "Vous trouverez ci-joint le modèle de convocation pour information.",
                ],
                "",
                ("convocation",),
            )
        link = "classe" if a.virtual else ""
        return (
            f"Convocation – {a.course} – {a.span}",
            [
                f"Nous avons le plaisir de vous convoquer à la formation {strong}, {a.span} "
                f"{where}.",
                "Accueil des participants à 8h45, début de la formation à 9h00. Vous trouverez "
                "ci-joint votre convocation et le programme de la formation.",
                "En cas d'empêchement, merci de nous prévenir au plus vite.",
            ],
            link,
            ("convocation", "programme"),
        )
    if email_type == "programme":
        return (
            f"Programme de formation – {a.course}",
            [
                f"Comme convenu, voici le programme détaillé de la formation {strong} "
                f"prévue {a.span}.",
                "Nous restons à votre disposition pour l'adapter aux besoins de vos équipes.",
            ],
            "",
            ("programme",),
        )
    if email_type == "convention":
        return (
            f"Convention de formation à signer – {a.course} – {company}",
            [
                f"Veuillez trouver ci-joint la convention de formation pour la session {strong} "
                f"({a.span}).",
                "Merci de nous la retourner signée avant le début de la formation.",
            ],
            "",
            ("convention",),
        )
    if email_type == "relance":
        return _reminder(a, variant, strong, company, invoice)
    if email_type.startswith("evaluation"):
        return _evaluation(a, email_type, variant, kind, strong)
    if email_type == "attestation_fin_formation":
        subject = (
            f"Attestations de fin de formation – {a.course}"
            if variant == "copie"
            else f"Votre attestation de fin de formation – {a.course}"
        )
        return (
            subject,
            [
                f"Vous trouverez ci-joint l'attestation de fin de formation {strong} ({a.span}).",
                "Nous vous remercions pour votre participation.",
            ],
            "",
            ("attestation",),
        )
    if email_type == "certificat_realisation":
        return (
            f"Certificat de réalisation – {a.course}",
            [
                f"Veuillez trouver ci-joint le certificat de réalisation de la formation {strong} "
                f"({a.span}), à transmettre à votre OPCO le cas échéant."
            ],
            "",
            ("certificat",),
        )
    if email_type == "facture":
        return (
            f"Facture {invoice} – {a.course}",
            [
                f"Veuillez trouver ci-joint la facture {invoice} relative à la formation {strong}.",
                "Règlement à 30 jours par virement (coordonnées bancaires sur la facture).",
            ],
            "",
            ("facture",),
        )
    return _libre(a, variant, strong, company)


def _reminder(
    a: About, variant: str, strong: str, company: str, invoice: str
) -> tuple[str, list[str], str, tuple[str, ...]]:
    if variant == "convention":
        return (
            f"Relance : convention de formation à nous retourner – {a.course}",
            [
                f"Sauf erreur de notre part, nous n'avons pas reçu la convention signée pour la "
                f"formation {strong} ({a.span}).",
                "Pourriez-vous nous la retourner au plus vite ? Elle est à nouveau jointe.",
            ],
            "",
            ("convention",),
        )
    second = variant == "facture2"
    return (
        (
            f"2e relance : facture {invoice} – échéance dépassée"
            if second
            else f"Relance : facture {invoice} en attente de règlement"
        ),
        [
            f"Sauf erreur de notre part, la facture {invoice} ({strong}) reste impayée à ce jour.",
            "Merci de bien vouloir procéder à son règlement ou de nous indiquer la date prévue.",
        ],
        "",
        ("facture",),
    )


def _evaluation(
    a: About, email_type: str, variant: str, kind: str, strong: str
) -> tuple[str, list[str], str, tuple[str, ...]]:
    link = "form"
    hot = email_type == "evaluation_a_chaud"
    if kind == "trainer":
        return (
            f"Bilan formateur – {a.course} ({a.key})",
            [
                f"Merci d'avoir animé la formation {strong}. Pouvez-vous compléter le bilan "
                "formateur de la session ?"
            ],
            link,
            (),
        )
    if kind == "client":
        return (
            f"Évaluation à froid – formation {a.course} de vos collaborateurs",
            [
                f"Quelques mois après la formation {strong}, quels effets constatez-vous chez "
                "vos collaborateurs ? Votre avis nous aide à améliorer nos formations."
            ],
            link,
            (),
        )
    if hot:
        subject = f"Votre avis sur la formation {a.course}"
        body = [
            f"Vous venez de suivre la formation {strong}. Merci de prendre deux minutes pour "
            "nous donner votre avis."
        ]
    else:
        subject = f"{a.course} : quelques mois après, votre retour nous intéresse"
        body = [
            f"Vous avez suivi la formation {strong} {a.span}. Qu'en avez-vous retiré dans "
            "votre travail ? Le questionnaire prend cinq minutes."
        ]
    if variant == "rappel":
        subject = f"Rappel : {subject[0].lower()}{subject[1:]}"
    return subject, body, link, ()


LIBRE_SUBJECTS = (
    "Votre demande d'information – {course}",
    "Proposition de formation {course} – {company}",
    "Suite à notre échange – {course}",
    "Relance : notre proposition {course}",
    "Formation {course} : dernières places disponibles",
)


def _libre(
    a: About, variant: str, strong: str, company: str
) -> tuple[str, list[str], str, tuple[str, ...]]:
    step = int(variant or 0) % len(LIBRE_SUBJECTS)
    subject = LIBRE_SUBJECTS[step].format(course=a.course, company=company)
    link = "catalogue"
    body = [
        (
            f"Suite à votre demande, je vous adresse une proposition pour la formation {strong}, "
            "réalisable en inter-entreprises ou dans vos locaux."
        ),
        "Je reste à votre disposition pour en parler par téléphone cette semaine.",
    ]
    return subject, body, link, (("programme",) if step == 1 else ())
