"""Who the chosen contact is: name, kind, ID, how many mails over which period, and each address
they were mailed at — with the other contacts sharing that address, one click away."""

from __future__ import annotations

import streamlit as st

from pipeline.i18n import format_datetime
from pipeline.i18n.numbers import format_count
from pipeline.queries.contacts import AddressUse, ContactIdentity
from ui.app.shell import Page
from ui.grid.text import kind_labels

MAIL_PARAM = "mail"


def contact_card(view: Page, contact: ContactIdentity) -> None:
    kinds = kind_labels(view.lang)
    kind = kinds.get(contact.kind or "", contact.kind or "—")
    st.subheader(contact.name or contact.addresses[0].recipient_email, anchor=False)
    also = (
        " · " + view.t("contacts.also_named", names=", ".join(contact.other_names))
        if contact.other_names
        else ""
    )
    parts = [kind, contact.contact_id, _counted(view, "mails", contact.mails)]
    if contact.sessions:
        parts.append(_counted(view, "sessions", contact.sessions))
    if contact.opportunities:
        parts.append(_counted(view, "opportunities", contact.opportunities))
    parts.append(
        view.t(
            "contacts.period",
            first=_day(contact.first_mail_at, view),
            last=_day(contact.last_mail_at, view),
        )
    )
    st.caption(" · ".join(parts) + also)
    for address in contact.addresses:
        _address_line(view, address)


def _address_line(view: Page, address: AddressUse) -> None:
    figures = view.t(
        "contacts.address_figures",
        count=address.mails,
        last=_day(address.last_mail_at, view),
    )
    if address.failures:
        figures += ", " + view.t(
            "contacts.option_failures", failures=format_count(address.failures, view.lang)
        )
    icon = "✉️" if not address.failures else "⚠️"
    st.markdown(f"{icon} `{address.recipient_email}` — {figures}")
    if address.shared_with:
        kinds = kind_labels(view.lang)
        st.info(view.t("contacts.shared_address", address=address.recipient_email), icon="👥")
        columns = st.columns(min(len(address.shared_with), 4))
        for i, (other_id, name, kind) in enumerate(address.shared_with):
            label = f"{name or other_id} ({kinds.get(kind or '', kind or '—')})"
            columns[i % len(columns)].button(
                label, key=f"open_contact::{address.recipient_email}::{other_id}",
                on_click=_open_contact, args=(other_id, kind), icon="👤",
            )  # fmt: skip
    if address.mails_without_contact:
        st.caption(
            view.t(
                "contacts.unlinked_mails",
                count=address.mails_without_contact,
                address=address.recipient_email,
            )
        )


def _open_contact(contact_id: str, kind: str | None) -> None:
    """Open another contact: the picker adopts the URL on the rerun that follows."""
    if MAIL_PARAM in st.query_params:
        del st.query_params[MAIL_PARAM]
    st.query_params["contact"] = contact_id
    if kind:
        st.query_params["kind"] = kind


def _counted(view: Page, what: str, count: int) -> str:
    """ "1 session", "3 sessions": the form CLDR's plural rules choose for `count`."""
    return view.t(f"contacts.count.{what}", count=count)


def _day(moment: object, view: Page) -> str:
    return format_datetime(moment.date(), view.lang) if hasattr(moment, "date") else "—"
