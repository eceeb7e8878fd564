"""The frame every page shares: shell (language, snapshot, errors), the store reader, URL state,
the period picker and compact figures."""
