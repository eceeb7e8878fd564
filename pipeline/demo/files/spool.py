"""Time-sorted output files written in bounded memory.

Mails are generated session by session, not in time order; each output file (one month of send
log, of webhooks…) first collects its records, tagged with their time, in a scratch file. When
no later record can fall in its time range the spool is *sealed*: records are sorted by time
(stable, so the result is deterministic) and copied to the final file, then the scratch file is
deleted. Only the sort keys of one file are ever in memory.
"""

from __future__ import annotations

import os
import random
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np

_HEAD = struct.Struct("<qI")
Batcher = Callable[[Iterator[bytes]], Iterator[bytes]]


@dataclass
class Spool:
    final: Path
    header: bytes
    ends_at: int  # epoch ms after which no record belongs here
    descending: bool = False  # console exports list the newest first
    batcher: Batcher | None = None  # groups records into lines (SendGrid posts arrays)
    records: int = 0
    _scratch: Path | None = None
    _handle: BinaryIO | None = None

    def add(self, ms: int, payload: bytes) -> None:
        if self._handle is None:
            self._scratch = self.final.with_name(f".{self.final.name}.spool")
            self._scratch.parent.mkdir(parents=True, exist_ok=True)
            self._handle = open(self._scratch, "wb", buffering=1 << 20)  # noqa: SIM115
        self._handle.write(_HEAD.pack(ms, len(payload)))
        self._handle.write(payload)
        self.records += 1

    def seal(self) -> Path | None:
        """Write the final, sorted file; None when the spool never received a record."""
        if self._handle is None or self._scratch is None:
            return None
        self._handle.close()
        keys, offsets, sizes = _index(self._scratch, self.records)
        order = np.argsort(-keys if self.descending else keys, kind="stable")
        with open(self._scratch, "rb") as src, open(self.final, "wb", buffering=1 << 20) as out:
            out.write(self.header)
            fd = src.fileno()
            payloads = (os.pread(fd, int(sizes[i]), int(offsets[i])) for i in order)
            for chunk in self.batcher(payloads) if self.batcher else payloads:
                out.write(chunk)
        self._scratch.unlink()
        self._handle = None
        return self.final

    def discard(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        if self._scratch is not None:
            self._scratch.unlink(missing_ok=True)


def _index(path: Path, count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    keys = np.empty(count, dtype=np.int64)
    offsets = np.empty(count, dtype=np.int64)
    sizes = np.empty(count, dtype=np.int64)
    with open(path, "rb", buffering=1 << 20) as f:
        pos = 0
        for i in range(count):
            ms, size = _HEAD.unpack(f.read(_HEAD.size))
            keys[i], offsets[i], sizes[i] = ms, pos + _HEAD.size, size
            pos += _HEAD.size + size
            f.seek(size, os.SEEK_CUR)
    return keys, offsets, sizes


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
    written: dict[str, Path] = field(default_factory=dict)

    def add(self, key: str, spool: Spool) -> None:
        self.spools[key] = spool

    def seal_before(self, ms: int) -> None:
        for key, spool in list(self.spools.items()):
            if spool.ends_at <= ms:
                self._seal(key)

    def seal_all(self) -> None:
        for key in list(self.spools):
            self._seal(key)

    def discard(self) -> None:
        for spool in self.spools.values():
            spool.discard()
        self.spools.clear()

    def _seal(self, key: str) -> None:
        spool = self.spools.pop(key)
        path = spool.seal()
        if path is not None:
            self.written[key] = path
