"""The one history grid every page uses, its configuration, JavaScript and words, and the mail
list built on it."""
