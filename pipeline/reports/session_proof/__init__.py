"""A session's proof of sending: the model (who was invited, what was sent to them and what
became of it, model.py) and its two documents, an XLSX workbook (xlsx.py) and a printable HTML
page (html.py).
"""

from __future__ import annotations

from pathlib import Path

from pipeline.errors import ExportError
from pipeline.reports.session_proof.html import proof_html
from pipeline.reports.session_proof.model import SessionProof
from pipeline.reports.session_proof.xlsx import proof_xlsx

__all__ = ["write_proof"]


def write_proof(proof: SessionProof, format_key: str, out: Path) -> None:
    """Write the proof as `xlsx` or `html` to `out`."""
    try:
        if format_key == "xlsx":
            out.write_bytes(proof_xlsx(proof))
        elif format_key == "html":
            out.write_text(proof_html(proof), encoding="utf-8")
        else:
            raise ExportError(f"unknown proof format {format_key!r}: choose xlsx or html")
    except OSError as e:
        raise ExportError(f"cannot write {out}: {e}") from e
