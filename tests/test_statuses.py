"""The status list and its colours: one distinct, readable colour per status."""

from __future__ import annotations

import itertools

import duckdb
import pytest

from pipeline.rules.status_sql import status_in
from pipeline.rules.statuses import (
    FAILED_STATUSES,
    IN_FLIGHT_STATUSES,
    RECEIVED_STATUSES,
    SETTLED_STATUSES,
    STATUS_COLOURS,
    STATUS_KEYS,
    STATUSES,
    status_label,
)


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_statuses_come_in_the_order_of_a_mail_s_life() -> None:
    assert STATUS_KEYS == (
        "requested",
        "sent",
        "delivered",
        "opened",
        "undeliverable",
        "send_error",
    )


def test_each_status_has_its_own_colour() -> None:
    assert len(set(STATUS_COLOURS.values())) == len(STATUSES)


def test_badge_text_is_readable_on_its_colour() -> None:
    for status in STATUSES:
        assert _contrast(status.text_colour, status.colour) >= 4.5, status.key


def test_every_colour_stands_out_on_a_white_page() -> None:
    for status in STATUSES:
        assert _contrast(status.colour, "#FFFFFF") >= 3.0, status.key


def test_colours_of_neighbouring_statuses_differ_in_lightness_or_hue() -> None:
    for a, b in itertools.combinations(STATUSES, 2):
        lightness_gap = abs(_luminance(a.colour) - _luminance(b.colour))
        channel_gap = max(
            abs(int(a.colour[i : i + 2], 16) - int(b.colour[i : i + 2], 16)) for i in (1, 3, 5)
        )
        assert lightness_gap > 0.03 or channel_gap > 100, (a.key, b.key)


def test_status_label_is_translated() -> None:
    assert status_label("undeliverable", "fr") == "Réception impossible"
    assert status_label("undeliverable", "en") == "Undeliverable"


def test_every_status_is_exactly_one_of_in_flight_received_or_failed() -> None:
    groups = (IN_FLIGHT_STATUSES, RECEIVED_STATUSES, FAILED_STATUSES)
    assert sorted(s for group in groups for s in group) == sorted(STATUS_KEYS)
    assert set(SETTLED_STATUSES) == set(STATUS_KEYS) - set(IN_FLIGHT_STATUSES)
    assert FAILED_STATUSES == ("undeliverable", "send_error")


def test_status_in_selects_exactly_the_statuses_of_its_set() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE m AS SELECT unnest(?::VARCHAR[]) AS status", [list(STATUS_KEYS)])
    for group in (FAILED_STATUSES, IN_FLIGHT_STATUSES, SETTLED_STATUSES):
        found = con.execute(f"SELECT list(status ORDER BY status) FROM m WHERE {status_in(group)}")
        assert found.fetchone() == (sorted(group),)


@pytest.mark.parametrize("statuses", [(), ("delivered", "lost"), ("x') OR (TRUE",)])
def test_status_in_refuses_anything_but_vocabulary_statuses(statuses: tuple[str, ...]) -> None:
    with pytest.raises(ValueError):
        status_in(statuses)
