"""The Sessions page's pieces: the session picker and the proof-of-sending downloads."""
