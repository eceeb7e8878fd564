"""The business rules and their vocabulary: the six statuses, the normalized events, the bounce
categories, and the SQL files that apply them set-based in DuckDB."""
