"""Read-only questions asked of the store. Each takes an open connection and returns
DataFrames; no printing (the CLI and, later, the API render them)."""

from __future__ import annotations

import difflib
import unicodedata

import duckdb
import pandas as pd

from pacte.errors import InvalidParameterError, UnknownTerritoryError
from pacte.geography import TERRITORY_LEVELS


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return " ".join(text.lower().replace("-", " ").replace("'", " ").split())


def check_level(level: str) -> str:
    if level not in TERRITORY_LEVELS + ("fr",):
        raise InvalidParameterError(f"niveau inconnu : {level!r} (niveaux : {', '.join(TERRITORY_LEVELS)})")
    return level


def territories(con: duckdb.DuckDBPyConnection, level: str, search: str | None = None
                ) -> pd.DataFrame:
    """Territories of ``level`` with population (sum of communes, populations légales 2023)."""
    check_level(level)
    df = con.execute("""SELECT code, name, level, population, n_communes, nature, fiscal_regime,
                               population_dgcl, density_class, urban_share, area_type
                        FROM territory WHERE level = ? ORDER BY code""", [level]).df()
    if level == "commune":
        df = df.drop(columns=["nature", "fiscal_regime", "population_dgcl", "urban_share",
                              "n_communes"])
    else:
        df = df.rename(columns={"density_class": "dominant_density_class"})
        if level == "epci":
            df["population_gap"] = df["population"] - df["population_dgcl"]
        else:
            df = df.drop(columns=["nature", "fiscal_regime", "population_dgcl"])
    if search:
        q = _fold(search)
        df = df[df["code"].str.lower().str.startswith(q)
                | df["name"].map(_fold).str.contains(q, regex=False)]
    return df.reset_index(drop=True)


def find_territory(con: duckdb.DuckDBPyConnection, query: str, level: str | None = None
                   ) -> dict:
    """Resolve a code (or an exact name) to one territory; UnknownTerritoryError otherwise,
    with the closest matches. Without ``level``, a code is looked up across levels in the
    order epci, commune, ze2020, ze2010, dep, reg."""
    levels = [check_level(level)] if level else ["epci", "commune", "ze2020", "ze2010", "dep",
                                                 "reg", "fr"]
    cand = con.execute(f"""SELECT * FROM territory WHERE level IN ({','.join('?' * len(levels))})""",
                       levels).df()
    hit = cand[cand["code"].str.upper() == query.strip().upper()]
    if hit.empty:
        hit = cand[cand["name"].map(_fold) == _fold(query)]
    if not hit.empty:
        order = {lv: i for i, lv in enumerate(levels)}
        hit = hit.assign(_o=hit["level"].map(order)).sort_values("_o")
        return hit.drop(columns="_o").iloc[0].to_dict()
    labels = {f"{n} ({c}, {lv})": _fold(n) for c, n, lv in
              zip(cand["code"], cand["name"], cand["level"], strict=True)}
    folded = list(labels.values())
    close = difflib.get_close_matches(_fold(query), folded, n=5, cutoff=0.6)
    contains = [f for f in folded if _fold(query) in f][:5]
    wanted = list(dict.fromkeys(close + contains))[:5]
    sugg = [lab for lab, f in labels.items() if f in wanted][:5]
    raise UnknownTerritoryError(query, level, sugg)


def parents(con: duckdb.DuckDBPyConnection, terr: dict) -> pd.DataFrame:
    """Parent territories (EPCI, département, région) with their names."""
    out = []
    for lv in ("epci", "dep", "reg"):
        code = terr.get(lv)
        if isinstance(code, str) and code:
            row = con.execute("SELECT level, code, name FROM territory WHERE level=? AND code=?",
                              [lv, code]).fetchone()
            if row:
                out.append(row)
    return pd.DataFrame(out, columns=["level", "code", "name"])


def territory_jobs(con: duckdb.DuckDBPyConnection, level: str, code: str) -> pd.DataFrame:
    """Every job series of a territory: source, resolution, period, sector, jobs, flags."""
    return con.execute("""
        SELECT j.source, s.label AS source_label, s.resolution, j.scheme, j.period, j.year,
               j.sector, coalesce(l.label, lt.label, j.sector) AS sector_label, j.jobs,
               j.n_missing, j.estimate, j.partial
        FROM jobs j JOIN series s USING (source)
        LEFT JOIN sector_label l ON l.scheme = j.scheme AND l.sector = j.sector
        LEFT JOIN sector_label lt ON lt.scheme = 'trim' AND lt.sector = j.sector
        WHERE j.level = ? AND j.code = ?
        ORDER BY j.source, j.scheme, j.sector, j.period""", [level, code]).df()


def coverage(con: duckdb.DuckDBPyConnection, level: str, code: str) -> pd.DataFrame:
    return con.execute("SELECT * FROM coverage WHERE level = ? AND code = ?",
                       [level, code]).df()


def national_summary(con: duckdb.DuckDBPyConnection, years=(2008, 2012)) -> dict:
    """Counts of territories and national salaried jobs by sector (ESTEL) for ``years``."""
    counts = dict(con.execute("SELECT level, count(*) FROM territory GROUP BY level").fetchall())
    ph = ",".join("?" * len(years))
    jobs = con.execute(f"""SELECT sector, year, jobs FROM jobs
                           WHERE source = 'estel' AND level = 'fr' AND year IN ({ph})""",
                       list(years)).df()
    table = jobs.pivot(index="sector", columns="year", values="jobs")
    pop = con.execute("SELECT population FROM territory WHERE level='fr'").fetchone()[0]
    return {"counts": counts, "jobs": table, "population": pop}
