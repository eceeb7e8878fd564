"""Another provider's CSV export read through a TOML column mapping; bad mappings are refused
with the key at fault; user text never reaches the SQL unescaped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.ingest.files import ingest_paths
from pipeline.readers.mapped_csv import MappingError, load_mapping
from tests.conftest import DATA

MAPPINGS = Path(__file__).parent.parent / "mappings"
BREVO_FR = MAPPINGS / "brevo_fr_log_export.toml"
SENDGRID = MAPPINGS / "sendgrid_email_activity_export.toml"

# Written for these tests with the likely French labels (none was ever published).
BREVO_FR_EXPORT = (DATA / "mapped/brevo_fr_logs.csv").read_text(encoding="utf-8")

# The 28 columns of CSV_EXPORTS.md (order as in its first source); rows written for the tests.
SENDGRID_EXPORT = (DATA / "mapped/sendgrid_activity.csv").read_text(encoding="utf-8")


def _statuses(db) -> dict[str, str]:
    rows = db().execute("SELECT recipient_email, status FROM email_history").fetchall()
    return dict(rows)


def _mapping(write, text: str, name: str = "m.toml") -> Path:
    return write(name, text)


MINIMAL = """
provider = "acme"
[columns]
message_id = "id"
recipient = "to"
time = "at"
event = "what"
[time]
format = "iso"
[events]
ok = "delivered"
"""


def test_shipped_mappings_load() -> None:
    assert load_mapping(BREVO_FR).name == "mapping:brevo_fr_log_export"
    assert load_mapping(SENDGRID).provider == "sendgrid"


def test_brevo_french_export_reads_through_its_mapping(settings, db, write) -> None:
    path = write("logs.csv", BREVO_FR_EXPORT)
    (report,) = ingest_paths([path], settings, mapping=BREVO_FR)
    assert report.status == "completed" and report.format == "mapping:brevo_fr_log_export"
    assert (report.records_rejected, report.unknown_events) == (0, 1)
    assert _statuses(db) == {
        "marie@exemple.fr": "opened",
        "paul@exemple.fr": "undeliverable",
        "lea@exemple.fr": "send_error",
        "jean@exemple.fr": "opened",
        "zoe@exemple.fr": "requested",
    }
    row = db().execute(
        "SELECT machine_open_count, open_count, subject, sender_email FROM email_history "
        "WHERE recipient_email = 'marie@exemple.fr'"
    )
    assert row.fetchone() == (1, 0, "Convocation", "formation@exemple-of.fr")
    when = db().execute("SELECT strftime(min(event_at), '%d/%m/%Y %H:%M:%S') FROM events")
    assert when.fetchone()[0] == "21/01/2026 10:22:05"  # wall clock in the configured zone


def test_brevo_french_export_joins_the_webhook_message_ids(settings, db, write) -> None:
    send = {
        "send_id": "M-1",
        "requested_at": "2026-01-21T10:22:00+01:00",
        "provider": "brevo",
        "provider_message_id": "<A1@smtp-relay.mailin.fr>",
        "recipient_email": "marie@exemple.fr",
    }
    paths = [write("sends.jsonl", json.dumps(send) + "\n"), write("logs.csv", BREVO_FR_EXPORT)]
    ingest_paths(paths, settings, mapping=BREVO_FR)
    row = db().execute("SELECT status FROM email_history WHERE send_id = 'M-1'").fetchone()
    assert row == ("opened",)


def test_sendgrid_activity_mapping_agrees_with_the_built_in_reader(settings, db, write) -> None:
    path = write("activity.csv", SENDGRID_EXPORT)
    (report,) = ingest_paths([path], settings, mapping=SENDGRID)
    assert report.format.startswith("mapping:") and report.records_rejected == 0
    through_mapping = _statuses(db)
    (settings.db_path).unlink()
    (report,) = ingest_paths([path], settings)
    assert report.format == "sendgrid_activity_export"
    assert (
        _statuses(db)
        == through_mapping
        == {
            "a@exemple.fr": "delivered",
            "b@exemple.fr": "undeliverable",
            "c@exemple.fr": "opened",
        }
    )


def test_a_send_log_csv_in_the_same_call_is_still_a_send_log(settings, write) -> None:
    send = "send_id,requested_at,provider,recipient_email\nM-1,2026-01-21T10:00:00Z,brevo,a@b.fr\n"
    paths = [write("sends.csv", send), write("logs.csv", BREVO_FR_EXPORT)]
    reports = ingest_paths(paths, settings, mapping=BREVO_FR)
    assert [r.format for r in reports] == ["send_log_csv", "mapping:brevo_fr_log_export"]


def test_a_csv_without_the_mapped_columns_is_refused_naming_them(settings, write) -> None:
    (report,) = ingest_paths([write("x.csv", "a,b\n1,2\n")], settings, mapping=BREVO_FR)
    assert report.status == "refused"
    assert "brevo_fr_log_export.toml: columns mid, email, ts, st_text" in report.message


def test_hostile_column_names_and_labels_are_identifiers_and_values(settings, db, write):
    mapping = _mapping(
        write,
        """
provider = "acme"
[columns]
message_id = "id"
recipient = 'to"; DROP TABLE events; --'
time = "at"
event = "what"
[time]
format = "%d/%m/%Y %H:%M"
[events]
"l'envoi') OR 1=1 --" = "delivered"
""",
    )
    csv = (
        'id,"to""; DROP TABLE events; --",at,what\n'
        "x1,a@b.fr,21/01/2026 10:00,\"l'envoi') OR 1=1 --\"\n"
        "x2,c@d.fr,21/01/2026 10:00,other\n"
    )
    (report,) = ingest_paths([write("h.csv", csv)], settings, mapping=mapping)
    assert (report.records_loaded, report.unknown_events) == (2, 1)
    assert _statuses(db) == {"a@b.fr": "delivered", "c@d.fr": "requested"}


def test_declared_delimiter_encoding_and_zone_are_used(settings, db, write) -> None:
    mapping = _mapping(
        write,
        MINIMAL.replace(
            'format = "iso"', 'format = "%d/%m/%Y %H:%M"\ntimezone = "America/New_York"'
        )
        + '"délivré" = "delivered"\n[csv]\ndelimiter = ";"\nencoding = "cp1252"\n',
    )
    csv = "id;to;at;what\nx1;a@b.fr;21/01/2026 10:00;Délivré\n".encode("cp1252")
    (report,) = ingest_paths([write("e.csv", csv)], settings, mapping=mapping)
    assert (report.records_loaded, report.unknown_events) == (1, 0)
    utc = db().execute("SELECT strftime(event_at AT TIME ZONE 'UTC', '%H:%M') FROM events")
    assert utc.fetchone()[0] == "15:00"


@pytest.mark.parametrize(
    ("time_format", "written", "utc"),
    [
        ('"epoch"', "1700000000", "2023-11-14 22:13"),
        ('"epoch_ms"', "1700000000000", "2023-11-14 22:13"),
        ('"iso"', "2023-11-14T23:13:20+01:00", "2023-11-14 22:13"),
        ('"%Y-%m-%d %H:%M:%S %z"', "2023-11-14 23:13:20 +0100", "2023-11-14 22:13"),
        ('["epoch", "%d/%m/%Y %H:%M"]', "14/11/2023 23:13", "2023-11-14 22:13"),
    ],
)
def test_time_formats(time_format, written, utc, settings, db, write) -> None:
    mapping = _mapping(write, MINIMAL.replace('"iso"', time_format))
    ingest_paths(
        [write("t.csv", f"id,to,at,what\nx,a@b.fr,{written},ok\n")], settings, mapping=mapping
    )
    at = db().execute("SELECT strftime(event_at AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M') FROM events")
    assert at.fetchone()[0] == utc


def test_unreadable_times_are_refused_alone(settings, db, write) -> None:
    mapping = _mapping(write, MINIMAL.replace('"iso"', '"epoch"'))
    csv = "id,to,at,what\nx1,a@b.fr,1700000000,ok\nx2,a@b.fr,1e300,ok\nx3,a@b.fr,soon,ok\n"
    (report,) = ingest_paths([write("t.csv", csv)], settings, mapping=mapping)
    assert (report.records_loaded, report.records_rejected) == (1, 2)


@pytest.mark.parametrize(
    ("change", "key", "problem"),
    [
        (('message_id = "id"\n', ""), "columns.message_id", "missing"),
        (('provider = "acme"\n', ""), "provider", "missing"),
        (('ok = "delivered"', 'ok = "delivred"'), "events.'ok'", "not one of"),
        (('ok = "delivered"', 'ok = "bounced"'), "events.'ok'", "bounce = 'hard' or 'soft'"),
        (('ok = "delivered"', 'ok = {event = "clicked", machine_open = true}'), "events.'ok'", ""),
        (('format = "iso"', 'format = "%Q"'), "time.format", "not a valid strptime format"),
        (('format = "iso"', 'format = "dd/mm/yyyy"'), "time.format", "neither a strptime"),
        (('format = "iso"', 'format = "iso"\ntimezone = "Mars/Olympus"'), "time.timezone", ""),
        (('format = "iso"', 'format = "iso"\nzone = "UTC"'), "time.zone", "unknown key"),
        (('event = "what"', 'event = "what"\ncolour = "c"'), "columns.colour", "unknown role"),
        (('provider = "acme"', 'provider = "acme"\n[csv]\ndelimiter = ";;"'), "csv.delimiter", ""),
        (
            ('provider = "acme"', 'provider = "acme"\n[csv]\nencoding = "klingon"'),
            "csv.encoding",
            "",
        ),
        (('provider = "acme"', 'provider = "Acme Mail!"'), "provider", "lower-case"),
        (('provider = "acme"', 'provider = "acme"\nextra = 1'), "extra", "unknown key"),
        (('ok = "delivered"', 'ok = "delivered"\nOK = "opened"'), "events.'OK'", "same label"),
        (('[events]\nok = "delivered"\n', ""), "[events]", "missing table"),
    ],
)
def test_a_bad_mapping_is_refused_naming_the_key(change, key, problem, write) -> None:
    old, new = change
    assert old in MINIMAL
    path = _mapping(write, MINIMAL.replace(old, new))
    with pytest.raises(MappingError) as caught:
        load_mapping(path)
    assert caught.value.key == key
    assert problem in caught.value.problem
    assert str(path) in str(caught.value)


def test_a_mapping_that_is_not_toml_says_so(write) -> None:
    with pytest.raises(MappingError, match="not valid TOML"):
        load_mapping(_mapping(write, "provider = \n"))


def test_cli_ingests_through_a_mapping(settings, db, write) -> None:
    path = write("logs.csv", BREVO_FR_EXPORT)
    result = CliRunner().invoke(
        main, ["ingest", "--db", str(settings.db_path), "--mapping", str(BREVO_FR), str(path)]
    )
    assert result.exit_code == 0, result.output
    assert "mapping:brevo_fr_log_export" in result.output
    assert _statuses(db)["paul@exemple.fr"] == "undeliverable"


def test_cli_refuses_a_bad_mapping_before_ingesting_anything(settings, write) -> None:
    mapping = _mapping(write, MINIMAL.replace('message_id = "id"\n', ""))
    path = write("logs.csv", BREVO_FR_EXPORT)
    result = CliRunner().invoke(
        main, ["ingest", "--db", str(settings.db_path), "--mapping", str(mapping), str(path)]
    )
    assert result.exit_code != 0
    assert "columns.message_id: missing" in result.output
    assert not settings.db_path.exists()
