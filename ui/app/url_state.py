"""Widgets whose value is also in the URL, so that support can paste a link into a ticket.

Both ways: a URL value the page has not seen yet (a pasted link, the browser's back button)
becomes the widget's value before the widget is drawn (`adopt_url_value`); a value the user
picks is written back (`publish`), dropping the parameters that only made sense with the old
value (the mail open in the detail panel belongs to the previous session). Streamlit's own
`bind="query-params"` would put the option's label in the URL, not its identifier.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

import streamlit as st

_SEEN = "::url_seen"


def url_value(param: str) -> str | None:
    """The URL's value of `param` (the last one when repeated), None when absent or blank."""
    value = st.query_params.get(param)
    return (value.strip() or None) if isinstance(value, str) else None


def adopt_url_value(key: str, param: str, allowed: Collection[str]) -> str | None:
    """Before drawing the keyed widget `key`: when the URL's `param` changed since the page last
    saw it, make it the widget's value (if it is one of `allowed`). Returns the URL's value."""
    value = url_value(param)
    if st.session_state.get(key + _SEEN, _SEEN) != value:
        st.session_state[key + _SEEN] = value
        if value is not None and value in allowed:
            st.session_state[key] = value
    return value


def publish(key: str, param: str, value: str | None, *, drops: Iterable[str] = ()) -> None:
    """Write the widget's value into the URL (removing `param` when None); when it changes,
    also remove the `drops` parameters."""
    current = url_value(param)
    if value != current:
        for name in drops:
            if name in st.query_params:
                del st.query_params[name]
        if value is None:
            del st.query_params[param]
        else:
            st.query_params[param] = value
    st.session_state[key + _SEEN] = value
