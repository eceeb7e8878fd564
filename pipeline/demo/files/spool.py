"""Time-sorted output files written in bounded memory.

Mails are generated session by session, not in time order; each output file (one month of send
log, of webhooks…) first collects its records in a scratch file, and their times and sizes in a
second one. When no later record can fall in its time range the spool is *sealed*: records are
sorted by time (stable, so the result is deterministic) and copied to the final file, then the
scratch files are deleted. Only the index of one file is ever in memory (12 bytes a record while
it is sorted). A file with more than `part_records` records is written as several parts, each
a complete file of consecutive times (its own header, SendGrid arrays never straddling two).
"""

from __future__ import annotations

import math
import os
import random
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np

_INDEX = struct.Struct("<qI")  # time (epoch ms), payload size
_INDEX_DTYPE = np.dtype([("ms", "<i8"), ("size", "<u4")])
Batcher = Callable[[Iterator[bytes]], Iterator[bytes]]
BUFFER_BYTES = 1 << 20  # write buffer of each open scratch file: most of the run's memory


@dataclass
class Spool:
    final: Path
    header: bytes
    ends_at: int  # epoch ms after which no record belongs here
    descending: bool = False  # console exports list the newest first
    batcher: Batcher | None = None  # groups records into lines (SendGrid posts arrays)
    part_records: int | None = None  # more records than this: several part files
    records: int = 0
    _scratch: Path | None = None
    _handle: BinaryIO | None = None
    _index: BinaryIO | None = None

    def add(self, ms: int, payload: bytes) -> None:
        if self._handle is None or self._index is None:
            self._handle, self._index = self._open()
        self._handle.write(payload)
        self._index.write(_INDEX.pack(ms, len(payload)))
        self.records += 1

    def _open(self) -> tuple[BinaryIO, BinaryIO]:
        self._scratch = self.final.with_name(f".{self.final.name}.spool")
        self._scratch.parent.mkdir(parents=True, exist_ok=True)
        data = open(self._scratch, "wb", buffering=BUFFER_BYTES)  # noqa: SIM115
        return data, open(self._index_path(), "wb", buffering=BUFFER_BYTES // 16)  # noqa: SIM115

    def _index_path(self) -> Path:
        return self.final.with_name(f".{self.final.name}.index.spool")

    def seal(self) -> list[Path]:
        """Write the final, sorted file (or its parts); [] when the spool never had a record."""
        if self._handle is None or self._index is None or self._scratch is None:
            return []
        self._handle.close()
        self._index.close()
        index = np.fromfile(self._index_path(), dtype=_INDEX_DTYPE)
        sizes = index["size"].astype(np.int64)
        offsets = np.cumsum(sizes) - sizes
        keys = index["ms"]
        order = np.argsort(-keys if self.descending else keys, kind="stable")
        del index, keys
        parts = self.part_paths()
        with open(self._scratch, "rb") as src:
            for n, path in enumerate(parts):
                lo, hi = n * self.records // len(parts), (n + 1) * self.records // len(parts)
                payloads = _gather(src.fileno(), offsets, sizes, order[lo:hi])
                with open(path, "wb", buffering=BUFFER_BYTES) as out:
                    out.write(self.header)
                    for chunk in self.batcher(payloads) if self.batcher else payloads:
                        out.write(chunk)
        self.discard()
        return parts

    def part_paths(self) -> list[Path]:
        """The file itself, or `name-part1.ext` … when its records are more than a part holds."""
        count = 1 if self.part_records is None else math.ceil(self.records / self.part_records)
        if count <= 1:
            return [self.final]
        stem, suffix = self.final.stem, self.final.suffix
        return [self.final.with_name(f"{stem}-part{n}{suffix}") for n in range(1, count + 1)]

    def discard(self) -> None:
        for handle in (self._handle, self._index):
            if handle is not None:
                handle.close()
        self._handle = self._index = None
        if self._scratch is not None:
            self._scratch.unlink(missing_ok=True)
            self._index_path().unlink(missing_ok=True)
            self._scratch = None


def _gather(fd: int, offsets: np.ndarray, sizes: np.ndarray, order: np.ndarray) -> Iterator[bytes]:
    """The payloads at `order`, read a slice of the index at a time."""
    for start in range(0, len(order), 1 << 16):
        chosen = order[start : start + (1 << 16)]
        for offset, size in zip(offsets[chosen].tolist(), sizes[chosen].tolist(), strict=True):
            yield os.pread(fd, size, offset)


def json_array_batches(seed: int) -> Batcher:
    """SendGrid's webhook posts: arrays of 1 to 100 consecutive events, one array per line."""

    def batch(payloads: Iterator[bytes]) -> Iterator[bytes]:
        rng = random.Random(seed)
        bucket: list[bytes] = []
        size = rng.randint(1, 100)
        for p in payloads:
            bucket.append(p)
            if len(bucket) >= size:
                yield b"[" + b",".join(bucket) + b"]\n"
                bucket, size = [], rng.choice((rng.randint(1, 12), rng.randint(1, 100)))
        if bucket:
            yield b"[" + b",".join(bucket) + b"]\n"

    return batch


@dataclass
class Spools:
    """All output spools of a run, sealed as soon as generation has moved past their range."""

    spools: dict[str, Spool] = field(default_factory=dict)
    written: dict[str, list[Path]] = field(default_factory=dict)
    _first_end: int = 0  # the earliest `ends_at` of the open spools

    def add(self, key: str, spool: Spool) -> None:
        self.spools[key] = spool
        self._first_end = min(s.ends_at for s in self.spools.values())

    def seal_before(self, ms: int) -> None:
        if ms < self._first_end:
            return
        for key, spool in list(self.spools.items()):
            if spool.ends_at <= ms:
                self._seal(key)
        self._first_end = min((s.ends_at for s in self.spools.values()), default=0)

    def seal_all(self) -> None:
        for key in list(self.spools):
            self._seal(key)

    def discard(self) -> None:
        for spool in self.spools.values():
            spool.discard()
        self.spools.clear()

    def _seal(self, key: str) -> None:
        spool = self.spools.pop(key)
        paths = spool.seal()
        if paths:
            self.written[key] = paths
