"""The demo's PDF attachments are the bytes fpdf2 writes for the same page, and valid PDFs."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pypdfium2
import pytest
from fpdf import FPDF

from pipeline.demo import generate_demo
from pipeline.demo.files import pdfs
from pipeline.demo.world import catalog


def fpdf2_page(title: str, lines: list[str], issued: date) -> bytes:
    """The page as the generator drew it with fpdf2 before writing it itself."""
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
        for chunk in pdfs._wrap(line, 95):
            pdf.text(20, y, chunk)
            y += 6
        y += 2
    pdf.set_font("helvetica", "I", 9)
    pdf.text(20, 275, f"Fait à Lyon, le {issued.strftime('%d/%m/%Y')}")
    return bytes(pdf.output())


def test_every_document_of_a_run_is_the_page_fpdf2_writes(tmp_path, monkeypatch):
    drawn: list[tuple[str, list[str], date]] = []
    render = pdfs.render_pdf

    def recorded(title: str, lines: list[str], issued: date) -> bytes:
        drawn.append((title, lines, issued))
        return render(title, lines, issued)

    monkeypatch.setattr(pdfs, "render_pdf", recorded)
    generate_demo(tmp_path / "in", tmp_path / "att", emails=800, today=date(2026, 3, 18))
    assert {title for title, _, _ in drawn} == set(pdfs._TITLES.values())
    for title, lines, issued in drawn:
        assert render(title, lines, issued) == fpdf2_page(title, lines, issued), title


@pytest.mark.parametrize(
    "lines",
    [
        [],
        ["Parenthèses (et barre \\ oblique) – 1 € « HT »", "x" * 250],
        ["Une ligne assez longue pour être coupée en plusieurs morceaux " * 4] * 12,
    ],
)
def test_unusual_text_is_written_as_fpdf2_writes_it_and_reads_back(lines):
    page = pdfs.render_pdf("FACTURE", lines, date(2025, 3, 3))
    assert page == fpdf2_page("FACTURE", lines, date(2025, 3, 3))
    document = pypdfium2.PdfDocument(page)
    text = document[0].get_textpage().get_text_range()
    assert "Horizon Compétences" in text and "Fait à Lyon, le 03/03/2025" in text
