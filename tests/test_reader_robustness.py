"""Property: every reader survives random damage to real payloads, and loses nothing else.

Each example writes a file of real records taken from one reader's pool, one of them damaged
(a field removed, a value of the wrong type, a huge text, the record truncated, bytes in the
wrong encoding), ingests it into a store kept open for the whole test, and checks that:
the file is completed (never an exception); every refused record has a reason and is the damaged
one; the intact records give exactly the rows they give undamaged; the damaged record is loaded
or refused, never silently dropped. MAILTRAIL_FUZZ_EXAMPLES raises the number of examples.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.ingest.files import ingest_file
from pipeline.readers import READERS, ReaderSpec
from pipeline.readers.mapped_csv import load_mapping
from pipeline.rules.sql_files import install_macros
from pipeline.settings import Settings
from pipeline.store import open_writer
from tests.conftest import DATA, SAMPLES

EXAMPLES = int(os.environ.get("MAILTRAIL_FUZZ_EXAMPLES", "12"))
IN_JSON_STRING = "<json string>"  # a path step into a JSON document held in a string (SNS)


# --- the pools of real records -------------------------------------------------------------


def _sample_records(folder: str) -> list[Any]:
    records: list[Any] = []
    for path in sorted((SAMPLES / folder).glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        records.extend(doc if isinstance(doc, list) else [doc])
    return records


def _json_lines(path: Path) -> list[Any]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _csv_rows(*paths: Path) -> tuple[list[str], list[list[str]]]:
    header: list[str] = []
    rows: list[list[str]] = []
    for path in paths:
        with open(path, encoding="utf-8", newline="") as handle:
            header, *body = list(csv.reader(handle))
        rows.extend(body)
    return header, rows


JSON_POOLS: dict[str, Callable[[], list[Any]]] = {
    "brevo": lambda: _sample_records("brevo"),
    "sendgrid": lambda: _sample_records("sendgrid"),
    "mailgun": lambda: _sample_records("mailgun"),
    "postmark": lambda: _sample_records("postmark"),
    "amazon_ses": lambda: _sample_records("amazon_ses"),
    "mailjet": lambda: _sample_records("mailjet"),
    "send_log_jsonl": lambda: _json_lines(DATA / "sendlogs/sends.jsonl"),
}

BREVO_FR_MAPPING = Path(__file__).parent.parent / "mappings/brevo_fr_log_export.toml"
CSV_POOLS: dict[str, tuple[Callable[[], tuple[list[str], list[list[str]]]], Path | None]] = {
    "send_log_csv": (lambda: _csv_rows(DATA / "sendlogs/sends_iso.csv"), None),
    "brevo_log_export": (
        lambda: _csv_rows(
            SAMPLES / "csv_exports/brevo_transactional_logs_sample_it.csv",
            DATA / "mapped/brevo_fr_logs.csv",
        ),
        None,
    ),
    "sendgrid_activity_export": (lambda: _csv_rows(DATA / "mapped/sendgrid_activity.csv"), None),
    "mapped_brevo_fr": (lambda: _csv_rows(DATA / "mapped/brevo_fr_logs.csv"), BREVO_FR_MAPPING),
}


# --- a store kept open for a whole test ------------------------------------------------------


@dataclass
class Harness:
    """One writer for all examples of a test, and what each pool record gives undamaged."""

    folder: Path
    readers: tuple[ReaderSpec, ...]
    writer: Any = None
    files: int = 0
    baseline: dict[int, int] = field(default_factory=dict)  # pool index → rows when intact
    seen: dict[bytes, Any] = field(default_factory=dict)

    def ingest(self, data: bytes, suffix: str) -> tuple[Any, Counter, list[tuple[int, str]]]:
        """Ingest one file; its report, staged rows per line, and refusals (line, reason).

        Hypothesis replays examples: the same bytes again would be a duplicate file, so the
        first outcome is kept and given back.
        """
        if data in self.seen:
            return self.seen[data]
        self.seen[data] = outcome = self._ingest(data, suffix)
        return outcome

    def _ingest(self, data: bytes, suffix: str) -> tuple[Any, Counter, list[tuple[int, str]]]:
        self.files += 1
        path = self.folder / f"example_{self.files}{suffix}"
        path.write_bytes(data)
        report = ingest_file(self.writer, path, readers=self.readers)
        if report.status != "completed":
            return report, Counter(), []
        con = self.writer.con
        table = "stage_events" if report.format in _EVENT_FORMATS else "stage_sends"
        rows = Counter(r[0] for r in con.execute(f"SELECT line FROM {table}").fetchall())
        refused = con.execute("SELECT line, reason FROM stage_rejects").fetchall()
        recorded = con.execute(
            "SELECT count(*) FROM ingest_rejects WHERE run_id = ?", [report.run_id]
        ).fetchone()[0]
        assert recorded == len(refused)
        return report, rows, refused


_EVENT_FORMATS = {spec.name for spec in READERS if spec.kind == "events"} | {
    "mapping:brevo_fr_log_export"
}


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Callable[[Path | None], Harness]]:
    store = Settings.from_env(
        environ={},
        db_path=tmp_path / "fuzz.duckdb",
        inbox_dir=tmp_path / "inbox",
        attachments_dir=tmp_path / "attachments",
    )
    with open_writer(store) as writer:
        install_macros(writer.con)

        def make(mapping: Path | None) -> Harness:
            readers = (load_mapping(mapping), *READERS) if mapping else READERS
            return Harness(tmp_path, readers, writer)

        yield make


# --- damage ------------------------------------------------------------------------------------

HUGE = st.builds(lambda n, c: c * n, st.integers(20_000, 600_000), st.sampled_from("xé☃"))
WRONG_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(),
    st.text(max_size=40),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    HUGE,
)
NON_ASCII = st.sampled_from(["Délivré", "Reçu à 10h", "Ünïcödé ÿ", "£ ¤ ¥ §"])
# Field text: any printable character, and the ones CSV must quote. NUL and other control
# characters are left out on purpose: a file full of them is refused whole as binary.
FIELD_TEXT = st.text(
    st.one_of(st.characters(blacklist_categories=("Cs", "Cc")), st.sampled_from(list('\r\n\t";,'))),
    max_size=60,
)


def _paths(value: Any, prefix: tuple = ()) -> Iterator[tuple]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*prefix, key)
            yield from _paths(item, (*prefix, key))
            if isinstance(item, str) and item.lstrip().startswith("{"):
                try:
                    inner = json.loads(item)
                except ValueError:
                    continue
                yield from _paths(inner, (*prefix, key, IN_JSON_STRING))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield (*prefix, index)
            yield from _paths(item, (*prefix, index))


def _changed(value: Any, path: tuple, change: Callable[[Any, Any], None]) -> Any:
    """A copy of value with change(container, key) applied at path."""
    copy = json.loads(json.dumps(value))
    _apply(copy, path, change)
    return copy


def _apply(target: Any, path: tuple, change: Callable[[Any, Any], None]) -> None:
    if len(path) > 1 and path[1] == IN_JSON_STRING:  # into the JSON held in this string
        inner = json.loads(target[path[0]])
        _apply(inner, path[2:], change)
        target[path[0]] = json.dumps(inner) + "\n"
    elif len(path) == 1:
        change(target, path[0])
    else:
        _apply(target[path[0]], path[1:], change)


@st.composite
def damaged_json(draw: st.DrawFn, record: Any, allow_truncation: bool = True) -> bytes:
    """One record's bytes (compact JSON, no newline), damaged one way."""
    kinds = ["delete", "wrong_type", "encoding"] + (["truncate"] if allow_truncation else [])
    kind = draw(st.sampled_from(kinds))
    paths = list(_paths(record))
    if kind == "truncate":
        text = json.dumps(record)
        return text[: draw(st.integers(1, len(text) - 1))].encode("utf-8")
    if kind == "encoding":
        damaged = {**record, "note": draw(NON_ASCII)}
        return json.dumps(damaged, ensure_ascii=False).encode("cp1252", errors="replace")
    path = draw(st.sampled_from(paths))
    if kind == "delete":
        damaged = _changed(record, path, lambda holder, key: holder.pop(key))
    else:
        wrong = draw(WRONG_VALUES)
        damaged = _changed(record, path, lambda holder, key: holder.__setitem__(key, wrong))
    return json.dumps(damaged).encode("utf-8")


@st.composite
def damaged_row(draw: st.DrawFn, row: list[str]) -> tuple[list[str] | None, bytes | None, bool]:
    """(fields, None, False) for csv.writer, or (None, raw bytes, is_truncation)."""
    kind = draw(st.sampled_from(["blank", "text", "huge", "fewer", "more", "encoding", "truncate"]))
    fields = list(row)
    index = draw(st.integers(0, len(fields) - 1))
    if kind == "blank":
        fields[index] = ""
    elif kind == "text":
        fields[index] = draw(FIELD_TEXT)
    elif kind == "huge":
        fields[index] = draw(HUGE)
    elif kind == "fewer":
        fields = fields[: draw(st.integers(0, len(fields) - 1))]
    elif kind == "more":
        fields += draw(st.lists(FIELD_TEXT, min_size=1, max_size=3))
    elif kind == "encoding":
        fields[index] = draw(NON_ASCII)
        return None, _csv_text([fields]).encode("cp1252", errors="replace"), False
    else:
        text = _csv_text([fields]).rstrip("\r\n")
        return None, text[: draw(st.integers(1, max(1, len(text) - 1)))].encode() + b"\r\n", True
    return fields, None, False


def _csv_text(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)  # quotes fields holding \r or \n
    return out.getvalue()


def _start_line(prefix: bytes) -> int:
    """The physical line a record starts on, counted as the CSV reader counts (\\r, \\n, \\r\\n)."""
    text = prefix.decode("utf-8", errors="replace")
    return len(io.StringIO(text, newline="").readlines()) + 1


# --- the checks ----------------------------------------------------------------------------------


def _check(
    report: Any,
    rows: Counter,
    refused: list[tuple[int, str]],
    intact: dict[int, int],
    damaged_line: int,
    damaged_may_vanish: bool = False,
) -> None:
    assert report.status == "completed", report.message
    assert all(reason and reason.strip() for _, reason in refused)
    assert {line for line, _ in refused} <= {damaged_line}, refused
    for line, expected in intact.items():
        assert rows[line] == expected, (line, rows, refused)
    if not damaged_may_vanish:
        assert rows[damaged_line] > 0 or any(line == damaged_line for line, _ in refused)


def _baseline_json(h: Harness, pool: list[Any]) -> list[int]:
    """Indices of the pool records that load fully on their own, with their row counts."""
    data = "".join(json.dumps(r) + "\n" for r in pool).encode()
    report, rows, refused = h.ingest(data, ".jsonl")
    assert report.status == "completed", report.message
    bad = {line for line, _ in refused}
    h.baseline = {i: rows[i + 1] for i in range(len(pool)) if i + 1 not in bad and rows[i + 1]}
    return sorted(h.baseline)


def _baseline_csv(h: Harness, header: list[str], pool: list[list[str]]) -> list[int]:
    report, rows, refused = h.ingest(_csv_text([header, *pool]).encode(), ".csv")
    assert report.status == "completed", report.message
    bad = {line for line, _ in refused}
    h.baseline = {i: rows[i + 2] for i in range(len(pool)) if i + 2 not in bad and rows[i + 2]}
    return sorted(h.baseline)


_FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.mark.parametrize("reader", sorted(JSON_POOLS))
def test_a_damaged_json_lines_record_is_refused_alone(reader, harness) -> None:
    h = harness(None)
    pool = JSON_POOLS[reader]()
    good = _baseline_json(h, pool)

    @_FUZZ
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        first, last = data.draw(st.lists(st.sampled_from(good), min_size=2, max_size=2))
        base = data.draw(st.integers(0, len(pool) - 1).filter(lambda i: i not in (first, last)))
        damaged = data.draw(damaged_json(pool[base]))
        lines = [json.dumps(pool[first]).encode(), damaged, json.dumps(pool[last]).encode()]
        report, rows, refused = h.ingest(b"\n".join(lines) + b"\n", ".jsonl")
        intact = {1: h.baseline[first], 3: h.baseline[last]}
        is_empty_page = _is_empty_page(damaged)
        _check(report, rows, refused, intact, 2, damaged_may_vanish=is_empty_page)

    run()


@pytest.mark.parametrize("reader", ["mailjet", "sendgrid"])
def test_a_damaged_element_of_a_json_array_is_refused_alone(reader, harness) -> None:
    h = harness(None)
    pool = JSON_POOLS[reader]()
    good = _baseline_json(h, pool)

    @_FUZZ
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        first, last = data.draw(st.lists(st.sampled_from(good), min_size=2, max_size=2))
        base = data.draw(st.integers(0, len(pool) - 1).filter(lambda i: i not in (first, last)))
        damaged = data.draw(damaged_json(pool[base], allow_truncation=False))
        elements = [json.dumps(pool[first]).encode(), damaged, json.dumps(pool[last]).encode()]
        report, rows, refused = h.ingest(b"[\n" + b",\n".join(elements) + b"\n]\n", ".json")
        _check(report, rows, refused, {2: h.baseline[first], 4: h.baseline[last]}, 3)

    run()


@pytest.mark.parametrize("reader", sorted(CSV_POOLS))
def test_a_damaged_csv_row_is_refused_alone(reader, harness) -> None:
    load, mapping = CSV_POOLS[reader]
    h = harness(mapping)
    header, pool = load()
    good = _baseline_csv(h, header, pool)

    @_FUZZ
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        first, second = data.draw(st.lists(st.sampled_from(good), min_size=2, max_size=2))
        base = data.draw(st.integers(0, len(pool) - 1).filter(lambda i: i not in (first, second)))
        fields, raw, truncated = data.draw(damaged_row(pool[base]))
        damaged = raw if raw is not None else _csv_text([fields]).encode()
        head = _csv_text([header, pool[first]]).encode()
        if truncated:  # an unclosed quote swallows what follows: put the damage last
            before = head + _csv_text([pool[second]]).encode()
            data_bytes = before + damaged
            intact = {2: h.baseline[first], 3: h.baseline[second]}
        else:
            before = head
            data_bytes = before + damaged + _csv_text([pool[second]]).encode()
            intact = {2: h.baseline[first], _start_line(before + damaged): h.baseline[second]}
        report, rows, refused = h.ingest(data_bytes, ".csv")
        # A row left with nothing but blanks is an empty line, which CSV readers skip.
        empty = fields is not None and not "".join(fields).strip()
        _check(report, rows, refused, intact, _start_line(before), damaged_may_vanish=empty)

    run()


def _is_empty_page(damaged: bytes) -> bool:
    """A Mailgun Events API page whose items list became empty holds no event at all."""
    try:
        doc = json.loads(damaged)
    except ValueError:
        return False
    return isinstance(doc, dict) and doc.get("items") == [] and "paging" in doc
