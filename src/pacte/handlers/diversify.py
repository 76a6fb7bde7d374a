"""« Montée en gamme » of a territory: its specialisations, its economic complexity and the
industries it could develop, from the co-location of industries across all territories
(relatedness: Hidalgo et al. 2007; Neffke, Henning & Boschma 2011; diversification
opportunities: Balland et al. 2019).

Needs a territory x detailed-industry matrix for the whole country: the national URSSAF
file (salaried jobs per commune x APE code), fetched by ``pacte fetch urssaf_commune_ape``
and loaded by ``pacte build --with-fetched``. The bundled extract covers the Rouen
employment zone only: the answer is then a French DataError naming these commands.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from pacte.errors import DataError, InvalidParameterError, UnknownTerritoryError
from pacte.geography import check_level
from pacte.handlers.envelope import Answer, envelope
from pacte.indicators.complexity import calc_complexity

#: Territory levels the matrix can be built at (column of the ``communes`` table).
LEVELS = {"epci": "epci", "ze2020": "ze2020"}
#: Industry nomenclatures: id -> (column of ``naf``, label column, French name).
INDUSTRIES = {"a88": ("division_a88", "libelle_division", "88 divisions NAF (A88)"),
              "a38": ("a38", "libelle_a38", "38 branches NAF (A38)"),
              "ape": ("ape", "libelle_sous_classe", "732 sous-classes NAF (codes APE)")}
MIN_COVERAGE = 0.9
GROWTH_YEARS = 5
HOW_TO = ("La complexité économique et les pistes de diversification demandent l'emploi par "
          "activité détaillée de tous les territoires de France ; l'extrait URSSAF embarqué ne "
          "couvre que la zone d'emploi de Rouen. Avec un accès à Internet : « pacte fetch "
          "urssaf_commune_ape » (fichier national URSSAF commune x APE, Licence Ouverte / "
          "Etalab 2.0) puis « pacte build --with-fetched ».")
LIMITS = [
    "La proximité entre activités vient de leur co-localisation dans les territoires "
    "français : deux activités souvent présentes ensemble sont supposées partager savoir-faire, "
    "main-d'œuvre ou fournisseurs ; c'est une association, pas une preuve de lien causal.",
    "Seul l'emploi salarié privé est compté (URSSAF) : l'emploi public, agricole non salarié "
    "et indépendant manque, et le secret statistique efface de petites cellules.",
    "Le code APE est celui de l'établissement, pas de chaque emploi : un siège ou une "
    "activité principale peut masquer d'autres métiers.",
    "La spécialisation (avantage comparatif révélé ≥ 1) est binaire : un territoire juste "
    "sous le seuil compte comme non spécialisé ; les petits territoires sont plus bruités.",
    "Une densité élevée dit qu'une activité est proche de ce que le territoire fait déjà, "
    "pas qu'elle y est rentable ni souhaitée : foncier, compétences, marchés et stratégie "
    "des entreprises restent à examiner.",
    "La complexité (ECI) est relative aux territoires français de l'année et n'est pas "
    "comparable d'une maille ou d'une nomenclature à l'autre.",
]


def _check(level: str, industries: str) -> None:
    check_level(level, tuple(LEVELS), "pour la diversification")
    if industries not in INDUSTRIES:
        raise InvalidParameterError(f"nomenclature inconnue : « {industries} » (possibles : "
                                    f"{', '.join(INDUSTRIES)})")


def national_coverage(con: duckdb.DuckDBPyConnection) -> float:
    """Share of the EPCI fully covered by the URSSAF file of the store."""
    n, full = con.execute("SELECT (SELECT count(*) FROM epci), count(*) FILTER (WHERE complete) "
                          "FROM coverage WHERE source = 'urssaf' AND level = 'epci'").fetchall()[0]
    return (full or 0) / n if n else 0.0


#: Build-time table of the matrices (last URSSAF year and five years before).
TABLE = "diversify_matrix"


def _aggregate_sql(level: str, industries: str) -> str:
    col = INDUSTRIES[industries][0]
    return f"""
        SELECT '{level}' AS level, '{industries}' AS scheme, j.year,
               c.{LEVELS[level]} AS territory, n.{col} AS industry, sum(j.jobs) AS jobs
        FROM jobs j JOIN communes c ON c.code = j.code JOIN naf n ON n.ape = j.sector
        WHERE j.source = 'urssaf' AND j.level = 'commune' AND j.year IN ($1, $2)
          AND c.{LEVELS[level]} IS NOT NULL AND c.{LEVELS[level]} <> ''
        GROUP BY ALL"""


def _last_year(con) -> int | None:
    return con.execute("SELECT max(year) FROM jobs WHERE source = 'urssaf' AND level = "
                       "'commune'").fetchall()[0][0]


def write_diversify_matrix(con: duckdb.DuckDBPyConnection, say=lambda _m: None
                           ) -> dict[str, int]:
    """Build step: the territory x industry jobs of the last URSSAF year and of five years
    before, for every level and nomenclature (table ``diversify_matrix``), so that ``pacte
    diversify`` reads a few hundred thousand rows instead of aggregating the communes."""
    say("Montée en gamme : matrices territoires x activités")
    year = _last_year(con)
    sql = " UNION ALL ".join(_aggregate_sql(lv, ind) for lv in LEVELS for ind in INDUSTRIES)
    y0, y1 = (0, 0) if year is None else (int(year), int(year) - GROWTH_YEARS)
    con.execute(f"CREATE TABLE {TABLE} AS {sql.replace('$1', str(y0)).replace('$2', str(y1))}")
    return {TABLE: con.execute(f"SELECT count(*) FROM {TABLE}").fetchall()[0][0]}


def _matrix(con, level: str, industries: str, year: int | None) -> tuple[pd.DataFrame, int,
                                                                        pd.Series]:
    col, label, _ = INDUSTRIES[industries]
    if year is None:
        year = _last_year(con)
    years = [int(year), int(year) - GROWTH_YEARS]
    stored = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
                         [TABLE]).fetchall()[0][0] and con.execute(
        f"SELECT count(*) FROM {TABLE} WHERE level = ? AND scheme = ? AND year = ?",
        [level, industries, years[0]]).fetchall()[0][0]
    if stored:
        source, where, params = TABLE, "level = ? AND scheme = ? AND ", [level, industries]
    else:  # another year, or a store built before the table existed
        sql = _aggregate_sql(level, industries)
        source = f"({sql.replace('$1', str(years[0])).replace('$2', str(years[1]))})"
        where, params = "", []
    now = con.execute(f"SELECT territory, industry, jobs FROM {source} WHERE {where}year = ?",
                      [*params, years[0]]).fetchnumpy()
    before = con.execute(f"SELECT industry, sum(jobs) AS jobs FROM {source} WHERE {where}"
                         "year = ? GROUP BY industry", [*params, years[1]]).df()
    labels = con.execute(f"SELECT DISTINCT {col} AS industry, {label} AS label FROM naf").df()
    if len(now["jobs"]) == 0:
        raise DataError(f"aucun emploi URSSAF en {year}")
    terr, t_idx = np.unique(np.asarray(now["territory"], dtype=str), return_inverse=True)
    inds, i_idx = np.unique(np.asarray(now["industry"], dtype=str), return_inverse=True)
    mat = np.zeros((len(terr), len(inds)))
    np.add.at(mat, (t_idx, i_idx), np.asarray(now["jobs"], dtype=float))
    x = pd.DataFrame(mat, index=pd.Index(terr, name="territory"),
                     columns=pd.Index(inds, name="industry"))
    before = before.set_index("industry")["jobs"]
    growth = x.sum(axis=0) / before.reindex(x.columns) - 1.0
    x.attrs["labels"] = labels.drop_duplicates("industry").set_index("industry")["label"]
    return x, int(year), growth


def diversify(con: duckdb.DuckDBPyConnection, code: str, level: str = "epci",
              industries: str = "a88", year: int | None = None, top: int = 15,
              min_national_jobs: float = 1000.0) -> Answer:
    """Specialisations, complexity and diversification paths of territory ``code``.

    ``data``: ``territory`` (dict: code, name, level, eci, eci_rank, n_territories, coi,
    diversity), ``specialisations`` (industries with RCA >= 1, by jobs), ``opportunities``
    (industries not yet specialised, national jobs >= ``min_national_jobs`` and growing
    nationally over the last five years, by density then complexity gain: the ``top``
    first), ``industries`` (every industry: ``industry``, ``label``, ``jobs``, ``rca``,
    ``specialised``, ``density``, ``pci``, ``cog``, ``national_jobs``, ``national_growth``),
    ``limits`` (French). ``meta``: envelope of the URSSAF tables, method and resolution.
    """
    _check(level, industries)
    if national_coverage(con) < MIN_COVERAGE:
        raise DataError(HOW_TO)
    x, year, growth = _matrix(con, level, industries, year)
    code = str(code).strip()
    if code not in x.index:
        known = con.execute(f"SELECT count(*) FROM communes WHERE {LEVELS[level]} = ?",
                            [code]).fetchall()[0][0]
        if known:
            raise DataError(f"{code} : aucun emploi salarié privé URSSAF en {year}")
        raise UnknownTerritoryError(code, level, [])
    cx = calc_complexity(x.to_numpy())
    i = x.index.get_loc(code)
    labels = x.attrs["labels"]
    ind = pd.DataFrame({
        "industry": x.columns.astype(str), "label": labels.reindex(x.columns).to_numpy(),
        "jobs": x.iloc[i].to_numpy(), "rca": cx.rca[i], "specialised": cx.mcp[i] > 0,
        "density": cx.density[i], "pci": cx.pci, "cog": cx.cog[i],
        "national_jobs": x.sum(axis=0).to_numpy(),
        "national_growth": growth.reindex(x.columns).to_numpy()})
    spec = ind[ind["specialised"]].sort_values(["jobs", "industry"], ascending=[False, True])
    cand = ind[~ind["specialised"] & (ind["national_jobs"] >= min_national_jobs)
               & (ind["national_growth"] > 0)]
    opp = cand.sort_values(["density", "cog", "industry"], ascending=[False, False, True])
    eci = cx.eci
    rank = int((eci > eci[i]).sum() + 1) if np.isfinite(eci[i]) else None
    name = next(iter(con.execute("SELECT name FROM territory_names WHERE level = ? AND "
                                 "code = ?", [level, code]).fetchall()), None)
    terr = {"code": code, "name": name[0] if name else code, "level": level,
            "eci": float(eci[i]), "eci_rank": rank, "n_territories": int(np.isfinite(eci).sum()),
            "coi": float(cx.coi[i]), "diversity": int(cx.diversity[i]),
            "jobs": float(x.iloc[i].sum())}
    resolution = (f"{INDUSTRIES[industries][2]}, emploi salarié privé URSSAF au 31/12/{year}, "
                  f"{len(x)} territoires ({level}) x {x.shape[1]} activités")
    meta = envelope(con, ["urssaf"], resolution=resolution, annee=year,
                    donnees="données réelles (fichier national URSSAF)",
                    donnees_fictives=False,
                    methode="avantage comparatif révélé (Balassa), spécialisation si ≥ 1 ; "
                    "proximité par co-localisation (Hidalgo et al. 2007) ; densité ; complexité "
                    "par la méthode des vecteurs propres (Hidalgo & Hausmann 2009), normalisée "
                    "comme le paquet ecomplexity (Harvard Growth Lab) ; pistes : activités non "
                    "spécialisées, en croissance nationale sur "
                    f"{GROWTH_YEARS} ans, d'au moins {min_national_jobs:,.0f} emplois en "
                    "France, classées par densité".replace(",", " "))
    data = {"territory": terr, "specialisations": spec.reset_index(drop=True),
            "opportunities": opp.head(top).reset_index(drop=True),
            "industries": ind, "limits": LIMITS}
    return Answer(data, meta)


def diversify_block(con: duckdb.DuckDBPyConnection, code: str, level: str = "epci") -> dict:
    """The « Montée en gamme » block of a profile: ``available`` False with the French
    how-to when the national URSSAF file is not in the store, else the territory's ECI and
    its first opportunities."""
    if national_coverage(con) < MIN_COVERAGE:
        return {"available": False, "title": "Montée en gamme", "message": HOW_TO}
    ans = diversify(con, code, level, top=10)
    return {"available": True, "title": "Montée en gamme", "message": None,
            "territory": ans.data["territory"],
            "opportunities": ans.data["opportunities"].to_dict("records"),
            "resolution": ans.meta["resolution"], "limits": LIMITS}
