"""The benchmark's input files: the demo generated for it, what each file is (for the floor and
the peer, which must be told), UTF-8 copies of the Windows-1252 ones for DuckDB, and the new
files of an incremental ingest.

Only the demo generator writes the demo; the incremental files are Brevo webhook lines copied
from it with fresh message ids, so that every event in them is new to the store.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any


def generate(out_dir: str, attachments_dir: str, emails: int, seed: int, today: str) -> dict:
    """Child step: write the demo's files (nothing is ingested); what was written."""
    from pipeline.demo import generate_demo

    result = generate_demo(
        Path(out_dir),
        Path(attachments_dir),
        emails=emails,
        seed=seed,
        today=dt.date.fromisoformat(today),
    )
    written = [
        p for root in (out_dir, attachments_dir) for p in Path(root).rglob("*") if p.is_file()
    ]
    return {
        "files": [str(p) for p in result.files],
        "mails": result.emails,
        "provider_events": result.provider_events,
        "stories": result.stories,
        "written_files": len(written),
        "written_mb": sum(p.stat().st_size for p in written) / 1e6,
    }


@dataclass(frozen=True)
class InputFile:
    """One input file as a plain reader must be told to read it."""

    path: str
    kind: str  # "csv" or "json"
    encoding: str  # "utf-8" or "cp1252"
    delimiter: str  # CSV only
    layout: str  # JSON only: "records" (one object a line), "batches" (one array a line),
    # or "document" (one JSON value for the whole file)
    size_mb: float

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def describe(path: Path) -> InputFile:
    """What `path` is: CSV or JSON, its encoding, delimiter or JSON layout."""
    from pipeline.readers.records import file_encoding

    encoding = "utf-8" if file_encoding(path).encoding == "utf-8-sig" else "cp1252"
    size = path.stat().st_size / 1e6
    with open(path, encoding=encoding, errors="replace", newline="") as handle:
        first = handle.readline()
    if path.suffix.lower() == ".csv":
        counts = {d: first.count(d) for d in (";", ",", "\t")}
        delimiter = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","
        return InputFile(str(path), "csv", encoding, delimiter, "", size)
    try:
        value = json.loads(first)
        layout = "batches" if isinstance(value, list) else "records"
    except json.JSONDecodeError:
        layout = "document"
    return InputFile(str(path), "json", encoding, "", layout, size)


def utf8_copies(files: list[InputFile], folder: Path) -> list[InputFile]:
    """The files as DuckDB can read them: each Windows-1252 one replaced by a UTF-8 copy in
    `folder` (DuckDB reads UTF-8, UTF-16 and Latin-1 only without its `encodings` extension,
    which is not installed offline, and refuses these files as Latin-1)."""
    out = []
    for file in files:
        if file.encoding == "utf-8":
            out.append(file)
            continue
        folder.mkdir(parents=True, exist_ok=True)
        copy = folder / Path(file.path).name
        with (
            open(file.path, encoding="cp1252", newline="") as src,
            open(copy, "w", encoding="utf-8", newline="") as dst,
        ):
            shutil.copyfileobj(src, dst, 1 << 20)
        out.append(
            InputFile(str(copy), file.kind, "utf-8", file.delimiter, file.layout, file.size_mb)
        )
    return out


def incremental_file(files: list[str], events: int, out: Path, tag: str) -> int:
    """Write `events` Brevo webhook lines to `out`, copied from the demo's Brevo webhook files
    with fresh message ids (one per copied mail and round), so the store knows none of them.
    Returns how many lines were written."""
    sources = [Path(f) for f in files if Path(f).name.startswith("brevo-webhooks")]
    if not sources:
        raise ValueError("the demo wrote no Brevo webhook file to copy events from")
    written = 0
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8", newline="\n") as dst:
        for round_ in itertools.count():
            for source in sorted(sources, key=lambda p: -p.stat().st_size):
                with open(source, encoding="utf-8") as src:
                    for line in src:
                        if written >= events:
                            return written
                        record = json.loads(line)
                        record["message-id"] = _fresh_id(record.get("message-id"), tag, round_)
                        dst.write(json.dumps(record, ensure_ascii=False) + "\n")
                        written += 1
    return written


def _fresh_id(message_id: object, tag: str, round_: int) -> str:
    inner = str(message_id or "").strip("<>")
    return f"<bench-{tag}-{round_}.{inner}>"
