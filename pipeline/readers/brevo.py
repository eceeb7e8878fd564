"""Brevo (formerly Sendinblue): webhook events (JSON) and the console's log export (CSV).

Webhooks: one object per event; `message-id` with angle brackets; time from `ts_epoch` (epoch
milliseconds, seconds in some samples), else `ts_event`/`ts` (epoch seconds), else `date`
(account-local wall clock), else the misspelt `s_epoch` of a doc sample, which contradicts the
rest. No event id. Failure reasons are free text.
Log export: `st_text,ts,sub,frm,email,tag,mid,link` with `st_text` in the account's UI language
(English, French or Italian) and `ts` as `DD-MM-YYYY HH:MM:SS` local time, `NA` for nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pipeline.readers.base import ReaderSpec

# Brevo event → (vocabulary event, bounce kind, machine open). Webhook names and the Events API's
# plural spellings both appear in real data.
_WEBHOOK_EVENTS = """
    (VALUES
        ('request', 'accepted', NULL, false), ('requests', 'accepted', NULL, false),
        ('sent', 'accepted', NULL, false),
        ('delivered', 'delivered', NULL, false),
        ('deferred', 'deferred', NULL, false),
        ('soft_bounce', 'bounced', 'soft', false), ('softbounces', 'bounced', 'soft', false),
        ('hard_bounce', 'bounced', 'hard', false), ('hardbounces', 'bounced', 'hard', false),
        ('blocked', 'rejected', NULL, false),
        ('invalid_email', 'rejected', NULL, false), ('invalid', 'rejected', NULL, false),
        ('error', 'failed', NULL, false),
        ('spam', 'complained', NULL, false), ('complaint', 'complained', NULL, false),
        ('unsubscribed', 'unsubscribed', NULL, false), ('unsubscribe', 'unsubscribed', NULL, false),
        ('opened', 'opened', NULL, false), ('unique_opened', 'opened', NULL, false),
        ('uniqueopened', 'opened', NULL, false),
        ('proxy_open', 'opened', NULL, true), ('unique_proxy_open', 'opened', NULL, true),
        ('loadedbyproxy', 'opened', NULL, true),
        ('click', 'clicked', NULL, false), ('clicks', 'clicked', NULL, false)
    ) AS brevo_event(name, event, bounce_kind, is_machine_open)
"""

# Console labels (compared lower-case, without accents) in English, French and Italian.
_EXPORT_LABELS = """
    (VALUES
        ('sent', 'accepted', NULL, false), ('request', 'accepted', NULL, false),
        ('envoye', 'accepted', NULL, false), ('inviata', 'accepted', NULL, false),
        ('delivered', 'delivered', NULL, false), ('delivre', 'delivered', NULL, false),
        ('consegnata', 'delivered', NULL, false),
        ('first opening', 'opened', NULL, false), ('opened', 'opened', NULL, false),
        ('premiere ouverture', 'opened', NULL, false), ('ouvert', 'opened', NULL, false),
        ('prima apertura', 'opened', NULL, false), ('aperta', 'opened', NULL, false),
        ('loaded by proxy', 'opened', NULL, true), ('charge par proxy', 'opened', NULL, true),
        ('caricata per procura', 'opened', NULL, true),
        ('clicked', 'clicked', NULL, false), ('clique', 'clicked', NULL, false),
        ('cliccata', 'clicked', NULL, false),
        ('deferred', 'deferred', NULL, false), ('differe', 'deferred', NULL, false),
        ('rinviata', 'deferred', NULL, false),
        ('soft bounce', 'bounced', 'soft', false), ('hard bounce', 'bounced', 'hard', false),
        ('blocked', 'rejected', NULL, false), ('bloque', 'rejected', NULL, false),
        ('bloccata', 'rejected', NULL, false),
        ('invalid email', 'rejected', NULL, false), ('email invalide', 'rejected', NULL, false),
        ('adresse invalide', 'rejected', NULL, false),
        ('email non valida', 'rejected', NULL, false),
        ('error', 'failed', NULL, false), ('erreur', 'failed', NULL, false),
        ('errore', 'failed', NULL, false),
        ('complaint', 'complained', NULL, false), ('spam', 'complained', NULL, false),
        ('plainte', 'complained', NULL, false),
        ('unsubscribed', 'unsubscribed', NULL, false), ('desinscrit', 'unsubscribed', NULL, false),
        ('desabonne', 'unsubscribed', NULL, false), ('disiscrizione', 'unsubscribed', NULL, false)
    ) AS brevo_label(label, event, bounce_kind, is_machine_open)
"""

# Brevo's failure classification is its event name (see pipeline/rules/sql/bounce_rules.sql).
_FAILURES = "('hard_bounce','soft_bounce','blocked','invalid_email','invalid','error','deferred')"

WEBHOOK_SQL = f"""
WITH d AS (
    SELECT line, raw, doc,
           doc->>'event' AS raw_event,
           doc->>'ts_epoch' AS ts_epoch,
           COALESCE(doc->>'ts_event', doc->>'ts') AS ts_seconds,
           doc->>'date' AS date_text,
           doc->>'s_epoch' AS s_epoch
    FROM raw_docs
)
SELECT
    line, raw,
    'brevo' AS provider,
    blank_null(doc->>'message-id') AS provider_message_id,
    message_key('brevo', doc->>'message-id') AS message_key,
    lower(blank_null(doc->>'email')) AS recipient_email,
    COALESCE(ts_epoch, ts_seconds, date_text, s_epoch) AS time_text,
    COALESCE(epoch_time(ts_epoch), epoch_time(ts_seconds),
             local_time(date_text, '%Y-%m-%d %H:%M:%S'), epoch_time(s_epoch)) AS event_at,
    raw_event,
    brevo_event.event,
    brevo_event.bounce_kind,
    COALESCE(brevo_event.is_machine_open, false) AS is_machine_open,
    blank_null(doc->>'reason') AS reason,
    CAST(NULL AS VARCHAR) AS smtp_code,
    CAST(NULL AS VARCHAR) AS enhanced_code,
    CASE WHEN lower(raw_event) IN {_FAILURES} THEN lower(raw_event) END AS provider_class,
    blank_null(doc->>'subject') AS subject,
    lower(blank_null(COALESCE(doc->>'sender_email', doc->>'from'))) AS sender_email,
    blank_null(doc->>'link') AS url,
    CAST(NULL AS VARCHAR) AS provider_event_id
FROM d
LEFT JOIN {_WEBHOOK_EVENTS} ON brevo_event.name = lower(d.raw_event)
"""

EXPORT_SQL = f"""
WITH d AS (
    SELECT *, lower(strip_accents(trim(st_text))) AS label FROM raw_csv
)
SELECT
    line, raw,
    'brevo' AS provider,
    blank_null(mid) AS provider_message_id,
    message_key('brevo', blank_null(mid)) AS message_key,
    lower(blank_null(email)) AS recipient_email,
    ts AS time_text,
    COALESCE(local_time(ts, '%d-%m-%Y %H:%M:%S'), local_time(ts, '%d/%m/%Y %H:%M:%S'),
             any_time(ts)) AS event_at,
    st_text AS raw_event,
    brevo_label.event,
    brevo_label.bounce_kind,
    COALESCE(brevo_label.is_machine_open, false) AS is_machine_open,
    CAST(NULL AS VARCHAR) AS reason,
    CAST(NULL AS VARCHAR) AS smtp_code,
    CAST(NULL AS VARCHAR) AS enhanced_code,
    CASE brevo_label.event
        WHEN 'bounced' THEN brevo_label.bounce_kind || '_bounce'
        WHEN 'rejected' THEN CASE WHEN d.label LIKE '%invalid%' OR d.label LIKE '%non valida%'
                                  THEN 'invalid_email' ELSE 'blocked' END
        WHEN 'failed' THEN 'error'
        WHEN 'deferred' THEN 'deferred'
    END AS provider_class,
    blank_null(sub) AS subject,
    lower(blank_null(frm)) AS sender_email,
    blank_null(link) AS url,
    CAST(NULL AS VARCHAR) AS provider_event_id
FROM d
LEFT JOIN {_EXPORT_LABELS} ON brevo_label.label = d.label
"""


def _is_webhook(doc: Mapping[str, Any]) -> bool:
    has_time = any(k in doc for k in ("ts_epoch", "ts_event", "s_epoch", "ts", "date"))
    return "event" in doc and "message-id" in doc and has_time


def _is_export(header: frozenset[str]) -> bool:
    return {"st_text", "ts", "email", "mid"} <= header


READERS = (
    ReaderSpec(
        name="brevo_webhook",
        label="Brevo webhook events (JSON)",
        provider="brevo",
        kind="events",
        container="json",
        sniff=_is_webhook,
        stage_sql=WEBHOOK_SQL,
    ),
    ReaderSpec(
        name="brevo_log_export",
        label="Brevo transactional log export (CSV: st_text,ts,sub,frm,email,tag,mid,link)",
        provider="brevo",
        kind="events",
        container="csv",
        sniff=_is_export,
        stage_sql=EXPORT_SQL,
        required_columns=("st_text", "ts", "email", "mid"),
    ),
)
