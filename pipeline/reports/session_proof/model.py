"""A session's proof of sending: for each person invited (learners first), each mail sent to them
with when it was requested, delivered and opened, and its status — the evidence a training
organisation shows an auditor (Qualiopi) that learners were informed.

This module is the model both documents are drawn from: the XLSX workbook (xlsx.py) and the
printable HTML page (html.py). Texts come from the translation table (pipeline/i18n/explore.toml),
times are local. No Streamlit here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd

from pipeline.errors import ExportError
from pipeline.filters.mail_filter import file_safe
from pipeline.i18n import format_datetime, labels, t, zone_name
from pipeline.queries.session_proof import SessionFacts, session_facts, session_mails
from pipeline.rules.statuses import (
    FAILED_STATUSES,
    IN_FLIGHT_STATUSES,
    RECEIVED_STATUSES,
    RECIPIENT_KINDS,
)

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HTML_MIME = "text/html"

#: The mail sheet's columns: translation key under session_proof.col, width.
MAIL_COLUMNS = (
    ("recipient_kind", 13), ("person", 24), ("contact", 13), ("address", 32), ("mail", 26),
    ("subject", 50), ("requested", 18), ("delivered", 18), ("opened", 18), ("status", 20),
    ("problem", 28), ("reason", 50), ("send_id", 38),
)  # fmt: skip


@dataclass(frozen=True)
class KindSummary:
    """How one kind of recipient fared: people, mails, and mails by outcome."""

    kind: str
    people: int
    mails: int
    received: int
    opened: int
    not_received: int
    in_progress: int


@dataclass(frozen=True)
class SessionProof:
    """Everything a proof document shows, in one language."""

    facts: SessionFacts
    rows: pd.DataFrame  # pipeline.queries.session_proof.session_mails
    lang: str
    generated_at: dt.datetime  # aware, in the store's time zone

    def t(self, key: str, **params: Any) -> str:
        return t(key, self.lang, **params)

    def summaries(self) -> list[KindSummary]:
        """One line per recipient kind present, learners first."""
        out = []
        for kind in _kinds_in(self.rows):
            mails = self.rows[self.rows["recipient_kind"].fillna("") == kind]
            status = mails["status"]
            out.append(KindSummary(
                kind=kind, people=mails["person_key"].nunique(), mails=len(mails),
                received=int(status.isin(RECEIVED_STATUSES).sum()),
                opened=int((status == "opened").sum()),
                not_received=int(status.isin(FAILED_STATUSES).sum()),
                in_progress=int(status.isin(IN_FLIGHT_STATUSES).sum()),
            ))  # fmt: skip
        return out

    def kind_label(self, kind: str) -> str:
        return labels("recipient_kind", self.lang).get(kind) or self.t("session_proof.no_kind")

    def kind_heading(self, kind: str) -> str:
        return labels("session_proof.kinds", self.lang).get(kind) or self.t("session_proof.no_kind")

    def when(self, value: Any) -> str:
        """A local time as people read it, '' for none."""
        if value is None or pd.isna(value):
            return ""
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return format_datetime(value, self.lang)
        return format_datetime(pd.Timestamp(value).to_pydatetime(), self.lang)

    def header_lines(self) -> list[str]:
        """The facts under the title: session, place and dates, span of mails, generation."""
        f = self.facts
        first = [self.t("session_proof.session", session_id=f.session_id)]
        if f.place:
            first.append(self.t("session_proof.place", place=f.place))
        if f.start:
            end = f.end or f.start
            first.append(
                self.t("session_proof.dates", start=self.when(f.start), end=self.when(end))
            )
        return [
            " · ".join(first),
            self.t("session_proof.mail_span", count=f.mails,
                   first=self.when(f.first_mail_at), last=self.when(f.last_mail_at)),
            self.t("session_proof.generated", timezone=zone_name(f.timezone, self.lang),
                   when=self.when(self.generated_at.replace(tzinfo=None))),
        ]  # fmt: skip

    def title(self) -> str:
        return self.facts.session_name or self.facts.session_id


def load_session_proof(
    con: duckdb.DuckDBPyConnection, session_id: str, lang: str, now: dt.datetime | None = None
) -> SessionProof:
    """Gather the proof of `session_id`; ExportError when the store holds no mail of it."""
    facts = session_facts(con, session_id)
    if facts is None:
        raise ExportError(t("session_proof.no_mail", lang, session_id=session_id))
    generated = (now or dt.datetime.now(dt.UTC)).astimezone(ZoneInfo(facts.timezone))
    return SessionProof(facts, session_mails(con, session_id), lang, generated)


def proof_file_name(session_id: str, lang: str, extension: str) -> str:
    """`mailtrail_preuve-envoi_SES-2026-00042.xlsx` (the word in the document's language)."""
    return f"mailtrail_{t('session_proof.file_word', lang)}_{file_safe(session_id)}.{extension}"


def text_of(value: Any) -> str:
    """'' for a missing value (None, NaN, NA), else the value as text."""
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _kinds_in(rows: pd.DataFrame) -> list[str]:
    present = set(rows["recipient_kind"].fillna(""))
    return [k for k in RECIPIENT_KINDS if k in present] + sorted(present - set(RECIPIENT_KINDS))
