"""One sent mail as the recipient saw it: its HTML made safe, its CSS silenced, its attachments."""
