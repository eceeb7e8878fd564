"""Refused records: listed with file, line, reason and raw text, filtered by run, file and text (in
English or in the reader's language), exported whole as CSV with formulas made inert; and every
message the ingest writes reads in plain French and English."""

from __future__ import annotations

import csv
import io

import duckdb
import pytest

from pipeline.i18n import has_key, t_strict
from pipeline.i18n.messages import (
    RECORDED,
    Message,
    message,
    notes,
    parameter_names,
    text_sql,
    translation_key,
)
from pipeline.ingest.messages import (
    format_label,
    reject_reason,
    run_message,
    run_status,
    stored_message,
)
from pipeline.queries.rejects import (
    RejectFilter,
    count_rejects,
    export_file_name,
    rejected_records,
    write_rejects_csv,
)
from pipeline.readers import READERS

SEND_LOG = (
    "send_id,requested_at,provider,provider_message_id,recipient_email\n"
    "S-1,2026-01-05T08:00:00Z,brevo,<1@smtp-relay.mailin.fr>,lea@free.fr\n"
    "S-2,2026-01-05T08:01:00Z,brevo,<2@smtp-relay.mailin.fr>,lea@gmail\n"
    "S-3,2026-01-05T08:02:00Z,brevo\n"
    '=HYPERLINK("http://x","y"),,brevo,<4@smtp-relay.mailin.fr>,paul@free.fr\n'
    "S-5,,brevo,<5@smtp-relay.mailin.fr>,jo@free.fr\n"
)
BREVO = (
    '{"event": "delivered", "email": "lea@free.fr", "message-id": "<1@smtp-relay.mailin.fr>", '
    '"ts_epoch": 1767600010000}\n'
    "{not json\n"
)


@pytest.fixture
def rejects_store(write, ingest, db):
    reports = ingest(write("envois.csv", SEND_LOG), write("brevo.jsonl", BREVO))
    assert [r.records_rejected for r in reports] == [4, 1]
    return db


def test_refused_records_keep_their_file_line_reason_and_raw_text(rejects_store) -> None:
    records = rejected_records(rejects_store(), RejectFilter(), "en")
    assert len(records) == 5
    by_line = {(r.file_name, r.line): r for r in records.itertuples()}
    bad_address = by_line[("envois.csv", 3)]
    assert bad_address.reason.startswith("Malformed recipient address 'lea@gmail'")
    assert bad_address.raw == "S-2,2026-01-05T08:01:00Z,brevo,<2@smtp-relay.mailin.fr>,lea@gmail"
    assert by_line[("envois.csv", 4)].reason == "3 fields instead of the header's 5."
    assert (
        by_line[("envois.csv", 6)].reason == "The required field requested_at is empty or missing."
    )
    assert by_line[("brevo.jsonl", 2)].raw == "{not json"
    assert records["run_id"].is_monotonic_decreasing  # newest run first
    cut = rejected_records(rejects_store(), RejectFilter(text="lea@gmail"), "en", raw_chars=4)
    assert list(cut["raw"]) == ["S-2,"]


def test_refused_records_filter_by_run_file_and_text_in_either_language(rejects_store) -> None:
    con = rejects_store()
    everything = rejected_records(con, RejectFilter(), "fr")
    brevo_path = everything.loc[everything["file_name"] == "brevo.jsonl", "file_path"].iloc[0]
    brevo_run = int(everything.loc[everything["file_name"] == "brevo.jsonl", "run_id"].iloc[0])
    assert count_rejects(con, RejectFilter(file_path=brevo_path), "fr") == 1
    assert count_rejects(con, RejectFilter(run_id=brevo_run), "fr") == 1
    assert count_rejects(con, RejectFilter(run_id=brevo_run + 99), "fr") == 0
    assert count_rejects(con, RejectFilter(text="fields as in the header"), "fr") == 2  # recorded
    assert count_rejects(con, RejectFilter(text="CHAMPS AU LIEU"), "fr") == 2  # translated
    assert count_rejects(con, RejectFilter(text="champs au lieu"), "en") == 0
    assert count_rejects(con, RejectFilter(text="lea@gmail"), "fr") == 1  # raw text
    assert count_rejects(con, RejectFilter(text="envois"), "fr") == 4  # file name
    assert count_rejects(con, RejectFilter(text="  "), "fr") == 5  # blank: no filter


def test_the_csv_export_holds_every_match_for_french_excel_with_formulas_made_inert(
    rejects_store,
) -> None:
    out = io.BytesIO()
    rows = write_rejects_csv(rejects_store(), RejectFilter(), out, lang="fr")
    data = out.getvalue()
    assert data.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows == len(table) - 1 == 5
    assert table[0] == [
        "N° d'import", "Fichier", "Chemin du fichier", "Ligne", "Élément", "Motif",
        "Motif (tel qu'enregistré)", "Texte lu",
    ]  # fmt: skip
    raws = [row[7] for row in table[1:]]
    assert '\'=HYPERLINK("http://x","y"),,brevo,<4@smtp-relay.mailin.fr>,paul@free.fr' in raws
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in table for cell in row)
    reasons = {row[3]: row[5] for row in table[1:] if row[1] == "envois.csv"}
    assert reasons["4"] == "3 champs au lieu des 5 de l'en-tête."


def test_the_csv_export_in_plain_rfc4180_uses_commas_and_only_the_filtered_records(
    rejects_store,
) -> None:
    out = io.BytesIO()
    rows = write_rejects_csv(
        rejects_store(), RejectFilter(text="json"), out, lang="en", dialect="rfc4180"
    )
    text = out.getvalue().decode("utf-8")
    table = list(csv.reader(io.StringIO(text)))
    assert not text.startswith("\ufeff")
    assert rows == 1
    assert table[0][:2] == ["Import no.", "File"]
    assert table[1][1] == "brevo.jsonl"
    assert table[1][7] == "{not json"


def test_the_export_file_name_says_what_it_holds() -> None:
    assert export_file_name(RejectFilter(), "fr") == "mailtrail_rejets.csv"
    named = RejectFilter(run_id=12, file_path="/in/envois-2026-05.csv", text="gmail.com")
    assert (
        export_file_name(named, "en")
        == "mailtrail_refused_records_run-12_envois-2026-05_gmail-com.csv"
    )


def test_every_record_refusal_of_the_pipeline_reads_in_french(rejects_store) -> None:
    recorded = (
        rejects_store()
        .execute("SELECT DISTINCT reason, reason_code, reason_params FROM ingest_rejects")
        .fetchall()
    )
    for reason, code, params in recorded:
        note = stored_message(code, params)
        assert note is not None, reason
        assert reject_reason(note, reason, "fr") != reason, reason


def test_every_stored_code_renders_its_english_template_to_the_stored_text(
    rejects_store, write, ingest, db
) -> None:
    ingest(*(write(name, content) for name, (content, _) in WHOLE_FILES.items()))
    con = db()
    stored = con.execute(
        "SELECT reason, reason_code, reason_params FROM ingest_rejects UNION ALL "
        "SELECT message, message_code, message_params FROM ingest_runs WHERE message IS NOT NULL"
    ).fetchall()
    assert len(stored) > 10
    for text, code, params in stored:
        note = stored_message(code, params)
        assert note is not None and note.text == text, (code, params, text)


def text_in_sql(note: Message) -> str | None:
    """The recorded text of `note` as DuckDB writes it from its code and JSON parameters."""
    row = duckdb.execute(
        f"SELECT {text_sql('c', 'p')} FROM (SELECT ? AS c, CAST(? AS JSON) AS p)",
        [note.code, note.params_json()],
    ).fetchone()
    return row[0] if row else None


def _sample_params(code: str) -> dict[str, object]:
    return {name: f"<{name} 'x'>" for name in parameter_names(code)}


def test_the_sql_template_of_every_code_writes_the_same_text_as_python() -> None:
    for code in RECORDED:
        if code == "notes":
            continue
        note = message(code, **_sample_params(code))
        assert text_in_sql(note) == note.text, code


def test_a_recorded_count_of_one_is_singular_in_python_and_in_sql() -> None:
    for count, text in ((1, "1 event with an unrecognised name"), (3, "3 events with an")):
        note = message("unknown_events", count=count)
        assert note.text.startswith(text) and text_in_sql(note) == note.text


def test_no_recorded_message_hedges_its_plural_with_s_in_brackets() -> None:
    for code, template in RECORDED.items():
        assert "(s)" not in str(template), code


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_message_code_has_a_translation_in_each_language(lang: str) -> None:
    for code in RECORDED:
        key = translation_key(code)
        if code == "notes":
            continue
        params = {**_sample_params(code), "count": 2, "name": "n", "label": "l", "problem": "p"}
        # raises when the key, the language or one of its parameters is missing
        assert t_strict(key, lang, **params).strip(), (code, lang)


WHOLE_FILES = {
    "empty.csv": (b"", "Le fichier est vide."),
    "photo.png": (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "Ce n'est pas un fichier texte."),
    "notes.csv": (
        b"name,comment\nA,B\n",
        "Format non reconnu\u00a0: un fichier CSV avec les colonnes",
    ),
    "other.json": (b'{"hello": 1}\n', "Format non reconnu\u00a0: du JSON dont le premier"),
    "header.csv": (
        b"send_id,requested_at,provider,provider_message_id,recipient_email\n",
        "Le fichier n'a qu'une ligne d'en-tête, aucune donnée.",
    ),
    "broken.json": (b'[{"event": ', "Le fichier commence comme du JSON"),
}


def test_every_whole_file_refusal_of_the_pipeline_reads_in_plain_french(write, ingest, db) -> None:
    reports = ingest(*(write(name, content) for name, (content, _) in WHOLE_FILES.items()))
    for report in reports:
        name = report.path.rsplit("/", 1)[-1]
        assert report.status == "refused", report
        said = run_message(report.note, report.message, "fr")
        assert said.startswith(WHOLE_FILES[name][1]), report.message
    again = ingest(write("sends.csv", SEND_LOG))[0]
    duplicate = ingest(write("copy.csv", SEND_LOG))[0]
    assert again.status == "completed" and duplicate.status == "duplicate_file"
    assert run_message(duplicate.note, duplicate.message, "fr").startswith(
        "Déjà importé\u00a0: ce fichier est identique à sends.csv, importé le "
    )
    assert run_message(duplicate.note, duplicate.message, "en").startswith("Already imported")


def test_a_missing_required_column_names_the_format_and_the_columns_in_french(
    write, ingest
) -> None:
    report = ingest(write("sends.csv", "send_id,subject\nS-1,Convocation\n"))[0]
    assert report.status == "refused"
    assert run_message(report.note, report.message, "fr") == (
        "Journal d'envoi (CSV)\u00a0: colonnes obligatoires absentes\u00a0: requested_at, "
        "provider, recipient_email (colonnes trouvées\u00a0: send_id, subject)."
    )
    one = ingest(write("one.csv", "send_id,requested_at,provider,subject\nS-1,x,brevo,C\n"))[0]
    assert run_message(one.note, one.message, "en").startswith(
        "Send log (CSV): required column missing: recipient_email"
    )


def test_an_interruption_and_ingest_notes_read_in_french() -> None:
    interrupted = message("interrupted", started="2026-11-20T09:00:00+00:00", pid="42")
    assert interrupted.text == (
        "interrupted: the ingest started at 2026-11-20T09:00:00+00:00 by process 42 stopped "
        "before it finished; nothing of it was kept"
    )
    assert run_message(interrupted, interrupted.text, "fr", "Europe/Paris") == (
        "L'import commencé le 20/11/2026 à 10:00 s'est arrêté avant la fin\u202f; rien n'en a été "
        "conservé. Importez ce fichier à nouveau."
    )
    both = notes([message("unknown_events", count=2), message("all_known")])
    assert both is not None and both.text == (
        "2 events with an unrecognised name kept as 'unknown'; "
        "every record was already in the store: nothing changed"
    )
    assert run_message(both, both.text, "en") == (
        '2 events with an unrecognised name, kept as "unknown". '
        "Every record was already known: nothing changed."
    )
    one = message("unknown_events", count=1)
    assert run_message(one, one.text, "fr") == (
        "1 événement au nom inconnu, conservé comme «\u00a0inconnu\u00a0»."
    )
    many = message("unknown_events", count=3380)
    assert run_message(many, many.text, "fr").startswith("3\u202f380 événements au nom inconnu")


def test_a_row_of_an_older_store_without_a_code_is_shown_as_written() -> None:
    cheese = "the moon is made of cheese"
    assert run_message(stored_message(None, None), cheese, "fr") == cheese
    assert reject_reason(stored_message(None, None), cheese, "fr") == cheese
    assert stored_message("a_code_of_a_newer_mailtrail", "{}") is None


def test_every_reader_format_and_run_outcome_has_a_label() -> None:
    for spec in READERS:
        assert has_key(f"data.format.{spec.name}"), spec.name
    assert format_label("mapping:acme", "fr") == "Correspondance de colonnes «\u00a0acme\u00a0»"
    for status in ("completed", "duplicate_file", "refused", "interrupted"):
        assert run_status(status, "fr") != status
