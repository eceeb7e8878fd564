"""A session's proof of sending: every person invited (learners first) with each mail sent, when
it was requested, delivered and opened; as XLSX and as a printable, escaped HTML page."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import io
import subprocess
import sys
from pathlib import Path

import duckdb
import openpyxl
import pytest

from pipeline.errors import ExportError
from pipeline.reports.session_proof.html import proof_html
from pipeline.reports.session_proof.model import load_session_proof, proof_file_name
from pipeline.reports.session_proof.xlsx import proof_xlsx
from tests.conftest import DATA, DemoStore

ROOT = Path(__file__).resolve().parents[1]
NOW = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def demo_con(demo_store: DemoStore) -> duckdb.DuckDBPyConnection:
    con = demo_store.connect()
    con.execute("SET TimeZone = 'Europe/Paris'")
    yield con
    con.close()


@pytest.fixture(scope="module")
def busiest_session(demo_con: duckdb.DuckDBPyConnection) -> str:
    """The demo session with the most learners that also mailed someone else."""
    return demo_con.execute(
        "SELECT session_id FROM email_history WHERE session_id IS NOT NULL GROUP BY session_id "
        "HAVING count(DISTINCT recipient_kind) > 1 "
        "ORDER BY count(DISTINCT contact_id) FILTER (recipient_kind = 'learner') DESC LIMIT 1"
    ).fetchall()[0][0]


@pytest.fixture
def traps(ingest, db) -> duckdb.DuckDBPyConnection:
    assert all(r.ok for r in ingest(DATA / "export/sends_traps.csv"))
    return db()


def test_the_proof_lists_every_person_of_the_session_learners_first(
    demo_con: duckdb.DuckDBPyConnection, busiest_session: str
) -> None:
    proof = load_session_proof(demo_con, busiest_session, "fr", now=NOW)
    store = demo_con.execute(
        "SELECT COALESCE(contact_id, recipient_email), recipient_kind, count(*) "
        "FROM email_history WHERE session_id = ? GROUP BY ALL",
        [busiest_session],
    ).fetchall()
    people = {(key, kind) for key, kind, _ in store}
    assert set(zip(proof.rows["person_key"], proof.rows["recipient_kind"], strict=True)) == people
    assert len(proof.rows) == sum(n for *_, n in store) == proof.facts.mails
    kinds = list(dict.fromkeys(proof.rows["recipient_kind"]))
    assert kinds[0] == "learner" and len(kinds) > 1
    assert [s.kind for s in proof.summaries()] == kinds
    learners = proof.summaries()[0]
    assert learners.people == len({k for k, kind in people if kind == "learner"})
    assert learners.mails == learners.received + learners.not_received + learners.in_progress


def test_each_persons_mails_come_in_the_order_of_a_training(traps) -> None:
    proof = load_session_proof(traps, "S-EXP-1", "en", now=NOW)
    lea = proof.rows[proof.rows["contact_id"] == "C-1"]
    assert list(lea["email_type"]) == ["programme", "convocation"]
    assert list(proof.rows["recipient_kind"]) == ["learner"] * 3 + ["client", "trainer"]


def test_the_printable_page_names_every_learner_and_escapes_what_it_shows(
    demo_con: duckdb.DuckDBPyConnection, busiest_session: str, traps
) -> None:
    proof = load_session_proof(demo_con, busiest_session, "fr", now=NOW)
    page = proof_html(proof)
    learners = proof.rows[proof.rows["recipient_kind"] == "learner"]
    for name in set(learners["person_name"].dropna()):
        assert html.escape(name) in page
    assert "@page" in page and "@media print" in page
    assert "Preuve d'envoi des e-mails" in html.unescape(page)

    hostile = proof_html(load_session_proof(traps, "S-EXP-1", "en", now=NOW))
    assert "<script>alert(1)</script>" not in hostile
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in hostile
    assert "Acme &amp; Fils" in hostile
    assert "20/11/2026" not in hostile and "2026-11-20 10:30" in hostile  # generated, local time


def test_the_workbook_holds_one_row_per_mail_with_real_dates(
    demo_con: duckdb.DuckDBPyConnection, busiest_session: str
) -> None:
    proof = load_session_proof(demo_con, busiest_session, "en", now=NOW)
    book = openpyxl.load_workbook(io.BytesIO(proof_xlsx(proof)))
    summary, mails = book.worksheets
    assert summary["A1"].value == "Proof of sending"
    assert summary["A2"].value == proof.facts.session_name
    header, *rows = list(mails.iter_rows(values_only=True))
    assert len(rows) == len(proof.rows)
    assert header[:4] == ("Role", "Person", "Contact id", "E-mail address")
    requested = header.index("Requested")
    assert all(isinstance(r[requested], dt.datetime) for r in rows)
    assert mails.freeze_panes == "C2" and mails.auto_filter.ref


def test_texts_that_could_run_as_formulas_are_inert_in_the_workbook(traps) -> None:
    workbook = proof_xlsx(load_session_proof(traps, "S-EXP-1", "fr", now=NOW))
    book = openpyxl.load_workbook(io.BytesIO(workbook))
    cells = [c for row in book.worksheets[1].iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    assert '\'=HYPERLINK("http://x","y")' in [c.value for c in cells]


def test_a_text_shaped_like_rich_text_xml_is_written_as_it_reads(traps) -> None:
    proof = load_session_proof(traps, "S-EXP-1", "fr", now=NOW)
    proof.rows.loc[0, "subject"] = "<r>Convocation</r>"  # xlsxwriter would paste it as raw XML
    proof.rows.loc[1, "subject"] = "<r><t>Facture</t></r>"
    session = dataclasses.replace(proof.facts, session_name="<r>Excel</r>")
    book = openpyxl.load_workbook(io.BytesIO(proof_xlsx(dataclasses.replace(proof, facts=session))))
    values = [c.value for row in book.worksheets[1].iter_rows() for c in row]
    assert "<r>Convocation</r>" in values and "<r><t>Facture</t></r>" in values
    assert book.worksheets[0]["A2"].value.startswith("<r>Excel</r>")


def test_a_session_without_mails_is_a_clear_error(traps) -> None:
    with pytest.raises(ExportError, match="No mail of session S-NONE is on record"):
        load_session_proof(traps, "S-NONE", "en")


def test_proof_file_names_name_the_session_in_the_documents_language() -> None:
    assert proof_file_name("SES-2026-00042", "fr", "xlsx") == (
        "mailtrail_preuve-envoi_SES-2026-00042.xlsx"
    )
    assert proof_file_name("SES/1", "en", "html") == "mailtrail_proof-of-sending_SES-1.html"


def test_the_command_line_writes_the_proof(
    demo_store: DemoStore, busiest_session, tmp_path
) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "pipeline", "session-proof", "--db", str(demo_store.db_path),
         busiest_session, "--format", "html", "--lang", "en"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    written = tmp_path / f"mailtrail_proof-of-sending_{busiest_session}.html"
    assert "Proof of sending" in written.read_text(encoding="utf-8")
