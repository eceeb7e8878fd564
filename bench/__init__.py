"""Mailtrail's benchmarks (not run by CI). `python -m bench --emails N` is the harness: it
generates a demo of N mails and measures, in one run on the same files, the ingest against
DuckDB's own readers and pandas, incremental ingests, every named query the pages call, the
exports and the pages in Chromium, then says which targets of docs/performance.md are met.

Each measured step runs in a child process of its own (`bench.process`), so that its peak memory
is its own. `bench/live_ingest.py` stays a script of its own: ingests under busy readers.
"""
