"""Contacts: find a learner, a client, a company or a trainer, and see every mail sent to them,
across sessions and sales opportunities.

`/contacts?contact=ID` opens a contact (its kind is found); `&mail=SEND_ID` also opens that mail.
"""

import streamlit as st

from pipeline.filters.mail_filter import MailFilter
from pipeline.queries.history import status_counts
from ui.app.db import cached_query
from ui.app.figures import status_tiles
from ui.app.shell import page
from ui.contacts.card import contact_card
from ui.contacts.picker import contact_picker
from ui.grid.mail_list import mail_list

view = page("nav.contacts")
contact = contact_picker(view)
if contact is None:
    st.caption(view.t("contacts.hint"))
    st.stop()

contact_card(view, contact)
mails = MailFilter(contact_id=contact.contact_id)
counts = cached_query(status_counts)(view.snapshot, mails)
status_tiles(view, dict(zip(counts["status"], counts["mails"], strict=True)))
mail_list(view, mails, key="contact_mails", show_session=True)
