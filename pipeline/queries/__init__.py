"""Named queries: one function per question the pages and exports ask of the store.

Each takes a DuckDB connection (a cursor on a snapshot) and plain values, binds every value as a
parameter, and returns a pandas DataFrame or plain values. No Streamlit, no statuses computed.
"""
