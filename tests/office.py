"""LibreOffice for export tests: convert a workbook to CSV the way a user's office suite reads it.

Uses Debian's LibreOffice Calc (`make test` installs libreoffice-calc-nogui); a test that needs
it fails, never skips, when it is missing.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
from pathlib import Path

import pytest

# Comma-separated, '"' quoted, UTF-8 (76), from the first line.
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1"


def soffice() -> str:
    path = shutil.which("soffice") or shutil.which("libreoffice")
    if path is None:
        pytest.fail(
            "LibreOffice is missing: run `make test`, or apt-get install libreoffice-calc-nogui"
        )
    return path


def libreoffice_rows(workbook: Path, workdir: Path) -> list[list[str]]:
    """The first sheet of `workbook` as LibreOffice reads it: rows of cell texts, header first."""
    out = workdir / "libreoffice"
    command = [
        soffice(), f"-env:UserInstallation={(workdir / 'lo-profile').as_uri()}", "--headless",
        "--convert-to", CSV_FILTER, "--outdir", str(out), str(workbook),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=180)
    converted = out / (workbook.stem + ".csv")
    assert done.returncode == 0 and converted.exists(), done.stdout + done.stderr
    with converted.open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))
