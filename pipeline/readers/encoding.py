"""Which encoding a text file is in, decided per file from the evidence of its lines.

A file is UTF-8 (with or without BOM) or Windows-1252, as French Excel writes them. One stray
byte must not turn a UTF-8 file into Windows-1252 (every accent garbled), nor a Windows-1252 file
be read as UTF-8: the encoding most lines with accented text are valid in wins, and the lines
that are not valid in it are named, so that the records holding them are refused alone.
This module reads bytes and decides; it never decodes a record for a reader.
"""

from __future__ import annotations

import codecs
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from pipeline.i18n.messages import Message, message

UTF8 = "utf-8-sig"
CP1252 = "cp1252"
_NAMES = {UTF8: "UTF-8", CP1252: "Windows-1252"}
_NOTHING_BAD: Mapping[int, Message] = MappingProxyType({})


@dataclass(frozen=True)
class FileEncoding:
    """The encoding a file is read in, and its lines (numbered from 1) that are not valid in it,
    each with why. `clean` files can be handed whole to a reader that trusts the encoding."""

    encoding: str
    bad_lines: Mapping[int, Message] = field(default_factory=lambda: _NOTHING_BAD)

    @property
    def clean(self) -> bool:
        return not self.bad_lines


def file_encoding(path: Path) -> FileEncoding:
    """UTF-8 when the whole file is, or when its lines with accented text mostly are (the others
    are bad lines); else Windows-1252, with its lines that only make sense as UTF-8, or hold a
    byte Windows-1252 leaves undefined, as bad lines."""
    if _whole_file_is_utf8(path):
        return FileEncoding(UTF8)
    utf8_lines: list[int] = []
    not_utf8: dict[int, int] = {}  # line → first byte (from 1) where UTF-8 decoding fails
    not_cp1252: dict[int, int] = {}
    with open(path, "rb") as handle:
        for number, line in enumerate(handle, start=1):
            if line.isascii():
                continue
            try:
                line.decode("utf-8")
                utf8_lines.append(number)
            except UnicodeDecodeError as e:
                not_utf8[number] = e.start + 1
            cp1252_byte = _first_undefined_cp1252_byte(line)
            if cp1252_byte is not None:
                not_cp1252[number] = cp1252_byte
    if utf8_lines and len(utf8_lines) >= len(not_utf8):
        return FileEncoding(UTF8, _bad_lines(not_utf8, UTF8))
    bad = dict(not_cp1252)
    bad.update({number: 0 for number in utf8_lines})  # valid UTF-8: read as 1252 it is garbled
    return FileEncoding(CP1252, _bad_lines(bad, CP1252))


def lines_not_in(path: Path, encoding: str) -> FileEncoding:
    """The file read in an encoding chosen by the user (a column mapping), with the lines not
    valid in it."""
    decoder = codecs.getincrementaldecoder(encoding)
    bad: dict[int, int] = {}
    with open(path, "rb") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                decoder().decode(line, final=True)
            except UnicodeDecodeError as e:
                bad[number] = e.start + 1
    return FileEncoding(encoding, _bad_lines(bad, encoding))


def _whole_file_is_utf8(path: Path) -> bool:
    """The fast path: the file decodes as UTF-8 from end to end (in C, by blocks)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with open(path, "rb") as handle:
        try:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def _first_undefined_cp1252_byte(line: bytes) -> int | None:
    try:
        line.decode(CP1252)
    except UnicodeDecodeError as e:
        return e.start + 1
    return None


def _bad_lines(first_bad_byte: Mapping[int, int], encoding: str) -> Mapping[int, Message]:
    """Why each line is refused: the byte not valid in the encoding, or (byte 0) a line that is
    valid UTF-8 in a file otherwise in Windows-1252."""
    name = _NAMES.get(encoding, encoding)
    return MappingProxyType(
        {
            number: message("utf8_in_cp1252", line=number)
            if byte == 0
            else message("not_in_encoding", encoding=name, byte=byte, line=number)
            for number, byte in sorted(first_bad_byte.items())
        }
    )
