"""Writers of tables in analysts' formats (CSV for French Excel, XLSX, JSON records)."""
