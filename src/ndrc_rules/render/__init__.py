"""People-facing renderers: spreadsheets (CSV for Excel, .xlsx workbooks)."""
