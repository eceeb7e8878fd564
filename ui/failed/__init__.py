"""The Failed sends page's pieces: headline figures, grouped tables, the focused address."""
