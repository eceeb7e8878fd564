"""Stand-in `email_history` tables for tests, built in DuckDB from small frames.

Grid, filter and export tests (and the grid demo app) need mails with exact field values, which
the real pipeline would have to derive from events. They get a table with the real view's columns
and types, read from the store's migrations, and over it the `mails` view the app's queries read,
its prepared columns computed by the store's own macros. `synthetic_history(n)` makes a
deterministic larger set for the demo app. Test-only: nothing in pipeline/ or ui/ may import this.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Mapping
from typing import Any

import duckdb
import pandas as pd

from pipeline.store import migrate


def history_schema() -> list[tuple[str, str]]:
    """(name, DuckDB type) of each column of the real `email_history` view, in order.

    Read from an empty store built by pipeline.store's own migrations, so a change to the view
    changes the stand-in with it.
    """
    with duckdb.connect() as con:
        migrate(con)
        return [(name, kind) for name, kind, *_ in con.execute("DESCRIBE email_history").fetchall()]


HISTORY_SCHEMA = history_schema()
HISTORY_COLUMNS = [name for name, _ in HISTORY_SCHEMA]
# A table, not the view: tests insert rows directly. send_id stays unique, as it is in the view.
HISTORY_DDL = "CREATE TABLE email_history ({})".format(
    ", ".join(
        f"{name} {kind}{' PRIMARY KEY' if name == 'send_id' else ''}"
        for name, kind in HISTORY_SCHEMA
    )
)

UTC = dt.UTC


# `mails` as migration 005 defines it, over the stand-in table instead of mail_status.
MAILS_DDL = """
CREATE VIEW mails AS
SELECT *,
       CAST(NULL AS VARCHAR)                                              AS enhanced_code,
       CAST(requested_at AS DATE)                                         AS requested_day,
       mail_search_text(recipient_name, recipient_email, subject)         AS search_text,
       contact_search_text(recipient_name, recipient_email, contact_id)   AS contact_text,
       recipient_sort_key(recipient_name, recipient_email)                AS recipient_sort
FROM email_history
"""


def create_history(con: duckdb.DuckDBPyConnection, rows: Iterable[Mapping[str, Any]]) -> None:
    """Create `email_history` on `con` holding `rows` (missing columns are NULL), and `mails`.

    The store's schema is migrated first (for its macros), then its two views are replaced."""
    migrate(con)
    con.execute("DROP VIEW mails")
    con.execute("DROP VIEW email_history")
    con.execute(HISTORY_DDL)
    con.execute(MAILS_DDL)
    frame = pd.DataFrame([{c: row.get(c) for c in HISTORY_COLUMNS} for row in rows])
    if len(frame):
        con.register("history_rows", frame)
        con.execute("INSERT INTO email_history SELECT * FROM history_rows")
        con.unregister("history_rows")


EMAIL_TYPES = ("convocation", "programme", "convention", "evaluation_a_chaud",
               "attestation_fin_formation", "facture", "libre")  # fmt: skip
STATUSES = ("requested", "sent", "delivered", "opened", "undeliverable", "send_error")
_FIRST = ("Marie", "Jean", "Élodie", "Zoé", "Lucas", "Inès", "Hugo", "Chloé", "Noah", "Léa")
_LAST = ("Dupont", "Martin", "Bernard", "Petit", "Durand", "Leroy", "Moreau", "Fournier")
_DOMAINS = ("gmail.com", "orange.fr", "free.fr", "acme-formation.fr", "outlook.com")
_SESSIONS = (
    "Excel avancé – Lyon",
    "Management d'équipe – Paris",
    "Sécurité incendie – Lille",
    "Anglais B2 – distanciel",
    "Python pour l'analyse de données",
)
_SUBJECTS = {
    "convocation": "Votre convocation à la formation {s}",
    "programme": "Programme de la formation {s}",
    "evaluation_a_chaud": "Évaluez la formation {s}",
    "attestation_fin_formation": "Votre attestation de fin de formation",
    "convention": "Convention de formation à signer",
    "facture": "Facture n° {n}",
    "libre": "Informations pratiques",
}


def synthetic_history(n: int, seed: int = 7) -> list[dict[str, Any]]:
    """`n` plausible mails over the last months, deterministic for a given seed."""
    rnd = random.Random(seed)
    start = dt.datetime(2025, 1, 6, 7, 0, tzinfo=UTC)
    rows = []
    for i in range(n):
        first, last = rnd.choice(_FIRST), rnd.choice(_LAST)
        domain = rnd.choice(_DOMAINS)
        session = rnd.randrange(len(_SESSIONS))
        kind = rnd.choice(EMAIL_TYPES)
        status = rnd.choices(STATUSES, weights=(2, 5, 40, 40, 8, 5))[0]
        at = start + dt.timedelta(minutes=rnd.randrange(0, 60 * 24 * 300))
        rows.append(
            {
                "send_id": f"S{i:06d}",
                "provider": rnd.choice(("brevo", "sendgrid", "mailgun")),
                "provider_message_id": f"<{i}.{seed}@mail.example>",
                "requested_at": at,
                "session_id": f"SES{session:03d}",
                "session_name": _SESSIONS[session],
                "email_type": kind,
                "sender_email": "formation@acme-formation.fr",
                "recipient_email": f"{first}.{last}{i % 97}@{domain}".lower(),
                "recipient_domain": domain,
                "recipient_name": f"{first} {last}",
                "recipient_kind": rnd.choice(("learner", "learner", "client", "trainer")),
                "contact_id": f"C{rnd.randrange(900):04d}",
                "subject": _SUBJECTS[kind].format(s=_SESSIONS[session], n=1000 + i),
                "attachment_count": rnd.choice((0, 0, 1, 2)),
                "status": status,
                "status_at": at + dt.timedelta(minutes=3),
                "open_count": 1 if status == "opened" else 0,
                "machine_open_count": 0,
                "click_count": 0,
                "complained": False,
                "unsubscribed": False,
                "has_send_log": True,
            }
        )
    return rows
