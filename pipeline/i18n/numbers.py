"""Numbers as people read them in each language, through Babel's CLDR data: "1 234" and
"24,3 %" in French, "1,234" and "24.3%" in English.

French groups digits and sets "%" and "pt" apart with a narrow no-break space (U+202F), as the
tests and the typography checks expect; CLDR's own French percent pattern uses U+00A0, so the
patterns are written here. Pure functions; no Streamlit.
"""

from __future__ import annotations

from babel.numbers import format_decimal

from pipeline.i18n import DEFAULT_LANGUAGE

_NARROW_NBSP = "\u202f"  # French thousands separator and space before "%"


def format_count(n: int, lang: str = DEFAULT_LANGUAGE) -> str:
    """A whole number with the language's thousands separator."""
    return format_decimal(int(n), format="#,##0", locale=lang)


def format_number(value: float, lang: str = DEFAULT_LANGUAGE, max_digits: int = 2) -> str:
    """A number with at most `max_digits` decimals and no trailing zeros: "4", "2,5" / "2.5"."""
    pattern = "#,##0" + ("." + "#" * max_digits if max_digits else "")
    return format_decimal(value, format=pattern, locale=lang)


def percent_digits(rate: float) -> int:
    """Decimals worth showing: two under 1 % (complaints live there), one otherwise."""
    return 2 if 0 < abs(rate) < 0.01 else 1


def format_percent(
    rate: float | None, lang: str = DEFAULT_LANGUAGE, digits: int | None = None
) -> str:
    """A rate (0..1) as a percentage; "–" when there is no rate (nothing to divide by)."""
    if rate is None:
        return "–"
    places = percent_digits(rate) if digits is None else digits
    return _decimal(rate * 100, places, lang) + _unit("%", lang)


def format_threshold(rate: float, lang: str = DEFAULT_LANGUAGE) -> str:
    """A threshold as it is quoted: "2 %", "0,1 %" — no trailing zeros."""
    percent = round(rate * 100, 4)
    digits = 0 if percent == int(percent) else len(f"{percent:g}".split(".")[1])
    return format_percent(rate, lang, digits=digits)


def format_points(delta: float, lang: str = DEFAULT_LANGUAGE) -> str:
    """A change between two rates in percentage points, signed: "+1,2 pt", "-0.4 pt"."""
    places = percent_digits(delta)
    text = _decimal(delta * 100, places, lang, signed=True)
    if lang == "fr":
        return text + _NARROW_NBSP + "pt"
    unit = "pt" if abs(round(delta * 100, places)) <= 1 else "pts"
    return f"{text} {unit}"


def rounds_to_no_change(delta: float) -> bool:
    """True when format_points would write the change as zero ("+0,00 pt"): shown as neutral,
    neither better nor worse."""
    return round(delta * 100, percent_digits(delta)) == 0


def format_change(ratio: float, lang: str = DEFAULT_LANGUAGE) -> str:
    """A relative change of a count, signed: "+12 %", "-3.5%"."""
    places = 0 if abs(ratio) >= 0.1 else 1
    return _decimal(ratio * 100, places, lang, signed=True) + _unit("%", lang)


def _decimal(value: float, places: int, lang: str, *, signed: bool = False) -> str:
    """`value` with exactly `places` decimals and the language's separators."""
    body = "#,##0" + ("." + "0" * places if places else "")
    pattern = f"+{body};-{body}" if signed else body
    return format_decimal(value, format=pattern, locale=lang)


def _unit(unit: str, lang: str) -> str:
    return _NARROW_NBSP + unit if lang == "fr" else unit
