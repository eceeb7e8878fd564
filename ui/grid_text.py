"""Words the history grid shows, in French and English, until the shared i18n module lands.

Keys follow the `pipeline.i18n.t(key, lang, **params)` convention so that the lead can move
them into the shared catalogue; `grid_t` is the stand-in for that function. Status, mail
type and recipient kind labels and the status colours live here for now too (to be replaced
by the shared definitions). No Streamlit here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

Translate = Callable[..., str]

GRID_TEXTS: dict[str, dict[str, str]] = {
    "grid.count.some": {
        "fr": "{total} mails correspondent, affichage des {shown} plus récents",
        "en": "{total} mails match, showing the latest {shown}",
    },
    "grid.count.some.sorted": {
        "fr": "{total} mails correspondent, affichage des {shown} premiers dans cet ordre",
        "en": "{total} mails match, showing the first {shown} in this order",
    },
    "grid.count.all": {"fr": "{total} mails correspondent", "en": "{total} mails match"},
    "grid.count.one": {"fr": "1 mail correspond", "en": "1 mail matches"},
    "grid.count.none": {"fr": "Aucun mail ne correspond", "en": "No mail matches"},
    "grid.col.requested_at": {"fr": "Envoyé le", "en": "Sent on"},
    "grid.col.email_type": {"fr": "Type de mail", "en": "Mail type"},
    "grid.col.recipient": {"fr": "Destinataire", "en": "Recipient"},
    "grid.col.recipient_kind": {"fr": "Rôle", "en": "Role"},
    "grid.col.subject": {"fr": "Objet", "en": "Subject"},
    "grid.col.status": {"fr": "Statut", "en": "Status"},
    "grid.col.attachment_count": {"fr": "📎", "en": "📎"},
    "grid.col.attachment_count.tip": {"fr": "Pièces jointes", "en": "Attachments"},
    "grid.col.session_name": {"fr": "Session", "en": "Session"},
}

STATUS_LABELS: dict[str, dict[str, str]] = {
    "fr": {
        "requested": "Demandé",
        "sent": "Envoyé",
        "delivered": "Reçu",
        "opened": "Reçu et ouvert",
        "undeliverable": "Réception impossible",
        "send_error": "Erreur à l'envoi",
    },
    "en": {
        "requested": "Requested",
        "sent": "Sent",
        "delivered": "Delivered",
        "opened": "Delivered and opened",
        "undeliverable": "Undeliverable",
        "send_error": "Send error",
    },
}

# Dark enough for white bold text (contrast ≥ 4.5:1).
STATUS_COLORS: dict[str, str] = {
    "requested": "#4b5563",  # grey
    "sent": "#1d4ed8",  # blue
    "delivered": "#15803d",  # green
    "opened": "#0f766e",  # teal
    "undeliverable": "#c2410c",  # orange-red
    "send_error": "#b91c1c",  # red
}

EMAIL_TYPE_LABELS: dict[str, dict[str, str]] = {
    "fr": {
        "convocation": "Convocation",
        "evaluation": "Évaluation",
        "attestation": "Attestation",
        "convention": "Convention",
        "invoice": "Facture",
        "free_text": "Mail libre",
    },
    "en": {
        "convocation": "Notice to attend",
        "evaluation": "Evaluation",
        "attestation": "Certificate",
        "convention": "Training agreement",
        "invoice": "Invoice",
        "free_text": "Free-text mail",
    },
}

RECIPIENT_KIND_LABELS: dict[str, dict[str, str]] = {
    "fr": {"learner": "Apprenant", "client": "Client", "company": "Entreprise",
           "trainer": "Formateur"},
    "en": {"learner": "Learner", "client": "Client", "company": "Company", "trainer": "Trainer"},
}  # fmt: skip

FILTER_OPTION_NAMES: dict[str, dict[str, str]] = {
    "fr": {
        "contains": "Contient", "notContains": "Ne contient pas", "equals": "Égal à",
        "notEqual": "Différent de", "startsWith": "Commence par", "endsWith": "Se termine par",
        "blank": "Vide", "notBlank": "Non vide", "lessThan": "Inférieur à",
        "lessThanOrEqual": "Inférieur ou égal à", "greaterThan": "Supérieur à",
        "greaterThanOrEqual": "Supérieur ou égal à", "inRange": "Entre (inclus)",
        "dateEquals": "Le", "dateNotEqual": "Pas le", "dateLessThan": "Avant le",
        "dateGreaterThan": "Après le",
    },
    "en": {
        "contains": "Contains", "notContains": "Does not contain", "equals": "Equals",
        "notEqual": "Does not equal", "startsWith": "Starts with", "endsWith": "Ends with",
        "blank": "Blank", "notBlank": "Not blank", "lessThan": "Less than",
        "lessThanOrEqual": "Less than or equal to", "greaterThan": "Greater than",
        "greaterThanOrEqual": "Greater than or equal to", "inRange": "Between (inclusive)",
        "dateEquals": "On", "dateNotEqual": "Not on", "dateLessThan": "Before",
        "dateGreaterThan": "After",
    },
}  # fmt: skip

# AG Grid's own words (localeText); English is AG Grid's default.
AG_GRID_LOCALE: dict[str, dict[str, str]] = {
    "fr": {
        "filterOoo": "Filtrer…", "andCondition": "ET", "orCondition": "OU",
        "noRowsToShow": "Aucun mail", "loadingOoo": "Chargement…", "dateFormatOoo": "jj/mm/aaaa",
        "inRangeStart": "Du", "inRangeEnd": "Au", "ariaFilterInput": "Filtre",
        "ariaFilterValue": "Valeur du filtre", "ariaFilteringOperator": "Opérateur",
        "ariaFilterFromValue": "Depuis", "ariaFilterToValue": "Jusqu'à",
        "resetFilter": "Effacer", "applyFilter": "Appliquer", "clearFilter": "Effacer",
        "cancelFilter": "Annuler",
    },
    "en": {"noRowsToShow": "No mail", "resetFilter": "Clear"},
}  # fmt: skip


def grid_t(key: str, lang: str, **params: object) -> str:
    """Stand-in for pipeline.i18n.t: the grid's text for `key` in `lang` (French fallback)."""
    texts = GRID_TEXTS[key]
    return texts.get(lang, texts["fr"]).format(**params)


def labels_for(table: Mapping[str, Mapping[str, str]], lang: str) -> dict[str, str]:
    """One language's labels from a {lang: {code: label}} table (French fallback)."""
    return dict(table.get(lang, table["fr"]))


def format_count(n: int, lang: str) -> str:
    """12 345 in French (narrow no-break space), 12,345 in English."""
    text = f"{n:,}"
    return text.replace(",", "\u202f") if lang == "fr" else text


def count_line(
    total: int, shown: int, lang: str, t: Translate = grid_t, *, user_sorted: bool = False
) -> str:
    """The line above the grid: how many mails match, and how many the grid shows.

    The page shows the latest mails unless the user sorted on a column; then it shows the
    first ones in that order.
    """
    if total == 0:
        return t("grid.count.none", lang)
    if total == 1:
        return t("grid.count.one", lang)
    params = {"total": format_count(total, lang), "shown": format_count(shown, lang)}
    if shown >= total:
        return t("grid.count.all", lang, **params)
    return t("grid.count.some.sorted" if user_sorted else "grid.count.some", lang, **params)
