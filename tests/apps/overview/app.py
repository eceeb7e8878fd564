"""The overview page beside a stand-in Explore page, for the drill-down journey in a browser.

The real Explore page is built elsewhere; this app registers `pages/explore.py` next to itself
(tests/apps/overview/pages/explore.py), which is the path the overview switches to, so a click
lands on a page that shows the filter it received.
"""

from pathlib import Path

import streamlit as st

from ui.shell import language_switch

ROOT = Path(__file__).resolve().parents[3]

st.set_page_config(page_title="Mailtrail", layout="wide")
language_switch()
st.navigation(
    [
        st.Page(
            str(ROOT / "pages/overview.py"), title="Overview", url_path="overview", default=True
        ),
        st.Page("pages/explore.py", title="Explore", url_path="explore"),
    ]
).run()
