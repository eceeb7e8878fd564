"""The Explore page's pieces: the filter bar and the export buttons."""
