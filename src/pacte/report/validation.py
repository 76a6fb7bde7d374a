"""The validation page (``docs/validation.md``): pacte's headline figures beside independent
published French figures, each with its source, the gap and a verdict, and the dated model
parameters that shape them. Written by ``scripts/validation.py``; a test regenerates it on the
real store and checks the file is current.

Everything here is computed from the store and the dated parameters; the published reference
values are written below with their source, and only values the literature states plainly
are used (no figure is fitted to them except the national total of jobs at risk, which is
calibrated on Malgouyres 2017 and said so).
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from pacte.engine import model_parameters as mp
from pacte.engine import national_io as nio
from pacte.engine.exposure_indicators import calibrated_elasticity, industry_decline
from pacte.engine.valuechain import load_blocks
from pacte.indicators.households import calc_local_multipliers
from pacte.indicators.inputoutput import calc_A, calc_L, calc_type2_L
from pacte.labels import fr_number

#: Published French (and one US) references: value, what it measures, source.
FROCRAIN_GIRAUD = (0.8, "emplois non échangeables par emploi échangeable supplémentaire, zones "
                   "d'emploi, estimation économétrique de long terme", "Frocrain & Giraud "
                   "(2018), Économie et Statistique 503-504")
MALGOUYRES_SPILLOVER = (0.3, "baisse de l'emploi non manufacturier local (en %) pour 1 % de "
                        "baisse de l'emploi manufacturier due à la Chine, 2001-2007 (10 % -> "
                        "3 %)", "Malgouyres (2017), Journal of Regional Science 57(3) ; Bloc-"
                        "notes Éco de la Banque de France n° 26 (2017)")
MORETTI = (1.6, "emplois non échangeables par emploi manufacturier supplémentaire, villes "
           "américaines, long terme", "Moretti (2010), American Economic Review P&P 100(2)")
MALGOUYRES_SHARE = (0.13, "part du recul de l'emploi manufacturier 2001-2007 due à la "
                    "concurrence chinoise", "Malgouyres (2018), Rue de la Banque n° 57")
#: Former figures of pacte (before the models were put on one basis and calibrated).
FORMER = {"type2_ratio": 1.63, "respending": 0.89, "jobs_at_risk": 135_069,
          "salaried_above_total": 7, "ze_type1_median": 0.062, "ze_type2_median": 0.091}


def _pct(x: float, d: int = 1) -> str:
    return fr_number(100 * x, d) + " %"


def _n(x: float, d: int = 2) -> str:
    return fr_number(x, d)


def census_vs_estel(con: duckdb.DuckDBPyConnection, year: int = 2011) -> dict:
    """Census « fabrication » share against ESTEL's industry sector share (salaried), per
    ZE2010 (communes of the census summed into their ZE2010): correlation, mean gap (points)
    and France's two shares."""
    cen = con.execute("""SELECT z.ze2010 AS code, sum(CASE WHEN j.sector = 'FABRIC' THEN j.jobs
                         END) AS fab, sum(CASE WHEN j.sector = 'TOTAL' THEN j.jobs END) AS tot
                         FROM jobs j JOIN commune_ze2010 z ON z.code = j.code
                         WHERE j.source = 'rp' AND j.level = 'commune' AND j.year = ?
                         GROUP BY 1""", [year]).df().set_index("code")
    est = con.execute("""SELECT code, sum(CASE WHEN sector = 'BE' THEN jobs END) AS be,
                         sum(CASE WHEN sector = 'TOTAL' THEN jobs END) AS tot FROM jobs
                         WHERE source = 'estel' AND level = 'ze2010' AND year = ?
                         GROUP BY 1""", [year]).df().set_index("code")
    both = pd.DataFrame({"cen": cen["fab"] / cen["tot"], "est": est["be"] / est["tot"]}).dropna()
    return {"n": len(both), "corr": float(np.corrcoef(both["cen"], both["est"])[0, 1]),
            "gap": float((both["cen"] - both["est"]).mean()),
            "fr_cen": float(cen["fab"].sum() / cen["tot"].sum()),
            "fr_est": float(est["be"].sum() / est["tot"].sum())}


def ze_multipliers(con: duckdb.DuckDBPyConnection, delta: float | None = None) -> dict:
    """Local non-industry jobs per industry job in the ZE2010 (ESTEL block): deciles of
    type I and type II at ``delta`` (central value by default)."""
    t = nio.load_national_table(con)
    w, c = nio.household_closure(con, t)
    jpo = nio.calc_jobs_per_output(t, nio.national_jobs(con)["salaried"].to_numpy())
    b = next(b for b in load_blocks(con, "ze2010") if b.salaried)
    d = float(mp.value("flq.delta")) if delta is None else delta
    m = calc_local_multipliers(b.E, jpo, calc_A(t.Z, t.x), np.isin(nio.SECTORS, nio.INDUSTRY),
                               w, c, d, household_delta=float(mp.value("flq.household_delta")),
                               E_nation=b.E_nation)
    q = np.arange(1, 10) / 10
    return {k: np.nanquantile(m[k], q) for k in ("type1", "type2")}


def type2_ratio(con: duckdb.DuckDBPyConnection) -> float:
    """France: type II / type I employment effect of industry (output-weighted over the
    industrial sectors), national table, closure of :func:`household_closure`."""
    t = nio.load_national_table(con)
    A = calc_A(t.Z, t.x)
    w, c = nio.household_closure(con, t)
    e = t.jobs / t.x
    k = len(t.sectors)
    one = e @ calc_L(A)
    two = e @ calc_type2_L(A, w, c)[:k, :k]
    ind = np.isin(t.sectors, nio.INDUSTRY)
    return float((two[ind] * t.x[ind]).sum() / (one[ind] * t.x[ind]).sum())


def employment_multiplier(con: duckdb.DuckDBPyConnection, jobs: np.ndarray) -> float:
    """Type I employment multiplier of industry (output-weighted) with ``jobs`` by sector."""
    t = nio.load_national_table(con)
    L = calc_L(calc_A(t.Z, t.x))
    e = jobs / t.x
    mult = (e @ L) / e
    ind = np.isin(t.sectors, nio.INDUSTRY)
    return float((mult[ind] * t.x[ind]).sum() / t.x[ind].sum())


def _row(*cells: str) -> str:
    return "| " + " | ".join(cells) + " |"


def render_validation(con: duckdb.DuckDBPyConnection) -> str:
    """The whole page, in French Markdown (deterministic for one store)."""
    jobs = nio.national_jobs(con)
    cv = census_vs_estel(con)
    ze = ze_multipliers(con)
    cal = calibrated_elasticity(con)
    s, e, decline = industry_decline(con)
    risk = con.execute("SELECT sum(value) FROM indicator WHERE level = 'ze2010' AND indicator "
                       "= 'jobs_at_risk' AND period = '2000-2007'").fetchall()[0][0]
    ratio = type2_ratio(con)
    m_persons = employment_multiplier(con, jobs["total"].to_numpy())
    m_table = employment_multiplier(con, jobs["table"].to_numpy())
    above = int((jobs["salaried"] > jobs["total"] + 1e-9).sum())
    med1, med2 = ze["type1"][4], ze["type2"][4]
    fg = FROCRAIN_GIRAUD[0]
    out = ["# Validation : les chiffres de pacte face aux références françaises publiées", "",
           "Page écrite par `python scripts/validation.py` à partir du store et des paramètres "
           "datés (`src/pacte/data/model_parameters.yaml`) ; un test la régénère et vérifie "
           "qu'elle est à jour. Chaque ligne : le chiffre de pacte, une référence publiée "
           "indépendante, sa source, l'écart et un verdict.", "",
           "## Chiffres de tête", "",
           _row("chiffre", "pacte", "référence publiée", "source", "écart", "verdict"),
           _row(*["---"] * 6),
           _row("part de l'industrie dans l'emploi, France 2011",
                f"fonction « fabrication » (recensement) : {_pct(cv['fr_cen'])}",
                f"secteur industriel (A5 BE), emploi salarié : {_pct(cv['fr_est'])}",
                "Insee, Estimations d'emploi (ESTEL) 2011",
                f"{_n(100 * (cv['fr_cen'] - cv['fr_est']), 1)} points",
                "concepts différents : une fonction n'est pas un secteur ; les libellés les "
                "distinguent"),
           _row(f"fabrication (recensement) contre industrie ESTEL, {cv['n']} zones d'emploi "
                "2010, 2011", f"corrélation {_n(cv['corr'])}, écart moyen "
                f"{_n(100 * cv['gap'], 1)} points", "même zone, part du secteur industriel",
                "Insee, ESTEL 2011 ; recensement 2011", f"{_n(100 * cv['gap'], 1)} points",
                "même géographie industrielle, niveau plus bas : la fonction sous-estime le "
                "secteur"),
           _row("multiplicateur local médian des zones d'emploi 2010 (emplois locaux hors "
                "industrie par emploi industriel)", f"type I {_n(med1)}, type II {_n(med2)} "
                f"(delta {fr_number(mp.value('flq.delta'), 2)}) ; avant : "
                f"{_n(FORMER['ze_type1_median'])} et {_n(FORMER['ze_type2_median'])}",
                f"{_n(fg, 1)} ; {_n(MORETTI[0], 1)} (États-Unis)",
                f"{FROCRAIN_GIRAUD[2]} ; {MORETTI[2]}", f"type II = {_pct(med2 / fg, 0)} de "
                "l'estimation française", "inférieur, attendu : modèle de court terme (achats "
                "et dépenses des ménages), sans migrations, logement ni services publics induits"),
           _row("effet local sur l'emploi non manufacturier",
                f"type II médian {_n(med2)} emploi par emploi industriel",
                f"élasticité {_n(MALGOUYRES_SPILLOVER[0], 1)} (10 % -> 3 %)",
                MALGOUYRES_SPILLOVER[2], "non comparable directement (élasticité)",
                "même sens ; l'ordre de grandeur français (environ 1,5 emploi avec 5 emplois non "
                "manufacturiers par emploi manufacturier) dépasse le modèle de court terme"),
           _row("emplois industriels menacés par la Chine, somme des zones d'emploi 2010, "
                "2000-2007", f"{fr_number(risk)} emplois ({_pct(risk / decline)} du recul "
                f"{s}-{e} d'ESTEL, {fr_number(decline)} emplois) ; avant (élasticité "
                f"d'ADH 2013) : {fr_number(FORMER['jobs_at_risk'])}",
                f"{_pct(MALGOUYRES_SHARE[0], 0)} du recul", MALGOUYRES_SHARE[2],
                f"{_n(100 * (risk / decline - MALGOUYRES_SHARE[0]), 1)} point",
                f"calé par construction (élasticité {_n(cal['elasticity'], 3)})"),
           _row("rapport type II / type I de l'industrie, France",
                f"{_n(ratio)} (avant : {_n(FORMER['type2_ratio'])})",
                f"dépense de {_n(nio.respending_rate())} euro de produits français par euro "
                f"de rémunération (avant : {_n(FORMER['respending'])})",
                "Insee, comptes nationaux 2010 (taux d'épargne, salaires nets) ; TES 2010",
                "—", "cohérent avec la fermeture sur les salaires nets consommés"),
           _row("multiplicateur d'emploi de type I de l'industrie, France 2010",
                f"{_n(m_persons)} (personnes en emploi, Insee)",
                f"{_n(m_table)} (emploi propre du TES, ThreeME)", "TRE 2010 A17 (ThreeME, "
                "d'après le TES de l'Insee)", f"{_n(m_persons - m_table)}",
                "proche : le changement de base d'emploi ne déplace guère le multiplicateur"),
           _row("secteurs où l'emploi salarié dépasse l'emploi total", f"{above} sur 16",
                "0 par définition", "Insee, Estimations d'emploi 2010", f"{above}",
                "respecté" if above == 0 else "à corriger"),
           "", "Déciles du multiplicateur local des zones d'emploi 2010 (delta central) :", "",
           _row("", *[f"D{i}" for i in range(1, 10)]), _row(*["---"] * 10),
           _row("type I", *[_n(v) for v in ze["type1"]]),
           _row("type II", *[_n(v) for v in ze["type2"]]), "",
           "Pourquoi un modèle entrées-sorties donne moins que les estimations économétriques : "
           "il mesure l'effet de court terme des achats des entreprises et des dépenses des "
           "salariés, à productivité et structure d'achats nationales ; les multiplicateurs "
           "économétriques (Moretti 2010 ; Frocrain & Giraud 2018 ; Malgouyres 2017) mesurent "
           "sur 6 à 20 ans tout ce qui suit : arrivée de ménages, logement, services publics, "
           "effets d'agglomération. Le premier est une borne basse du second.", "",
           "## Paramètres datés", "",
           _row("paramètre", "valeur", "unité", "références"), _row(*["---"] * 4)]
    for p in mp.all_parameters():
        out.append(_row(f"`{p.name}`", str(p.value), p.unit, p.reference_text()))
    out += ["", "## Emploi par secteur : une seule base (personnes en emploi au 31/12/2010)", "",
            _row("secteur", "salariés (Insee, T4)", "non-salariés (ESTEL, réparti)", "total",
                 "emploi du TES (ThreeME)"), _row(*["---"] * 5)]
    for sec, r in jobs.iterrows():
        out.append(_row(str(sec), fr_number(r["salaried"]), fr_number(r["non_salaried"]),
                        fr_number(r["total"]), fr_number(r["table"])))
    out += ["", "Non vérifié ici : les totaux de la DCRTP face aux lois de finances (les "
            "paramètres de loi, `src/pacte/finance/parameters/`, portent leurs références et "
            "leur statut de vérification).", ""]
    return "\n".join(out)
