"""The session proof of sending as a printable HTML page: one self-contained file (no script
needed, no remote resource), a print style sheet for A4 landscape, every value escaped.

Built from a pipeline.reports.session_proof.model.SessionProof; holds layout only. No Streamlit
here.
"""

from __future__ import annotations

from html import escape

import pandas as pd

from pipeline.i18n import labels, t
from pipeline.reports.session_proof.model import SessionProof, text_of
from pipeline.rules.statuses import (
    FAILED_STATUSES,
    STATUS_COLOURS,
    STATUS_KEYS,
    STATUS_TEXT_COLOURS,
)

CSS = """
:root { --ink: #1f2328; --muted: #57606a; --line: #d0d7de; --head: #eef2f6; }
* { box-sizing: border-box; }
body { font: 10.5pt/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
       sans-serif; color: var(--ink); margin: 28px auto; max-width: 1180px; padding: 0 20px; }
header { border-bottom: 2px solid var(--ink); padding-bottom: 10px; margin-bottom: 18px; }
.kicker { text-transform: uppercase; letter-spacing: .07em; font-size: 9pt; color: var(--muted);
          margin: 0; }
h1 { font-size: 17pt; margin: 2px 0 8px; line-height: 1.25; }
header p.fact { margin: 0; color: var(--muted); }
h2 { font-size: 12.5pt; margin: 22px 0 6px; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; vertical-align: top; padding: 4px 7px;
         border-bottom: 1px solid var(--line); }
thead th { background: var(--head); font-size: 9pt; font-weight: 600;
           border-bottom: 1px solid #8c959f; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tbody.person { border-top: 1px solid #8c959f; }
td.who { font-weight: 600; width: 24%; }
.sub { display: block; font-weight: 400; color: var(--muted); font-size: 8.5pt;
       overflow-wrap: anywhere; }
td.time { white-space: nowrap; font-variant-numeric: tabular-nums; width: 10%; }
td.status { width: 16%; }
.badge { display: inline-block; padding: 1px 7px; border-radius: 9px; font-size: 8.5pt;
         white-space: nowrap; }
.summary { width: auto; min-width: 60%; }
.legend { display: grid; grid-template-columns: max-content 1fr; gap: 5px 12px;
          align-items: baseline; }
.note, footer { color: var(--muted); font-size: 9pt; }
footer { margin-top: 22px; border-top: 1px solid var(--line); padding-top: 8px; }
.print-button { position: fixed; top: 14px; right: 14px; padding: 6px 14px; font: inherit;
                border: 1px solid #8c959f; border-radius: 6px; background: #fff; cursor: pointer; }
@media print {
  @page { size: A4 landscape; margin: 11mm; }
  body { margin: 0; max-width: none; padding: 0; font-size: 9pt; }
  .print-button { display: none; }
  thead { display: table-header-group; }
  tbody.person, tr, .legend, table.summary { break-inside: avoid; }
  .badge, thead th { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def proof_html(proof: SessionProof) -> str:
    """The whole page, ready to save as .html and print."""
    title = f"{proof.t('session_proof.title')} — {proof.title()}"
    sections = [_kind_section(proof, kind) for kind in _kinds(proof)]
    return (
        f'<!DOCTYPE html>\n<html lang="{escape(proof.lang)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f'<button class="print-button" type="button" onclick="window.print()">'
        f"{escape(proof.t('session_proof.print'))}</button>\n"
        f"{_header(proof)}\n{_summary(proof)}\n{''.join(sections)}\n{_legend(proof)}\n"
        f"<footer>{escape(proof.t('session_proof.footer'))}</footer>\n</body>\n</html>\n"
    )


def _header(proof: SessionProof) -> str:
    facts = "".join(f'<p class="fact">{escape(line)}</p>' for line in proof.header_lines())
    return (
        f'<header><p class="kicker">{escape(proof.t("session_proof.title"))}</p>'
        f"<h1>{escape(proof.title())}</h1>{facts}</header>"
    )


def _summary(proof: SessionProof) -> str:
    keys = ["people", "mails", "received", "opened_count", "not_received", "in_progress"]
    head = "".join(
        f'<th class="num">{escape(proof.t(f"session_proof.col.{k}"))}</th>' for k in keys
    )
    rows = []
    for s in proof.summaries():
        values = (s.people, s.mails, s.received, s.opened, s.not_received, s.in_progress)
        cells = "".join(f'<td class="num">{v}</td>' for v in values)
        rows.append(f"<tr><th>{escape(proof.kind_heading(s.kind))}</th>{cells}</tr>")
    return (
        f"<h2>{escape(proof.t('session_proof.summary_title'))}</h2>"
        f'<table class="summary"><thead><tr><th>{escape(proof.t("session_proof.col.kind"))}</th>'
        f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _kind_section(proof: SessionProof, kind: str) -> str:
    mails = proof.rows[proof.rows["recipient_kind"].fillna("") == kind]
    people = mails["person_key"].nunique()
    columns = ["person", "mail", "requested", "delivered", "opened", "status"]
    head = "".join(f"<th>{escape(proof.t(f'session_proof.col.{c}'))}</th>" for c in columns)
    bodies = [_person_rows(proof, group) for _, group in mails.groupby("person_key", sort=False)]
    heading = proof.t("session_proof.kind_count", kind=proof.kind_heading(kind), people=people)
    return (
        f'<section class="kind"><h2>{escape(heading)}</h2><table><thead><tr>{head}</tr></thead>'
        f"{''.join(bodies)}</table></section>"
    )


def _person_rows(proof: SessionProof, mails: pd.DataFrame) -> str:
    """One tbody per person (kept on one page when printed): who, then one row per mail."""
    first = mails.iloc[0]
    addresses = ", ".join(dict.fromkeys(text_of(a) for a in mails["recipient_email"] if text_of(a)))
    contact = text_of(first["contact_id"])
    name = text_of(first["person_name"]) or addresses
    who = (
        f'<td class="who" rowspan="{len(mails)}">{escape(name)}'
        f'<span class="sub">{escape(addresses)}</span>'
        + (f'<span class="sub">{escape(contact)}</span>' if contact else "")
        + "</td>"
    )
    rows = [
        f"<tr>{who if i == 0 else ''}{_mail_cells(proof, mail)}</tr>"
        for i, (_, mail) in enumerate(mails.iterrows())
    ]
    return f'<tbody class="person">{"".join(rows)}</tbody>'


def _mail_cells(proof: SessionProof, mail: pd.Series) -> str:
    types = labels("mail_type", proof.lang)
    kind = text_of(mail["email_type"])
    what = escape(types.get(kind, kind) or "—")
    subject = text_of(mail["subject"])
    times = "".join(
        f'<td class="time">{escape(proof.when(mail[c]))}</td>'
        for c in ("requested_at", "delivered_at", "first_opened_at")
    )
    return (
        f"<td>{what}" + (f'<span class="sub">{escape(subject)}</span>' if subject else "") + "</td>"
        f'{times}<td class="status">{_badge(proof, mail["status"])}{_problem(proof, mail)}</td>'
    )


def _badge(proof: SessionProof, status: str) -> str:
    return (
        f'<span class="badge" style="background:{STATUS_COLOURS.get(status, "#ccc")};'
        f'color:{STATUS_TEXT_COLOURS.get(status, "#000")}">'
        f"{escape(t(f'status.{status}', proof.lang))}</span>"
    )


def _problem(proof: SessionProof, mail: pd.Series) -> str:
    if mail["status"] not in FAILED_STATUSES:
        return ""
    category = labels("bounce_category", proof.lang).get(text_of(mail["bounce_category"]), "")
    reason = text_of(mail["last_reason"])[:240]
    parts = [p for p in (category, reason) if p]
    return "".join(f'<span class="sub">{escape(p)}</span>' for p in parts)


def _legend(proof: SessionProof) -> str:
    items = "".join(
        f"<div>{_badge(proof, key)}</div>"
        f"<div>{escape(t(f'status_meaning.{key}', proof.lang))}</div>"
        for key in STATUS_KEYS
    )
    return (
        f"<h2>{escape(proof.t('session_proof.legend_title'))}</h2>"
        f'<div class="legend">{items}</div>'
        f'<p class="note">{escape(proof.t("session_proof.open_note"))}</p>'
    )


def _kinds(proof: SessionProof) -> list[str]:
    return [s.kind for s in proof.summaries()]
