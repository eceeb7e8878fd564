"""The Contacts page's pieces: the contact picker and the contact card."""
