"""The mail detail panel: the mail as sent, its facts, attachments and events."""
