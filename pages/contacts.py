"""Contacts: find a learner, a client, a company or a trainer, and see every mail sent to them,
across sessions and sales opportunities.

`/contacts?contact=ID` opens a contact (its kind is found); `&mail=SEND_ID` also opens that mail.
"""

import streamlit as st

from pipeline.queries.history import status_counts
from pipeline.queries.mail_filter import MailFilter
from ui.contact_card import contact_card
from ui.contact_picker import contact_picker
from ui.db import cached_query
from ui.figures import status_tiles
from ui.mail_list import mail_list
from ui.shell import page

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
