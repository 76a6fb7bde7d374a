"""Territory answers: one territory's identity, parents, coverage, indicators and job
series (``pacte show``, the API's territory route, the profile), and the list of a level."""

from __future__ import annotations

import duckdb
import pandas as pd

from pacte.engine import read_show_indicators as show_indicators
from pacte.geography import INDICATOR_LEVELS
from pacte.handlers.anchoring import anchoring_profile
from pacte.handlers.envelope import Answer, envelope
from pacte.store import queries

IDENTITY = ("level", "code", "name", "nature", "fiscal_regime", "population", "population_dgcl",
            "n_communes", "density_class", "urban_share", "area_type")


def territory(con: duckdb.DuckDBPyConnection, query: str, level: str | None = None) -> Answer:
    """One territory by code or exact name: ``data`` = {identity (dict), parents, coverage,
    indicators (None below the catalogue's levels), anchoring (value, France, percentile,
    peers' median; :mod:`pacte.handlers.anchoring`), jobs}."""
    terr = queries.find_territory(con, query, level)
    par = queries.parents(con, terr)
    jobs = queries.territory_jobs(con, terr["level"], terr["code"])
    cov = queries.coverage(con, terr["level"], terr["code"])
    ind = (show_indicators(con, terr["level"], terr["code"])
           if terr["level"] in INDICATOR_LEVELS and terr["level"] != "fr" else None)
    anchoring = (anchoring_profile(con, terr["level"], terr["code"])
                 if terr["level"] in INDICATOR_LEVELS and terr["level"] != "fr" else None)
    ident = {k: terr.get(k) for k in IDENTITY}
    ident = {k: (None if isinstance(v, float) and pd.isna(v) else v) for k, v in ident.items()}
    sources = sorted(set(jobs["source"])) + ([] if ind is None else sorted(set(ind["source"])))
    if anchoring is not None and len(anchoring):
        sources.append("anchoring")
    return Answer({"territory": ident, "parents": par, "coverage": cov, "indicators": ind,
                   "anchoring": anchoring, "jobs": jobs}, envelope(con, sources))


def territories(con: duckdb.DuckDBPyConnection, level: str, search: str | None = None
                ) -> Answer:
    """Territories of ``level`` with their population (populations légales 2023)."""
    return Answer(queries.territories(con, level, search), envelope(con, ["territory"]))
