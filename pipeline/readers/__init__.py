"""Readers: one module per input format family; each declares ReaderSpecs (see base.py).

The registry order matters only where two formats could claim the same sample: the more
specific sniff comes first.
"""

from pipeline.readers import brevo, sendgrid, sendlog
from pipeline.readers.base import EVENT_COLUMNS, SEND_COLUMNS, ReaderSpec

READERS: tuple[ReaderSpec, ...] = (*sendlog.READERS, *brevo.READERS, *sendgrid.READERS)

__all__ = ["EVENT_COLUMNS", "READERS", "SEND_COLUMNS", "ReaderSpec"]
