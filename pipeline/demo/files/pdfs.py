"""Real, small PDF attachments made with fpdf2: convocation, programme, convention, attestation,
certificat de réalisation, facture.

One document per session and kind (per company for conventions and invoices, per course for
programmes), never per mail, so the default demo stays fast. Files are written under the
attachments folder; the send log refers to them by relative path with their real size and sha256.
Deterministic: fixed creation date, no random content.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from pathlib import Path
from typing import NamedTuple

from fpdf import FPDF

from pipeline.demo.world import catalog

ATTACHMENT_KINDS = (
    "convocation",
    "programme",
    "convention",
    "attestation",
    "certificat",
    "facture",
)
_TITLES = {
    "convocation": "CONVOCATION À UNE ACTION DE FORMATION",
    "programme": "PROGRAMME DE FORMATION",
    "convention": "CONVENTION DE FORMATION PROFESSIONNELLE",
    "attestation": "ATTESTATION DE FIN DE FORMATION",
    "certificat": "CERTIFICAT DE RÉALISATION",
    "facture": "FACTURE",
}


class Attachment(NamedTuple):
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    path: str  # relative to the attachments folder

    def as_dict(self) -> dict[str, object]:
        return {
            "filename": self.filename,
            "content_type": self.content_type,
            "size_bytes": self.size_bytes,
            "sha256": self.sha256,
            "path": self.path,
        }


def render_pdf(title: str, lines: list[str], issued: date) -> bytes:
    pdf = FPDF(format="A4")
    pdf.core_fonts_encoding = "windows-1252"
    pdf.set_creation_date(datetime(issued.year, issued.month, issued.day, 9, tzinfo=UTC))
    pdf.set_title(title.capitalize())
    pdf.set_author(catalog.ORG_NAME)
    pdf.add_page()
    pdf.set_font("helvetica", "B", 15)
    pdf.text(20, 22, catalog.ORG_NAME)
    pdf.set_font("helvetica", "", 8)
    pdf.text(20, 27, f"{catalog.ORG_ADDRESS} – SIRET {catalog.ORG_SIRET} – NDA {catalog.ORG_NDA}")
    pdf.set_font("helvetica", "B", 13)
    pdf.text(20, 45, title)
    pdf.set_font("helvetica", "", 10.5)
    y = 58.0
    for line in lines:
        for chunk in _wrap(line, 95):
            pdf.text(20, y, chunk)
            y += 6
        y += 2
    pdf.set_font("helvetica", "I", 9)
    pdf.text(20, 275, f"Fait à Lyon, le {issued.strftime('%d/%m/%Y')}")
    return bytes(pdf.output())


def _wrap(text: str, width: int) -> list[str]:
    lines, current = [], ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    return [*lines, current] if current else lines


class AttachmentWriter:
    """Writes each distinct document once under `root` and remembers its metadata."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.written = 0
        self._programmes: dict[str, Attachment] = {}

    def write(self, relative: str, title: str, lines: list[str], issued: date) -> Attachment:
        data = render_pdf(title, lines, issued)
        target = self.root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        self.written += 1
        return Attachment(
            relative.rsplit("/", 1)[-1],
            "application/pdf",
            len(data),
            hashlib.sha256(data).hexdigest(),
            relative,
        )

    def programme(self, course: catalog.Course, issued: date) -> Attachment:
        """The course programme, one per course for the whole run."""
        if course.code not in self._programmes:
            lines = [
                f"Intitulé : {course.title}",
                f"Durée : {course.days} {'jour' if course.days < 2 else 'jours'}, "
                f"soit {course.days * 7} heures.",
                "Public : salariés, demandeurs d'emploi, particuliers. Prérequis : aucun.",
                "Objectifs : acquérir les connaissances et savoir-faire nécessaires, les mettre en "
                "pratique en situation de travail.",
                "Méthodes : apports théoriques, exercices pratiques, mises en situation, "
                "évaluation des acquis en fin de formation.",
                f"Tarif inter-entreprises : {course.price} € HT par participant.",
                "Accessibilité : nos formations sont accessibles aux personnes en situation de "
                "handicap, contactez notre référente handicap.",
            ]
            self._programmes[course.code] = self.write(
                f"programmes/programme-{course.code.lower()}.pdf",
                _TITLES["programme"],
                lines,
                issued,
            )
        return self._programmes[course.code]

    def session_document(
        self, kind: str, session_id: str, lines: list[str], issued: date, number: str = ""
    ) -> Attachment:
        name = f"{kind}-{number or session_id}.pdf".lower()
        return self.write(f"sessions/{session_id}/{name}", _TITLES[kind], lines, issued)
