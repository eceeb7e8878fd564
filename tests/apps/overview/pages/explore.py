"""Stand-in Explore page: shows the MailFilter its URL carries and how many mails match."""

import json

import streamlit as st

from pipeline.queries.history import count_mails
from pipeline.queries.mail_filter import MailFilter
from ui.db import cached_query
from ui.shell import page

view = page("nav.mails")
mail_filter = MailFilter.from_query_params(st.query_params)
st.code(json.dumps(mail_filter.to_query_params(), sort_keys=True), language="json")
st.markdown(f"matching mails: {cached_query(count_mails)(view.snapshot, mail_filter)}")
