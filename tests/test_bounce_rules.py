"""The bounce macros, run in a real in-memory DuckDB over a table of pinned cases.

Reason texts marked with a sample file name are copied verbatim from
shared/provider-samples/<provider>/<file>; the others are well-known replies of Gmail, Yahoo,
Outlook, Orange and Free as their postmaster pages and bounce reports show them.
"""

from __future__ import annotations

from typing import NamedTuple

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.rules.sql_files import install_macros
from pipeline.rules.statuses import BOUNCE_CATEGORIES, CATEGORISED_EVENTS, EVENTS

GMAIL_NO_SUCH_USER = (
    "smtp; 550-5.1.1 The email account that you tried to reach does not exist. Please try\n"
    "550-5.1.1 double-checking the recipient's email address for typos or\n"
    "550-5.1.1 unnecessary spaces. Learn more at\n"
    "550 5.1.1  https://support.google.com/mail/?p=NoSuchUser o8si14457989wrs.128 - gsmtp"
)
YAHOO_TSS04 = (
    "421 4.7.0 [TSS04] Messages from 87.253.233.123 temporarily deferred due to unexpected "
    "volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes"
)


class Case(NamedTuple):
    name: str
    provider: str | None
    event: str
    bounce_kind: str | None
    provider_class: str | None
    smtp_code: int | None
    enhanced_code: str | None
    reason: str | None
    expected: str | None


# One case per line of thought; kept by hand, not by the formatter.
# fmt: off
CASES = [
    # --- Amazon SES samples
    Case("ses anymail_sns_bounce_permanent_full", "amazon_ses", "bounced", "hard",
         "Permanent/General", None, "5.1.1",
         "smtp; 550 5.1.1 <jane@example.com>... User unknown", "unknown_recipient"),
    Case("ses docs_event_bounce_permanent", "amazon_ses", "bounced", "hard",
         "Permanent/General", None, "5.1.1", "smtp; 550 5.1.1 user unknown", "unknown_recipient"),
    Case("ses docs_notification_bounce_with_dsn", "amazon_ses", "bounced", "hard",
         "Permanent/General", None, "5.1.1", "smtp; 550 5.1.1 <jane@example.com>... User",
         "unknown_recipient"),
    Case("ses docs_notification_bounce_without_dsn", "amazon_ses", "bounced", "hard",
         "Permanent/General", None, None, None, "other"),
    Case("ses spatie_sns_bounce_permanent_gmail", "amazon_ses", "bounced", "hard",
         "Permanent/General", None, "5.1.1", GMAIL_NO_SUCH_USER, "unknown_recipient"),
    Case("ses docs_event_delivery_delay", "amazon_ses", "deferred", None,
         "DeliveryDelay/TransientCommunicationFailure", None, "4.4.1",
         "smtp; 421 4.4.1 Unable to connect to remote host", "other"),
    Case("ses docs_event_reject", "amazon_ses", "rejected", None, "Reject/Bad content",
         None, None, "Bad content", "spam_or_policy"),
    Case("ses docs_event_rendering_failure", "amazon_ses", "failed", None, "RenderingFailure",
         None, None, "Attribute 'attributeName' is not present in the rendering data.", "other"),
    Case("ses suppressed", "amazon_ses", "bounced", "hard", "Permanent/Suppressed", None, None,
         "Amazon SES has suppressed sending to this address because it has a recent history "
         "of bouncing as an invalid address.", "suppressed"),
    Case("ses account suppression list", "amazon_ses", "bounced", "hard",
         "Permanent / OnAccountSuppressionList", None, None, None, "suppressed"),
    Case("ses no email", "amazon_ses", "bounced", "hard", "Permanent/NoEmail", None, None,
         None, "unknown_recipient"),
    Case("ses transient mailbox full", "amazon_ses", "bounced", "soft", "Transient/MailboxFull",
         None, None, None, "mailbox_full"),
    Case("ses transient content rejected", "amazon_ses", "bounced", "soft",
         "Transient/ContentRejected", None, None, None, "spam_or_policy"),
    Case("ses named 'SES'", "SES", "bounced", "hard", "Permanent/NoEmail", None, None, None,
         "unknown_recipient"),
    # --- Brevo samples
    Case("brevo anymail_blocked", "brevo", "rejected", None, "blocked", None, None,
         "blocked : due to blacklist user", "suppressed"),
    Case("brevo symfony_blocked_unsubscribed_user", "brevo", "rejected", None, "blocked", None,
         None, "blocked : due to unsubscribed user", "suppressed"),
    Case("brevo anymail_deferred_actually_550", "brevo", "deferred", None, "deferred", None,
         None, "550 RecipientError: 550 5.1.1 <notauser@example.com>: Recipient address "
         "rejected: User unknown in virtual alias table", "unknown_recipient"),
    Case("brevo anymail_hard_bounce", "brevo", "bounced", "hard", "hard_bounce", None, None,
         " RecipientError: 550 5.5.0 Requested action not taken: mailbox unavailable.",
         "unknown_recipient"),
    Case("brevo anymail_soft_bounce", "brevo", "bounced", "soft", "soft_bounce", None, None,
         "undefined Unable to find MX of domain no-mx.example.com", "domain_not_found"),
    Case("brevo symfony_deferred", "brevo", "deferred", None, "deferred", None, None, "spam",
         "spam_or_policy"),
    Case("brevo symfony_hard_bounce", "brevo", "bounced", "hard", "hard_bounce", None, None,
         "550-5.1.1 The email account that you tried to reach does not exist. Please try\n"
         "   550-5.1.1 double-checking the recipient's email address for typos or\n"
         "   550-5.1.1 unnecessary spaces. Learn more at\n"
         "   550 5.1.1  https://support.google.com/mail/?p=NoSuchUser "
         "g14-20020a5d698e000000b0030aefbb8608si2668200wru.496 - gsmtp", "unknown_recipient"),
    Case("brevo symfony_soft_bounce", "brevo", "bounced", "soft", "soft_bounce", None, None,
         "server is down", "other"),
    Case("brevo symfony_invalid_email", "brevo", "rejected", None, "invalid_email", None, None,
         None, "invalid_address"),
    Case("brevo anymail_error", "brevo", "failed", None, "error", None, None, None, "other"),
    Case("brevo named Sendinblue", "Sendinblue", "rejected", None, "invalid_email", None, None,
         None, "invalid_address"),
    # --- Mailgun samples
    Case("mailgun anymail_failed_permanent", "mailgun", "bounced", "hard", "bounce/550", 550,
         None, "5.1.1 The email account that you tried to reach does not exist. Please try\n"
         "5.1.1 double-checking the recipient's email address for typos", "unknown_recipient"),
    Case("mailgun anymail_failed_temporary_greylisted", "mailgun", "deferred", None,
         "greylisted/450", 450, None, "Recipient address rejected: Greylisted", "other"),
    Case("mailgun anymail_failed_temporary_no_mx", "mailgun", "deferred", None, "generic/498",
         498, None, "No MX for nomx.example.com", "domain_not_found"),
    Case("mailgun docs_events_api_page_failed_temporary", "mailgun", "deferred", None,
         "generic/498", 498, None, "No MX for [example.com]", "domain_not_found"),
    Case("mailgun docs_failed_permanent_delayed_bounce", "mailgun", "bounced", "hard",
         "generic/550", 550, "5.1.1",
         "smtp; 550-5.1.1 The email account that you tried to reach does not exist.",
         "unknown_recipient"),
    Case("mailgun docs_failed_permanent_suppress_bounce", "mailgun", "rejected", None,
         "suppress-bounce/605", 605, None, "Not delivering to previously bounced address",
         "suppressed"),
    Case("mailgun docs_failed_temporary", "mailgun", "deferred", None, "generic/451", 451,
         "4.7.652", "4.7.652 The mail server [xxx.xxx.xxx.xxx] has exceeded the maximum "
         "number of connections.", "spam_or_policy"),
    Case("mailgun symfony_failed_permanent_bounce", "mailgun", "bounced", "hard", "bounce/550",
         550, "", "No Such User Here", "unknown_recipient"),
    Case("mailgun symfony_failed_temporary_over_quota", "mailgun", "deferred", None,
         "generic/452", 452, "4.2.2", "4.2.2 The email account that you tried to reach is over "
         "quota. Please direct\n4.2.2 the recipient to\n4.2.2  "
         "https://support.example.com/mail/?p=422", "mailbox_full"),
    Case("mailgun docs_rejected", "mailgun", "rejected", None, "rejected", None, None,
         "Sandbox subdomains are for test purposes only. Please add your own domain or add "
         "the address to authorized recipients in Account Settings.", "other"),
    Case("mailgun previous complaint", "mailgun", "rejected", None, "suppress-complaint/607",
         607, None, "Not delivering to a user who marked your messages as spam", "suppressed"),
    # --- Mailjet samples
    Case("mailjet anymail_blocked_typofix", "mailjet", "rejected", None, "domain/typofix", None,
         None, None, "invalid_address"),
    Case("mailjet anymail_bounce_greylisted", "mailjet", "deferred", None, "domain/greylisted",
         None, None, None, "other"),
    Case("mailjet anymail_bounce_hard", "mailjet", "bounced", "hard", "domain/invalid domain",
         None, None, None, "domain_not_found"),
    Case("mailjet docs_blocked", "mailjet", "rejected", None, "recipient/user unknown", None,
         None, None, "unknown_recipient"),
    Case("mailjet docs_bounce", "mailjet", "bounced", "hard", "recipient/user unknown", None,
         None, "Host or domain name not found. Name service error for "
         "name=lbjsnrftlsiuvbsren.com type=A: Host not found", "unknown_recipient"),
    Case("mailjet symfony_blocked_preblocked", "mailjet", "rejected", None, "mailjet/preblocked",
         None, None, None, "suppressed"),
    Case("mailjet symfony_bounce_soft_policy", "mailjet", "bounced", "soft", "policy issue/",
         None, None, YAHOO_TSS04, "spam_or_policy"),
    Case("mailjet sender blocked", "mailjet", "rejected", None, "spam/sender blocked", None,
         None, None, "spam_or_policy"),
    # --- Postmark samples
    Case("postmark anymail_bounce_hard", "postmark", "bounced", "hard", "HardBounce", None, None,
         "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
         "unknown_recipient"),
    Case("postmark spatie_bounce_soft_typecode_1", "postmark", "bounced", "soft", "SoftBounce",
         None, None, "Test bounce details", "other"),
    Case("postmark symfony_bounce_hard", "postmark", "bounced", "hard", "HardBounce", None, None,
         "Test bounce details", "other"),
    Case("postmark subscription change hard bounce", "postmark", "bounced", "hard",
         "SubscriptionChange/HardBounce", None, None, None, "other"),
    Case("postmark dns error", "postmark", "deferred", None, "DnsError", None, None, None,
         "domain_not_found"),
    Case("postmark blocked", "postmark", "blocked", None, "Blocked", None, None, None,
         "spam_or_policy"),
    Case("postmark dmarc policy", "postmark", "blocked", None, "DMARCPolicy", None, None, None,
         "sender_authentication"),
    Case("postmark bad email address", "postmark", "rejected", None, "BadEmailAddress", None,
         None, None, "invalid_address"),
    Case("postmark manually deactivated", "postmark", "rejected", None, "ManuallyDeactivated",
         None, None, None, "suppressed"),
    Case("postmark inactive recipient", "postmark", "rejected", None, "Inactive", None, None,
         "You tried to send to recipient(s) that have been marked as inactive.", "suppressed"),
    Case("postmark smtp api error", "postmark", "failed", None, "SMTPApiError", None, None,
         None, "other"),
    # --- SendGrid samples
    Case("sendgrid anymail_bounce", "sendgrid", "bounced", "hard", "bounce/", None, "5.1.1",
         "550 5.1.1 The email account that you tried to reach does not exist.",
         "unknown_recipient"),
    Case("sendgrid anymail_deferred", "sendgrid", "deferred", None, "deferred", None, None,
         "Email was deferred due to the following reason(s): [IPs were throttled by recipient "
         "server]", "spam_or_policy"),
    Case("sendgrid anymail_dropped_bounced_address", "sendgrid", "rejected", None,
         "dropped/Bounced Address", None, "5.0.0", "Bounced Address", "suppressed"),
    Case("sendgrid anymail_dropped_invalid", "sendgrid", "rejected", None, "dropped/Invalid",
         None, None, "Invalid", "invalid_address"),
    Case("sendgrid anymail_dropped_unsubscribed", "sendgrid", "rejected", None,
         "dropped/Unsubscribed Address", None, None, "Unsubscribed Address", "suppressed"),
    Case("sendgrid dropped spam reporting address", "sendgrid", "rejected", None,
         "dropped/Spam Reporting Address", None, None, "Spam Reporting Address", "suppressed"),
    Case("sendgrid docs_deferred", "sendgrid", "deferred", None, "deferred", None, None,
         "400 try again later", "other"),
    Case("sendgrid docs_bounce_type_bounce", "sendgrid", "bounced", "hard", "bounce/", None,
         "5.0.0", "500 unknown recipient", "unknown_recipient"),
    Case("sendgrid docs_bounce_type_blocked", "sendgrid", "blocked", None, "blocked/", None,
         "5.0.0", "500 unknown recipient", "unknown_recipient"),
    Case("sendgrid symfony_bounce_classification", "sendgrid", "bounced", "hard",
         "bounce/invalid", None, "5.0.0", "500 unknown recipient", "unknown_recipient"),
    Case("sendgrid blocked reputation", "sendgrid", "blocked", None, "blocked/Reputation", None,
         None, None, "spam_or_policy"),
    Case("sendgrid mailbox unavailable", "sendgrid", "bounced", "hard",
         "bounce/Mailbox Unavailable", None, None, None, "mailbox_full"),
    Case("sendgrid frequency or volume", "sendgrid", "deferred", None,
         "bounce/Frequency or Volume Too High", None, None, None, "spam_or_policy"),
    Case("sendgrid blocked without anything", "sendgrid", "blocked", None, "blocked/", None,
         None, None, "spam_or_policy"),
    # --- Well-known replies, no provider classification
    Case("gmail 5.7.26 unauthenticated", "generic", "bounced", "hard", None, None, None,
         "550-5.7.26 This mail has been blocked because the sender is unauthenticated. Gmail "
         "requires all senders to authenticate with either SPF or DKIM.",
         "sender_authentication"),
    Case("gmail 5.7.26 dmarc", None, "bounced", "hard", None, None, None,
         "550-5.7.26 Unauthenticated email from example.fr is not accepted due to domain's "
         "DMARC policy. Please contact the administrator of example.fr domain.",
         "sender_authentication"),
    Case("gmail 5.7.1 dmarc wording", None, "bounced", "hard", None, None, None,
         "550-5.7.1 Unauthenticated email from example.fr is not accepted due to domain's "
         "DMARC policy.", "sender_authentication"),
    Case("gmail 5.7.1 unsolicited", None, "bounced", "hard", None, None, None,
         "550-5.7.1 [203.0.113.7] Our system has detected that this message is likely "
         "unsolicited mail. To reduce the amount of spam sent to Gmail, this message has been "
         "blocked.", "spam_or_policy"),
    Case("gmail 4.7.28 rate of unsolicited mail", None, "deferred", None, None, None, None,
         "421-4.7.28 [203.0.113.7] Our system has detected an unusual rate of unsolicited mail "
         "originating from your IP address.", "spam_or_policy"),
    Case("gmail 4.7.32 from header not aligned", None, "deferred", None, None, None, None,
         "421-4.7.32 Your email has been rate limited because the From: header (RFC5322) in "
         "this message isn't aligned with either the authenticated SPF or DKIM organizational "
         "domain.", "sender_authentication"),
    Case("gmail 5.7.25 no ptr", None, "bounced", "hard", None, None, None,
         "550-5.7.25 The IP address sending this message does not have a PTR record setup.",
         "sender_authentication"),
    Case("gmail 550 5.1.1 does not exist", None, "bounced", "hard", None, None, None,
         GMAIL_NO_SUCH_USER, "unknown_recipient"),
    Case("gmail 552 5.2.2 over quota", None, "bounced", "hard", None, None, None,
         "552-5.2.2 The email account that you tried to reach is over quota and inactive.",
         "mailbox_full"),
    Case("gmail 452 4.2.2 out of storage", None, "deferred", None, None, None, None,
         "452-4.2.2 The recipient's inbox is out of storage space.", "mailbox_full"),
    Case("gmail 552 5.3.4 too big", None, "bounced", "hard", None, None, None,
         "552-5.3.4 Your message exceeded Google's message size limits.", "other"),
    Case("yahoo 5.7.9 policy", None, "bounced", "hard", None, None, None,
         "554 5.7.9 Message not accepted for policy reasons.  See "
         "https://senders.yahooinc.com/error-codes", "spam_or_policy"),
    Case("yahoo tss04 without classification", None, "deferred", None, None, None, None,
         YAHOO_TSS04, "spam_or_policy"),
    Case("yahoo no such account", None, "bounced", "hard", None, None, None,
         "554 delivery error: dd This user doesn't have a yahoo.fr account (someone@yahoo.fr) "
         "[0] - mta1234.mail.ir2.yahoo.com", "unknown_recipient"),
    Case("outlook 5.7.515 authentication level", None, "bounced", "hard", None, None, None,
         "550 5.7.515 Access denied, sending domain example.fr doesn't meet the required "
         "authentication level.", "sender_authentication"),
    Case("outlook 5.7.509 dmarc reject", None, "bounced", "hard", None, None, None,
         "550 5.7.509 Access denied, sending domain example.fr does not pass DMARC "
         "verification and has a DMARC policy of reject.", "sender_authentication"),
    Case("outlook 5.7.606 banned ip", None, "bounced", "hard", None, None, None,
         "550 5.7.606 Access denied, banned sending IP [203.0.113.7].", "spam_or_policy"),
    Case("outlook 5.7.512 rfc 5322", None, "bounced", "hard", None, None, None,
         "550 5.7.512 Access denied, message must be RFC 5322 section 3.6.2 compliant and "
         "include a valid From address.", "spam_or_policy"),
    Case("outlook 5.5.0 mailbox unavailable", None, "bounced", "hard", None, None, None,
         "550 5.5.0 Requested action not taken: mailbox unavailable (S2017062302).",
         "unknown_recipient"),
    Case("outlook 5.4.1 directory based edge blocking", None, "bounced", "hard", None, None,
         None, "550 5.4.1 Recipient address rejected: Access denied. AS(201806281)",
         "unknown_recipient"),
    Case("outlook 5.1.10 recipient not found", None, "bounced", "hard", None, None, None,
         "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address "
         "lookup", "unknown_recipient"),
    Case("outlook.com block list", None, "bounced", "hard", None, None, None,
         "550 SC-001 (BAY004-MC1F1) Unfortunately, messages from 203.0.113.7 weren't sent. "
         "Please contact your Internet service provider since part of their network is on our "
         "block list.", "spam_or_policy"),
    Case("orange 5.1.1 destinataire invalide", None, "bounced", "hard", None, None, None,
         "550 5.1.1 Adresse d au moins un destinataire invalide. Invalid recipient. OFR_416 "
         "[416]", "unknown_recipient"),
    Case("orange boite pleine", None, "bounced", "hard", None, None, None,
         "552 5.2.2 Boite du destinataire pleine. Recipient overquota. OFR_999 [999]",
         "mailbox_full"),
    Case("orange service refuse", None, "bounced", "hard", None, None, None,
         "550 5.7.1 Service refuse. Veuillez essayer plus tard. service refused, please try "
         "later. OFR_506 [506]", "spam_or_policy"),
    Case("orange too many connections", None, "deferred", None, None, None, None,
         "421 mwinf5c21 ME Trop de connexions, veuillez verifier votre configuration. Too many "
         "connections, slow down. OFR005_104 [104]", "spam_or_policy"),
    Case("free too many spams", None, "deferred", None, None, None, None,
         "421 Too many spams from your IP (203.0.113.7), please visit "
         "http://postmaster.free.fr/", "spam_or_policy"),
    Case("french boîte pleine without code", None, "bounced", "soft", None, None, None,
         "452 Boîte pleine", "mailbox_full"),
    Case("french utilisateur inconnu without code", None, "bounced", "hard", None, None, None,
         "550 Utilisateur inconnu", "unknown_recipient"),
    Case("french domaine inexistant", None, "bounced", "hard", None, None, None,
         "Le domaine exemple-inconnu.fr n’existe pas", "domain_not_found"),
    Case("french adresse mal formée", None, "rejected", None, None, None, None,
         "Adresse e-mail mal formée", "invalid_address"),
    Case("host unknown 5.1.2", None, "bounced", "hard", None, None, None,
         "550 5.1.2 Host unknown (Name server: example.invalid: host not found)",
         "domain_not_found"),
    Case("spamhaus listing", None, "bounced", "hard", None, None, None,
         "554 5.7.1 Service unavailable; Client host [203.0.113.7] blocked using "
         "zen.spamhaus.org", "spam_or_policy"),
    Case("a bare 552", None, "bounced", "hard", None, 552, None, "552 Requested mail action "
         "aborted", "mailbox_full"),
    Case("broad 5.7.0 with no words", None, "bounced", "hard", None, None, "5.7.0", None,
         "spam_or_policy"),
    Case("a blocked event with nothing else", None, "blocked", None, None, None, None, None,
         "spam_or_policy"),
    Case("a failure with nothing at all", None, "failed", None, None, None, None, None, "other"),
    Case("a version number is not a code", None, "bounced", "hard", None, None, None,
         "Mailer version 5.1.1 could not deliver", "other"),
    # --- Not failures: no category
    Case("delivered has no category", "sendgrid", "delivered", None, None, None, None,
         "250 2.0.0 OK 1461095248 m143si2210036ioe.159 - gsmtp ", None),
    Case("complained has no category", "postmark", "complained", None, "SpamComplaint", None,
         None, "Test spam complaint details", None),
    Case("opened has no category", "mailgun", "opened", None, None, None, None, None, None),
]
# fmt: on


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    install_macros(connection)
    return connection


@pytest.fixture(scope="module")
def categories(con: duckdb.DuckDBPyConnection) -> dict[str, str | None]:
    """Every case classified in ONE set-based query, as the pipeline will run it."""
    con.execute(
        "CREATE TEMP TABLE cases (name VARCHAR, provider VARCHAR, event VARCHAR, "
        "bounce_kind VARCHAR, provider_class VARCHAR, smtp_code INTEGER, enhanced_code VARCHAR, "
        "reason VARCHAR)"
    )
    con.executemany("INSERT INTO cases VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [c[:-1] for c in CASES])
    rows = con.execute(
        "SELECT name, bounce_category(provider, event, bounce_kind, provider_class, smtp_code, "
        "enhanced_code, reason) FROM cases"
    ).fetchall()
    return dict(rows)


def test_case_names_are_unique() -> None:
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_bounce_category_of_known_reply(case: Case, categories: dict[str, str | None]) -> None:
    assert categories[case.name] == case.expected


@pytest.mark.parametrize(
    ("reason", "smtp_code", "enhanced_code"),
    [
        ("550 5.1.1 <jane@example.com>... User unknown", 550, "5.1.1"),
        ("smtp;550 5.1.1 The email account that you tried to reach does not exist.", 550, "5.1.1"),
        ("smtp; 550-5.1.1 The email account that you tried to reach does not exist.", 550, "5.1.1"),
        (
            " RecipientError: 550 5.5.0 Requested action not taken: mailbox unavailable.",
            550,
            "5.5.0",
        ),
        (YAHOO_TSS04, 421, "4.7.0"),
        (
            "4.7.652 The mail server [xxx.xxx.xxx.xxx] has exceeded the maximum number",
            None,
            "4.7.652",
        ),
        ("550 5.7.515 Access denied, sending domain example.fr doesn't meet", 550, "5.7.515"),
        ("421-4.7.32 Your email has been rate limited", 421, "4.7.32"),
        ("550 Invalid recipient <a@example.com> (#5.1.1)", 550, "5.1.1"),
        ("sent (250 2.0.0 OK 1498093527 a67bc12345def.22 - gsmtp)", 250, "2.0.0"),
        ("Rejected by 192.168.5.1.", None, None),
        ("IP 4.2.2.2 is listed", None, None),
        ("Mail server version 2.0.1 said no", None, None),
        ("v5.7.1 of the filter", None, None),
        ("No MX for nomx.example.com", None, None),
        ("server is down", None, None),
        ("Queue id 1498093527 deferred", None, None),
        ("", None, None),
        (None, None, None),
    ],
)
def test_codes_are_read_from_reply_text(
    con: duckdb.DuckDBPyConnection,
    reason: str | None,
    smtp_code: int | None,
    enhanced_code: str | None,
) -> None:
    found = con.execute("SELECT smtp_code_of(?), enhanced_code_of(?)", [reason, reason]).fetchone()
    assert found == (smtp_code, enhanced_code)


@pytest.mark.parametrize(
    ("event", "bounce_kind", "enhanced_code", "smtp_code", "expected"),
    [
        ("deferred", None, "5.1.1", 550, ("bounced", "hard")),
        ("deferred", None, None, 550, ("bounced", "hard")),
        ("deferred", None, None, "554", ("bounced", "hard")),
        ("bounced", "soft", "5.2.2", 552, ("bounced", "hard")),
        ("deferred", None, "4.7.0", 550, ("deferred", None)),
        ("deferred", None, "4.2.2", 452, ("deferred", None)),
        ("deferred", None, None, 421, ("deferred", None)),
        ("deferred", None, None, 498, ("deferred", None)),
        ("deferred", None, None, None, ("deferred", None)),
        ("bounced", "soft", None, 450, ("bounced", "soft")),
        ("bounced", "hard", "4.2.2", 452, ("bounced", "hard")),
        ("bounced", None, "5.1.1", None, ("bounced", "hard")),
        ("bounced", None, None, 450, ("bounced", "soft")),
        ("bounced", None, None, None, ("bounced", None)),
        ("bounced", None, None, 605, ("bounced", None)),  # Mailgun's own code, not SMTP
        ("bounced", None, None, 4000, ("bounced", None)),
        ("delivered", None, "5.1.1", 550, ("delivered", None)),
        ("rejected", None, "5.0.0", None, ("rejected", None)),
    ],
)
def test_deferral_with_permanent_reply_becomes_hard_bounce(
    con: duckdb.DuckDBPyConnection,
    event: str,
    bounce_kind: str | None,
    enhanced_code: str | None,
    smtp_code: object,
    expected: tuple[str, str | None],
) -> None:
    found = con.execute(
        "SELECT effective_event(?, ?, ?, ?), effective_bounce_kind(?, ?, ?, ?)",
        [event, bounce_kind, enhanced_code, smtp_code] * 2,
    ).fetchone()
    assert found == expected


def test_brevo_deferred_user_unknown_is_a_hard_bounce_once_codes_are_filled(
    con: duckdb.DuckDBPyConnection,
) -> None:
    reason = CASES[[c.name for c in CASES].index("brevo anymail_deferred_actually_550")].reason
    found = con.execute(
        "SELECT effective_bounce('deferred', NULL, enhanced_code_of(?), smtp_code_of(?))",
        [reason, reason],
    ).fetchone()
    assert found == ({"event": "bounced", "bounce_kind": "hard"},)


def test_macros_can_be_installed_twice(con: duckdb.DuckDBPyConnection) -> None:
    install_macros(con)
    assert con.execute("SELECT smtp_code_of('550 x')").fetchone() == (550,)


any_text = st.one_of(st.none(), st.text(max_size=300))
any_code = st.one_of(st.none(), st.integers(-1000, 100_000).map(str), st.text(max_size=12))
any_row = st.tuples(
    st.one_of(
        any_text,
        st.sampled_from(["brevo", "sendgrid", "mailgun", "postmark", "amazon_ses", "mailjet"]),
    ),  # provider
    st.one_of(any_text, st.sampled_from(EVENTS)),  # event
    st.one_of(any_text, st.sampled_from(["hard", "soft"])),  # bounce_kind
    any_text,  # provider_class
    any_code,  # smtp_code
    any_code,  # enhanced_code
    any_text,  # reason
)


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(any_row, min_size=1, max_size=25))
def test_macros_never_fail_and_stay_in_their_vocabulary(
    con: duckdb.DuckDBPyConnection, rows: list[tuple[str | None, ...]]
) -> None:
    columns = [list(column) for column in zip(*rows, strict=True)]
    found = con.execute(
        """
        SELECT event, bounce_category(provider, event, bounce_kind, provider_class, smtp_code,
                                      enhanced_code, reason),
               effective_event(event, bounce_kind, enhanced_code, smtp_code),
               smtp_code_of(reason), enhanced_code_of(reason)
        FROM (SELECT unnest(?::VARCHAR[]) AS provider, unnest(?::VARCHAR[]) AS event,
                     unnest(?::VARCHAR[]) AS bounce_kind, unnest(?::VARCHAR[]) AS provider_class,
                     unnest(?::VARCHAR[]) AS smtp_code, unnest(?::VARCHAR[]) AS enhanced_code,
                     unnest(?::VARCHAR[]) AS reason)
        """,
        columns,
    ).fetchall()
    assert len(found) == len(rows)
    for event, category, event_after, smtp_found, enhanced_found in found:
        if event in CATEGORISED_EVENTS:
            assert category in BOUNCE_CATEGORIES
        else:
            assert category is None
        assert event_after in {event, "bounced"}
        assert smtp_found is None or 200 <= smtp_found <= 599
        assert enhanced_found is None or enhanced_found[0] in "245"


def test_pinned_cases_reach_every_category() -> None:
    assert {case.expected for case in CASES} - {None} == set(BOUNCE_CATEGORIES)
