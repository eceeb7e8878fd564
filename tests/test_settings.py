"""Settings: defaults, environment overrides, clear errors."""

from pathlib import Path

import pytest

from pipeline.errors import ConfigError
from pipeline.settings import Settings


def test_defaults_are_the_documented_ones() -> None:
    s = Settings.from_env(environ={})
    assert s.db_path == Path("data/mailtrail.duckdb")
    assert s.timezone == "Europe/Paris"
    assert s.language == "fr"
    assert s.resolved_notes_path == Path("data/mailtrail_notes.sqlite")


def test_environment_variables_override_each_setting() -> None:
    s = Settings.from_env(
        environ={
            "MAILTRAIL_DB": "/srv/m.duckdb",
            "MAILTRAIL_INBOX": "/srv/inbox",
            "MAILTRAIL_ATTACHMENTS": "/srv/att",
            "MAILTRAIL_TZ": "America/Martinique",
            "MAILTRAIL_LANG": "en",
        }
    )
    assert (s.db_path, s.inbox_dir, s.attachments_dir) == (
        Path("/srv/m.duckdb"),
        Path("/srv/inbox"),
        Path("/srv/att"),
    )
    assert (s.timezone, s.language) == ("America/Martinique", "en")


def test_explicit_overrides_beat_the_environment() -> None:
    s = Settings.from_env(environ={"MAILTRAIL_DB": "/a.duckdb"}, db_path="/b.duckdb")
    assert s.db_path == Path("/b.duckdb")


def test_an_unknown_time_zone_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="unknown time zone 'Europe/Pariss'"):
        Settings.from_env(environ={"MAILTRAIL_TZ": "Europe/Pariss"})


def test_a_mail_is_stuck_after_four_hours_unless_mailtrail_stuck_hours_says_otherwise() -> None:
    assert Settings.from_env(environ={}).stuck_hours == 4.0
    assert Settings.from_env(environ={"MAILTRAIL_STUCK_HOURS": "1.5"}).stuck_hours == 1.5


@pytest.mark.parametrize("raw", ["soon", "0", "-2"])
def test_a_stuck_delay_that_is_not_a_positive_number_is_refused(raw: str) -> None:
    with pytest.raises(ConfigError, match="MAILTRAIL_STUCK_HOURS"):
        Settings.from_env(environ={"MAILTRAIL_STUCK_HOURS": raw})
