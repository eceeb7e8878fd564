"""Real, small PDF attachments: convocation, programme, convention, attestation, certificat de
réalisation, facture, each one page of text written as fpdf2 writes it.

One document per session and kind (per company for conventions and invoices, per course for
programmes), never per mail, so the default demo stays fast. Files are written under the
attachments folder; the send log refers to them by relative path with their real size and sha256.
Deterministic: fixed creation date, no random content.
"""

from __future__ import annotations

import codecs
import hashlib
import zlib
from datetime import date
from pathlib import Path
from typing import NamedTuple

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
    """One A4 page: the letterhead, `title`, `lines` wrapped at 95 characters, the place and
    date. Written object by object exactly as fpdf2 2.8 writes this page (`tests/test_demo_pdfs.py`
    holds the two to the same bytes): fpdf2 takes a millisecond a page, and a ten-million-mail
    demo has two hundred thousand pages."""
    ops = [
        "2 J",  # fpdf2's page prologue: square line caps, its 0.2 mm default line width
        "0.57 w",
        _font(_BOLD, 15),
        _text(20, 22, catalog.ORG_NAME),
        _font(_REGULAR, 8),
        _text(20, 27, f"{catalog.ORG_ADDRESS} – SIRET {catalog.ORG_SIRET} – NDA {catalog.ORG_NDA}"),
        _font(_BOLD, 13),
        _text(20, 45, title),
    ]
    body, y = [], 58.0
    for line in lines:
        for chunk in _wrap(line, 95):
            body.append(_text(20, y, chunk))
            y += 6
        y += 2
    if body:  # fpdf2 selects a font on the page with the first text written in it
        ops += [_font(_REGULAR, 10.5), *body]
    ops += [_font(_ITALIC, 9), _text(20, 275, f"Fait à Lyon, le {issued.strftime('%d/%m/%Y')}")]
    created = issued.strftime("%Y%m%d") + "090000"  # 9:00 UTC
    info = (
        f"/Author {_pdf_string(catalog.ORG_NAME)}\n"
        f"/CreationDate (D:{created}Z)\n"
        f"/Title {_pdf_string(title.capitalize())}"
    )
    return _document("".join(f"{op}\n" for op in ops).encode("latin-1"), info, created)


_K = 72 / 25.4  # points per millimetre
_PAGE_HEIGHT = 841.89 / _K  # A4 in millimetres, as fpdf2 derives it from points
_BOLD, _REGULAR, _ITALIC = 1, 2, 3  # font numbers, in the order the page first uses them
_FONTS = (b"Helvetica-Bold", b"Helvetica", b"Helvetica-Oblique")


def _font(number: int, size: float) -> str:
    return f"BT /F{number} {size:.2f} Tf ET"


def _text(x: float, y: float, text: str) -> str:
    """`text` at (x, y) mm from the top left, in Windows-1252 as the core fonts read it."""
    encoded = _escape(text).encode("cp1252").decode("latin-1")
    return f"BT {x * _K:.2f} {(_PAGE_HEIGHT - y) * _K:.2f} Td ({encoded}) Tj ET"


def _escape(text: str) -> str:
    """The inside of a PDF literal string."""
    return text.replace("\\", "\\\\").replace(")", "\\)").replace("(", "\\(").replace("\r", "\\r")


def _pdf_string(text: str) -> str:
    """A literal string when ASCII, else UTF-16 in hexadecimal (fpdf2's PDFString)."""
    if text.isascii():
        return f"({_escape(text)})"
    return f"<{(codecs.BOM_UTF16_BE + text.encode('utf-16-be')).hex()}>"


def _document(content: bytes, info: str, created: str) -> bytes:
    """The nine objects of a one-page document, its cross-reference table and trailer."""
    stream = zlib.compress(content)
    objects = [
        b"/Count 1\n/Kids [3 0 R]\n/MediaBox [0 0 595.28 841.89]\n/Type /Pages\n>>",
        b"/OpenAction [3 0 R /FitH null]\n/PageLayout /OneColumn\n/Pages 1 0 R\n/Type /Catalog\n>>",
        b"/Contents 4 0 R\n/Parent 1 0 R\n/Resources 8 0 R\n/Type /Page\n>>",
        b"/Filter /FlateDecode\n/Length %d\n>>\nstream\n%s\nendstream" % (len(stream), stream),
        *(
            b"/BaseFont /%s\n/Encoding /WinAnsiEncoding\n/Subtype /Type1\n/Type /Font\n>>" % font
            for font in _FONTS
        ),
        b"/Font <</F1 5 0 R\n/F2 6 0 R\n/F3 7 0 R>>\n"
        b"/ProcSet [/PDF /Text /ImageB /ImageC /ImageI]\n>>",
        info.encode("latin-1") + b"\n>>",
    ]
    out = bytearray(b"%PDF-1.3\n%\xe9\xeb\xf1\xbf\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n<<\n%s\nendobj\n" % (number, obj)
    startxref = len(out)
    file_id = hashlib.md5(out, usedforsecurity=False)  # fpdf2's: the objects, then the date
    file_id.update(created.encode())
    digest = file_id.hexdigest().upper()
    xref = "".join(f"{offset:010} 00000 n \n" for offset in offsets)
    size = len(objects) + 1
    out += (
        f"xref\n0 {size}\n0000000000 65535 f \n{xref}"
        f"trailer\n<<\n/Size {size}\n/Root 2 0 R\n/Info 9 0 R\n/ID [<{digest}><{digest}>]\n>>\n"
        f"startxref\n{startxref}\n%%EOF\n"
    ).encode("latin-1")
    return bytes(out)


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
