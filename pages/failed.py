"""Failed sends: every mail of a period that did not arrive, grouped by what went wrong and by
address, with what to do; support marks an address handled with a short note.

`/failed?start=…&end=…` shows a period; `&category=CODE` or `&to=ADDRESS` focuses on one group;
`&mail=SEND_ID` opens a mail.
"""

import streamlit as st

from pipeline.i18n.numbers import format_count
from pipeline.queries.failures import (
    default_period,
    failed_mails_filter,
    failures_by_address,
    failures_by_category,
)
from pipeline.rules.statuses import BOUNCE_CATEGORIES
from pipeline.support.notes import latest_notes, notes_for
from ui.app.db import cached_query
from ui.app.period_picker import period_picker
from ui.app.shell import page
from ui.app.url_state import url_value
from ui.failed.address_focus import address_focus, show_flash
from ui.failed.figures import category_advice, failure_tiles, focus_bar
from ui.failed.tables import (
    address_picker,
    address_table,
    advised,
    category_picker,
    category_table,
)
from ui.grid.mail_list import mail_list

view = page("nav.failed")
default = cached_query(default_period)(view.snapshot)
if default is None:
    st.info(view.t("app.empty_database"))
    st.stop()

left, right = st.columns([2, 3], vertical_alignment="bottom")
with left:
    start, end = period_picker(
        view, key="failed_period", default=default, label=view.t("failed.period")
    )
hide_handled = right.toggle(view.t("failed.hide_handled"), key="failed_hide_handled")
show_flash()

address, category = url_value("to"), url_value("category")
category = category if category in BOUNCE_CATEGORIES else None
categories = advised(cached_query(failures_by_category)(view.snapshot, start, end), view.lang)
every_address = advised(
    cached_query(failures_by_address)(view.snapshot, start, end, include=address), view.lang
)
notes_path = view.settings.resolved_notes_path
notes = latest_notes(notes_path, every_address["recipient_email"])
total_addresses = int(every_address["addresses"].iloc[0]) if len(every_address) else 0
failure_tiles(view, categories, address_table(every_address, notes, view.lang), total_addresses)
if every_address.empty:
    st.success(view.t("failed.none_in_period"), icon="🎉")
    st.stop()

generation = st.session_state.get("failed_generation", 0)
st.subheader(view.t("failed.by_category"), anchor=False)
category_picker(
    view,
    category_table(categories, view.lang),
    categories["bounce_category"].tolist(),
    generation=generation,
)
st.subheader(view.t("failed.by_address"), anchor=False)
st.caption(view.t("failed.click_hint"))
addresses = every_address
if category:
    found = cached_query(failures_by_address)(view.snapshot, start, end, category, include=address)
    addresses = advised(found, view.lang)
if len(addresses) and int(addresses["addresses"].iloc[0]) > len(addresses):
    st.caption(
        view.t(
            "failed.addresses_cut",
            shown=format_count(len(addresses), view.lang),
            count=format_count(int(addresses["addresses"].iloc[0]), view.lang),
        )
    )
table = address_table(addresses, notes, view.lang)
address_picker(view, table[~table["handled"]] if hide_handled else table, generation=generation)

focus_bar(view, address, category)
if category and not address:
    category_advice(view, categories, category)
if address:
    group = every_address[every_address["recipient_email"] == address.lower()]
    address_focus(
        view, address.lower(), group.iloc[0].to_dict() if len(group) else None,
        notes_for(notes_path, address), notes_path,
    )  # fmt: skip

st.subheader(view.t("failed.mails"), anchor=False)
mails = failed_mails_filter(start, end).with_(
    recipient_email=address, bounce_categories=(category,) if category else ()
)
mail_list(view, mails, key="failed_mails", show_session=True)
