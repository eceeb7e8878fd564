"""The demo-data generator writes real, parseable provider and send-log files with its stories."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import tracemalloc
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from pipeline.demo import DemoResult, generate_demo
from pipeline.demo.files import outputs, spool
from pipeline.demo.files.sendgrid import CSV_COLUMNS
from pipeline.demo.files.sendlog import FIELDS
from pipeline.demo.world.clock import local_epoch, newest_possible_day, paris_offset

TODAY = date(2026, 3, 18)
PARIS = ZoneInfo("Europe/Paris")
BREVO_CSV_LABELS = {
    "Sent",
    "Delivered",
    "First opening",
    "Opened",
    "Loaded by proxy",
    "Clicked",
    "Deferred",
    "Soft bounce",
    "Hard bounce",
    "Blocked",
    "Invalid Email",
    "Error",
    "Complaint",
    "Unsubscribed",
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoResult, Path, Path]:
    root = tmp_path_factory.mktemp("demo")
    seen: list[int] = []
    result = generate_demo(
        root / "inputs",
        root / "attachments",
        emails=2000,
        seed=7,
        today=TODAY,
        progress=seen.append,
    )
    assert seen and seen[-1] == 2000
    return result, root / "inputs", root / "attachments"


def _send_rows(path: Path) -> list[dict[str, object]]:
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    raw = path.read_bytes()
    text = raw.decode("utf-8-sig") if raw.startswith(b"\xef\xbb\xbf") else raw.decode("cp1252")
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=";")
    assert tuple(reader.fieldnames or ()) == FIELDS
    return list(reader)


@pytest.fixture(scope="module")
def sends(demo: tuple[DemoResult, Path, Path]) -> list[dict[str, object]]:
    _, inputs, _ = demo
    return [row for f in sorted((inputs / "sendlog").iterdir()) for row in _send_rows(f)]


@pytest.fixture(scope="module")
def brevo_events(demo: tuple[DemoResult, Path, Path]) -> list[dict[str, object]]:
    _, inputs, _ = demo
    events = []
    for f in sorted((inputs / "brevo").glob("*.jsonl")):
        for line in f.read_text(encoding="utf-8").splitlines():
            event = json.loads(line)
            assert isinstance(event, dict)
            events.append(event)
    return events


@pytest.fixture(scope="module")
def sendgrid_events(demo: tuple[DemoResult, Path, Path]) -> list[dict[str, object]]:
    _, inputs, _ = demo
    events = []
    for f in sorted((inputs / "sendgrid").glob("*.jsonl")):
        for line in f.read_text(encoding="utf-8").splitlines():
            batch = json.loads(line)
            assert isinstance(batch, list) and 1 <= len(batch) <= 100
            events.extend(batch)
    return events


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_the_result_lists_send_logs_first_then_provider_files(demo):
    result, inputs, _ = demo
    folders = [f.parent.name for f in result.files]
    assert folders == sorted(folders, key=["sendlog", "brevo", "sendgrid"].index)
    assert result.files[-1].name.startswith("sendgrid-activity-")
    written = {p for p in inputs.rglob("*") if p.is_file()}
    assert set(result.files) == written, "no scratch files left behind"


def test_the_run_has_exactly_the_requested_number_of_mails_with_unique_send_ids(demo, sends):
    result, _, _ = demo
    assert result.emails == len(sends) == 2000
    assert len({row["send_id"] for row in sends}) == 2000
    assert len({row["provider_message_id"] for row in sends}) == 2000


def test_excel_months_are_semicolon_cp1252_with_french_dates(demo):
    _, inputs, _ = demo
    excel = sorted((inputs / "sendlog").glob("*.csv"))[0]
    raw = excel.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # accented letters are single cp1252 bytes
    assert "é".encode("cp1252") in raw and b"\r\n" in raw
    row = _send_rows(excel)[0]
    datetime.strptime(str(row["requested_at"]), "%d/%m/%Y %H:%M")
    json.loads(str(row["attachments"]))


def test_newer_months_are_utf8_with_bom_then_json_lines_with_offsets(demo):
    _, inputs, _ = demo
    csvs = sorted((inputs / "sendlog").glob("*.csv"))
    assert csvs[-1].read_bytes().startswith(b"\xef\xbb\xbf")
    latest = sorted((inputs / "sendlog").glob("*.jsonl"))[-1]
    row = _send_rows(latest)[0]
    assert datetime.fromisoformat(str(row["requested_at"])).utcoffset() is not None
    assert isinstance(row["attachments"], list)


def test_mails_leave_on_french_working_days_during_office_hours(sends):
    for row in sends:
        text = str(row["requested_at"])
        if "T" in text:
            when = datetime.fromisoformat(text).astimezone(PARIS)
        elif "/" in text:
            when = datetime.strptime(text, "%d/%m/%Y %H:%M")
        else:
            when = datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
        assert when.weekday() < 5 and 8 <= when.hour < 19, text
        assert when.date() <= TODAY


def test_free_text_mails_belong_to_an_opportunity_and_no_session(sends):
    kinds = Counter(str(row["recipient_kind"]) for row in sends)
    assert set(kinds) == {"learner", "client", "company", "trainer"}
    for row in sends:
        if row["email_type"] == "libre":
            assert row["opportunity_id"] and not row["session_id"]
        else:
            assert row["session_id"] and not row["opportunity_id"]


def test_attachments_are_real_pdfs_with_their_size_and_sha256(demo, sends):
    _, _, attachments = demo
    checked = set()
    for row in sends:
        listed = row["attachments"]
        for a in json.loads(listed) if isinstance(listed, str) else listed:
            if a["path"] in checked:
                continue
            data = (attachments / a["path"]).read_bytes()
            assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
            assert len(data) == a["size_bytes"]
            assert hashlib.sha256(data).hexdigest() == a["sha256"]
            checked.add(a["path"])
    assert len(checked) > 10


def test_every_provider_event_belongs_to_a_logged_mail_except_console_sends(
    demo, sends, brevo_events, sendgrid_events
):
    result, inputs, _ = demo
    logged = {str(row["provider_message_id"]) for row in sends}
    brevo_csv = [r for f in (inputs / "brevo").glob("*.csv") for r in _csv(f)]
    brevo_ids = {str(e["message-id"]) for e in brevo_events} | {r["mid"] for r in brevo_csv}
    sendgrid_ids = {_x_message_id(e) for e in sendgrid_events}
    unknown = (brevo_ids | sendgrid_ids) - logged
    assert len(unknown) == result.stories["console_sent"] > 0


def _x_message_id(event: dict[str, object]) -> str:
    smtp_id = event.get("smtp-id")
    if smtp_id:
        return str(smtp_id)[1:].split("@")[0]
    return str(event["sg_message_id"]).split(".")[0]


def test_brevo_payloads_follow_the_live_captures(brevo_events):
    names = Counter(str(e["event"]) for e in brevo_events)
    assert {
        "request",
        "delivered",
        "unique_opened",
        "opened",
        "proxy_open",
        "click",
        "hard_bounce",
        "invalid_email",
    } <= set(names)
    for e in brevo_events:
        mid = str(e["message-id"])
        assert mid.startswith("<") and mid.endswith("@smtp-relay.mailin.fr>")
        ts_epoch = int(e["ts_epoch"])  # type: ignore[call-overload]
        assert ts_epoch // 1000 == e["ts"] == e["ts_event"]
        local = datetime.strptime(str(e["date"]), "%Y-%m-%d %H:%M:%S")
        expected = datetime.fromtimestamp(ts_epoch // 1000, PARIS).replace(tzinfo=None)
        assert local == expected


def test_one_brevo_month_is_a_console_log_export(demo):
    _, inputs, _ = demo
    (export,) = (inputs / "brevo").glob("*.csv")
    header = export.read_text(encoding="utf-8").splitlines()[0]
    assert header == "st_text,ts,sub,frm,email,tag,mid,link"
    rows = _csv(export)
    assert rows and {r["st_text"] for r in rows} <= BREVO_CSV_LABELS
    for r in rows:
        datetime.strptime(r["ts"], "%d-%m-%Y %H:%M:%S")
        assert r["link"] == "NA" or r["st_text"] == "Clicked"


def test_sendgrid_ids_join_on_the_x_message_id(sends, sendgrid_events):
    logged = {str(r["provider_message_id"]) for r in sends if r["provider"] == "sendgrid"}
    assert all(len(x) == 22 for x in logged)
    assert len({e["sg_event_id"] for e in sendgrid_events}) == len(sendgrid_events)
    bare_drops = 0
    for e in sendgrid_events:
        assert isinstance(e["timestamp"], int)
        if e["event"] == "dropped" and str(e["sg_message_id"]).split(".")[0] not in logged:
            bare_drops += 1
            assert str(e["smtp-id"])[1:].split("@")[0] in logged
    assert bare_drops > 0
    machine = [e for e in sendgrid_events if e["event"] == "open" and e["sg_machine_open"]]
    assert machine


def test_sendgrid_activity_export_repeats_events_from_the_webhooks(demo, sendgrid_events):
    _, inputs, _ = demo
    (export,) = (inputs / "sendgrid").glob("sendgrid-activity-*.csv")
    rows = _csv(export)
    assert rows and tuple(rows[0]) == CSV_COLUMNS
    webhook = {(e["sg_message_id"], e["event"], e["timestamp"]) for e in sendgrid_events}
    for r in rows:
        assert (r["message_id"], r["event"], int(r["processed"])) in webhook


def test_every_story_is_in_the_data(demo):
    result, _, _ = demo
    missing = [name for name, count in result.stories.items() if count == 0]
    assert not missing


def test_the_dmarc_incident_blocks_gmail_for_one_month(sendgrid_events):
    months = Counter()
    for e in sendgrid_events:
        if e["event"] == "bounce" and "5.7.26" in str(e.get("reason", "")):
            assert e["type"] == "blocked"
            months[datetime.fromtimestamp(int(e["timestamp"]), PARIS).strftime("%Y-%m")] += 1
    assert list(months) == ["2025-12"]


def test_delivery_and_open_rates_look_like_a_real_organisation(
    sends, brevo_events, sendgrid_events
):
    delivered = {e["message-id"] for e in brevo_events if e["event"] == "delivered"}
    delivered |= {_x_message_id(e) for e in sendgrid_events if e["event"] == "delivered"}
    opened = {e["message-id"] for e in brevo_events if "open" in str(e["event"])}
    opened |= {_x_message_id(e) for e in sendgrid_events if e["event"] == "open"}
    logged = {str(r["provider_message_id"]) for r in sends}
    # one Brevo month is only in the console export: rates over the webhook months are lower
    assert 0.85 < len(delivered & logged) / len(logged) < 0.99
    assert 0.40 < len(opened & logged) / len(logged) < 0.65


def test_same_seed_and_day_give_byte_identical_files_and_another_seed_does_not(tmp_path):
    def digest(seed: int, name: str) -> str:
        root = tmp_path / name
        generate_demo(root / "in", root / "att", emails=600, seed=seed, today=TODAY)
        h = hashlib.sha256()
        for f in sorted(p for p in root.rglob("*") if p.is_file()):
            h.update(str(f.relative_to(root)).encode() + f.read_bytes())
        return h.hexdigest()

    first = digest(11, "a")
    assert digest(11, "b") == first
    assert digest(12, "c") != first


def test_paris_offset_agrees_with_the_time_zone_database():
    for t in range(1_700_000_000, 1_790_000_000, 86_399):
        assert paris_offset(t) == datetime.fromtimestamp(t, PARIS).utcoffset().total_seconds()


def test_a_demo_built_in_the_morning_ends_the_day_before_so_no_mail_is_in_the_future():
    paris = ZoneInfo("Europe/Paris")
    morning = datetime(2026, 12, 2, 5, 30, tzinfo=paris)
    afternoon = datetime(2026, 12, 2, 12, 0, tzinfo=paris)
    assert newest_possible_day(int(morning.timestamp())) == date(2026, 12, 1)
    assert newest_possible_day(int(afternoon.timestamp())) == date(2026, 12, 2)
    summer_morning = datetime(2026, 7, 1, 11, 59, tzinfo=paris)
    assert newest_possible_day(int(summer_morning.timestamp())) == date(2026, 6, 30)
    newest = newest_possible_day(int(datetime.now(paris).timestamp()))
    assert local_epoch(newest, 12 * 3600) <= datetime.now(paris).timestamp()


def test_provider_events_never_precede_their_mail_nor_follow_the_export(
    sends, brevo_events, sendgrid_events
):
    requested = {}
    for row in sends:
        text = str(row["requested_at"])
        if "T" in text:
            when = datetime.fromisoformat(text)
        else:
            fmt = "%d/%m/%Y %H:%M" if "/" in text else "%Y-%m-%d %H:%M:%S"
            when = datetime.strptime(text, fmt).replace(tzinfo=PARIS)
        requested[str(row["provider_message_id"])] = when.timestamp()
    export = datetime(2026, 3, 18, 12, tzinfo=PARIS).timestamp()
    for e in brevo_events:
        t = int(e["ts_epoch"]) / 1000  # type: ignore[call-overload]
        assert t <= export
        assert str(e["message-id"]) not in requested or t >= requested[str(e["message-id"])]
    for e in sendgrid_events:
        t = int(e["timestamp"])  # type: ignore[call-overload]
        assert t <= export
        assert _x_message_id(e) not in requested or t >= requested[_x_message_id(e)] - 1


def test_an_interrupted_run_leaves_no_scratch_files(tmp_path):
    def stop(done: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        generate_demo(tmp_path / "in", tmp_path / "att", emails=3000, today=TODAY, progress=stop)
    assert not list((tmp_path / "in").rglob("*.spool"))


def test_a_new_run_replaces_the_files_of_an_earlier_one(tmp_path):
    generate_demo(tmp_path / "in", tmp_path / "att", emails=300, today=date(2025, 6, 2))
    (tmp_path / "in" / "sendlog" / "notes.txt").write_text("kept")
    result = generate_demo(tmp_path / "in", tmp_path / "att", emails=300, today=TODAY)
    on_disk = {p for p in (tmp_path / "in").rglob("*") if p.is_file()}
    assert on_disk == set(result.files) | {tmp_path / "in" / "sendlog" / "notes.txt"}


def test_a_month_too_large_for_one_file_comes_in_parts_of_consecutive_times(tmp_path, monkeypatch):
    whole = generate_demo(tmp_path / "whole", tmp_path / "att", emails=1500, today=TODAY)
    monkeypatch.setattr(outputs, "SENDLOG_PART_RECORDS", 40)
    monkeypatch.setattr(outputs, "EVENT_PART_RECORDS", 150)
    split = generate_demo(tmp_path / "split", tmp_path / "att2", emails=1500, today=TODAY)
    assert split.emails == whole.emails and split.provider_events == whole.provider_events
    assert len(split.files) > 2 * len(whole.files)
    split_names = [f.name for f in split.files]
    for original in whole.files:
        stem, suffix = original.stem, original.suffix
        count = sum(name.startswith(f"{stem}-part") for name in split_names)
        names = [f"{stem}-part{n}{suffix}" for n in range(1, count + 1)] or [original.name]
        at = split_names.index(names[0])
        assert split_names[at : at + len(names)] == names  # listed in order, nothing between
        parts = split.files[at : at + len(names)]
        assert _records(original) == [r for part in parts for r in _records(part)], original.name
        header = original.read_bytes()[: len(_first_line(original))] if suffix == ".csv" else b""
        assert all(p.read_bytes().startswith(header) for p in parts)
        if original.parent.name == "sendgrid" and suffix == ".jsonl":
            assert all(len(batch) <= 100 for p in parts for batch in map(json.loads, _lines(p)))


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def _first_line(path: Path) -> bytes:
    return _lines(path)[0]


def _records(path: Path) -> list[object]:
    """A file's records without its header: rows, webhook lines, or SendGrid's events."""
    if path.suffix == ".csv":
        return _send_rows(path) if path.parent.name == "sendlog" else _csv(path)
    if path.parent.name == "sendgrid":
        return [event for line in _lines(path) for event in json.loads(line)]
    return _lines(path)


def test_memory_does_not_grow_with_the_number_of_mails(tmp_path, monkeypatch):
    """Four times the mails must not hold four times the objects: what a run keeps per mail is
    its world (people, sessions: tens of bytes a mail), never the mails' records (~3.7 KB)."""
    monkeypatch.setattr(spool, "BUFFER_BYTES", 1 << 14)  # open files' buffers would drown it

    def peak(emails: int) -> int:
        tracemalloc.start()
        try:
            generate_demo(tmp_path / str(emails), tmp_path / "att", emails=emails, today=TODAY)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small, large = peak(1000), peak(4000)
    assert large - small < 3000 * 500, f"{(large - small) / 3000:.0f} bytes more per mail"
