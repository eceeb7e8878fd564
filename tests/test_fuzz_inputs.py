"""Fuzz: random and mutated inputs, seeded from the real files under tests/data/, never crash the
pipeline and never lose a record without a trace.

Each example takes a real file (provider samples, send logs, CSV exports, column mappings, grid
filter models), damages its bytes a few ways (bytes flipped, inserted, deleted, lines doubled,
swapped or spliced from another file, the file cut short) and feeds it to format detection and
every reader through `ingest_file`, to the column-mapping reader, or to the grid filter compiler.
Each must either work or refuse with a reason: no unhandled exception; for a file ingested, every
record read is loaded, already known or refused (read = loaded + already known + refused), each
refusal with its reason. Examples are derandomized (the same in every run, so CI is reproducible)
and their number bounded to keep the whole module within about a minute;
MAILTRAIL_FUZZ_INPUT_EXAMPLES raises it for a longer hunt.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from pipeline.errors import InputFileError
from pipeline.filters.grid_sql import GridFilterError, grid_order, grid_where
from pipeline.ingest.files import ingest_file
from pipeline.readers import READERS
from pipeline.readers.detect import detect_format
from pipeline.readers.mapped_csv import MappingError, load_mapping
from pipeline.rules.sql_files import install_macros
from pipeline.settings import Settings
from pipeline.store import open_writer
from tests.conftest import DATA
from tests.test_grid_sql_fuzz import COLUMNS, assert_only_allowed_tokens, run_where

ROOT = Path(__file__).resolve().parents[1]
# Examples of a file test; the others scale from it. 100 keeps the module near 45 s on one core.
EXAMPLES = int(os.environ.get("MAILTRAIL_FUZZ_INPUT_EXAMPLES", "100"))


def _fuzz(share: float = 1.0):  # type: ignore[no-untyped-def]
    """Derandomized examples (the same in every run) without deadline or example database."""
    return settings(
        max_examples=max(int(EXAMPLES * share), 10),
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )


def _seed_files() -> list[Path]:
    """The real input files: every provider sample, send log and export of tests/data/."""
    folders = ("events", "sendlogs", "mapped", "provider_samples")
    files = [p for folder in folders for p in sorted((DATA / folder).rglob("*")) if p.is_file()]
    return [p for p in files if p.suffix.lower() in (".json", ".jsonl", ".csv", ".ndjson")]


SEEDS = _seed_files()
MAPPINGS = {
    ROOT / "mappings/brevo_fr_log_export.toml": DATA / "mapped/brevo_fr_logs.csv",
    ROOT / "mappings/sendgrid_email_activity_export.toml": DATA / "mapped/sendgrid_activity.csv",
}
# Seed grid models: what AG Grid sends for the columns of the mail grid.
GRID_SEEDS = [
    {"subject": {"filterType": "text", "type": "contains", "filter": "convocation"}},
    {"requested_at": {"filterType": "date", "type": "inRange",
                      "dateFrom": "2025-03-30 00:00:00", "dateTo": "2025-10-26 00:00:00"}},
    {"attachment_count": {"filterType": "number", "operator": "OR", "conditions": [
        {"filterType": "number", "type": "greaterThan", "filter": 1},
        {"filterType": "number", "type": "blank"}]}},
    {"status": {"filterType": "text", "type": "equals", "filter": "Reçu"},
     "recipient": {"filterType": "text", "type": "startsWith", "filter": "o'b"}},
]  # fmt: skip
SORT_SEED = [{"colId": "requested_at", "sort": "desc"}, {"colId": "subject", "sort": "asc"}]


# --- damage to bytes -----------------------------------------------------------------------------

# Bytes that mean something to one of the formats, or to a decoder.
SPECIAL = [b'"', b",", b";", b"\t", b"\n", b"\r\n", b"\r", b"{", b"}", b"[", b"]", b":", b"\\",
           b"\xe9", b"\xc3", b"\xc3\xa9", b"\xef\xbb\xbf", b"\xff\xfe", b"-0001-01-01",
           b"99999999999999999999", b"null", b'""', b"\\u0000", b"\\ud800"]  # fmt: skip
INSERTS = st.sampled_from(SPECIAL) | st.binary(min_size=1, max_size=8)
# Values put in place of a word or number: the structure around them stays, the value is odd.
VALUES = st.sampled_from(
    [b"", b"0", b"-1", b"1e308", b"99999999999999999999", b"3000-01-01T00:00:00Z",
     b"1900-01-01", b"-0001-01-01", b"1767697200000", b"2026-13-45", b"null", b"true",
     b"R\xc3\xa9union", b"R\xe9union", "é☃𝄞".encode(), b"a" * 5000, b"x@", b"@y.fr",
     b"<script>", b"../../etc/passwd", b"..\\..\\etc\\passwd"]
) | st.text(max_size=12).map(str.encode)  # fmt: skip
_WORD = re.compile(rb"[A-Za-z0-9_.+-]+")


@st.composite
def mutated(draw: st.DrawFn, data: bytes) -> bytes:
    """`data` damaged one to three ways."""
    for _ in range(draw(st.sampled_from([1, 1, 2, 3]))):
        data = draw(_one_mutation(data))
    return data


@st.composite
def _one_mutation(draw: st.DrawFn, data: bytes) -> bytes:
    # Replacing a word keeps most files parseable (the readers' own paths get exercised); the
    # byte-level damage tests the decoders and the refusals.
    kinds = ["word", "word", "word", "flip", "insert", "delete", "truncate", "double", "swap",
             "splice"]  # fmt: skip
    kind = draw(st.sampled_from(kinds))
    event(f"mutation: {kind}")
    if not data:
        return draw(INSERTS)
    if kind == "word":
        words = list(_WORD.finditer(data))
        if words:
            word = draw(st.sampled_from(words))
            return data[: word.start()] + draw(VALUES) + data[word.end() :]
    at = draw(st.integers(0, len(data) - 1))
    if kind == "flip":
        return data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1 :]
    if kind == "insert":
        return data[:at] + draw(INSERTS) + data[at:]
    if kind == "delete":
        return data[:at] + data[at + draw(st.integers(1, 64)) :]
    if kind == "truncate":
        return data[:at]
    lines = data.splitlines(keepends=True)
    i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
    if kind == "double":
        return b"".join(lines[: i + 1] + lines[i:])
    if kind == "swap":
        lines[i], lines[j] = lines[j], lines[i]
        return b"".join(lines)
    other = draw(st.sampled_from(SEEDS)).read_bytes().splitlines(keepends=True)
    return b"".join(lines[:i] + other[: draw(st.integers(1, 5))] + lines[i:])


# --- a store kept open for a whole test --------------------------------------------------------


@dataclass
class Store:
    """One writer for every example of a test; files numbered so that none overwrites another."""

    folder: Path
    writer: Any
    files: int = 0

    def write(self, data: bytes, suffix: str) -> Path:
        self.files += 1
        path = self.folder / f"example_{self.files}{suffix}"
        path.write_bytes(data)
        return path


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    config = Settings.from_env(
        environ={},
        db_path=tmp_path / "fuzz.duckdb",
        inbox_dir=tmp_path / "inbox",
        attachments_dir=tmp_path / "attachments",
    )
    (tmp_path / "inputs").mkdir()
    with open_writer(config) as writer:
        install_macros(writer.con)
        yield Store(tmp_path / "inputs", writer)


def assert_accounted_for(store: Store, report: Any) -> None:
    """The file was refused with a reason, or was a duplicate, or every record it read is loaded,
    already known or refused, and each refusal is recorded with its reason."""
    assert report.status in ("completed", "refused", "duplicate_file"), report
    event(f"file {report.status}")
    if report.status != "completed":
        assert report.message and report.message.strip()
        return
    accounted = report.records_loaded + report.records_duplicate + report.records_rejected
    assert report.records_read == accounted, report
    reasons = store.writer.con.execute(
        "SELECT reason FROM ingest_rejects WHERE run_id = ?", [report.run_id]
    ).fetchall()
    assert len(reasons) == report.records_rejected, (report, len(reasons))
    assert all(reason and reason.strip() for (reason,) in reasons)
    if report.records_rejected:
        event("some records refused")


# --- the tests ------------------------------------------------------------------------------------


@_fuzz()
@given(data=st.data())
def test_a_mutated_input_file_is_loaded_or_refused_with_every_record_accounted_for(
    store_factory, data: st.DataObject
) -> None:
    store = store_factory()
    seed = data.draw(st.sampled_from(SEEDS))
    content = data.draw(mutated(seed.read_bytes()))
    path = store.write(content, seed.suffix)
    try:
        detect_format(path)
        event("format detected")
    except InputFileError as e:
        assert e.message.text.strip()
    report = ingest_file(store.writer, path)
    assert_accounted_for(store, report)


@_fuzz(0.5)
@given(data=st.binary(max_size=600), suffix=st.sampled_from([".csv", ".json", ".jsonl", ""]))
def test_random_bytes_are_refused_or_accounted_for(store_factory, data: bytes, suffix) -> None:
    store = store_factory()
    assert_accounted_for(store, ingest_file(store.writer, store.write(data, suffix)))


@_fuzz(0.3)
@given(data=st.data())
def test_a_mutated_column_mapping_is_refused_with_its_key_or_reads_its_export(
    store_factory, data: st.DataObject
) -> None:
    store = store_factory()
    mapping, export = data.draw(st.sampled_from(sorted(MAPPINGS.items())))
    path = store.write(data.draw(mutated(mapping.read_bytes())), ".toml")
    try:
        spec = load_mapping(path)
    except MappingError as e:
        assert e.problem.strip()
        event("mapping refused")
        return
    event("mapping read")
    # Blank lines, which CSV readers skip, make each copy a new file rather than a duplicate.
    copy = store.write(export.read_bytes() + b"\n" * store.files, ".csv")
    report = ingest_file(store.writer, copy, readers=(spec, *READERS))
    assert_accounted_for(store, report)


@_fuzz(0.2)
@given(data=st.data())
def test_a_mutated_parquet_send_log_is_loaded_or_refused_with_every_record_accounted_for(
    store_factory, data: st.DataObject
) -> None:
    store = store_factory()
    records = store.write(data.draw(mutated((DATA / "sendlogs/sends.jsonl").read_bytes())), ".j")
    parquet = store.folder / f"example_{store.files}.parquet"
    try:
        duckdb.execute(
            f"COPY (SELECT * FROM read_json_auto('{records}')) TO '{parquet}' (FORMAT parquet)"
        )
    except duckdb.Error:
        event("not JSON Lines DuckDB can read: its Parquet bytes damaged instead")
        parquet.write_bytes(data.draw(mutated(_clean_parquet(store))))
    assert_accounted_for(store, ingest_file(store.writer, parquet))


def _clean_parquet(store: Store) -> bytes:
    path = store.folder / "clean.parquet"
    if not path.exists():
        source = DATA / "sendlogs/sends.jsonl"
        duckdb.execute(f"COPY (SELECT * FROM read_json_auto('{source}')) TO '{path}'")
    return path.read_bytes()


@_fuzz(1.5)
@given(data=st.data())
def test_a_mutated_grid_model_compiles_to_whitelisted_sql_or_is_refused(data: st.DataObject):
    seed = data.draw(st.sampled_from([*GRID_SEEDS, SORT_SEED]))
    text = data.draw(mutated(json.dumps(seed, ensure_ascii=False).encode()))
    try:
        model = json.loads(text)
    except ValueError:
        event("not JSON")
        return
    try:
        if isinstance(model, list):
            assert_only_allowed_tokens(grid_order(model, COLUMNS))
            return
        where, params = grid_where(model, COLUMNS)
    except GridFilterError:
        event("refused")
        return
    assert_only_allowed_tokens(where)
    assert where.count("?") == len(params)
    run_where(where, params)


@pytest.fixture
def store_factory(store: Store):
    """The module's store, for tests given by hypothesis (a function-scoped fixture is set up
    once for all of a test's examples, which is what is wanted here)."""
    return lambda: store


def test_a_time_format_with_a_percent_before_an_accent_is_refused_with_its_key(tmp_path) -> None:
    # Found by the mapping fuzz: DuckDB's error message for it is not valid UTF-8.
    mapping = (ROOT / "mappings/brevo_fr_log_export.toml").read_text(encoding="utf-8")
    path = tmp_path / "accent.toml"
    path.write_text(mapping.replace('format = "%d-', 'format = "%é-'), encoding="utf-8")
    assert 'format = "%é-' in path.read_text(encoding="utf-8")
    with pytest.raises(MappingError) as refused:
        load_mapping(path)
    assert refused.value.key == "time.format"
