"""A mail's attachments: what the send log says of them, where their files are, PDF pages as images.

The send log names each file by a path relative to the attachments folder
(settings.attachments_dir). `attachment_file` resolves such a path and refuses anything that would
read outside that folder: `..`, absolute or drive paths, symbolic links pointing out of it.
`pdf_pages` renders a PDF's first pages to PNG with PDFium, so that a preview needs no browser PDF
viewer and runs none of the PDF's own scripts. Nothing here writes a file or imports Streamlit.
"""

from __future__ import annotations

import io
import json
import logging
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from pipeline.errors import PipelineError

log = logging.getLogger(__name__)

PDF_CONTENT_TYPE = "application/pdf"
#: Reasons an attachment cannot be read; each has a text `attachment.problem.<reason>`.
PROBLEMS = ("no_path", "outside_folder", "folder_missing", "missing", "not_a_file", "unreadable")


class AttachmentError(PipelineError):
    """An attachment's file cannot be read: `reason` is one of PROBLEMS."""

    def __init__(self, reason: str, path: object) -> None:
        super().__init__(f"{path}: {reason}")
        self.reason = reason
        self.path = str(path)


@dataclass(frozen=True)
class Attachment:
    """One attachment as the send log describes it (any field may be missing)."""

    filename: str
    content_type: str | None
    size_bytes: int | None
    sha256: str | None
    path: str | None

    @property
    def is_pdf(self) -> bool:
        if self.content_type:
            return self.content_type.split(";")[0].strip().lower() == PDF_CONTENT_TYPE
        return self.filename.lower().endswith(".pdf")


@dataclass(frozen=True)
class PdfPages:
    """The first pages of a PDF as PNG images, and how many pages it has in all."""

    images: tuple[bytes, ...]
    page_count: int


def parse_attachments(raw: str | list[Any] | None) -> tuple[Attachment, ...]:
    """The send log's `attachments` JSON list as Attachments; entries that are not objects are
    skipped (the ingest already refused malformed lists, so this only guards old stores)."""
    if raw is None or raw == "":
        return ()
    try:
        items = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        log.warning("attachments: not JSON: %.80r", raw)
        return ()
    if not isinstance(items, list):
        return ()
    return tuple(_attachment(item) for item in items if isinstance(item, dict))


def attachment_file(root: Path, relative: str | None) -> Path:
    """The file `relative` names inside `root`, resolved; raises AttachmentError when the path
    is empty, leaves the folder (by `..`, an absolute path or a symbolic link), or names no file."""
    if not relative or not relative.strip() or "\x00" in relative:
        raise AttachmentError("no_path", relative)
    parts = PurePosixPath(relative.replace("\\", "/"))
    windows = PureWindowsPath(relative)
    if parts.is_absolute() or windows.is_absolute() or windows.drive or ".." in parts.parts:
        raise AttachmentError("outside_folder", relative)
    try:
        base = root.resolve(strict=True)
    except OSError as e:
        raise AttachmentError("folder_missing", root) from e
    candidate = (base / parts).resolve()
    if not candidate.is_relative_to(base):
        raise AttachmentError("outside_folder", relative)
    if not candidate.exists():
        raise AttachmentError("missing", relative)
    if not candidate.is_file():
        raise AttachmentError("not_a_file", relative)
    return candidate


def read_attachment(root: Path, relative: str | None) -> bytes:
    """The bytes of an attachment, read only from inside `root` (see attachment_file)."""
    path = attachment_file(root, relative)
    try:
        return path.read_bytes()
    except OSError as e:
        raise AttachmentError("unreadable", relative) from e


def pdf_pages(data: bytes, *, max_pages: int = 10, width_px: int = 1000) -> PdfPages:
    """Render the first `max_pages` pages of a PDF to PNG, `width_px` wide each."""
    import pypdfium2 as pdfium  # imported here: only a preview needs PDFium

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        raise AttachmentError("unreadable", "PDF") from e
    try:
        images = []
        for index in range(min(len(document), max_pages)):
            page = document[index]
            try:
                scale = width_px / max(page.get_width(), 1.0)
                bitmap = page.render(scale=scale)
                buffer = io.BytesIO()
                bitmap.to_pil().save(buffer, format="PNG", optimize=True)
                images.append(buffer.getvalue())
            finally:
                page.close()
        return PdfPages(images=tuple(images), page_count=len(document))
    finally:
        document.close()


def human_size(size_bytes: int | None, lang: str) -> str:
    """1 807 o / 1.8 kB style sizes: bytes below 1 000, then kB and MB with one decimal."""
    if size_bytes is None:
        return ""
    units = ("o", "ko", "Mo", "Go") if lang == "fr" else ("B", "kB", "MB", "GB")
    value, unit = float(size_bytes), 0
    while value >= 1000 and unit < len(units) - 1:
        value, unit = value / 1000, unit + 1
    text = f"{int(value)}" if unit == 0 else f"{value:.1f}"
    if lang == "fr":
        text = text.replace(".", ",")
    return f"{text}\u00a0{units[unit]}"


def _attachment(item: dict[str, Any]) -> Attachment:
    path = _text(item.get("path"))
    name = _text(item.get("filename")) or (PurePosixPath(path).name if path else "") or "?"
    size = item.get("size_bytes")
    try:
        size_bytes = int(size) if size not in (None, "") else None
    except (TypeError, ValueError):
        size_bytes = None
    return Attachment(
        filename=name,
        content_type=_text(item.get("content_type")),
        size_bytes=size_bytes,
        sha256=_text(item.get("sha256")),
        path=path,
    )


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None
