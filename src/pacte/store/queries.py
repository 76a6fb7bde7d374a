"""Read-only questions asked of the store. Each takes an open connection and returns
DataFrames; no printing (the CLI and, later, the API render them)."""

from __future__ import annotations

import difflib
import unicodedata

import duckdb
import pandas as pd

from pacte.errors import UnknownTerritoryError
from pacte.geography import ALL_LEVELS, TERRITORY_LEVELS
from pacte.geography import check_level as geo_check_level
from pacte.labels import LEVEL_LABELS
from pacte.store.rows import territory_jobs_sql


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return " ".join(text.lower().replace("-", " ").replace("'", " ").split())


def check_level(level: str) -> str:
    """``level`` if a territory can be looked up at it (France included)."""
    return geo_check_level(level, (*TERRITORY_LEVELS, "fr")).value


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


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance of ``a`` and ``b``, or ``limit + 1`` once it exceeds ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        if min(cur) > limit:
            return limit + 1
        prev = cur
    return prev[-1]


def _label(row) -> str:
    return f"{row.name} ({row.code}, {LEVEL_LABELS.get(row.level, row.level)})"


def suggest_codes(cand: pd.DataFrame, query: str, n: int = 5) -> list[str]:
    """Digits-only input: the codes nearest by edit distance (a typo, a missing or extra
    digit), nearest first, then the most populated."""
    q = query.strip()
    near = cand[cand["code"].str.len().between(len(q) - 1, len(q) + 1)]
    if near.empty:
        near = cand
    limit = max(2, len(q) // 2)
    dist = near["code"].map(lambda c: _edit_distance(q, c, limit))
    best = near.assign(_d=dist)
    best = best[best["_d"] <= limit]
    if best.empty:  # nothing close: the nearest anyway, so that the user sees the format
        best = near.assign(_d=near["code"].map(lambda c: _edit_distance(q, c, len(c) + len(q))))
    best = best.sort_values(["_d", "population"], ascending=[True, False], kind="stable")
    return [_label(r) for r in best.head(n).itertuples()]


def suggest_names(cand: pd.DataFrame, query: str, n: int = 5) -> list[str]:
    """Names matching the query's words in any order, without accents or case ("Rouen
    Metropole" finds "Métropole Rouen Normandie"), then close spellings (difflib)."""
    words = _fold(query).split()
    folded = cand["name"].map(_fold)
    name_words = folded.str.split()

    def score(ws: list[str]) -> float:  # share of query words found as a word or prefix
        return sum(any(w == x or (len(w) >= 3 and x.startswith(w)) for x in ws)
                   for w in words) / max(len(words), 1)

    scored = cand.assign(_s=name_words.map(score), _f=folded)
    hits = scored[scored["_s"] > 0].sort_values(["_s", "population"], ascending=False,
                                                kind="stable")
    full = hits[hits["_s"] == 1.0]
    out = [_label(r) for r in (full if not full.empty else hits).head(n).itertuples()]
    if len(out) < n:
        close = difflib.get_close_matches(_fold(query), folded.tolist(), n=n, cutoff=0.6)
        extra = scored[scored["_f"].isin(close)].sort_values("population", ascending=False)
        out += [lab for lab in (_label(r) for r in extra.itertuples()) if lab not in out]
    return out[:n]


def find_territory(con: duckdb.DuckDBPyConnection, query: str, level: str | None = None
                   ) -> dict:
    """Resolve a code (or an exact name) to one territory; UnknownTerritoryError otherwise,
    with the closest matches (codes by edit distance for a digits-only input, names by
    words without accents or case). Without ``level``, a code found at several levels
    (e.g. 28: département and région) is refused, listing the levels that have it."""
    levels = [check_level(level)] if level else list(ALL_LEVELS)
    ph = ",".join("?" * len(levels))
    exact = con.execute(f"SELECT * FROM territory WHERE level IN ({ph}) AND upper(code) = ?",
                        [*levels, str(query).strip().upper()]).df()
    if len(exact) == 1:  # the usual case, answered by one indexed lookup
        return exact.iloc[0].to_dict()
    cand = con.execute(f"""SELECT * FROM territory WHERE level IN ({','.join('?' * len(levels))})""",
                       levels).df()
    q = str(query).strip()
    order = {lv: i for i, lv in enumerate(levels)}
    hit = cand[cand["code"].str.upper() == q.upper()]
    if hit.empty:  # a name shared by several levels (Rouen: commune, ZE): level order
        hit = cand[cand["name"].map(_fold) == _fold(q)]
        hit = hit.assign(_o=hit["level"].map(order)).sort_values("_o").head(1)
    if len(hit) > 1:
        hit = hit.assign(_o=hit["level"].map(order)).sort_values("_o")
        which = [f"{LEVEL_LABELS.get(r.level, r.level)} {r.name} (--level {r.level})"
                 for r in hit.itertuples()]
        raise UnknownTerritoryError(q, level, [_label(r) for r in hit.itertuples()],
                                    detail=f"{q!r} est ambigu, il existe à plusieurs niveaux "
                                    f": {', '.join(which)} ; précisez le niveau avec --level")
    if not hit.empty:
        return hit.drop(columns="_o", errors="ignore").iloc[0].to_dict()
    digits = q.replace(" ", "")
    sugg = (suggest_codes(cand, digits) if digits.isdigit() and digits
            else suggest_names(cand, q))
    raise UnknownTerritoryError(q, level, sugg)


def parents(con: duckdb.DuckDBPyConnection, terr: dict) -> pd.DataFrame:
    """Parent territories (EPCI, département, région) with their names."""
    out = []
    for lv in ("epci", "dep", "reg"):
        code = terr.get(lv)
        if isinstance(code, str) and code:
            row = con.execute("SELECT level, code, name FROM territory WHERE level=? AND code=?",
                              [lv, code]).fetchall()
            row = row[0] if row else None
            if row:
                out.append(row)
    return pd.DataFrame(out, columns=["level", "code", "name"])




def territory_jobs(con: duckdb.DuckDBPyConnection, level: str, code: str | None = None,
                   detail: bool = True, source: str | None = None) -> pd.DataFrame:
    """Every job series of a territory: source, resolution, period, sector, jobs, flags.
    With ``code=None``, every territory of ``level`` (a first ``code`` column, rows by code).

    ``detail=False`` sums the APE codes of a series (URSSAF: 732 codes x 17 years, 8,647
    rows for Rouen) into the 21 NAF sections (scheme ``A21``; the ``TOTAL`` row is kept):
    the answer stays small, and industry is still its sections B to E. ``n_missing`` of a
    section is then the largest of its codes', ``estimate`` and ``partial`` true if any
    code's is. ``source`` keeps one job source."""
    return con.execute(*territory_jobs_sql(level, code, detail, source)).df()


def coverage(con: duckdb.DuckDBPyConnection, level: str, code: str | None = None
             ) -> pd.DataFrame:
    """The coverage rows of a territory (every territory of ``level`` when ``code`` is None,
    ordered by code)."""
    if code is None:
        return con.execute("SELECT * FROM coverage WHERE level = ? ORDER BY code, source",
                           [level]).df()
    return con.execute("SELECT * FROM coverage WHERE level = ? AND code = ? ORDER BY source",
                       [level, code]).df()


def national_summary(con: duckdb.DuckDBPyConnection, years=(2008, 2012)) -> dict:
    """Counts of territories and national salaried jobs by sector (ESTEL) for ``years``."""
    counts = dict(con.execute("SELECT level, count(*) FROM territory GROUP BY level").fetchall())
    ph = ",".join("?" * len(years))
    jobs = con.execute(f"""SELECT sector, year, jobs FROM jobs
                           WHERE source = 'estel' AND level = 'fr' AND year IN ({ph})""",
                       list(years)).df()
    table = jobs.pivot(index="sector", columns="year", values="jobs")
    pop = con.execute("SELECT population FROM territory WHERE level='fr'").fetchall()[0][0]
    return {"counts": counts, "jobs": table, "population": pop}
