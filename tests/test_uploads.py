"""Uploaded files land in a private folder of their own under the inbox, names made safe; an
ingest queued behind another says so, and gives up with StoreBusyError after the configured wait;
an ingest job in the background reports each file as it finishes, and the error that stopped it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import stat
import threading
import time

import pytest
from freshness_data import brevo_events, every, send_log

from pipeline.errors import StoreBusyError
from pipeline.ingest.files import ingest_paths
from pipeline.ingest.job import IngestJob
from pipeline.ingest.uploads import UPLOADS, new_upload_folder, safe_file_name, save_uploads
from pipeline.store import open_writer


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("envois-2026-11.csv", "envois-2026-11.csv"),
        ("../../etc/passwd", "passwd"),
        ("..\\..\\Windows\\win.ini", "win.ini"),
        ("/var/lib/mailtrail/x.jsonl", "x.jsonl"),
        (".hidden.csv", "hidden.csv"),
        ("..", "upload"),
        ("", "upload"),
        ("a\x00b\nc.csv", "abc.csv"),
        ("export Brevo (copie) été.csv", "export Brevo (copie) été.csv"),
        ("rm -rf $HOME;.csv", "rm -rf _HOME_.csv"),
        ("x" * 300 + ".jsonl", "x" * 114 + ".jsonl"),
    ],
)
def test_an_uploaded_name_keeps_only_a_safe_last_part(given: str, kept: str) -> None:
    assert safe_file_name(given) == kept


def test_uploads_stay_inside_their_own_private_folder_under_the_inbox(tmp_path) -> None:
    inbox = tmp_path / "inbox"
    moment = dt.datetime(2026, 11, 20, 10, 30, 5)
    first = new_upload_folder(inbox, moment)
    second = new_upload_folder(inbox, moment)
    assert first == inbox / UPLOADS / "2026-11-20_103005"
    assert second == inbox / UPLOADS / "2026-11-20_103005-2"
    assert stat.S_IMODE(first.stat().st_mode) == 0o700
    written = save_uploads(
        [("../../evil.csv", b"a"), ("sends.csv", b"b"), ("sends.csv", b"c"), ("..", b"d")], first
    )
    assert [p.name for p in written] == ["evil.csv", "sends.csv", "sends (2).csv", "upload"]
    assert all(p.parent == first for p in written)
    assert [p.read_bytes() for p in written] == [b"a", b"b", b"c", b"d"]
    assert not (tmp_path / "evil.csv").exists()
    (mapping,) = save_uploads([("acme.toml", b"x")], first, subfolder="mapping")
    assert mapping == first / "mapping" / "acme.toml"


def _hold_the_writer(settings, started: threading.Event, release: threading.Event) -> None:
    with open_writer(settings):
        started.set()
        release.wait(10)


def test_an_ingest_queued_behind_another_says_so_once_then_runs(settings, write) -> None:
    mails = every("brevo", [0, 1])
    paths = [write("sends.csv", send_log(mails)), write("brevo.jsonl", brevo_events(mails))]
    started, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_the_writer, args=(settings, started, release))
    holder.start()
    started.wait(10)
    waits: list[float] = []

    def on_wait() -> None:
        waits.append(time.monotonic())
        threading.Timer(0.5, release.set).start()

    reports = ingest_paths(paths, settings, on_wait=on_wait)
    holder.join()
    assert len(waits) == 1
    assert [r.status for r in reports] == ["completed", "completed"]


def test_an_ingest_that_waits_longer_than_allowed_gives_up_with_store_busy(settings, write) -> None:
    impatient = dataclasses.replace(settings, writer_wait_seconds=0.5)
    started, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_the_writer, args=(settings, started, release))
    holder.start()
    started.wait(10)
    waits = []
    try:
        with pytest.raises(StoreBusyError):
            ingest_paths(
                [write("sends.csv", send_log(every("brevo", [0])))],
                impatient,
                on_wait=lambda: waits.append(1),
            )
    finally:
        release.set()
        holder.join()
    assert waits == [1]


def test_an_ingest_job_reports_each_file_as_it_finishes_and_its_outcome(settings, write) -> None:
    mails = every("brevo", [0, 1])
    paths = [write("sends.csv", send_log(mails)), write("noise.bin", b"\x00\x01")]
    job = IngestJob(paths, settings).start()
    assert job.wait(60)
    assert job.finished and job.error is None and not job.waiting
    assert [r.status for r in job.done] == ["completed", "refused"]
    assert job.reports == tuple(job.done)


def test_an_ingest_job_keeps_the_error_that_stopped_it(settings, write) -> None:
    impatient = dataclasses.replace(settings, writer_wait_seconds=0.3)
    started, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_the_writer, args=(settings, started, release))
    holder.start()
    started.wait(10)
    try:
        job = IngestJob([write("sends.csv", send_log(every("brevo", [0])))], impatient).start()
        assert job.wait(30)
    finally:
        release.set()
        holder.join()
    assert isinstance(job.error, StoreBusyError)
    assert job.reports is None and job.done == []
