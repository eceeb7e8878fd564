"""Ingestion: the checklist every file goes through (stage, merge, record the run), and the
ways files arrive: the command line, the watched inbox, the Data page's uploads."""
