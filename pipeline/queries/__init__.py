"""Named queries on the DuckDB store, and the pieces they share.

One function per question the pages ask; values are always bound as parameters.
Nothing here imports Streamlit.
"""
