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

from pacte.errors import DataError, InvalidParameterError, UnknownTerritoryError
from pacte.geography import check_level
from pacte.handlers.diversify_store import (  # noqa: F401  (TABLE, write_*: build step)
    GROWTH_YEARS,
    INDUSTRIES,
    LEVELS,
    TABLE,
    last_year,
    territory_measures,
    write_diversify_matrix,
)
from pacte.handlers.envelope import Answer, envelope

MIN_COVERAGE = 0.9
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
    mes = territory_measures(con, level, industries, str(code).strip(), year)
    code = str(code).strip()
    if mes is None:
        known = con.execute(f"SELECT count(*) FROM communes WHERE {LEVELS[level]} = ?",
                            [code]).fetchall()[0][0]
        if known:
            raise DataError(f"{code} : aucun emploi salarié privé URSSAF en "
                            f"{year or last_year(con)}")
        raise UnknownTerritoryError(code, level, [])
    year = mes.year
    ind = mes.industries.merge(mes.cells.drop(columns="territory"), on="industry",
                               how="left", validate="one_to_one")[["industry", "label", "jobs", "rca", "specialised", "density", "pci", "cog",
               "national_jobs", "national_growth"]]
    spec = ind[ind["specialised"]].sort_values(["jobs", "industry"], ascending=[False, True])
    cand = ind[~ind["specialised"] & (ind["national_jobs"] >= min_national_jobs)
               & (ind["national_growth"] > 0)]
    opp = cand.sort_values(["density", "cog", "industry"], ascending=[False, False, True])
    row = mes.territories.iloc[0]
    finite = bool(np.isfinite(row["eci"]))
    name = next(iter(con.execute("SELECT name FROM territory_names WHERE level = ? AND "
                                 "code = ?", [level, code]).fetchall()), None)
    terr = {"code": code, "name": name[0] if name else code, "level": level,
            "eci": float(row["eci"]), "eci_rank": int(row["eci_rank"]) if finite else None,
            "n_territories": mes.n_territories, "coi": float(row["coi"]),
            "diversity": int(row["diversity"]), "jobs": float(row["jobs"])}
    resolution = (f"{INDUSTRIES[industries][2]}, emploi salarié privé URSSAF au 31/12/{year}, "
                  f"{mes.n_rows} territoires ({level}) x {mes.n_industries} activités")
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
