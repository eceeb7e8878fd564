"""Readers: one module per input format family; each declares ReaderSpecs (see base.py).

The registry order matters only where two formats could claim the same sample: the more
specific sniff comes first. A column mapping (mapped_csv.py) is not registered here: it is
passed to an ingest call and tried before every other reader.
"""

from pipeline.readers import amazon_ses, brevo, mailgun, mailjet, postmark, sendgrid, sendlog
from pipeline.readers.base import EVENT_COLUMNS, SEND_COLUMNS, ReaderSpec

READERS: tuple[ReaderSpec, ...] = (
    *sendlog.READERS,
    *brevo.READERS,
    *sendgrid.READERS,
    *postmark.READERS,
    *amazon_ses.READERS,
    *mailjet.READERS,
    *mailgun.READERS,
)

__all__ = ["EVENT_COLUMNS", "READERS", "SEND_COLUMNS", "ReaderSpec"]
