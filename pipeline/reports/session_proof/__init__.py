"""A session's proof of sending: the model (who was invited, what was sent) and its two
documents, an XLSX workbook and a printable HTML page."""
