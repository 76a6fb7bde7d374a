"""Reports in French: the national targeting report (HTML + map + tables)."""
