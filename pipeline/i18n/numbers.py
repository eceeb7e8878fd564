"""Numbers as people read them in each language: "1 234" and "24,3 %" in French, "1,234" and
"24.3%" in English. Pure functions; no Streamlit."""

from __future__ import annotations

from pipeline.i18n import DEFAULT_LANGUAGE

_NARROW_NBSP = "\u202f"  # French thousands separator and space before "%"


def format_count(n: int, lang: str = DEFAULT_LANGUAGE) -> str:
    """A whole number with the language's thousands separator."""
    text = f"{int(n):,}"
    return text.replace(",", _NARROW_NBSP) if lang == "fr" else text


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
    text = f"{rate * 100:,.{places}f}"
    if lang == "fr":
        return _french_decimal(text) + _NARROW_NBSP + "%"
    return text + "%"


def format_threshold(rate: float, lang: str = DEFAULT_LANGUAGE) -> str:
    """A threshold as it is quoted: "2 %", "0,1 %" — no trailing zeros."""
    percent = round(rate * 100, 4)
    digits = 0 if percent == int(percent) else len(f"{percent:g}".split(".")[1])
    return format_percent(rate, lang, digits=digits)


def format_points(delta: float, lang: str = DEFAULT_LANGUAGE) -> str:
    """A change between two rates in percentage points, signed: "+1,2 pt", "-0.4 pt"."""
    places = percent_digits(delta)
    text = f"{delta * 100:+,.{places}f}"
    unit = "pt" if abs(round(delta * 100, places)) <= 1 else "pts"
    if lang == "fr":
        return _french_decimal(text) + _NARROW_NBSP + "pt"
    return f"{text} {unit}"


def rounds_to_no_change(delta: float) -> bool:
    """True when format_points would write the change as zero ("+0,00 pt"): shown as neutral,
    neither better nor worse."""
    return round(delta * 100, percent_digits(delta)) == 0


def format_change(ratio: float, lang: str = DEFAULT_LANGUAGE) -> str:
    """A relative change of a count, signed: "+12 %", "-3.5%"."""
    places = 0 if abs(ratio) >= 0.1 else 1
    text = f"{ratio * 100:+,.{places}f}"
    if lang == "fr":
        return _french_decimal(text) + _NARROW_NBSP + "%"
    return text + "%"


def _french_decimal(text: str) -> str:
    return text.replace(",", _NARROW_NBSP).replace(".", ",")
