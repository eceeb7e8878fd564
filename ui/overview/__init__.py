"""The Overview page's pieces: KPI cards, selection bar, charts, breakdowns, drill-downs."""
