"""The translation table: complete in both languages, lenient for pages, strict in tests."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pytest

from pipeline import i18n
from pipeline.i18n import LANGUAGES, labels, load_table, t, t_strict
from pipeline.rules.statuses import BOUNCE_CATEGORIES, EVENTS, STATUS_KEYS

MAIL_TYPES = [
    "convocation",
    "programme",
    "convention",
    "evaluation_a_chaud",
    "evaluation_a_froid",
    "attestation_fin_formation",
    "certificat_realisation",
    "facture",
    "relance",
    "libre",
]


def test_translation_files_have_no_problems() -> None:
    # The loader checks every key: both languages, no empty text, the same parameters in each.
    assert len(i18n.table()) > 500
    assert i18n.problems() == []


def _plural_forms(text: object) -> list[tuple[str, str]]:
    """(form, text) for each plural form of a text; ("", text) for a plain text."""
    return [("", text)] if isinstance(text, str) else list(text.items())  # type: ignore[attr-defined]


def test_a_plural_text_takes_the_cldr_form_of_its_count_and_groups_its_digits() -> None:
    key = "data.runs.count"
    assert i18n.is_plural(key)
    assert t_strict(key, "fr", count=0) == "0 fichier traité, les plus récents d'abord."
    assert t_strict(key, "fr", count=1) == "1 fichier traité, les plus récents d'abord."
    assert (
        t_strict(key, "fr", count=3380) == "3\u202f380 fichiers traités, les plus récents d'abord."
    )
    assert t_strict(key, "en", count=0) == "0 files processed, newest first."
    assert t_strict(key, "en", count=1) == "1 file processed, newest first."
    assert t_strict(key, "en", count=3380) == "3,380 files processed, newest first."
    # counts straight from a DataFrame are numpy numbers
    assert t("overview.kpi.see", "fr", count=np.int64(1)) == "1 e-mail"
    assert t("overview.kpi.see", "fr", count=np.int64(2)) == "2 e-mails"
    with pytest.raises(KeyError):
        t_strict(key, "en")  # a plural text needs its count


def test_plural_forms_without_other_or_with_an_unknown_form_are_problems(tmp_path) -> None:
    (tmp_path / "x.toml").write_text(
        '[a]\nfr.one = "un"\nen.one = "one"\n\n[b]\nfr.lots = "x"\nfr.other = "y"\nen = "z"\n',
        encoding="utf-8",
    )
    _, found = i18n.load_table(tmp_path)
    assert len(found) == 2 and all("plural forms" in problem for problem in found)


def test_no_user_facing_text_hedges_a_plural_with_parentheses() -> None:
    hedged = [
        key
        for key, entry in i18n.table().items()
        for text in entry.values()
        for _, form in _plural_forms(text)
        if "(s)" in form
    ]
    assert hedged == []


def test_status_labels_are_the_ones_of_the_design() -> None:
    assert [t_strict(f"status.{key}", "fr") for key in STATUS_KEYS] == [
        "Demandé",
        "Envoyé",
        "Reçu",
        "Reçu et ouvert",
        "Réception impossible",
        "Erreur à l'envoi",
    ]
    assert [t_strict(f"status.{key}", "en") for key in STATUS_KEYS] == [
        "Requested",
        "Sent",
        "Delivered",
        "Opened",
        "Undeliverable",
        "Send error",
    ]


@pytest.mark.parametrize(
    ("prefix", "codes"),
    [
        ("status", STATUS_KEYS),
        ("status_meaning", STATUS_KEYS),
        ("event", EVENTS),
        ("bounce_category", BOUNCE_CATEGORIES),
        ("recipient_kind", ("learner", "client", "company", "trainer")),
        ("mail_type", MAIL_TYPES),
    ],
)
def test_every_code_of_a_vocabulary_has_a_label(prefix: str, codes: tuple[str, ...]) -> None:
    for lang in LANGUAGES:
        assert set(codes) <= set(labels(prefix, lang)), (prefix, lang)


def test_recipient_kinds_read_in_french() -> None:
    assert labels("recipient_kind", "fr") == {
        "learner": "Stagiaire",
        "client": "Client",
        "company": "Entreprise",
        "trainer": "Formateur",
    }


def test_t_formats_parameters() -> None:
    assert t("address.did_you_mean", "fr", suggestion="a@gmail.com") == (
        "Vouliez-vous dire a@gmail.com\u202f?"
    )


def test_missing_key_returns_the_key_instead_of_crashing_a_page(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(i18n.STRICT_ENV_VAR, raising=False)
    assert t("no.such.key", "en") == "no.such.key"


def test_unknown_language_and_missing_parameter_do_not_crash_a_page(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(i18n.STRICT_ENV_VAR, raising=False)
    assert t("status.sent", "de") == "Envoyé"
    assert t("address.did_you_mean", "en") == "Did you mean {suggestion}?"


def test_strict_lookup_raises_on_missing_key_language_or_parameter() -> None:
    with pytest.raises(KeyError):
        t_strict("no.such.key")
    with pytest.raises(KeyError):
        t_strict("status.sent", "de")
    with pytest.raises(KeyError):
        t_strict("address.did_you_mean", "fr")


def test_environment_setting_makes_t_strict(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(i18n.STRICT_ENV_VAR, "1")
    with pytest.raises(KeyError):
        t("no.such.key")


def test_loader_reports_duplicates_missing_languages_and_parameter_mismatch(
    tmp_path: Path,
) -> None:
    (tmp_path / "a.toml").write_text(
        '[x.one]\nfr = "un"\nen = "one"\n'
        '[x.two]\nfr = "deux"\n'
        '[x.three]\nfr = "{n} trois"\nen = "{count} three"\n'
        '[x.four]\nfr = " "\nen = "four"\n',
        encoding="utf-8",
    )
    (tmp_path / "b.toml").write_text('[x.one]\nfr = "un"\nen = "one"\n', encoding="utf-8")
    table, found = load_table(tmp_path)
    assert set(table) == {"x.one", "x.two", "x.three", "x.four"}
    assert any("already defined in a.toml" in problem for problem in found)
    assert any("x.two: no 'en' text" in problem for problem in found)
    assert any("x.three: parameters differ" in problem for problem in found)
    assert any("x.four: no 'fr' text" in problem for problem in found)


def test_dates_read_the_french_or_the_international_way() -> None:
    moment = datetime(2026, 1, 21, 10, 22, tzinfo=UTC)
    assert i18n.format_datetime(moment, "fr") == "21/01/2026 à 10:22 UTC"
    assert i18n.format_datetime(moment.replace(tzinfo=None), "en") == "2026-01-21 10:22"
    assert i18n.format_datetime(date(2026, 1, 21), "fr") == "21/01/2026"
    assert i18n.format_datetime("hier", "fr") == "hier"


# French typography: each rule runs over every French text at once and names every offending key
# in one failure. A text a rule does not apply to is left out of that rule, not counted as passing.

FRENCH_ANGLICISMS = re.compile(
    r"\b(e?mails?|mailbox|inbox|sender|bounce[sd]?|provider|delivery|delivr|"
    r"blacklist|whitelist|check)\b",
    re.IGNORECASE,
)
# "e-mail" is French; product names, {placeholders} and «quoted» terms are not prose.
NOT_PROSE = re.compile(r"(?i)e-mails?|Apple Mail|Email Activity|\{[^}]*\}|«[^»]*»")
# Punctuation ends a clause when a space or the end follows; "hh:mm" or "fichier:ligne" is
# notation, not punctuation.
UNSPACED_DOUBLE_PUNCTUATION = re.compile(r"[^\s][:;?!](\s|$)")


def has_anglicism(text: str) -> bool:
    return bool(FRENCH_ANGLICISMS.search(NOT_PROSE.sub("", text)))


def lacks_space_before_double_punctuation(text: str) -> bool:
    return bool(UNSPACED_DOUBLE_PUNCTUATION.search(text))


def french_texts(applies: Callable[[str, str], bool]) -> dict[str, str]:
    """The French text of every key the rule `applies` to (key, text; each plural form of a
    plural text as `key[form]`); never empty."""
    texts = {
        f"{key}[{form}]" if form else key: text
        for key, entry in sorted(i18n.table().items())
        for form, text in _plural_forms(entry["fr"])
    }
    checked = {key: text for key, text in texts.items() if applies(key, text)}
    # An exemption that swallowed most keys would make the rule pass without checking.
    assert len(checked) > len(texts) // 2, f"the rule checks only {len(checked)} of {len(texts)}"
    return checked


def offenders(texts: dict[str, str], breaks_rule: Callable[[str], bool]) -> str:
    """Every key whose text breaks the rule, one `key: text` line each ('' when none)."""
    return "\n".join(f"{key}: {text}" for key, text in texts.items() if breaks_rule(text))


def test_the_typography_rules_catch_what_they_are_for() -> None:
    assert has_anglicism("Le mail a rebondi chez le provider")
    assert not has_anglicism("L'e-mail est arrivé dans «Inbox» d'Apple Mail pour {sender}")
    assert lacks_space_before_double_punctuation("Erreur: adresse inconnue")
    assert lacks_space_before_double_punctuation("Vraiment?")
    assert not lacks_space_before_double_punctuation("Envoyé à 10:22, fichier:ligne 3 ?")


def test_french_texts_use_french_words() -> None:
    # provider.* texts quote each provider's own vocabulary.
    texts = french_texts(lambda key, _text: not key.startswith("provider."))
    found = offenders(texts, has_anglicism)
    assert not found, f"English words in French:\n{found}"


def test_french_texts_put_a_space_before_double_punctuation() -> None:
    # strftime formats such as %H:%M are not sentences.
    texts = french_texts(lambda _key, text: "%" not in text)
    found = offenders(texts, lacks_space_before_double_punctuation)
    assert not found, f"no space before : ; ? ! in French:\n{found}"


# A plain space lets a line break before ":" (seen in the customer-service text).
BREAKABLE_SPACE_AT_PUNCTUATION = re.compile(r" [:;?!»]|« ")


def test_french_texts_keep_double_punctuation_and_quotes_on_their_word() -> None:
    texts = french_texts(lambda _key, _text: True)
    found = offenders(texts, BREAKABLE_SPACE_AT_PUNCTUATION.search)  # type: ignore[arg-type]
    assert not found, f"a plain space before : ; ? ! » or after « in French:\n{found}"
    assert t("address.no_at_sign", "fr") == "Il manque le «\u00a0@\u00a0» dans l'adresse e-mail."
    assert t("overview.previous_empty", "fr").endswith("précédente\u00a0: pas de comparaison.")
    assert t("address.did_you_mean", "fr", suggestion="x").endswith("x\u202f?")


def test_parameters_are_shown_as_they_are_in_french() -> None:
    # the typography is the template's: a subject or an address keeps its own spaces
    assert t("customer_service.status", "fr", value="Reçu : oui ?") == "Statut\u00a0: Reçu : oui ?"
