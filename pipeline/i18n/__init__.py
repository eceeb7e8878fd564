"""The one translation table of Mailtrail: `t("status.sent", "en")` → "Sent".

The texts live in the TOML files beside this module, one file per area (status.toml, events.toml,
guidance.toml, …); each key holds both languages side by side:

    [status.requested]
    fr = "Demandé"
    en = "Requested"

Parameters use str.format syntax (`{count} e-mails`); write a literal brace as `{{` or `}}`.
Every file is read once, on first use. A key may be defined in one file only.

Plurals follow CLDR's rules (through Babel): a text may be a table of plural forms, chosen by
the `count` parameter, which is then shown with the language's digit grouping:

    [data.history.count]
    fr.one = "{count} fichier traité"
    fr.other = "{count} fichiers traités"

Missing keys: `t()` never raises, so a page never crashes on a missing text — it falls back to
the other language, then to the key itself, and logs a warning. `t_strict()` raises KeyError
instead; setting the environment variable MAILTRAIL_I18N_STRICT=1 makes `t()` strict too, which
tests (including AppTest page tests) should do. `problems()` lists what is wrong in the table.
This module must not import Streamlit.
"""

from __future__ import annotations

import logging
import os
import re
import string
import tomllib
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from functools import cache
from numbers import Real
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date as _babel_date
from babel.dates import format_datetime as _babel_datetime
from babel.dates import get_timezone_location as _babel_zone_location
from babel.numbers import format_decimal

LANGUAGES: tuple[str, ...] = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
STRICT_ENV_VAR = "MAILTRAIL_I18N_STRICT"
TABLE_DIR = Path(__file__).parent

_log = logging.getLogger(__name__)
_formatter = string.Formatter()
PLURAL_FORMS: frozenset[str] = frozenset({"zero", "one", "two", "few", "many", "other"})
Text = str | Mapping[str, str]  # one text, or its CLDR plural forms


def t(key: str, lang: str = DEFAULT_LANGUAGE, **params: Any) -> str:
    """The text of `key` in `lang`, formatted with `params`; raises only in strict mode."""
    if _strict_from_env():
        return t_strict(key, lang, **params)
    entry = _table_and_problems()[0].get(key)
    if entry is None:
        _log.warning("i18n: missing key %r", key)
        return key
    found = entry.get(lang) or entry.get(DEFAULT_LANGUAGE) or next(iter(entry.values()), key)
    text, params = _plural(found, lang, params)
    try:
        return _formatter.vformat(text, (), _KeepMissing(params))
    except (ValueError, IndexError, AttributeError, TypeError):
        _log.warning("i18n: cannot format key %r with %r", key, sorted(params))
        return text


def t_strict(key: str, lang: str = DEFAULT_LANGUAGE, **params: Any) -> str:
    """Like `t()`, but a missing key, language or parameter raises KeyError (for tests)."""
    if lang not in LANGUAGES:
        raise KeyError(f"unknown language {lang!r}; expected one of {LANGUAGES}")
    entry = _table_and_problems()[0].get(key)
    if entry is None:
        raise KeyError(f"missing translation key {key!r}")
    if lang not in entry:
        raise KeyError(f"translation key {key!r} has no {lang!r} text")
    if isinstance(entry[lang], Mapping) and "count" not in params:
        raise KeyError(f"translation key {key!r} has plural forms: it needs a count")
    text, params = _plural(entry[lang], lang, params)
    return text.format(**params)


def has_key(key: str) -> bool:
    """True when the table has a text for `key`."""
    return key in _table_and_problems()[0]


def labels(prefix: str, lang: str = DEFAULT_LANGUAGE) -> dict[str, str]:
    """Every key directly under `prefix`, as {last part: text}, in file order.

    `labels("mail_type", "fr")` → {"convocation": "Convocation", "programme": …}: handy for
    select boxes and for translating a column of codes.
    """
    head = prefix.rstrip(".") + "."
    return {
        key[len(head) :]: t(key, lang)
        for key in _table_and_problems()[0]
        if key.startswith(head) and "." not in key[len(head) :]
    }


def is_plural(key: str) -> bool:
    """True when the text of `key` is a table of plural forms (it needs a `count`)."""
    entry = _table_and_problems()[0].get(key, {})
    return any(isinstance(text, Mapping) for text in entry.values())


def table() -> Mapping[str, Mapping[str, Text]]:
    """The whole table, {key: {lang: text}} (read-only use)."""
    return _table_and_problems()[0]


def problems() -> list[str]:
    """What is wrong in the TOML files: duplicate keys, missing languages, mismatched parameters."""
    return list(_table_and_problems()[1])


def placeholders(text: str) -> set[str]:
    """The names of the str.format parameters used in `text` (`"{n} e-mails"` → {"n"})."""
    return {field for _, field, _, _ in _formatter.parse(text) if field is not None}


def format_datetime(value: object, lang: str = DEFAULT_LANGUAGE) -> str:
    """A date or date-time as people read it: `21/01/2026 à 10:22` (fr), `2026-01-21 10:22` (en).

    Written with Babel's CLDR patterns of common.toml. Strings are returned unchanged; an aware
    date-time is shown as it reads in its own zone, with the zone's name (`… 10:22 UTC`).
    """
    if isinstance(value, datetime):
        pattern = t("common.datetime_format", lang)
        text = _babel_datetime(value.replace(tzinfo=None), pattern, locale=lang)
        zone = value.tzname()
        return f"{text} {zone}" if zone else text
    if isinstance(value, date):
        return _babel_date(value, t("common.date_format", lang), locale=lang)
    return str(value)


def zone_name(zone: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """A time zone as people name it, its exemplar city: "Paris" for Europe/Paris,
    "La Réunion" for Indian/Reunion (CLDR, through Babel); the id itself if CLDR has no city."""
    try:
        return str(_babel_zone_location(zone, locale=lang, return_city=True))
    except LookupError:
        return zone


def plural_form(count: float, lang: str = DEFAULT_LANGUAGE) -> str:
    """The CLDR plural category of `count` in `lang`: `one` for 0 and 1 in French, `other`…"""
    return str(Locale.parse(lang).plural_form(abs(count)))


def _plural(text: Text, lang: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The form of `text` for params["count"], with count shown grouped (`1 234`)."""
    if isinstance(text, str):
        return text, params
    count = params.get("count")
    if not isinstance(count, Real) or isinstance(count, bool):  # numpy numbers are Real
        return text["other"], params
    value = float(count)
    form = plural_form(value, lang)
    shown = format_decimal(value, format="#,##0.##", locale=lang)
    return text.get(form, text["other"]), {**params, "count": shown}


class _KeepMissing(dict[str, Any]):
    """Format mapping that leaves an unknown `{name}` visible instead of raising."""

    def __missing__(self, name: str) -> str:
        return "{" + name + "}"


def _strict_from_env() -> bool:
    return os.environ.get(STRICT_ENV_VAR, "").strip().lower() in {"1", "true", "yes", "on"}


@cache
def _table_and_problems() -> tuple[dict[str, dict[str, Text]], tuple[str, ...]]:
    return load_table(TABLE_DIR)


def load_table(directory: Path) -> tuple[dict[str, dict[str, Text]], tuple[str, ...]]:
    """Read every *.toml of `directory` into {key: {lang: text}}, with the problems found."""
    merged: dict[str, dict[str, Text]] = {}
    origin: dict[str, str] = {}
    found: list[str] = []
    for path in sorted(directory.glob("*.toml")):
        try:
            document = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as error:
            found.append(f"{path.name}: cannot read: {error}")
            continue
        for key, entry, problem in _flatten(document, ""):
            if problem:
                found.append(f"{path.name}: {key}: {problem}")
                continue
            if key in merged:
                found.append(f"{path.name}: {key}: already defined in {origin[key]}")
            merged[key], origin[key] = entry, path.name
            found.extend(f"{path.name}: {key}: {issue}" for issue in _entry_issues(entry))
    return merged, tuple(found)


def _flatten(node: Mapping[str, Any], prefix: str) -> Iterator[tuple[str, dict[str, Text], str]]:
    """Yield (dotted key, {lang: text}, problem) for every leaf table of a TOML document."""
    texts = {k: v for k, v in node.items() if k in LANGUAGES}
    children = {k: v for k, v in node.items() if k not in LANGUAGES}
    if texts:
        if children:
            yield prefix, {}, f"mixes texts with sub-keys {sorted(children)}"
        elif not all(_is_text(v) for v in texts.values()):
            yield prefix, {}, "a text is neither a string nor plural forms with an `other`"
        else:
            yield prefix, {lang: typeset(text, lang) for lang, text in texts.items()}, ""
        return
    for name, child in children.items():
        key = f"{prefix}.{name}" if prefix else name
        if isinstance(child, Mapping):
            yield from _flatten(child, key)
        else:
            yield key, {}, f"expected a table with {' and '.join(LANGUAGES)} texts"


# French puts a no-break space before ":" and inside « », a narrow one before ";", "!" and "?",
# so a line never starts with the sign. The table is written with plain spaces and set here,
# on the templates only: parameters (a subject, an address) are shown as they are.
_FRENCH_SPACES = (
    (re.compile(r" +([:»])"), "\u00a0\\1"),
    (re.compile(r" +([;!?])"), "\u202f\\1"),
    (re.compile(r"« +"), "«\u00a0"),
)


def typeset(text: Text, lang: str) -> Text:
    """`text` with the typography of `lang` (French spaces); its plural forms each."""
    if lang != "fr":
        return text
    if not isinstance(text, str):
        return {form: str(typeset(value, lang)) for form, value in text.items()}
    for pattern, spaced in _FRENCH_SPACES:
        text = pattern.sub(spaced, text)
    return text


def _is_text(value: object) -> bool:
    if isinstance(value, str):
        return True
    return (
        isinstance(value, Mapping)
        and "other" in value
        and set(value) <= PLURAL_FORMS
        and all(isinstance(form, str) for form in value.values())
    )


def _forms(text: Text) -> list[str]:
    return [text] if isinstance(text, str) else list(text.values())


def _entry_issues(entry: Mapping[str, Text]) -> list[str]:
    issues = [
        f"no {lang!r} text"
        for lang in LANGUAGES
        if not all(form.strip() for form in _forms(entry.get(lang, "")))
    ]
    try:
        fields = {
            lang: set().union(*(placeholders(form) for form in _forms(text)))
            for lang, text in entry.items()
        }
    except ValueError as error:
        return [*issues, f"malformed braces: {error}"]
    if len({frozenset(names) for names in fields.values()}) > 1:
        issues.append(f"parameters differ between languages: {fields}")
    return issues
