"""The Contacts page's picker: a kind, a search by name or address, then the contact.

The kind and the contact are kept in the URL (`kind=`, `contact=`); a link naming only a contact
finds its kind, and a link naming only a mail opens the contact it was sent to. The list shows
the best matches of the search (an exact address first, then the most recently mailed); a
single match is picked at once.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pipeline.i18n import format_datetime, t
from pipeline.i18n.numbers import format_count
from pipeline.queries.contacts import (
    ContactIdentity,
    contact_identity,
    contact_of_mail,
    find_contacts,
)
from pipeline.rules.statuses import RECIPIENT_KINDS
from ui.app.db import cached_query
from ui.app.shell import Page
from ui.app.url_state import adopt_url_value, publish, url_value
from ui.grid.text import kind_labels

KIND_KEY, SEARCH_KEY, PICK_KEY = "contact_kind", "contact_search", "contact_pick"
KIND_PARAM, CONTACT_PARAM, MAIL_PARAM = "kind", "contact", "mail"
MATCHES_SHOWN = 50
DEFAULT_KIND = "learner"


def contact_picker(view: Page) -> ContactIdentity | None:
    """Draw kind, search and contact pickers; return the chosen contact, or None."""
    _contact_from_mail(view)
    new_link = _new_link()
    linked = cached_query(contact_identity)(view.snapshot, new_link) if new_link else None
    kind = _kind_picker(view, linked)
    search = st.text_input(
        view.t("contacts.search"),
        key=SEARCH_KEY,
        placeholder=view.t("contacts.search_placeholder"),
        persist_state="session",
    )
    matches = cached_query(find_contacts)(view.snapshot, kind, search or None, MATCHES_SHOWN)
    current = _current_contact(view, kind, linked)
    options = list(matches["contact_id"])
    if current is not None and current.contact_id not in options:
        options.insert(0, current.contact_id)
    _pick_single_match(search, matches)
    adopt_url_value(PICK_KEY, CONTACT_PARAM, options)
    labels = contact_labels(matches, view.lang, extra=current)
    chosen = st.selectbox(
        view.t("contacts.pick", kind=kind_labels(view.lang)[kind].lower()),
        options,
        index=None,
        format_func=lambda contact_id: labels.get(contact_id, contact_id),
        placeholder=_placeholder(view, matches, search),
        key=PICK_KEY,
        persist_state="session",
    )
    if new_link and linked is None and chosen is None:
        st.warning(view.t("contacts.unknown", id=new_link))
        return None
    publish(KIND_KEY, KIND_PARAM, kind)
    publish(PICK_KEY, CONTACT_PARAM, chosen, drops=(MAIL_PARAM,))
    if chosen is None:
        return None
    if current is not None and current.contact_id == chosen:
        return current
    return cached_query(contact_identity)(view.snapshot, chosen)


def contact_labels(
    matches: pd.DataFrame, lang: str, *, extra: ContactIdentity | None = None
) -> dict[str, str]:
    """How each contact reads in the list: name, latest address, mails, last mail, failures."""
    out: dict[str, str] = {}
    for row in matches.itertuples(index=False):
        out[row.contact_id] = _label(
            lang, row.contact_id, row.recipient_name, row.recipient_email, int(row.addresses),
            int(row.mails), int(row.failures), row.last_mail_at,
        )  # fmt: skip
    if extra is not None and extra.contact_id not in out:
        latest = extra.addresses[0].recipient_email if extra.addresses else ""
        out[extra.contact_id] = _label(
            lang, extra.contact_id, extra.name, latest, len(extra.addresses), extra.mails,
            extra.failures, extra.last_mail_at,
        )  # fmt: skip
    return out


def _label(
    lang: str, contact_id: str, name: object, email: str, addresses: int, mails: int,
    failures: int, last: object,
) -> str:  # fmt: skip
    who = f"{name} · {email}" if isinstance(name, str) and name.strip() else email
    if addresses > 1:
        who += " " + t("contacts.more_addresses", lang, count=addresses - 1)
    figures = t(
        "contacts.option_figures", lang, count=int(mails),
        last=format_datetime(last.date(), lang) if hasattr(last, "date") else "—",
    )  # fmt: skip
    if failures:
        figures += ", " + t("contacts.option_failures", lang, failures=format_count(failures, lang))
    return f"{who} — {figures} ({contact_id})"


def _kind_picker(view: Page, linked: ContactIdentity | None) -> str:
    """The kind chooser; a linked contact's own kind wins over a missing or stale `kind=`."""
    if linked is not None and linked.kind in RECIPIENT_KINDS:
        st.session_state[KIND_KEY] = linked.kind
    else:
        adopt_url_value(KIND_KEY, KIND_PARAM, RECIPIENT_KINDS)
    if st.session_state.get(KIND_KEY) not in RECIPIENT_KINDS:
        st.session_state[KIND_KEY] = DEFAULT_KIND
    labels = kind_labels(view.lang)
    kind = st.segmented_control(
        view.t("contacts.kind"), list(RECIPIENT_KINDS), format_func=labels.__getitem__,
        key=KIND_KEY, required=True, persist_state="session",
    )  # fmt: skip
    return kind or DEFAULT_KIND


def _new_link() -> str | None:
    """The contact a URL names that the page has not seen yet (a pasted link), else None."""
    wanted = url_value(CONTACT_PARAM)
    if wanted is None or wanted == st.session_state.get(PICK_KEY + "::url_seen", ""):
        return None
    return wanted


def _current_contact(
    view: Page, kind: str, linked: ContactIdentity | None
) -> ContactIdentity | None:
    """The contact shown now (from a link, else picked earlier), if it is of the chosen kind:
    kept in the list whatever the search, so a rerun or a language switch never loses it."""
    if linked is not None:
        return linked if linked.kind == kind else None
    picked = st.session_state.get(PICK_KEY)
    if not picked:
        return None
    found = cached_query(contact_identity)(view.snapshot, picked)
    return found if found is not None and found.kind == kind else None


def _pick_single_match(search: str | None, matches: pd.DataFrame) -> None:
    """A new search that finds exactly one contact picks it."""
    previous = st.session_state.get(SEARCH_KEY + "::previous")
    st.session_state[SEARCH_KEY + "::previous"] = search
    if search and search != previous and len(matches) == 1:
        st.session_state[PICK_KEY] = matches["contact_id"].iloc[0]


def _placeholder(view: Page, matches: pd.DataFrame, search: str | None) -> str:
    total = int(matches["matches"].iloc[0]) if len(matches) else 0
    count = format_count(total, view.lang)
    if total == 0:
        return view.t("contacts.no_match" if search else "contacts.none_of_kind")
    if total > len(matches):
        return view.t(
            "contacts.pick_among_many", count=count, shown=format_count(len(matches), view.lang)
        )
    return view.t("contacts.pick_among", count=count)


def _contact_from_mail(view: Page) -> None:
    """A link with a mail but no contact opens the contact the mail was sent to."""
    send_id = url_value(MAIL_PARAM)
    if url_value(CONTACT_PARAM) is None and send_id and st.session_state.get(PICK_KEY) is None:
        found = cached_query(contact_of_mail)(view.snapshot, send_id)
        if found:
            st.query_params[CONTACT_PARAM] = found[0]
