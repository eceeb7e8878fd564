"""The Data page's pieces: uploads, the import history and refused records, data health."""
