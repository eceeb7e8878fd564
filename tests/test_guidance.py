"""Guidance for every status and bounce category, and the text handed to customer service."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pandas as pd
import pytest

from pipeline import i18n
from pipeline.i18n import LANGUAGES
from pipeline.rules.statuses import BOUNCE_CATEGORIES, STATUS_KEYS
from pipeline.support.guidance import Guidance, customer_service_text, guidance


@pytest.fixture(autouse=True)
def strict_translations(monkeypatch: pytest.MonkeyPatch) -> None:
    """A missing text must fail these tests rather than show its key."""
    monkeypatch.setenv(i18n.STRICT_ENV_VAR, "1")


FLAG_SETS = [
    {},
    {"stuck": True},
    {"machine_opens_only": True},
    {"complained": True},
    {"unsubscribed": True},
    {"complained": True, "unsubscribed": True, "machine_opens_only": True},
]


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("category", [None, *BOUNCE_CATEGORIES])
@pytest.mark.parametrize("status", STATUS_KEYS)
def test_every_status_and_category_has_guidance(
    status: str, category: str | None, lang: str
) -> None:
    for flags in FLAG_SETS:
        found = guidance(status, category, lang, **flags)
        assert isinstance(found, Guidance)
        assert len(found.what_happened) > 20
        assert len(found.what_to_do) > 10
        assert "guidance." not in found.what_happened + found.what_to_do


@pytest.mark.parametrize("category", [None, *BOUNCE_CATEGORIES])
@pytest.mark.parametrize("status", ["undeliverable", "send_error"])
def test_every_failure_ends_with_the_customer_service_fallback(
    status: str, category: str | None
) -> None:
    found = guidance(status, category, "fr")
    assert found.what_to_do.endswith(
        "contactez le service client en indiquant l'adresse du destinataire, la session et "
        "l'e-mail concernés."
    )


def test_unknown_recipient_says_to_correct_the_address_and_resend() -> None:
    found = guidance("undeliverable", "unknown_recipient", "fr")
    assert "n'existe pas" in found.what_happened
    assert "corrigez-la" in found.what_to_do and "renvoyez l'e-mail" in found.what_to_do


def test_suppressed_address_says_to_correct_it_then_ask_for_reactivation() -> None:
    found = guidance("send_error", "suppressed", "fr")
    assert "liste d'exclusion" in found.what_happened
    assert "corrigez-la" in found.what_to_do
    assert "retirer de sa liste d'exclusion" in found.what_to_do


def test_full_mailbox_says_to_resend_later_or_call() -> None:
    found = guidance("undeliverable", "mailbox_full", "fr")
    assert "boîte de réception du destinataire est pleine" in found.what_happened
    assert "plus tard" in found.what_to_do and "appelez le destinataire" in found.what_to_do


@pytest.mark.parametrize("category", ["spam_or_policy", "sender_authentication"])
def test_spam_and_authentication_refusals_point_to_the_sender_domain(category: str) -> None:
    found = guidance("undeliverable", category, "fr")
    assert "domaine d'envoi de votre organisme" in found.what_to_do
    assert "SPF, DKIM et DMARC" in found.what_to_do


def test_content_refused_by_the_provider_is_not_blamed_on_the_recipient() -> None:
    found = guidance("send_error", "spam_or_policy", "fr")
    assert "prestataire d'envoi a refusé d'expédier ce contenu" in found.what_happened
    assert "pièces jointes" in found.what_to_do


def test_a_deferral_says_the_provider_retries_and_why() -> None:
    found = guidance("sent", "mailbox_full", "fr")
    assert "réessaie automatiquement" in found.what_happened
    assert "pleine" in found.what_happened
    assert found != guidance("sent", None, "fr")


def test_a_request_stuck_for_hours_is_not_normal() -> None:
    assert "Ce n'est pas normal" in guidance("requested", None, "fr", stuck=True).what_happened
    assert "normal" in guidance("requested", None, "fr").what_happened


def test_machine_opens_do_not_prove_the_mail_was_read() -> None:
    found = guidance("opened", None, "en", machine_opens_only=True)
    assert "do not prove the recipient read it" in found.what_happened


def test_complaint_on_a_delivered_mail_is_explained() -> None:
    found = guidance("delivered", None, "fr", complained=True)
    assert "signalé cet e-mail comme courrier indésirable" in found.what_happened
    assert "accord" in found.what_to_do


def test_unknown_category_reads_as_other_and_unknown_status_is_refused() -> None:
    assert guidance("undeliverable", "martian", "fr") == guidance("undeliverable", "other", "fr")
    with pytest.raises(ValueError):
        guidance("lost", None, "fr")


MAIL = {
    "send_id": "snd-0042",
    "provider": "brevo",
    "provider_message_id": "<202601211022.123@smtp-relay.mailin.fr>",
    "requested_at": datetime(2026, 1, 21, 10, 22, tzinfo=UTC),
    "session_id": "S-1234",
    "session_name": "Excel avancé — mars 2026",
    "email_type": "convocation",
    "recipient_email": "jean.dupont@gmial.com",
    "subject": "Votre convocation",
    "status": "undeliverable",
    "bounce_category": "domain_not_found",
    "last_reason": "undefined Unable to find MX of domain gmial.com\n  (retry stopped)",
}


def test_customer_service_text_has_the_three_facts_and_the_details() -> None:
    text = customer_service_text(MAIL, "fr")
    assert "Adresse du destinataire\u00a0: jean.dupont@gmial.com" in text
    assert "Session\u00a0: Excel avancé — mars 2026 (identifiant\u00a0: S-1234)" in text
    assert "E-mail\u00a0: Convocation — «\u00a0Votre convocation\u00a0»" in text
    assert "Date d'envoi\u00a0: 21/01/2026 à 10:22 UTC" in text
    assert "Identifiant d'envoi\u00a0: snd-0042" in text
    assert "Prestataire d'envoi\u00a0: Brevo" in text
    assert "<202601211022.123@smtp-relay.mailin.fr>" in text
    assert "Statut\u00a0: Réception impossible" in text
    assert "Cause probable\u00a0: Domaine introuvable" in text
    assert "gmial.com (retry stopped)" in text  # the reason is kept on one line


def test_customer_service_text_in_english() -> None:
    text = customer_service_text(MAIL, "en")
    assert "Recipient address: jean.dupont@gmial.com" in text
    assert "Session: Excel avancé — mars 2026 (id: S-1234)" in text
    assert 'E-mail: Joining instructions — "Votre convocation"' in text
    assert "Status: Undeliverable" in text


def test_customer_service_text_for_a_mail_from_an_opportunity() -> None:
    mail = {**MAIL, "session_id": None, "session_name": None, "opportunity_id": "OPP-77"}
    text = customer_service_text(mail, "fr")
    assert "Aucune session\u00a0: e-mail envoyé depuis l'opportunité OPP-77" in text


def test_customer_service_text_says_what_is_missing() -> None:
    row = pd.Series(
        {
            **MAIL,
            "send_id": math.nan,
            "requested_at": pd.NaT,
            "subject": "",
            "bounce_category": None,
            "email_type": "type_inconnu",
            "last_reason": None,
        }
    )
    text = customer_service_text(row, "fr")
    assert "Identifiant d'envoi\u00a0: non renseigné" in text
    assert "Date d'envoi\u00a0: non renseigné" in text
    assert "E-mail\u00a0: type_inconnu\n" in text
    assert "Cause probable" not in text
    assert "Dernier motif indiqué par le prestataire\u00a0: non renseigné" in text
