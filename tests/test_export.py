"""Exports of a slice of email_history: whole slices (not the grid's page), the contract columns,
CSV for French Excel and RFC 4180, XLSX, Parquet, formulas neutralised, names that say what the
file holds, and clear errors."""

from __future__ import annotations

import csv
import datetime as dt
import os
import shlex
import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pytest

from pipeline.errors import ExportError
from pipeline.filters.grid_query import GridQuery
from pipeline.filters.mail_filter import MailFilter
from pipeline.queries.history import count_mails
from pipeline.reports.export import (
    CONTRACT_COLUMNS,
    FORMATS,
    export_command,
    export_file_name,
    export_mails,
)
from tests.conftest import DATA, DemoStore
from tests.history_rows import create_history
from tests.office import libreoffice_rows

GOLDEN = Path(__file__).parent / "golden"
ROOT = Path(__file__).resolve().parents[1]
COLUMNS = [name for name, _ in CONTRACT_COLUMNS]
INCIDENT = MailFilter(
    statuses=("undeliverable",), period_start=dt.date(2026, 8, 1), period_end=dt.date(2026, 8, 31)
)
SLICES = {
    "everything": MailFilter(),
    "incident month": INCIDENT,
    "learners' convocations": MailFilter(
        email_types=("convocation",), recipient_kinds=("learner",)
    ),
    "text search": MailFilter(text="formation", providers=("sendgrid",)),
}


def read_rows(path: Path, format_key: str) -> list[dict[str, object]]:
    """The data rows of an exported file, as {column: value}."""
    if format_key in ("csv", "csv-excel"):
        delimiter = ";" if format_key == "csv-excel" else ","
        with path.open(encoding="utf-8-sig", newline="") as f:
            return list(csv.DictReader(f, delimiter=delimiter))
    if format_key == "xlsx":
        sheet = openpyxl.load_workbook(path, read_only=True).active
        header, *rows = sheet.iter_rows(values_only=True)
        return [dict(zip(header, row, strict=True)) for row in rows]
    with duckdb.connect() as con:
        return con.execute(f"SELECT * FROM read_parquet('{path}')").df().to_dict("records")


def exported(con, mail_filter: MailFilter, format_key: str, folder: Path, **options) -> list[dict]:
    """Export the slice into `folder` and read its rows back."""
    out = folder / f"{format_key}.{FORMATS[format_key].extension}"
    return read_rows(export_mails(con, mail_filter, format_key, out, **options).path, format_key)


@pytest.fixture
def traps(ingest, db) -> duckdb.DuckDBPyConnection:
    """A store of seven mails whose texts hold accents, separators, quotes, newlines and
    formula starts (tests/data/export/sends_traps.csv), read as an analyst would."""
    reports = ingest(DATA / "export/sends_traps.csv")
    assert all(r.ok for r in reports)
    return db()


@pytest.fixture(scope="module")
def demo_con(demo_store: DemoStore) -> duckdb.DuckDBPyConnection:
    con = demo_store.connect()
    con.execute("SET TimeZone = 'Europe/Paris'")
    yield con
    con.close()


def test_the_columns_are_the_contract_columns_in_contract_order() -> None:
    # Each golden line is `name TYPE`; the export follows the names.
    lines = (GOLDEN / "email_history_columns.txt").read_text().splitlines()
    assert [line.split(" ", 1)[0] for line in lines] == COLUMNS


@pytest.mark.parametrize("format_key", list(FORMATS))
@pytest.mark.parametrize("name", list(SLICES))
def test_an_export_holds_exactly_the_mails_of_the_slice(
    demo_con: duckdb.DuckDBPyConnection, tmp_path: Path, format_key: str, name: str
) -> None:
    mail_filter = SLICES[name]
    result = export_mails(
        demo_con, mail_filter, format_key, tmp_path / export_file_name(mail_filter, format_key)
    )
    rows = read_rows(result.path, format_key)
    where, params = mail_filter.where()
    expected = {r[0] for r in demo_con.execute(
        f"SELECT send_id FROM mails WHERE {where}", params).fetchall()}  # fmt: skip
    assert len(rows) == result.rows == count_mails(demo_con, mail_filter) == len(expected)
    assert result.rows > 0
    assert {str(r["send_id"]).lstrip("\ufeff") for r in rows} == expected
    assert list(rows[0]) == COLUMNS


def test_an_export_from_the_page_includes_the_grids_column_filters(
    demo_con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    where, params = INCIDENT.where()
    domain = demo_con.execute(
        f"SELECT recipient_domain FROM mails WHERE {where} "
        "GROUP BY ALL ORDER BY count(*) DESC, 1 LIMIT 1",
        params,
    ).fetchall()[0][0]
    typed = {"recipient_email": {"filterType": "text", "type": "contains", "filter": domain}}
    grid = GridQuery.from_grid(typed)
    rows = exported(demo_con, INCIDENT, "csv", tmp_path, grid=grid)
    assert 0 < len(rows) == count_mails(demo_con, INCIDENT, grid)
    assert len(rows) < count_mails(demo_con, INCIDENT)
    assert all(domain in r["recipient_email"] for r in rows)


def test_the_excel_csv_has_a_bom_semicolons_crlf_and_intact_accents(traps, tmp_path: Path) -> None:
    path = export_mails(traps, MailFilter(), "csv-excel", tmp_path / "x.csv").path
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfsend_id;provider;")
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[0] == ";".join(COLUMNS)
    assert raw.count(b"\r\n") == 1 + 7  # header and 7 records; the subject's own newline stays \n
    assert "Léa Çœur-Éloïse" in text and "« formation » été" in text
    assert '"Sécurité — Lyon; salle « B »"' in text  # a ';' in a value is quoted


def test_the_plain_csv_follows_rfc_4180_quoting(traps, tmp_path: Path) -> None:
    path = export_mails(traps, MailFilter(), "csv", tmp_path / "x.csv").path
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert raw.startswith(b"send_id,provider,")
    assert b'"Programme ; ""\xc3\xa9dition"" 2026\nligne 2, suite"' in raw
    rows = {r["send_id"]: r for r in read_rows(path, "csv")}
    assert rows["T-002"]["subject"] == 'Programme ; "édition" 2026\nligne 2, suite'
    assert rows["T-001"]["session_name"] == "Sécurité — Lyon; salle « B »"


def test_times_are_local_and_readable_in_csv(traps, tmp_path: Path) -> None:
    excel = exported(traps, MailFilter(), "csv-excel", tmp_path)
    plain = exported(traps, MailFilter(), "csv", tmp_path)
    at = {r["send_id"].lstrip("\ufeff"): r["requested_at"] for r in excel}
    iso = {r["send_id"]: r["requested_at"] for r in plain}
    assert at["T-001"] == "05/01/2026 10:00:00" and at["T-006"] == "01/07/2026 09:00:00"
    assert iso["T-001"] == "2026-01-05T10:00:00+01" and iso["T-006"] == "2026-07-01T09:00:00+02"
    assert dt.datetime.fromisoformat(iso["T-006"]) == dt.datetime(2026, 7, 1, 7, tzinfo=dt.UTC)


FORMULAS = {
    "T-001": '=HYPERLINK("http://x","y")',
    "T-003": "+33 6 12 34 56 78",
    "T-004": "-10 % sur la formation",
    "T-005": "@Jean : votre planning",
    "T-006": "\tTabulé",
}


@pytest.mark.parametrize("format_key", ["csv-excel", "csv", "xlsx"])
def test_text_that_could_run_as_a_formula_is_neutralised(traps, tmp_path, format_key) -> None:
    path = export_mails(
        traps, MailFilter(), format_key, tmp_path / f"x.{FORMATS[format_key].extension}"
    ).path
    subjects = {
        str(r["send_id"]).lstrip("\ufeff"): r["subject"] for r in read_rows(path, format_key)
    }
    for send_id, subject in FORMULAS.items():
        assert subjects[send_id] == "'" + subject, send_id
    assert subjects["T-007"] == "Devis n° 12 – « formation » été"


def test_an_xlsx_export_holds_no_formula_cell(traps, tmp_path: Path) -> None:
    path = export_mails(traps, MailFilter(), "xlsx", tmp_path / "x.xlsx").path
    sheet_xml = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml
    cells = [c for row in openpyxl.load_workbook(path).active.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)


def test_negative_numbers_stay_numbers_and_parquet_keeps_raw_text(tmp_path: Path) -> None:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'Europe/Paris'")
    at = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
    mail = {
        "send_id": "N-1", "provider": "brevo", "requested_at": at, "subject": "=1+1",
        "status": "sent", "open_count": -1, "machine_open_count": 0, "click_count": 0,
        "attachment_count": 0, "complained": False, "unsubscribed": False, "has_send_log": True,
    }  # fmt: skip
    create_history(con, [mail])
    csv_row = exported(con, MailFilter(), "csv", tmp_path)[0]
    assert csv_row["open_count"] == "-1" and csv_row["subject"] == "'=1+1"
    sheet = openpyxl.load_workbook(
        export_mails(con, MailFilter(), "xlsx", tmp_path / "b.xlsx").path
    )
    header = [c.value for c in sheet.active[1]]
    cell = sheet.active.cell(row=2, column=header.index("open_count") + 1)
    assert cell.value == -1 and cell.data_type == "n"
    raw = exported(con, MailFilter(), "parquet", tmp_path)
    assert raw[0]["subject"] == "=1+1" and raw[0]["open_count"] == -1


def test_xlsx_has_real_local_dates_and_a_bold_frozen_filterable_header(traps, tmp_path) -> None:
    path = export_mails(traps, MailFilter(), "xlsx", tmp_path / "x.xlsx").path
    sheet = openpyxl.load_workbook(path).active
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:AC8"
    assert all(c.font.b for c in sheet[1])
    header = [c.value for c in sheet[1]]
    assert header == COLUMNS
    first = {h: c.value for h, c in zip(header, sheet[2], strict=True)}
    assert first["send_id"] == "T-004"  # oldest first
    assert first["requested_at"] == dt.datetime(2026, 1, 4, 9, 0)  # local wall-clock time
    assert sheet.column_dimensions["O"].width > 40  # the subject is readable


def test_a_csv_for_french_excel_in_words_has_french_headers_labels_and_dates(
    traps, tmp_path: Path
) -> None:
    rows = exported(traps, MailFilter(), "csv-excel", tmp_path, lang="fr")
    assert list(rows[0]) == [
        "Identifiant d'envoi", "Prestataire d'envoi", "Identifiant du message chez le prestataire",
        "Demandé le", *list(rows[0])[4:],
    ]  # fmt: skip
    assert len(set(rows[0])) == len(COLUMNS)
    codes = {r["send_id"]: r for r in exported(traps, MailFilter(), "csv-excel", tmp_path)}
    for row in rows:
        raw = codes[row["Identifiant d'envoi"]]
        assert row["Statut"] == {
            "requested": "Demandé", "sent": "Envoyé", "delivered": "Reçu",
            "opened": "Reçu et ouvert", "undeliverable": "Réception impossible",
            "send_error": "Erreur à l'envoi",
        }[raw["status"]]  # fmt: skip
        assert row["Signalé comme spam"] in {"oui", "non", ""}
        assert (
            row["Signalé comme spam"] == {"true": "oui", "false": "non", "": ""}[raw["complained"]]
        )
        assert row["Demandé le"] == raw["requested_at"]  # dd/mm/yyyy, as French Excel reads it
    days = [
        dt.datetime.strptime(r["Demandé le"], "%d/%m/%Y %H:%M:%S") for r in rows if r["Demandé le"]
    ]
    assert days == sorted(days)  # oldest first, not sorted as dd/mm/yyyy text


def test_an_xlsx_in_words_has_labelled_headers_and_values_and_french_dates(
    traps, tmp_path: Path
) -> None:
    path = export_mails(traps, MailFilter(), "xlsx", tmp_path / "fr.xlsx", lang="fr").path
    sheet = openpyxl.load_workbook(path).active
    header = [c.value for c in sheet[1]]
    assert header[:2] == ["Identifiant d'envoi", "Prestataire d'envoi"]
    first = {h: c for h, c in zip(header, sheet[2], strict=True)}
    assert first["Identifiant d'envoi"].value == "T-004"
    assert first["Demandé le"].value == dt.datetime(2026, 1, 4, 9, 0)
    assert first["Demandé le"].number_format == "dd/mm/yyyy hh:mm:ss"
    statuses = {sheet.cell(row=r, column=header.index("Statut") + 1).value for r in range(2, 9)}
    assert statuses and statuses <= {"Demandé", "Envoyé", "Reçu", "Reçu et ouvert",
                                     "Réception impossible", "Erreur à l'envoi"}  # fmt: skip


def test_only_the_spreadsheet_formats_can_be_labelled(traps, tmp_path: Path) -> None:
    for format_key in ("csv", "parquet"):
        with pytest.raises(ExportError, match="keeps the data contract's names and codes"):
            export_mails(traps, MailFilter(), format_key, tmp_path / "x", lang="fr")


def test_parquet_round_trips_every_value_of_the_slice(traps, tmp_path: Path) -> None:
    path = export_mails(traps, MailFilter(), "parquet", tmp_path / "x.parquet").path
    differences = traps.execute(
        f"(SELECT * FROM email_history EXCEPT ALL SELECT * FROM read_parquet('{path}')) "
        f"UNION ALL (SELECT * FROM read_parquet('{path}') EXCEPT ALL SELECT * FROM email_history)"
    ).fetchall()
    assert differences == []
    types = "SELECT column_name, column_type FROM (DESCRIBE {})"
    assert traps.execute(types.format(f"SELECT * FROM read_parquet('{path}')")).fetchall() == (
        traps.execute(types.format("email_history")).fetchall()
    )


def test_file_names_say_what_the_file_holds() -> None:
    march = MailFilter(statuses=("undeliverable",), period_start=dt.date(2026, 3, 1),
                       period_end=dt.date(2026, 3, 31))  # fmt: skip
    assert export_file_name(march, "csv") == "mailtrail_undeliverable_2026-03-01_2026-03-31.csv"
    assert export_file_name(march, "csv-excel") == (
        "mailtrail_undeliverable_2026-03-01_2026-03-31_excel.csv"
    )  # the two CSV files of one slice do not overwrite each other
    assert export_file_name(march, "xlsx").endswith(".xlsx")
    assert export_file_name(march, "parquet").endswith(".parquet")
    assert export_file_name(MailFilter(), "csv") == "mailtrail_all.csv"
    named = MailFilter(session_id="SES/42", email_types=("convocation",), text="Léa Dupont")
    assert export_file_name(named, "xlsx") == (
        "mailtrail_all_convocation_session-SES-42_q-Lea-Dupont.xlsx"
    )


def test_nothing_to_export_is_a_clear_error_and_leaves_no_file(traps, tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    with pytest.raises(ExportError, match="no mail matches"):
        export_mails(traps, MailFilter(text="nobody at all"), "csv", folder / "x.csv")
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize(
    ("where", "problem"),
    [("missing/x.csv", "does not exist"), ("", "is a folder")],
)
def test_an_unwritable_destination_is_a_clear_error(traps, tmp_path, where, problem) -> None:
    with pytest.raises(ExportError, match=problem):
        export_mails(traps, MailFilter(), "csv", tmp_path / where)


def test_a_write_that_fails_halfway_leaves_no_file_behind(traps, tmp_path, monkeypatch) -> None:
    def half_then_disk_full(con, select, params, columns, rows, path: Path, **_: object) -> None:
        path.write_bytes(b"PK half a workbook")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("pipeline.reports.export.write_mails_xlsx", half_then_disk_full)
    folder = tmp_path / "exports"
    folder.mkdir()
    with pytest.raises(ExportError, match="No space left on device"):
        export_mails(traps, MailFilter(), "xlsx", folder / "x.xlsx")
    assert list(folder.iterdir()) == []


def test_an_unknown_format_is_a_clear_error(traps, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="unknown export format 'ods'"):
        export_mails(traps, MailFilter(), "ods", tmp_path / "x.ods")


def test_the_command_line_offered_by_the_page_reproduces_the_slice() -> None:
    mail_filter = MailFilter(
        statuses=("undeliverable", "send_error"), period_start=dt.date(2026, 8, 1),
        text="a b", complained=False, recipient_kinds=("learner",),
    )  # fmt: skip
    command = export_command(mail_filter, "parquet", "out.parquet")
    assert command == (
        "python -m pipeline export --format parquet --start 2026-08-01 --status undeliverable "
        "--status send_error --kind learner --text 'a b' --not-complained --out out.parquet"
    )


def test_libreoffice_opens_the_xlsx_with_the_same_rows(
    demo_con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = export_mails(demo_con, INCIDENT, "xlsx", tmp_path / "incident.xlsx").path
    header, *rows = libreoffice_rows(path, tmp_path)
    assert header == COLUMNS
    where, params = INCIDENT.where()
    expected = demo_con.execute(
        "SELECT send_id, COALESCE(recipient_name, ''), "
        f"strftime(requested_at, '%Y-%m-%d %H:%M:%S') FROM email_history WHERE {where}",
        params,
    ).fetchall()
    index = {name: i for i, name in enumerate(header)}
    seen = {
        (r[index["send_id"]], r[index["recipient_name"]], r[index["requested_at"]]) for r in rows
    }
    assert len(rows) == len(expected) and seen == {tuple(e) for e in expected}


def run_cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def test_the_command_line_exports_the_slice_its_options_describe(
    demo_store: DemoStore, demo_con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    done = run_cli(["export", "--db", str(demo_store.db_path), "--format", "csv",
                    "--start", "2026-08-01", "--end", "2026-08-31", "--status", "undeliverable"],
                   tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    written = tmp_path / "mailtrail_undeliverable_2026-08-01_2026-08-31.csv"
    rows = read_rows(written, "csv")
    assert len(rows) == count_mails(demo_con, INCIDENT) > 0
    mails = "1 mail" if len(rows) == 1 else f"{len(rows)} mails"
    assert f"{mails} written to {written.name}" in done.stderr


def test_the_command_offered_by_the_page_runs_and_exports_the_same_mails(
    demo_store: DemoStore, demo_con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    mail_filter = MailFilter(statuses=("opened",), recipient_kinds=("learner",), text="formation",
                             period_start=dt.date(2026, 1, 1))  # fmt: skip
    _, _, _, *args = shlex.split(export_command(mail_filter, "parquet", "slice.parquet"))
    done = run_cli([*args, "--db", str(demo_store.db_path)], tmp_path)
    assert done.returncode == 0, done.stderr
    assert len(read_rows(tmp_path / "slice.parquet", "parquet")) == count_mails(
        demo_con, mail_filter
    )


def test_the_command_line_says_plainly_when_nothing_matches(demo_store, tmp_path) -> None:
    done = run_cli(["export", "--db", str(demo_store.db_path), "--text", "nobody-here"], tmp_path)
    assert done.returncode == 1
    assert "no mail matches these filters: nothing to export" in done.stderr
    assert list(tmp_path.iterdir()) == []
