-- Bounce rules: why a mail failed or was deferred, as DuckDB macros applied set-based after staging.
-- Installed by pipeline/rules/bounce_rules.py: install_bounce_macros(con). Plain SQL (CASE, LIKE,
-- regexp_*), so the same rules can move to a larger engine later. No table is read or written.
--
-- PUBLIC MACROS
--   smtp_code_of(reason)              INTEGER  3-digit SMTP reply code in a reply text, else NULL
--   enhanced_code_of(text)            VARCHAR  RFC 3463 enhanced status code 'class.subject.detail'
--                                              ('5.1.1', '4.7.32', '5.7.515'), else NULL
--   is_permanent_reply(enhanced_code, smtp_code)  BOOLEAN  the reply says "do not retry"
--   effective_bounce(event, bounce_kind, enhanced_code, smtp_code)
--                                     STRUCT(event VARCHAR, bounce_kind VARCHAR)
--   effective_event(...), effective_bounce_kind(...)   the two fields of effective_bounce, same args
--   bounce_category(provider, event, bounce_kind, provider_class, smtp_code, enhanced_code, reason)
--                                     VARCHAR  one of: unknown_recipient, mailbox_full,
--                                     domain_not_found, spam_or_policy, sender_authentication,
--                                     suppressed, invalid_address, other;
--                                     NULL unless event is deferred, bounced, blocked, rejected, failed
--   Building blocks, usable on their own: bounce_text, reply_class, bounce_provider_key,
--   bounce_class_key, bounce_category_from_class / _from_code / _from_text / _fallback.
--
-- WHAT EACH READER SUPPLIES (normalized event columns)
--   provider        'brevo', 'sendgrid', 'mailgun', 'postmark', 'amazon_ses', 'mailjet', 'generic'
--                   (case and punctuation are ignored; 'sendinblue' and 'ses' are understood).
--   event           the vocabulary of DESIGN.md: queued, accepted, deferred, delivered, opened,
--                   clicked, bounced, blocked, rejected, failed, complained, unsubscribed, unknown.
--   bounce_kind     'hard', 'soft' or NULL (used by effective_bounce; bounce_category takes it
--                   so that callers pass the whole event, but the category does not depend on it).
--   reason          the provider's reply text, verbatim (multi-line SMTP replies kept as they are).
--   smtp_code       the provider's own numeric code field when it has one (Mailgun
--                   delivery-status.code, which includes Mailgun's own 498/499/605/607), else
--                   NULL. VARCHAR or INTEGER both work.
--   enhanced_code   the provider's own enhanced-code field when it has one (SES
--                   bouncedRecipients[].status, SendGrid status, Mailgun
--                   delivery-status.enhanced-code; an empty string counts as none), else NULL.
--   The normalize step then fills the gaps from the text, once, before calling the macros:
--       smtp_code     := coalesce(TRY_CAST(smtp_code AS INTEGER), smtp_code_of(reason))
--       enhanced_code := coalesce(enhanced_code_of(enhanced_code), enhanced_code_of(reason))
--   (bounce_category does the same fallback itself; effective_bounce only reads the codes.)
--   provider_class  the provider's own classification, built from its native fields as below;
--                   NULL when the event has none. Case and spaces around '/' are ignored.
--
--   provider    provider_class                               native fields / examples
--   ----------  -------------------------------------------  --------------------------------------
--   postmark    Type                                         Bounce records: 'HardBounce',
--                                                            'SoftBounce', 'Transient', 'DnsError',
--                                                            'Blocked', 'DMARCPolicy',
--                                                            'BadEmailAddress', 'ManuallyDeactivated',
--                                                            'Unconfirmed', 'SMTPApiError',
--                                                            'TemplateRenderingFailed',
--                                                            'VirusNotification', 'SpamNotification'…
--               'SubscriptionChange/' || SuppressionReason   'SubscriptionChange/HardBounce',
--                                                            'SubscriptionChange/ManualSuppression'
--               'Inactive'                                   send refused: recipient marked inactive
--   amazon_ses  bounceType || '/' || bounceSubType           'Permanent/General', 'Permanent/NoEmail',
--                                                            'Permanent/Suppressed',
--                                                            'Permanent/OnAccountSuppressionList',
--                                                            'Transient/MailboxFull',
--                                                            'Transient/ContentRejected',
--                                                            'Undetermined/Undetermined'
--               'Reject/' || reject.reason                   'Reject/Bad content'
--               'RenderingFailure'                           eventType 'Rendering Failure'
--               'DeliveryDelay/' || deliveryDelay.delayType  'DeliveryDelay/MailboxFull',
--                                                            'DeliveryDelay/SpamDetected'…
--   mailjet     error_related_to || '/' || error             'recipient/user unknown',
--                                                            'domain/invalid domain',
--                                                            'domain/typofix', 'mailjet/preblocked',
--                                                            'spam/sender blocked',
--                                                            'policy issue/' (error may be empty)
--   sendgrid    'dropped/' || reason                         'dropped/Invalid',
--                                                            'dropped/Bounced Address',
--                                                            'dropped/Unsubscribed Address',
--                                                            'dropped/Spam Reporting Address'…
--               coalesce(type,'bounce') || '/' ||            'bounce/Invalid Address',
--                 coalesce(bounce_classification,'')         'blocked/Reputation', 'bounce/invalid',
--                                                            'bounce/' (no classification)
--               'deferred'                                   deferred events
--   mailgun     reason || '/' || delivery-status.code        'suppress-bounce/605', 'generic/498',
--                                                            'bounce/550', 'greylisted/450'
--               'rejected'                                   rejected events (reject.reason → reason)
--   brevo       the raw webhook event name                   'hard_bounce', 'soft_bounce',
--                                                            'blocked', 'invalid_email', 'error',
--                                                            'deferred'
--   generic     NULL (or the column the user mapped)         the category then comes from the codes
--                                                            and the reason text
--
-- HOW A CATEGORY IS CHOSEN (first answer wins)
--   1. the provider's own classification, when it is specific (provider_class);
--   2. a specific enhanced status code (RFC 3463, RFC 7372 and the well-known Gmail, Yahoo and
--      Microsoft codes), from enhanced_code or else from the reason text;
--   3. well-known reply texts, English and French;
--   4. a broad policy code (X.7.x), a bare 552 reply, or the provider/event default
--      (a 'blocked' event is a recipient-side spam or policy block);
--   5. 'other'.
--
-- THE PERMANENT-REPLY RULE (effective_bounce)
--   A deferral is a promise to retry. A `deferred` event or a soft `bounced` whose reply is a
--   permanent failure — an enhanced code starting with '5.', or, when there is no enhanced code,
--   a 5xx SMTP code — is not being retried: it becomes `bounced` / 'hard'. (Brevo sends
--   `deferred` events carrying "550 5.1.1 … User unknown".) A `bounced` event without a kind
--   takes its kind from the reply: 5 → 'hard', 4 → 'soft'. Everything else is unchanged.

-- Text of a reply, lower case and without accents, for the pattern rules below.
CREATE OR REPLACE TEMP MACRO bounce_text(reason) AS
    strip_accents(lower(coalesce(CAST(reason AS VARCHAR), '')));

CREATE OR REPLACE TEMP MACRO smtp_code_of(reason) AS
    TRY_CAST(nullif(regexp_extract(
        CAST(reason AS VARCHAR),
        '(?:^|[^0-9A-Za-z.])([245][0-9][0-9])(?:[ \t\r\n:-]|$)', 1), '') AS INTEGER);

-- A code counts only where replies put one: at the start of the text or of a line, after the
-- 3-digit reply code ('550 5.1.1', '550-5.1.1'), after '#', '(', '[', ';', ':', '=', a quote, or the
-- words error / status / code. So neither a version number ('version 2.0.1') nor a piece of an IP
-- address or of Yahoo's '4.16.55.1' is taken; the code must not run on into more digits or dots.
CREATE OR REPLACE TEMP MACRO enhanced_code_of(reason) AS
    nullif(regexp_extract(
        CAST(reason AS VARCHAR),
        '(?i)(?:^|[\n;:(#\[=''"]|\b[245][0-9][0-9][ -]|\b(?:error|status|code) )\s*'
        || '([245]\.[0-7]\.[0-9]{1,3})(?:$|[^0-9.]|\.(?:$|[^0-9]))', 1), '');

CREATE OR REPLACE TEMP MACRO is_permanent_reply(enhanced_code, smtp_code) AS
    CASE
        WHEN enhanced_code_of(enhanced_code) IS NOT NULL
            THEN starts_with(enhanced_code_of(enhanced_code), '5.')
        ELSE coalesce(TRY_CAST(CAST(smtp_code AS VARCHAR) AS INTEGER) BETWEEN 500 AND 599, false)
    END;

-- '2', '4' or '5': the class of the reply, from the enhanced code first, else the SMTP code.
CREATE OR REPLACE TEMP MACRO reply_class(enhanced_code, smtp_code) AS
    coalesce(
        left(enhanced_code_of(enhanced_code), 1),
        CASE
            WHEN TRY_CAST(CAST(smtp_code AS VARCHAR) AS INTEGER) BETWEEN 200 AND 299 THEN '2'
            WHEN TRY_CAST(CAST(smtp_code AS VARCHAR) AS INTEGER) BETWEEN 400 AND 499 THEN '4'
            WHEN TRY_CAST(CAST(smtp_code AS VARCHAR) AS INTEGER) BETWEEN 500 AND 599 THEN '5'
        END);

CREATE OR REPLACE TEMP MACRO effective_bounce(event, bounce_kind, enhanced_code, smtp_code) AS
    CASE
        WHEN (event = 'deferred' OR (event = 'bounced' AND bounce_kind = 'soft'))
             AND is_permanent_reply(enhanced_code, smtp_code)
            THEN {'event': 'bounced', 'bounce_kind': 'hard'}
        WHEN event = 'bounced' AND bounce_kind IS NULL
             AND reply_class(enhanced_code, smtp_code) IN ('4', '5')
            THEN {'event': 'bounced',
                  'bounce_kind': CASE reply_class(enhanced_code, smtp_code)
                                     WHEN '5' THEN 'hard' ELSE 'soft' END}
        ELSE {'event': CAST(event AS VARCHAR), 'bounce_kind': CAST(bounce_kind AS VARCHAR)}
    END;

CREATE OR REPLACE TEMP MACRO effective_event(event, bounce_kind, enhanced_code, smtp_code) AS
    struct_extract(effective_bounce(event, bounce_kind, enhanced_code, smtp_code), 'event');

CREATE OR REPLACE TEMP MACRO effective_bounce_kind(event, bounce_kind, enhanced_code, smtp_code) AS
    struct_extract(effective_bounce(event, bounce_kind, enhanced_code, smtp_code), 'bounce_kind');

-- 'Sendinblue' → 'brevo', 'SES' / 'Amazon SES' → 'amazon_ses', ' SendGrid' → 'sendgrid'.
-- (Plain string functions, no regular expressions: these keys are recomputed in every branch.)
CREATE OR REPLACE TEMP MACRO bounce_provider_key(provider) AS
    CASE
        WHEN lower(trim(CAST(provider AS VARCHAR))) IN ('sendinblue', 'brevo') THEN 'brevo'
        WHEN lower(trim(CAST(provider AS VARCHAR)))
             IN ('ses', 'amazon_ses', 'amazon ses', 'amazonses', 'amazon-ses', 'aws ses', 'aws_ses')
            THEN 'amazon_ses'
        ELSE lower(trim(CAST(provider AS VARCHAR)))
    END;

-- 'Permanent / OnAccountSuppressionList ' → 'permanent/onaccountsuppressionlist'.
CREATE OR REPLACE TEMP MACRO bounce_class_key(provider_class) AS
    replace(replace(lower(trim(coalesce(CAST(provider_class AS VARCHAR), ''))), ' /', '/'), '/ ', '/');

-- Tier 1: the provider's own classification, NULL when it is not specific (e.g. Postmark
-- 'HardBounce', SES 'Permanent/General': the reply then decides).
CREATE OR REPLACE TEMP MACRO bounce_category_from_class(provider, provider_class, smtp_code) AS
    CASE bounce_provider_key(provider)
    WHEN 'postmark' THEN CASE bounce_class_key(provider_class)
        WHEN 'dnserror' THEN 'domain_not_found'
        WHEN 'blocked' THEN 'spam_or_policy'
        WHEN 'spamnotification' THEN 'spam_or_policy'
        WHEN 'spamcomplaint' THEN 'spam_or_policy'
        WHEN 'virusnotification' THEN 'spam_or_policy'
        WHEN 'dmarcpolicy' THEN 'sender_authentication'
        WHEN 'bademailaddress' THEN 'invalid_address'
        WHEN 'manuallydeactivated' THEN 'suppressed'
        WHEN 'unconfirmed' THEN 'suppressed'
        WHEN 'inactive' THEN 'suppressed'
        WHEN 'subscriptionchange/manualsuppression' THEN 'suppressed'
        WHEN 'subscriptionchange/spamcomplaint' THEN 'suppressed'
        WHEN 'smtpapierror' THEN 'other'
        WHEN 'templaterenderingfailed' THEN 'other'
        WHEN 'openrelaytest' THEN 'other'
        END
    WHEN 'amazon_ses' THEN CASE
        WHEN bounce_class_key(provider_class) IN (
            'permanent/suppressed', 'permanent/onaccountsuppressionlist') THEN 'suppressed'
        WHEN bounce_class_key(provider_class) = 'permanent/noemail' THEN 'unknown_recipient'
        WHEN bounce_class_key(provider_class) IN (
            'transient/mailboxfull', 'deliverydelay/mailboxfull') THEN 'mailbox_full'
        WHEN bounce_class_key(provider_class) IN (
            'transient/contentrejected', 'transient/attachmentrejected',
            'deliverydelay/spamdetected', 'deliverydelay/ipfailure',
            'reject/bad content') THEN 'spam_or_policy'
        WHEN bounce_class_key(provider_class) IN (
            'transient/messagetoolarge', 'renderingfailure', 'rendering failure',
            'deliverydelay/internalfailure', 'deliverydelay/sendingdeferral',
            'deliverydelay/byoiphostnamelookupunavailable') THEN 'other'
        END
    WHEN 'mailjet' THEN CASE
        WHEN bounce_class_key(provider_class) IN (
            'mailjet/preblocked', 'recipient/blacklisted', 'recipient/spam reporter')
            THEN 'suppressed'
        WHEN bounce_class_key(provider_class) LIKE '%/typofix' THEN 'invalid_address'
        WHEN bounce_class_key(provider_class) = 'recipient/user unknown' THEN 'unknown_recipient'
        WHEN bounce_class_key(provider_class) IN (
            'recipient/mailbox inactive', 'recipient/quota exceeded') THEN 'mailbox_full'
        WHEN bounce_class_key(provider_class) IN (
            'domain/invalid domain', 'domain/no mail host') THEN 'domain_not_found'
        WHEN bounce_class_key(provider_class) LIKE '%/greylisted' THEN 'other'
        WHEN bounce_class_key(provider_class) LIKE 'spam/%'
          OR bounce_class_key(provider_class) LIKE 'policy issue/%'
          OR bounce_class_key(provider_class) = 'domain/relay/access denied' THEN 'spam_or_policy'
        WHEN bounce_class_key(provider_class) LIKE 'content/%'
          OR bounce_class_key(provider_class) LIKE 'system/%'
          OR bounce_class_key(provider_class) = 'mailjet/duplicate in campaign' THEN 'other'
        END
    WHEN 'sendgrid' THEN CASE
        WHEN bounce_class_key(provider_class) = 'dropped/invalid' THEN 'invalid_address'
        WHEN bounce_class_key(provider_class) IN (
            'dropped/bounced address', 'dropped/unsubscribed address',
            'dropped/spam reporting address') THEN 'suppressed'
        WHEN bounce_class_key(provider_class) = 'dropped/spam content' THEN 'spam_or_policy'
        WHEN bounce_class_key(provider_class) LIKE 'dropped/%' THEN 'other'
        WHEN bounce_class_key(provider_class) LIKE '%/invalid%' THEN 'unknown_recipient'
        WHEN bounce_class_key(provider_class) LIKE '%/mailbox unavailable' THEN 'mailbox_full'
        WHEN bounce_class_key(provider_class) LIKE '%/reputation'
          OR bounce_class_key(provider_class) LIKE '%/content'
          OR bounce_class_key(provider_class) LIKE '%/frequency%' THEN 'spam_or_policy'
        END
    WHEN 'mailgun' THEN CASE
        WHEN bounce_class_key(provider_class) LIKE 'suppress-%'
          OR bounce_class_key(provider_class) LIKE '%/605'
          OR bounce_class_key(provider_class) LIKE '%/607'
          OR TRY_CAST(CAST(smtp_code AS VARCHAR) AS INTEGER) IN (605, 607) THEN 'suppressed'
        WHEN bounce_class_key(provider_class) LIKE '%/498'
          OR TRY_CAST(CAST(smtp_code AS VARCHAR) AS INTEGER) = 498 THEN 'domain_not_found'
        WHEN bounce_class_key(provider_class) LIKE 'espblock%' THEN 'spam_or_policy'
        WHEN bounce_class_key(provider_class) LIKE 'greylisted%'
          OR bounce_class_key(provider_class) LIKE 'old%'
          OR bounce_class_key(provider_class) LIKE '%/499' THEN 'other'
        END
    WHEN 'brevo' THEN CASE bounce_class_key(provider_class)
        WHEN 'invalid_email' THEN 'invalid_address'
        WHEN 'invalid' THEN 'invalid_address'
        WHEN 'blocked' THEN 'suppressed'  -- Brevo's own block list: unsubscribed, blacklisted
        WHEN 'error' THEN 'other'
        END
    END;

-- Tier 2: enhanced status codes that say one thing.
CREATE OR REPLACE TEMP MACRO bounce_category_from_code(code) AS
    CASE
        WHEN code IN ('5.1.1', '4.1.1', '5.1.0', '5.1.6', '5.1.10') THEN 'unknown_recipient'
        WHEN code IN ('5.1.3') THEN 'invalid_address'
        WHEN code IN ('5.1.2', '4.1.2', '4.4.4', '5.4.4', '5.4.310', '5.4.312') THEN 'domain_not_found'
        WHEN code IN ('5.2.2', '4.2.2', '5.2.1') THEN 'mailbox_full'
        WHEN code IN ('5.7.26', '4.7.26', '5.7.23', '4.7.23', '5.7.24', '4.7.24', '5.7.25',
                      '4.7.25', '5.7.27', '4.7.27', '5.7.20', '5.7.21', '5.7.22', '5.7.30',
                      '4.7.30', '5.7.32', '4.7.32', '5.7.5', '5.7.509', '5.7.515', '5.1.7',
                      '5.1.8') THEN 'sender_authentication'
        WHEN code IN ('5.7.9', '4.7.28', '5.7.28', '5.7.512', '5.7.650', '4.7.650', '4.7.652')
          OR regexp_matches(code, '^5\.7\.6[0-4][0-9]$') THEN 'spam_or_policy'
        WHEN code IN ('5.2.3', '5.3.4') THEN 'other'  -- message too large
    END;

-- Tier 3: well-known reply texts (matched on bounce_text: lower case, no accents).
CREATE OR REPLACE TEMP MACRO bounce_category_from_text(reason) AS
    CASE
        WHEN regexp_matches(bounce_text(reason),
            'suppress|previously (hard )?bounced|previous (bounce|complaint)|inactive recipient'
            || '|marked as inactive|manually deactivated|(unsubscribed|blacklist(ed)?) (user|address|recipient)'
            || '|do.?not.?send list|liste d.exclusion|desinscrit')
            THEN 'suppressed'
        WHEN regexp_matches(bounce_text(reason),
            '\b(dmarc|spf|dkim)\b|unauthenticated|not authenticated|authentication (failed|required|level)'
            || '|sender (domain |address )?(is )?not (verified|authenticated)|reverse dns|\bptr\b'
            || '|authentification')
            THEN 'sender_authentication'
        WHEN regexp_matches(bounce_text(reason),
            'unable to find mx|\bno mx\b|mx (record )?not found|domain not found|domain (name )?(does not|doesn.t) exist'
            || '|host or domain name not found|name service error|nxdomain|no such domain|invalid domain'
            || '|unrout(e)?able (address|domain)|domaine (introuvable|inexistant|inconnu)'
            || '|domaine .{0,40}n.existe pas')
            THEN 'domain_not_found'
        WHEN regexp_matches(bounce_text(reason),
            'over ?quota|quota (exceeded|depasse)|exceed(s|ed)? (its |the )?(storage|quota)'
            || '|mailbox (is )?full|mailbox (size|storage)|insufficient (storage|space)|disk full'
            || '|(mailbox|account) (is )?(disabled|inactive|suspended|deactivated)'
            || '|boite (aux lettres |de reception |mail )?(est )?pleine|espace (disque )?insuffisant'
            || '|(boite|compte) (desactive|suspendu|inactif)')
            THEN 'mailbox_full'
        WHEN regexp_matches(bounce_text(reason), 'greylist|grey.?listed|gray.?listed')
            THEN 'other'
        WHEN regexp_matches(bounce_text(reason),
            'user unknown|unknown user|unknown (recipient|address|mailbox)|no such (user|recipient|mailbox|account|address)'
            || '|(user|recipient|mailbox|account|address) (does not|doesn.t|did not) exist'
            || '|account that you tried to reach does not exist|recipient (not found|rejected|unknown|invalid)'
            || '|invalid (recipient|mailbox|user)|recipient address rejected|mailbox (not found|unavailable|not available|does not exist)'
            || '|(does not|doesn.t) have an? .{0,40}account|not our customer|address (rejected|not found)|utilisateur inconnu|destinataire (inconnu|invalide|introuvable)'
            || '|adresse (de destination |du destinataire )?(inconnue|inexistante|introuvable)'
            || '|au moins un destinataire invalide|n.existe pas|bal inconnue|compte (inexistant|inconnu)')
            THEN 'unknown_recipient'
        WHEN regexp_matches(bounce_text(reason),
            'address syntax|syntax (of|in) (the )?(e-?mail )?address|malformed|badly formatted'
            || '|bad (e-?mail )?address|invalid (e-?mail )?address|not a valid (e-?mail )?address'
            || '|invalid e-?mail|syntaxe|adresse (e-?mail )?(mal formee|incorrecte|invalide)')
            THEN 'invalid_address'
        WHEN regexp_matches(bounce_text(reason),
            'spam|junk|unsolicited|blocked|block ?list|black ?list|deny ?list|listed (on|in|at|by)'
            || '|\brbl\b|\bdnsbl\b|spamhaus|spamcop|barracuda|reputation|polic(y|ies)|complaints?'
            || '|\babuse\b|unexpected volume|too many (messages|connections|recipients)|rate.?limit'
            || '|throttl|\btss0[0-9]\b|content (rejected|refused)|bad content|message (rejected|refused|not accepted)'
            || '|virus|malware|phishing|suspicious|banned|access denied|relay(ing)? (denied|not permitted)'
            || '|refuse|bloque|indesirable|liste noire|politique')
            THEN 'spam_or_policy'
    END;

-- Tier 4: what is left — broad policy codes, a bare 552 ("exceeded storage allocation"),
-- and defaults of the provider or of the event.
CREATE OR REPLACE TEMP MACRO bounce_category_fallback(provider, event, provider_class, code, smtp_code) AS
    CASE
        WHEN regexp_matches(coalesce(code, ''), '^[45]\.7\.') THEN 'spam_or_policy'
        WHEN code IS NULL AND TRY_CAST(CAST(smtp_code AS VARCHAR) AS INTEGER) = 552 THEN 'mailbox_full'
        WHEN event = 'blocked' THEN 'spam_or_policy'
        WHEN bounce_provider_key(provider) = 'sendgrid'
         AND bounce_class_key(provider_class) LIKE 'blocked/%' THEN 'spam_or_policy'
    END;

CREATE OR REPLACE TEMP MACRO bounce_category(provider, event, bounce_kind, provider_class, smtp_code,
                                        enhanced_code, reason) AS
    CASE
        WHEN coalesce(CAST(event AS VARCHAR), '')
             NOT IN ('deferred', 'bounced', 'blocked', 'rejected', 'failed') THEN NULL
        ELSE coalesce(
            bounce_category_from_class(provider, provider_class, smtp_code),
            bounce_category_from_code(
                coalesce(enhanced_code_of(enhanced_code), enhanced_code_of(reason))),
            bounce_category_from_text(reason),
            bounce_category_fallback(
                provider, event, provider_class,
                coalesce(enhanced_code_of(enhanced_code), enhanced_code_of(reason)),
                coalesce(TRY_CAST(CAST(smtp_code AS VARCHAR) AS INTEGER), smtp_code_of(reason))),
            'other')
    END;
