"""Attachments are read only from inside the attachments folder; PDFs preview as page images."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fpdf import FPDF
from PIL import Image

from pipeline.mail.attachments import (
    AttachmentError,
    attachment_file,
    human_size,
    parse_attachments,
    pdf_pages,
    read_attachment,
)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "attachments"
    (root / "sessions" / "S-1").mkdir(parents=True)
    (root / "sessions" / "S-1" / "convocation.pdf").write_bytes(b"%PDF-1.4 inside")
    (tmp_path / "secret.txt").write_text("outside the folder")
    return root


def reason(root: Path, relative: str | None) -> str:
    with pytest.raises(AttachmentError) as caught:
        attachment_file(root, relative)
    return caught.value.reason


def test_a_relative_path_inside_the_folder_is_read(folder: Path) -> None:
    assert read_attachment(folder, "sessions/S-1/convocation.pdf") == b"%PDF-1.4 inside"
    assert read_attachment(folder, "sessions\\S-1\\convocation.pdf") == b"%PDF-1.4 inside"
    assert read_attachment(folder, "./sessions/S-1/convocation.pdf") == b"%PDF-1.4 inside"


@pytest.mark.parametrize(
    "relative",
    [
        "../secret.txt",
        "sessions/../../secret.txt",
        "sessions/S-1/../../../secret.txt",
        "..\\secret.txt",
        "/etc/passwd",
        "\\\\server\\share\\x.pdf",
        "C:\\Windows\\win.ini",
        "C:secret.txt",
    ],
)
def test_paths_that_climb_out_or_are_absolute_are_refused(folder: Path, relative: str) -> None:
    assert reason(folder, relative) == "outside_folder"


def test_an_absolute_path_to_a_file_inside_the_folder_is_still_refused(folder: Path) -> None:
    inside = folder / "sessions" / "S-1" / "convocation.pdf"
    assert reason(folder, str(inside)) == "outside_folder"


def test_a_symbolic_link_pointing_out_of_the_folder_is_refused(folder: Path) -> None:
    (folder / "sessions" / "leak.pdf").symlink_to(folder.parent / "secret.txt")
    (folder / "escape").symlink_to(folder.parent, target_is_directory=True)
    assert reason(folder, "sessions/leak.pdf") == "outside_folder"
    assert reason(folder, "escape/secret.txt") == "outside_folder"


def test_a_symbolic_link_staying_inside_the_folder_is_followed(folder: Path) -> None:
    (folder / "latest.pdf").symlink_to(folder / "sessions" / "S-1" / "convocation.pdf")
    assert read_attachment(folder, "latest.pdf") == b"%PDF-1.4 inside"


def test_missing_files_folders_and_empty_paths_say_what_is_wrong(folder: Path) -> None:
    assert reason(folder, "sessions/S-1/absent.pdf") == "missing"
    assert reason(folder, "sessions/S-1") == "not_a_file"
    assert reason(folder, "") == "no_path"
    assert reason(folder, None) == "no_path"
    assert reason(folder, "a\x00b.pdf") == "no_path"
    assert reason(folder.parent / "nowhere", "x.pdf") == "folder_missing"


def test_the_send_log_list_becomes_attachments() -> None:
    found = parse_attachments(
        '[{"filename": "convocation.pdf", "content_type": "application/pdf", "size_bytes": 1807,'
        ' "sha256": "ab", "path": "S/convocation.pdf"},'
        ' {"path": "S/programme.PDF", "size_bytes": "x"}, "not an object"]'
    )
    assert [(a.filename, a.size_bytes, a.is_pdf) for a in found] == [
        ("convocation.pdf", 1807, True),
        ("programme.PDF", None, True),
    ]
    assert parse_attachments(None) == () and parse_attachments("not json") == ()
    assert parse_attachments('{"a": 1}') == ()


def _pdf(pages: int) -> bytes:
    document = FPDF()
    document.set_font("helvetica", size=14)
    for number in range(1, pages + 1):
        document.add_page()
        document.cell(text=f"Page {number}")
    return bytes(document.output())


def test_a_pdf_renders_its_first_pages_to_png() -> None:
    rendered = pdf_pages(_pdf(3), max_pages=2, width_px=400)
    assert rendered.page_count == 3
    assert len(rendered.images) == 2
    image = Image.open(io.BytesIO(rendered.images[0]))
    assert image.format == "PNG" and image.width == 400
    assert image.getextrema() != ((255, 255), (255, 255), (255, 255))  # not a blank page


def test_a_damaged_pdf_is_reported_as_unreadable() -> None:
    with pytest.raises(AttachmentError) as caught:
        pdf_pages(b"%PDF-1.4 this is not really a pdf")
    assert caught.value.reason == "unreadable"


def test_sizes_read_the_way_each_language_writes_them() -> None:
    assert human_size(1807, "fr") == "1,8\u00a0ko"
    assert human_size(1807, "en") == "1.8\u00a0kB"
    assert human_size(999, "en") == "999\u00a0B"
    assert human_size(2_500_000, "fr") == "2,5\u00a0Mo"
    assert human_size(None, "fr") == ""
