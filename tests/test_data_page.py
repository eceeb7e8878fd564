"""The Data page (AppTest, no browser): what it shows on the demo, an upload ingested with a
summary per file, a file uploaded twice, the filters, a page with no database yet, an import kept
waiting by another, and a page read while an ingest runs."""

from __future__ import annotations

import datetime as dt
import shutil
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from eventgen import write_brevo_webhooks
from freshness_data import brevo_events, every, send_log
from streamlit.testing.v1 import AppTest

from pipeline.i18n import t_strict
from pipeline.ingest.files import ingest_paths
from pipeline.queries.data_health import data_as_of
from pipeline.settings import Settings
from pipeline.store import open_writer
from tests.conftest import DATA, DemoStore
from ui.data.health import format_duration, stuck_frame
from ui.data.history import runs_frame
from ui.data.upload import summary_headline

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "pages/data.py")
GOOD = brevo_events(every("brevo", [0, 1, 2])) + "{not json\n"
GARBAGE = b"\x00\x01\x02 this is not a mail export \x00"


def _app(monkeypatch, db_path: Path, inbox: Path | None = None, lang: str = "fr") -> AppTest:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("MAILTRAIL_DB", str(db_path))
    monkeypatch.setenv("MAILTRAIL_INBOX", str(inbox or db_path.parent / "inbox"))
    app = AppTest.from_file(PAGE, default_timeout=60)
    app.query_params["lang"] = lang
    return app


def _ok(app: AppTest) -> None:
    assert not app.exception, [e.value for e in app.exception]
    assert not app.error, [e.value for e in app.error]


def _frame_with(app: AppTest, column: str) -> pd.DataFrame:
    frames = [d.value for d in app.dataframe if column in d.value.columns]
    assert frames, f"no table with a {column!r} column"
    return frames[0]


def _texts(elements) -> str:
    return "\n".join(e.value for e in elements)


@pytest.fixture
def demo_copy(demo_store: DemoStore, tmp_path: Path) -> Path:
    """A private copy of the demo database: tests that ingest never write the shared one."""
    target = tmp_path / "demo" / "mailtrail.duckdb"
    target.parent.mkdir()
    shutil.copyfile(demo_store.db_path, target)
    return target


def test_on_the_demo_the_page_shows_freshness_history_and_refused_records(
    demo_env: DemoStore, monkeypatch
) -> None:
    with demo_env.connect() as con:
        con.execute("SET TimeZone = 'Europe/Paris'")
        as_of = data_as_of(con)
    app = _app(monkeypatch, demo_env.db_path)
    app.run()
    _ok(app)
    newest = as_of.strftime("%d/%m/%Y à %H:%M")
    assert f"Données les plus récentes\u00a0: **{newest}**" in _texts(app.markdown)
    assert "**Brevo** ne reçoit plus de données depuis le" in _texts(app.info)
    (freshness,) = (t.value for t in app.table)
    assert list(freshness["Prestataire"]) == ["Brevo", "SendGrid"]
    assert list(freshness["État"]) == ["⚪ Ne reçoit plus de données", "🟢 À jour"]
    with demo_env.connect() as con:
        runs, rejects = con.execute(
            "SELECT (SELECT count(*) FROM ingest_runs), (SELECT count(*) FROM ingest_rejects)"
        ).fetchone()
    assert len(_frame_with(app, "records_loaded")) == runs
    assert t_strict("data.rejects.count", "fr", count=rejects) in _texts(app.markdown)
    assert len(_frame_with(app, "raw")) == rejects


def test_the_page_reads_in_english(demo_env: DemoStore, monkeypatch) -> None:
    app = _app(monkeypatch, demo_env.db_path, lang="en")
    app.run()
    _ok(app)
    assert app.title[0].value == "Data"
    assert "**Brevo** has not been receiving data since" in _texts(app.info)
    assert "✅ Imported" in set(_frame_with(app, "records_loaded")["status"])


def test_the_refused_records_search_finds_the_translated_reason(
    demo_env: DemoStore, monkeypatch
) -> None:
    with demo_env.connect() as con:
        misplaced = con.execute(
            "SELECT count(*) FROM ingest_rejects WHERE reason LIKE '%A dot is misplaced%'"
        ).fetchone()[0]
    assert misplaced > 0
    app = _app(monkeypatch, demo_env.db_path)
    app.run()
    app.text_input(key="data_rejects_text").set_value("point est mal placé").run()
    _ok(app)
    shown = _frame_with(app, "raw")
    assert len(shown) == misplaced
    assert shown["reason"].str.contains("Un point est mal placé dans l'adresse e-mail").all()
    app.text_input(key="data_rejects_text").set_value("zzz-nothing-zzz").run()
    assert "Aucun enregistrement refusé ne correspond à ces filtres." in _texts(app.info)


def test_uploading_a_good_and_a_garbage_file_imports_one_and_refuses_the_other(
    demo_copy: Path, monkeypatch
) -> None:
    app = _app(monkeypatch, demo_copy)
    app.run()
    app.file_uploader(key="data_files_0").set_value(
        [("brevo-extra.jsonl", GOOD.encode(), "application/json"), ("photo.bin", GARBAGE, "")]
    ).run()
    app.button(key="data_start").click().run()
    _ok(app)
    summary = app.table[0].value
    rows = {row["Fichier"]: row for _, row in summary.iterrows()}
    assert rows["brevo-extra.jsonl"]["Résultat"] == "✅ Importé"
    assert rows["brevo-extra.jsonl"]["Format reconnu"] == "Webhooks Brevo (JSON)"
    assert (rows["brevo-extra.jsonl"]["Chargés"], rows["brevo-extra.jsonl"]["Refusés"]) == (6, 1)
    assert rows["photo.bin"]["Résultat"] == "⛔ Refusé"
    assert rows["photo.bin"]["Détail"].startswith("Ce n'est pas un fichier texte.")
    assert "2 fichiers\u00a0: 1 importé, 0 déjà importé, 1 refusé." in _texts(app.warning)
    runs = _frame_with(app, "records_loaded")
    assert list(runs["file_name"][:2]) == ["photo.bin", "brevo-extra.jsonl"]  # the new snapshot
    assert "{not json" in set(_frame_with(app, "raw")["raw"])
    uploads = list((demo_copy.parent / "inbox" / "uploads").iterdir())
    assert len(uploads) == 1 and (uploads[0] / "photo.bin").read_bytes() == GARBAGE

    app.file_uploader(key="data_files_1").set_value(
        [("brevo-again.jsonl", GOOD.encode(), "application/json")]
    ).run()
    app.button(key="data_start").click().run()
    _ok(app)
    again = app.table[0].value.iloc[0]
    assert again["Résultat"] == "↺ Déjà importé"
    assert again["Détail"].startswith(
        "Déjà importé\u00a0: ce fichier est identique à brevo-extra.jsonl"
    )


def test_a_column_mapping_uploaded_with_a_csv_export_reads_it(settings, monkeypatch) -> None:
    export = (DATA / "mapped/brevo_fr_logs.csv").read_bytes()
    mapping = (ROOT / "mappings/brevo_fr_log_export.toml").read_bytes()
    app = _app(monkeypatch, settings.db_path)
    app.run()
    app.file_uploader(key="data_files_0").set_value([("logs.csv", export, "text/csv")]).run()
    app.file_uploader(key="data_mapping_0").set_value(
        [("brevo_fr_log_export.toml", mapping, "application/toml")]
    ).run()
    app.button(key="data_start").click().run()
    _ok(app)
    row = app.table[0].value.iloc[0]
    assert row["Résultat"] == "✅ Importé"
    assert row["Format reconnu"] == "Correspondance de colonnes «\u00a0brevo_fr_log_export\u00a0»"
    (folder,) = (settings.db_path.parent / "inbox" / "uploads").iterdir()
    assert (folder / "mapping" / "brevo_fr_log_export.toml").read_bytes() == mapping


def test_a_mapping_that_cannot_be_used_says_why_imports_nothing_and_can_be_retried(
    settings, monkeypatch
) -> None:
    export = (DATA / "mapped/brevo_fr_logs.csv").read_bytes()
    app = _app(monkeypatch, settings.db_path)
    app.run()
    app.file_uploader(key="data_files_0").set_value([("logs.csv", export, "text/csv")]).run()
    app.file_uploader(key="data_mapping_0").set_value(
        [("acme.toml", b'provider = "acme"\n[columns]\nrecipient = "To"\n', "")]
    ).run()
    app.button(key="data_start").click().run()
    assert not app.exception
    (error,) = app.error
    assert error.value.startswith("Le fichier de correspondance ne peut pas être utilisé\u00a0: ")
    assert error.value.endswith("Rien n'a été importé.")
    assert not settings.db_path.exists()
    app.file_uploader(key="data_mapping_0").set_value(None).run()  # the files stay: retry
    app.button(key="data_start").click().run()
    _ok(app)
    assert app.table[0].value.iloc[0]["Résultat"] == "✅ Importé"


def _ingest_answered_and_waiting_mails(write, ingest) -> None:
    """Brevo mails requested at T0 and T0 + 10 h that the provider reported on, and two
    requested at T0 + 1 h and T0 + 8 h (WAIT-…) that it never reported on."""
    answered = every("brevo", [0, 10], prefix="OK")
    waiting = every("brevo", [1, 8], prefix="WAIT")
    ingest(
        write("sends.csv", send_log(answered + waiting)), write("b.jsonl", brevo_events(answered))
    )


def test_mails_still_requested_for_hours_link_to_their_detail(
    write, ingest, settings, monkeypatch
) -> None:
    _ingest_answered_and_waiting_mails(write, ingest)
    app = _app(monkeypatch, settings.db_path)
    app.run()
    _ok(app)
    assert "1 e-mail toujours «\u00a0Demandé\u00a0» plus de 4 h" in _texts(app.warning)
    stuck = _frame_with(app, "hours_waiting")
    assert list(stuck["link"]) == ["explore?mail=WAIT-00000&lang=fr"]
    hours = app.number_input(key="data_stuck_hours")
    assert hours.proto.format % hours.value == "4"  # not "4.0"
    app.number_input(key="data_stuck_hours").set_value(1.0).run()
    assert len(_frame_with(app, "hours_waiting")) == 2
    app.number_input(key="data_stuck_hours").set_value(12.0).run()
    assert "Aucun e-mail n'est resté «\u00a0Demandé\u00a0» plus de 12 h." in _texts(app.success)


def test_the_stuck_delay_starts_from_the_mailtrail_stuck_hours_setting(
    write, ingest, settings, monkeypatch
) -> None:
    _ingest_answered_and_waiting_mails(write, ingest)
    monkeypatch.setenv("MAILTRAIL_STUCK_HOURS", "0.5")
    app = _app(monkeypatch, settings.db_path)
    app.run()
    _ok(app)
    assert app.number_input(key="data_stuck_hours").value == 0.5
    assert len(_frame_with(app, "hours_waiting")) == 2


def test_before_any_database_exists_the_page_offers_the_upload_and_creates_it(
    tmp_path: Path, monkeypatch
) -> None:
    db_path = tmp_path / "new" / "mailtrail.duckdb"
    app = _app(monkeypatch, db_path)
    app.run()
    _ok(app)
    assert app.file_uploader(key="data_files_0") is not None
    assert not app.dataframe
    app.file_uploader(key="data_files_0").set_value(
        [("sends.csv", send_log(every("brevo", [0, 1])).encode(), "text/csv")]
    ).run()
    app.button(key="data_start").click().run()
    _ok(app)
    assert db_path.exists()
    assert list(_frame_with(app, "records_loaded")["file_name"]) == ["sends.csv"]


def test_an_import_kept_waiting_too_long_by_another_says_so_and_keeps_the_files(
    demo_copy: Path, monkeypatch
) -> None:
    monkeypatch.setenv("MAILTRAIL_WRITER_WAIT", "1")
    app = _app(monkeypatch, demo_copy)
    app.run()
    app.file_uploader(key="data_files_0").set_value([("b.jsonl", GOOD.encode(), "")]).run()
    started, release = threading.Event(), threading.Event()

    def other_ingest() -> None:
        with open_writer(Settings.from_env(environ={}, db_path=demo_copy)):
            started.set()
            release.wait(30)

    holder = threading.Thread(target=other_ingest)
    holder.start()
    started.wait(10)
    try:
        app.button(key="data_start").click().run()
    finally:
        release.set()
        holder.join()
    assert not app.exception
    (error,) = app.error
    assert error.value.startswith("Un autre import occupe la base depuis plus de 1 s\u00a0:")
    (folder,) = (demo_copy.parent / "inbox" / "uploads").iterdir()
    # The upload's folder from the inbox, never its place on the server.
    shown = error.value.replace("\\", "")
    assert f"uploads/{folder.name}" in shown and str(folder.parent) not in shown
    assert (folder / "b.jsonl").exists()


@pytest.mark.slow
def test_the_page_keeps_answering_with_whole_snapshots_while_an_upload_is_ingested(
    demo_copy: Path, tmp_path: Path, monkeypatch
) -> None:
    big = tmp_path / "big" / "brevo-big.jsonl"
    write_brevo_webhooks(big, 150_000)
    config = Settings.from_env(environ={}, db_path=demo_copy)
    app = _app(monkeypatch, demo_copy)
    app.run()
    runs_before = len(_frame_with(app, "records_loaded"))
    span: dict[str, float] = {}

    def ingest() -> None:
        span["start"] = time.monotonic()
        ingest_paths([big], config)
        span["end"] = time.monotonic()

    worker = threading.Thread(target=ingest)
    worker.start()
    renders = []
    while worker.is_alive():
        started = time.monotonic()
        app.run()
        _ok(app)
        renders.append((started, time.monotonic(), len(_frame_with(app, "records_loaded"))))
    worker.join()
    app.run()
    during = [n for s, e, n in renders if span["start"] < s and e < span["end"]]
    assert during, (span, renders)
    assert set(during) == {runs_before}  # wholly before the ingest, never half of it
    assert len(_frame_with(app, "records_loaded")) == runs_before + 1


@pytest.mark.parametrize(
    ("hours", "fr", "en"),
    [(0.005, "18 s", "18 s"), (0.5, "30 min", "30 min"), (1.5, "1 h 30 min", "1 h 30 min"),
     (14, "14 h", "14 h"), (24, "1 j", "1 d"), (30, "1 j 6 h", "1 d 6 h"), (80, "3 j", "3 d")],
)  # fmt: skip
def test_durations_read_as_people_say_them(hours: float, fr: str, en: str) -> None:
    span = dt.timedelta(hours=hours)
    assert (format_duration(span, "fr"), format_duration(span, "en")) == (fr, en)


def test_the_import_history_writes_counts_in_the_page_language_not_the_browser_one() -> None:
    runs = pd.DataFrame(
        {
            "run_id": [2, 1],
            "file_name": ["a.csv", "b.csv"],
            "status": ["completed", "refused"],
            "format": ["send_log", None],
            "finished_at": [None, None],
            "records_read": [3380, 0],
            "records_loaded": [3379, 0],
            "records_duplicate": [0, 0],
            "records_rejected": [1, 0],
            "mails_changed": [1200, 0],
            "message": [None, "the file is empty"],
            "message_code": [None, "empty"],
            "message_params": [None, "{}"],
        }
    )
    french = runs_frame(runs, "fr", "Europe/Paris")
    assert list(french["records_read"]) == ["3\u202f380", "0"]
    assert list(french["message"]) == ["", "Le fichier est vide."]
    assert list(runs_frame(runs, "en", "UTC")["mails_changed"]) == ["1,200", "0"]


def test_the_import_headline_says_each_count_in_its_plural_form() -> None:
    from pipeline.ingest.runs import FileReport

    reports = [
        FileReport(path="/in/a.csv", status="completed", mails_changed=1),
        FileReport(path="/in/b.csv", status="completed", mails_changed=2),
        FileReport(path="/in/c.csv", status="refused"),
    ]
    assert summary_headline(reports, "fr") == (
        "3 fichiers\u00a0: 2 importés, 0 déjà importé, 1 refusé. 3 e-mails mis à jour."
    )
    assert summary_headline(reports[:1], "en") == (
        "1 file: 1 imported, 0 already imported, 0 refused. 1 mail updated."
    )


def test_hours_a_mail_has_waited_are_written_in_the_page_language() -> None:
    mails = pd.DataFrame(
        {
            "send_id": ["S1", "S2"],
            "requested_at": [pd.Timestamp("2026-11-30 08:00", tz="UTC")] * 2,
            "hours_waiting": [4.0, 1234.56],
            "provider": ["brevo", "sendgrid"],
            "session_id": ["SES-1", None],
            "session_name": ["Excel", None],
            "recipient_email": ["a@b.fr", "c@d.fr"],
            "recipient_name": ["A", "C"],
            "email_type": ["convocation", "invoice"],
        }
    )
    assert list(stuck_frame(mails, "fr")["hours_waiting"]) == ["4", "1\u202f234,6"]
    assert list(stuck_frame(mails, "en")["hours_waiting"]) == ["4", "1,234.6"]


def test_an_upload_holding_a_line_nested_too_deep_reports_that_line_refused(
    tmp_path: Path, monkeypatch
) -> None:
    deep = '{"a":' * 100_000 + "1" + "}" * 100_000
    app = _app(monkeypatch, tmp_path / "new" / "mailtrail.duckdb")
    app.run()
    app.file_uploader(key="data_files_0").set_value(
        [
            ("deep.jsonl", (deep + "\n" + GOOD).encode(), "application/json"),
            ("sends.csv", send_log(every("brevo", [0, 1])).encode(), "text/csv"),
        ]
    ).run()
    app.button(key="data_start").click().run()
    _ok(app)
    rows = {row["Fichier"]: row for _, row in app.table[0].value.iterrows()}
    assert rows["deep.jsonl"]["Résultat"] == "✅ Importé"
    assert (rows["deep.jsonl"]["Chargés"], rows["deep.jsonl"]["Refusés"]) == (6, 2)
    assert rows["sends.csv"]["Résultat"] == "✅ Importé"
    reasons = set(_frame_with(app, "raw")["reason"])
    assert "Imbrication de plus de 64 niveaux (MAILTRAIL_MAX_NESTING)." in reasons
    page = " ".join(str(e.value) for e in [*app.markdown, *app.warning, *app.error, *app.table])
    assert "RecursionError" not in page
