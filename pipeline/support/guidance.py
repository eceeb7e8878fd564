"""What happened to a mail and what to do about it, in plain words, for the support pages.

`guidance(status, bounce_category, lang)` explains one mail's status; `customer_service_text(mail)`
writes the ready-to-paste message for customer service. The words live in i18n/guidance.toml;
this module only picks and joins them. It never decides a status or a category (SQL does) and
must not import Streamlit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from pipeline.i18n import DEFAULT_LANGUAGE, format_datetime, has_key, t
from pipeline.rules.statuses import (
    BOUNCE_CATEGORIES,
    FAILED_STATUSES,
    RECEIVED_STATUSES,
    STATUS_KEYS,
    status_label,
)


@dataclass(frozen=True)
class Guidance:
    """Two short paragraphs: what became of the mail, and what the support person should do."""

    what_happened: str
    what_to_do: str


def guidance(
    status: str,
    bounce_category: str | None = None,
    lang: str = DEFAULT_LANGUAGE,
    *,
    stuck: bool = False,
    machine_opens_only: bool = False,
    complained: bool = False,
    unsubscribed: bool = False,
) -> Guidance:
    """Explain a mail's status; `bounce_category` refines failures and deferrals (`sent`).

    Flags the caller knows from the mail's row: `stuck` (still `requested` after hours),
    `machine_opens_only` (every open came from a privacy proxy), `complained` and `unsubscribed`
    (flags on a delivered or opened mail). An unknown category reads as `other`.
    """
    if status not in STATUS_KEYS:
        raise ValueError(f"unknown status {status!r}; expected one of {STATUS_KEYS}")
    category = _known_category(bounce_category)
    if status in FAILED_STATUSES:
        return _failure(status, category or "other", lang)
    if status == "sent" and category:
        return _deferral(category, lang)
    variant = status
    if status == "requested" and stuck:
        variant = "requested_stuck"
    if status == "opened" and machine_opens_only:
        variant = "opened_machine_only"
    found = _paragraphs(variant, lang)
    if status in RECEIVED_STATUSES:
        found = _with_recipient_flags(found, lang, complained=complained, unsubscribed=unsubscribed)
    return found


def customer_service_text(mail: Mapping[str, object], lang: str = DEFAULT_LANGUAGE) -> str:
    """A message to paste into a ticket: recipient address, session, mail, status and last reason.

    `mail` is one `email_history` row (a dict or a pandas Series); missing values read
    "not provided". Codes (mail type, provider, status, category) are translated.
    """
    missing = t("common.not_provided", lang)

    def value(name: str) -> str:
        found = mail.get(name)
        return missing if _is_missing(found) else str(found)

    lines = [
        t("customer_service.greeting", lang),
        "",
        t("customer_service.intro", lang),
        "",
        t("customer_service.recipient", lang, value=value("recipient_email")),
        _session_line(mail, lang, value),
        _mail_line(mail, lang, value),
        t("customer_service.sent_at", lang, value=_date_value(mail.get("requested_at"), lang)),
        t("customer_service.send_id", lang, value=value("send_id")),
        t("customer_service.provider", lang, value=_coded(mail, "provider", "provider", lang)),
        t("customer_service.provider_message_id", lang, value=value("provider_message_id")),
        t("customer_service.status", lang, value=_coded(mail, "status", "status", lang)),
    ]
    if not _is_missing(mail.get("bounce_category")):
        category = _coded(mail, "bounce_category", "bounce_category", lang)
        lines.append(t("customer_service.category", lang, value=category))
    lines += [
        t("customer_service.last_reason", lang, value=_one_line(value("last_reason"))),
        "",
        t("customer_service.closing", lang),
    ]
    return "\n".join(lines)


def _known_category(category: str | None) -> str | None:
    if category is None or _is_missing(category):
        return None
    return category if category in BOUNCE_CATEGORIES else "other"


def _failure(status: str, category: str, lang: str) -> Guidance:
    return Guidance(
        what_happened=_join(
            t(f"guidance.{status}.what_happened", lang),
            _most_specific("guidance.cause", status, category, lang),
        ),
        what_to_do=_join(
            _most_specific("guidance.action", status, category, lang),
            t("guidance.persists", lang),
        ),
    )


def _deferral(category: str, lang: str) -> Guidance:
    action_key = f"guidance.action.sent.{category}"
    return Guidance(
        what_happened=_join(
            t("guidance.sent_deferred.what_happened", lang),
            _most_specific("guidance.cause", "sent", category, lang),
        ),
        what_to_do=(
            t(action_key, lang)
            if has_key(action_key)
            else t("guidance.sent_deferred.what_to_do", lang)
        ),
    )


def _with_recipient_flags(
    found: Guidance, lang: str, *, complained: bool, unsubscribed: bool
) -> Guidance:
    """Add the complaint / unsubscribe sentences; the first flag's advice replaces the default."""
    flags = [
        name for name, on in (("complained", complained), ("unsubscribed", unsubscribed)) if on
    ]
    if not flags:
        return found
    return Guidance(
        what_happened=_join(
            found.what_happened, *(t(f"guidance.{flag}.what_happened", lang) for flag in flags)
        ),
        what_to_do=t(f"guidance.{flags[0]}.what_to_do", lang),
    )


def _paragraphs(variant: str, lang: str) -> Guidance:
    return Guidance(
        what_happened=t(f"guidance.{variant}.what_happened", lang),
        what_to_do=t(f"guidance.{variant}.what_to_do", lang),
    )


def _most_specific(prefix: str, status: str, category: str, lang: str) -> str:
    """`prefix.status.category` when the table has it, else `prefix.category`."""
    specific = f"{prefix}.{status}.{category}"
    return t(specific if has_key(specific) else f"{prefix}.{category}", lang)


def _session_line(mail: Mapping[str, object], lang: str, value: Callable[[str], str]) -> str:
    has_session = not (
        _is_missing(mail.get("session_id")) and _is_missing(mail.get("session_name"))
    )
    if not has_session and not _is_missing(mail.get("opportunity_id")):
        return t("customer_service.opportunity", lang, id=value("opportunity_id"))
    return t("customer_service.session", lang, name=value("session_name"), id=value("session_id"))


def _mail_line(mail: Mapping[str, object], lang: str, value: Callable[[str], str]) -> str:
    mail_type = _coded(mail, "email_type", "mail_type", lang)
    if _is_missing(mail.get("subject")):
        return t("customer_service.mail_without_subject", lang, type=mail_type)
    return t("customer_service.mail", lang, type=mail_type, subject=_one_line(value("subject")))


def _coded(mail: Mapping[str, object], column: str, prefix: str, lang: str) -> str:
    """The translated label of a code column (`facture` → "Facture"), else the raw value."""
    code = mail.get(column)
    if _is_missing(code):
        return t("common.not_provided", lang)
    if prefix == "status" and code in STATUS_KEYS:
        return status_label(str(code), lang)
    key = f"{prefix}.{code}"
    return t(key, lang) if has_key(key) else str(code)


def _date_value(found: object, lang: str) -> str:
    return t("common.not_provided", lang) if _is_missing(found) else format_datetime(found, lang)


def _is_missing(found: object) -> bool:
    """None, NaN, NaT and blank strings are missing (`x != x` is how NaN and NaT show)."""
    if found is None:
        return True
    if isinstance(found, str):
        return not found.strip()
    try:
        return bool(found != found)
    except (TypeError, ValueError):
        return False


def _one_line(text: str) -> str:
    """Multi-line SMTP replies on one line, so each fact of the ticket stays on its own line."""
    return " ".join(text.split())


def _join(*sentences: str) -> str:
    return " ".join(sentence.strip() for sentence in sentences if sentence and sentence.strip())
