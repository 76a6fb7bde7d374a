"""Source answers: the registry of official sources, the download cache and what the store
was built from (``pacte sources``, the API's sources route)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pacte.errors import StoreError
from pacte.handlers.envelope import Answer
from pacte.settings import default_db_path
from pacte.sources.cache import cache_inventory
from pacte.sources.registry import all_sources
from pacte.store.connect import connect


def store_provenance(db: Path | None) -> dict[str, dict]:
    """``table_name -> provenance row`` of the built store, {} if there is none."""
    path = Path(db) if db is not None else default_db_path()
    if not path.exists():
        return {}
    try:
        with connect(path) as con:
            df = con.execute("SELECT * FROM provenance").df()
    except StoreError:
        return {}
    return {r["table_name"]: r for r in df.to_dict("records")}


def sources(db: Path | None = None, cache_dir: Path | None = None) -> Answer:
    """One row per registered source x vintage: URL, licence, cache state, store state."""
    cached = {(m["source"], m["vintage"]): m for m in cache_inventory(cache_dir)}
    prov = store_provenance(db)
    rows = []
    for s in all_sources():
        hit = cached.get((s.id, s.vintage))
        if hit is None:
            cache = "absent"
        elif hit["state"] == "complet":
            cache = (f"{hit['size'] / 1e6:.1f} Mo, {hit['fetched_at'][:10]}, sha256 "
                     f"{hit['sha256'][:12]}…")
        else:
            cache = f"partiel : {hit['size'] / 1e6:.1f} Mo (reprise possible)"
        in_store = "—"
        if s.table and s.table in prov:
            p = prov[s.table]
            in_store = f"{s.table} : {p['vintage']} (sha256 {str(p['sha256'])[:12]}…)"
        elif s.table:
            in_store = f"{s.table} : store absent"
        rows.append({"id": s.id, "vintage": s.vintage, "format": s.format, "licence": s.licence,
                     "url": s.urls[0] if s.urls else f"(--url ; voir {s.landing_page})",
                     "cache": cache, "store": in_store})
    return Answer(pd.DataFrame(rows), {"store_tables": sorted(prov)})
