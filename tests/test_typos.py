"""Typo suggestions for recipient domains, and readable reasons for malformed addresses."""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import i18n
from pipeline.support.typos import (
    KNOWN_DOMAINS,
    is_valid_address,
    suggest_address,
    suggest_domain,
    typo_domains,
)


@pytest.fixture(autouse=True)
def strict_translations(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(i18n.STRICT_ENV_VAR, "1")


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [
        # Gmail: swapped, dropped, doubled, neighbouring letters; wrong or cut suffix
        ("jean@gmial.com", "jean@gmail.com"),
        ("jean@gamil.com", "jean@gmail.com"),
        ("jean@gmai.com", "jean@gmail.com"),
        ("jean@gmal.com", "jean@gmail.com"),
        ("jean@gmaill.com", "jean@gmail.com"),
        ("jean@gnail.com", "jean@gmail.com"),
        ("jean@gmail.fr", "jean@gmail.com"),  # gmail.fr is not Gmail
        ("jean@gmial.fr", "jean@gmail.com"),
        ("jean@gmail.con", "jean@gmail.com"),
        ("jean@gmail.cm", "jean@gmail.com"),
        ("jean@gmail.co", "jean@gmail.com"),
        ("jean@gmail.comm", "jean@gmail.com"),
        ("jean@gmailcom", "jean@gmail.com"),
        ("jean@gmail", "jean@gmail.com"),
        ("jean@gmail,com", "jean@gmail.com"),
        ("jean@gmail..com", "jean@gmail.com"),
        ("jean@gmail.com.", "jean@gmail.com"),
        (" jean@Gmial.Com ", "jean@gmail.com"),
        # Microsoft
        ("marie@hotmial.fr", "marie@hotmail.fr"),
        ("marie@hotmal.fr", "marie@hotmail.fr"),
        ("marie@hotamil.com", "marie@hotmail.com"),
        ("marie@hotmail.f", "marie@hotmail.fr"),
        ("marie@hotmail.fe", "marie@hotmail.fr"),
        ("marie@hotmail.frr", "marie@hotmail.fr"),
        ("marie@hotmailfr", "marie@hotmail.fr"),
        ("marie@outlok.fr", "marie@outlook.fr"),
        ("marie@outloook.com", "marie@outlook.com"),
        ("marie@outlook.f", "marie@outlook.fr"),
        ("marie@live.f", "marie@live.fr"),
        # Orange / Wanadoo
        ("paul@orange.f", "paul@orange.fr"),
        ("paul@orange.fe", "paul@orange.fr"),
        ("paul@orang.fr", "paul@orange.fr"),
        ("paul@ornage.fr", "paul@orange.fr"),
        ("paul@orange", "paul@orange.fr"),
        ("paul@wanado.fr", "paul@wanadoo.fr"),
        ("paul@wanadoo.com", "paul@wanadoo.fr"),
        ("paul@wannadoo.fr", "paul@wanadoo.fr"),
        # Yahoo, Free, SFR, La Poste, iCloud
        ("luc@yahou.fr", "luc@yahoo.fr"),
        ("luc@yaho.fr", "luc@yahoo.fr"),
        ("luc@yahoo.f", "luc@yahoo.fr"),
        ("luc@free.f", "luc@free.fr"),
        ("luc@sfr.f", "luc@sfr.fr"),
        ("luc@laposte.fr", "luc@laposte.net"),
        ("luc@lapost.net", "luc@laposte.net"),
        ("luc@laposte.ne", "luc@laposte.net"),
        ("luc@icloud.fr", "luc@icloud.com"),
        ("luc@iclould.com", "luc@icloud.com"),
    ],
)
def test_likely_typo_gets_a_suggestion(typed: str, suggested: str) -> None:
    assert suggest_address(typed) == suggested


@pytest.mark.parametrize(
    "address",
    [
        # mailbox domains, whatever the case
        "jean@gmail.com",
        "JEAN@GMAIL.COM",
        "jean@orange.fr",
        "jean@wanadoo.fr",
        "jean@hotmail.de",
        "jean@yahoo.co.uk",
        "jean@laposte.net",
        "jean@ymail.com",
        "jean@me.com",
        "jean@mail.com",
        # real domains that look like mailbox domains
        "jean@orange.com",
        "jean@free.com",
        "jean@sfr.com",
        "jean@yahoo.ca",
        "jean@gmx.net",
        # company domains, even short or close ones
        "jean@entreprise.fr",
        "jean@formation-continue.fr",
        "jean@mail.entreprise.fr",
        "jean@gmail.entreprise.fr",
        "jean@sncf.fr",
        "jean@edf.fr",
        "jean@life.fr",
        "jean@orage.com",
        "jean@email.fr",
        "jean@groupe-orange.fr",
        "jean@univ-lyon1.fr",
        # not addresses at all
        "jean.gmial.com",
        "@gmial.com",
        "jean@",
        "",
    ],
)
def test_valid_or_uncommon_domain_is_never_corrected(address: str) -> None:
    assert suggest_address(address) is None


def test_every_typo_pair_agrees_with_the_suggestion() -> None:
    pairs = typo_domains()
    assert len(pairs) > 1000
    assert ("gmial.com", "gmail.com") in pairs
    assert ("hotmial.fr", "hotmail.fr") in pairs
    for typo, domain in pairs:
        assert typo not in KNOWN_DOMAINS
        assert domain in KNOWN_DOMAINS
        assert suggest_domain(typo) == domain


def test_typo_pairs_flag_typos_set_based_in_duckdb() -> None:
    con = duckdb.connect()
    typos, domains = (list(column) for column in zip(*typo_domains(), strict=True))
    con.execute(
        "CREATE TABLE typo_domains AS SELECT unnest(?::VARCHAR[]) AS typo, "
        "unnest(?::VARCHAR[]) AS domain",
        [typos, domains],
    )
    found = con.execute(
        """
        SELECT r.recipient_domain, t.domain
        FROM (VALUES ('gmial.com'), ('orange.fr'), ('entreprise.fr'), ('hotmal.fr'))
             AS r(recipient_domain)
        LEFT JOIN typo_domains t ON t.typo = r.recipient_domain
        ORDER BY r.recipient_domain
        """
    ).fetchall()
    assert found == [
        ("entreprise.fr", None),
        ("gmial.com", "gmail.com"),
        ("hotmal.fr", "hotmail.fr"),
        ("orange.fr", None),
    ]


@pytest.mark.parametrize(
    ("address", "reason_fr"),
    [
        ("", "L'adresse e-mail est vide."),
        ("jean dupont@gmail.com", "L'adresse e-mail contient une espace."),
        ("jean.dupont.gmail.com", "Il manque le «\u00a0@\u00a0» dans l'adresse e-mail."),
        ("jean@@gmail.com", "L'adresse e-mail contient plusieurs «\u00a0@\u00a0»."),
        (
            "jean@gmail",
            "La partie après «\u00a0@\u00a0» doit contenir un point, par exemple "
            "«\u00a0gmail.com\u00a0».",
        ),
        ("jean..dupont@gmail.com", "L'adresse e-mail contient deux points à la suite."),
        ("jean@exa_mple.fr", "L'adresse e-mail contient un caractère interdit\u00a0: '_'."),
        (".jean@gmail.com", "Un point est mal placé dans l'adresse e-mail (au début, à la fin ou "
                            "juste avant «\u00a0@\u00a0»)."),
        ("jean@test.invalid", "Ce domaine est réservé et ne peut pas recevoir d'e-mails."),
        ("j" * 300 + "@gmail.com", "L'adresse e-mail est trop longue."),
    ],
)  # fmt: skip
def test_malformed_address_gets_a_reason_in_french(address: str, reason_fr: str) -> None:
    assert is_valid_address(address) == (False, reason_fr)
    valid, reason_en = is_valid_address(address, "en")
    assert not valid and reason_en and reason_en != reason_fr


@pytest.mark.parametrize(
    "address",
    ["jean.dupont@gmail.com", "Jean.Dupont@Orange.FR", "j-p.o'neil+cours@entreprise.fr",
     "élodie@exemple.fr", "a@xn--bcher-kva.example"],
)  # fmt: skip
def test_well_formed_address_is_valid(address: str) -> None:
    assert is_valid_address(address) == (True, None)


def test_unexplained_validator_message_is_still_given() -> None:
    valid, reason = is_valid_address("jean@-gmail.com", "fr")
    assert not valid
    assert reason is not None and reason.startswith("L'adresse e-mail est mal formée (")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_any_text_gives_an_answer_without_raising(text: str) -> None:
    suggestion = suggest_address(text)
    assert suggestion is None or suggestion.rpartition("@")[2] in KNOWN_DOMAINS or "." in suggestion
    valid, reason = is_valid_address(text)
    assert valid == (reason is None)
