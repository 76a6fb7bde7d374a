"""Anchoring assets of every territory, computed from the store (model ``anchoring``).

Per-commune files (BPE, ARCEP FttH per commune, commune investment projects, census
diplomas when fetched) are put on COG 2025 communes with :func:`pacte.geography.
commune_weights` (fusions exact; splits by population ratio, weights summing to 1) and summed
by DuckDB to each level: totals are conserved. Files per territory of an older perimeter
(EPCI 2017/2018/2019, ZE2010) are re-allocated with population weights through commune
membership (:func:`pacte.indicators.anchoring.calc_reallocation`), marked as an estimate in
``note`` unless the perimeter is unchanged. Census functions come from the store's ``jobs``
table (already harmonised). Densities and amounts per inhabitant use the population of the
source's year (COGugaison; Mayotte, absent there, takes its 2023 population, and says so).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pacte.engine.anchoring_sql import (
    StoreContext,
    by_levels,
    epci_pieces,
    population,
    sum_to_level,
)
from pacte.engine.jobs import repeated_text
from pacte.geography import INDICATOR_LEVELS, check_level
from pacte.indicators import anchoring as calc
from pacte.labels import BPE_DOMAIN_LABELS

LEVELS = INDICATOR_LEVELS
COLUMNS = ["level", "code", "name", "indicator", "period", "value", "unit", "resolution",
           "source", "note"]
DOMAINS = tuple(d for d in BPE_DOMAIN_LABELS if d != "other")
U10K, PCT, EUR = "équipements pour 10 000 habitants", "%", "euros par habitant"
BPE_SRC = "Insee, BPE {y}"
BPE_YEARS = {2009: "2009", 2013: "2013"}
FTTH_QUARTERS = ("2017-T3", "2017-T4", "2018-T1")
FTTH_VINTAGE = 2018
#: barometer rates per older EPCI perimeter: indicator -> (table, perimeter year, source)
RATES = {"thd_eligible_share": ("anchoring_thd_epci", 2017, "ANCT, baromètre de la cohésion "
                                "des territoires (éligibilité THD filaire)"),
         "neet_share": ("anchoring_neet_epci", 2018, "ANCT / Insee RP, part des NEET"),
         "cif": ("anchoring_cif_epci", 2018, "ANCT / DGCL, CIF")}
CENSUS = {"conception_research_share": "CONREC", "cfm_share": "CFM"}
GRANT_YEARS = (2018, 2019)
ESTIMATE = ("estimation : moyenne, pondérée par la population des communes, des valeurs "
            "des {unit} dont elles faisaient partie ({n} concerné(s), {cov:.0f} % de la "
            "population couverte)")
EXACT = "périmètre identique à celui d'un des {unit} de la source : valeur publiée"
NOT_FETCHED = ("fichier « diplômes - formation » du recensement non chargé : le télécharger "
               "avec « pacte fetch insee_rp_diplomes » puis reconstruire l'entrepôt")
DIPLOMA_PERIOD = "2022"  # latest vintage of sources.json insee_rp_diplomes (when not fetched)
MAYOTTE_POP = "Mayotte : population 2023 (absente des populations COGugaison de l'année)"


def _rows(ter, level, ind, period, values, reasons, unit, resolution, source, notes=""):
    """Long rows for every territory of ``level``: a value, or a French reason in note."""
    def align(x, dtype) -> np.ndarray:  # one value per territory, in ter's order
        if isinstance(x, pd.Series | dict):
            x = pd.Series(x, dtype=dtype)
            return (x if x.index.equals(ter.index) else x.reindex(ter.index)).to_numpy()
        return np.broadcast_to(np.asarray(x, dtype=dtype), len(ter))

    v = align(values, float)
    r = align(reasons, object)
    r = np.where(pd.isna(r) | (r == ""), calc.NO_DATA, r)
    n = align(notes, object)
    note = np.where(np.isnan(v), r, np.where(pd.isna(n), "", n))

    def text(x) -> str:  # one text for every row
        if not isinstance(x, str):
            raise TypeError(f"ancrage : texte attendu, {type(x).__name__} reçu")
        return x

    # the block's texts once (compute_anchoring repeats them; code and name: ter's rows)
    return {"ter": ter, "level": text(level), "indicator": text(ind), "period": text(period),
            "value": np.array(v, dtype=float), "unit": text(unit),
            "resolution": text(resolution), "source": text(source),
            "note": np.asarray(note, dtype=object)}


def _mayotte(pop: pd.DataFrame, base: str = "") -> pd.Series:
    fb = pop["fb"].fillna(False).astype(bool)
    return pd.Series(np.where(fb, (base + " ; " if base else "") + MAYOTTE_POP, base),
                     index=pop.index)


def _bpe_src(year: int) -> str:
    return f"SELECT * FROM anchoring_bpe WHERE year = {year}"


def _grants_src(year: int) -> str:
    return (f"SELECT territory AS commune, amount, CASE WHEN economy THEN amount ELSE 0 END AS "
            f"eco FROM anchoring_grants_{year} WHERE echelon = 'commune' AND territory IS NOT "
            "NULL AND grant <> 'DSID'")


def _bpe(ctx: StoreContext, level: str, ter) -> list[pd.DataFrame]:
    out, dens = [], {}
    for year, period in BPE_YEARS.items():
        src = _bpe_src(year)
        vint = ctx.vintage(src)
        cnt = sum_to_level(ctx, level, src, vint, ["n_equip", "n_common"], ("domain",))
        w = ctx.weights(vint)
        deps = ctx.once(("bpe_deps", year), lambda src=src, w=w: ctx.q(
            f"""SELECT DISTINCT c.dep FROM ({src}) s JOIN {w} w ON w.source = s.commune
                JOIN communes c ON c.code = w.code""")["dep"].tolist())
        pop = population(ctx, level, year, deps)
        absent = ctx.at_level(("bpe_absent", year), level, by_levels(
            "count(*) AS n", "FROM communes c",
            having="HAVING bool_and(c.dep NOT IN (SELECT * FROM unnest(?)))"), [deps])["code"]
        res = f"commune (COG {vint} -> 2025), {{d}}, types d'équipement de la BPE {year}"
        # territory x domain counts (0 where no equipment), NaN where absent from the BPE
        gone = ter.index.isin(absent)
        wide = _wide(cnt, ter.index, ("n_equip", "n_common"))
        p = pop["pop"].reindex(ter.index).to_numpy()
        mayotte = _mayotte(pop.reindex(ter.index))
        for d, dom in enumerate(DOMAINS):
            equip, common = wide["n_equip"][:, d].copy(), wide["n_common"][:, d].copy()
            equip[gone], common[gone] = np.nan, np.nan
            why = calc.calc_per_10k_reasons(equip, p)
            why[gone] = f"territoire absent de la BPE {year} (Mayotte)"
            dens[(dom, year)] = calc.calc_per_10k(common, p)
            out.append(_rows(ter, level, f"equip_{dom}_per10k", period,
                             calc.calc_per_10k(equip, p), why, U10K,
                             res.format(d=BPE_DOMAIN_LABELS[dom]), BPE_SRC.format(y=year),
                             mayotte))
    for dom in DOMAINS:
        a, b = dens[(dom, 2009)], dens[(dom, 2013)]
        out.append(_rows(ter, level, f"equip_{dom}_change", "2009-2013",
                         calc.calc_change(a, b), calc.calc_change_reasons(a, b),
                         "points (équipements pour 10 000 habitants)",
                         f"commune, {BPE_DOMAIN_LABELS[dom]}, types publiés en 2009 et 2013",
                         "Insee, BPE 2009 et 2013",
                         "types publiés à partir de 2013 exclus (gares, aéroports, "
                         "tribunaux, maisons de santé...)"))
    return out


def _wide(cnt: pd.DataFrame, codes: pd.Index, cols: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Territory (``codes``) x domain (:data:`DOMAINS`) arrays of the columns ``cols`` of
    ``cnt`` (one row per code and domain: :func:`sum_to_level` groups by both), 0.0 where
    it has no row or a null: its pivot, reindexed and filled, made by positions (the EPCI's
    two columns: 5.9 -> 2.3 ms; ten calls a run)."""
    r = codes.get_indexer(cnt["code"])
    d = pd.Index(DOMAINS).get_indexer(cnt["domain"])
    ok = (r >= 0) & (d >= 0)
    out = {}
    for col in cols:
        wide = np.zeros((len(codes), len(DOMAINS)))
        wide[r[ok], d[ok]] = np.nan_to_num(cnt[col].to_numpy(dtype=float)[ok], nan=0.0,
                                           posinf=np.inf, neginf=-np.inf)
        out[col] = wide
    return out


def _ftth(ctx: StoreContext, level: str, ter) -> list[pd.DataFrame]:
    src = ("SELECT code AS commune, quarter, connectable, dwellings + firms AS premises "
           "FROM anchoring_ftth_communes")
    s = sum_to_level(ctx, level, src, FTTH_VINTAGE, ["connectable", "premises"], ("quarter",))
    out = []
    for q in FTTH_QUARTERS:
        d = s[s["quarter"] == q].set_index("code").reindex(ter.index)
        val = pd.Series(calc.calc_share(d["connectable"], d["premises"]), index=ter.index)
        over = val > 100
        note = pd.Series("", index=ter.index, dtype=object)
        note.loc[over] = [f"locaux raccordables ({a:,.0f}) supérieurs aux locaux recensés par "
                          f"l'ARCEP ({b:,.0f}) : part plafonnée à 100 %".replace(",", " ")
                          for a, b in zip(d.loc[over, "connectable"], d.loc[over, "premises"],
                                          strict=True)]  # .loc: see pacte.engine.exposure
        out.append(_rows(ter, level, "ftth_connectable_share", q, val.clip(upper=100),
                         calc.calc_share_reasons(d["connectable"], d["premises"]), PCT,
                         "commune (COG 2018 -> 2025), logements et établissements",
                         f"ARCEP, déploiement FttH {q}", note))
    return out


def _realloc(ter, level, ind, period, pieces, values, unit, resolution, source,
             units: str) -> pd.DataFrame:
    r = calc.calc_reallocation(pieces, values)
    why = calc.calc_reallocation_reasons(pieces, values, result=r)
    note = pd.Series([EXACT.format(unit=units) if e else
                      ESTIMATE.format(unit=units, n=n, cov=100 * c)
                      for e, n, c in zip(r["exact"], r["n_units"], r["coverage"], strict=True)],
                     index=r.index)
    why = why.reindex(ter.index).fillna(calc.NO_PIECE)
    return _rows(ter, level, ind, period, r["value"], why, unit, resolution, source, note)


def _rates(ctx: StoreContext, level: str, ter) -> list[pd.DataFrame]:
    out = []
    for ind, (table, year, source) in RATES.items():
        if ind == "cif" and level != "epci":
            continue
        pieces = epci_pieces(ctx, level, year)
        data = ctx.once(("rates", table), lambda t=table: ctx.q(
            f"SELECT code, year, value FROM {t}"))
        for y, d in data.groupby("year"):
            out.append(_realloc(ter, level, ind, str(y), pieces, d.set_index("code")["value"],
                                PCT, f"EPCI {year} réparti sur les communes (population)",
                                f"{source} {y}", f"EPCI {year}"))
    return out


def _productive(ctx: StoreContext, level: str, ter) -> list[pd.DataFrame]:
    data = ctx.once(("productive",), lambda: ctx.q(
        "SELECT code, year, value FROM anchoring_productive_ze2010"))
    src = "ANCT / Insee RP {y}, fonctions productives"
    if level == "ze2010":
        return [_rows(ter, level, "productive_functions_share", str(y),
                      d.set_index("code")["value"], {}, PCT, "zone d'emploi 2010 (native)",
                      src.format(y=y)) for y, d in data.groupby("year")]
    w = ctx.weights(2020)
    pieces = ctx.at_level(("ze2010_pieces",), level, by_levels(
        "sum(coalesce(p.population, c.population) * w.weight) AS weight",
        f"""FROM commune_ze2010 z JOIN {w} w ON w.source = z.code
            JOIN communes c ON c.code = w.code
            LEFT JOIN cog_codes p ON p.cog = 2020 AND p.code = z.code""", ("z.ze2010",))
        ).rename(columns={"code": "target", "ze2010": "unit"})
    return [_realloc(ter, level, "productive_functions_share", str(y), pieces,
                     d.set_index("code")["value"], PCT,
                     "zone d'emploi 2010 répartie sur les communes (population)",
                     src.format(y=y), "zones d'emploi 2010") for y, d in data.groupby("year")]


def _census(ctx: StoreContext, level: str, ter) -> list[pd.DataFrame]:
    j = ctx.at_level(("census",), level, """
        SELECT level, code, year, sector, jobs FROM jobs WHERE source = 'rp'
        AND level IN (SELECT * FROM unnest(?)) AND sector IN ('CONREC', 'CFM', 'TOTAL')
        AND year IN (2006, 2011, 2016)""", [list(LEVELS)]).pivot_table(
        index=["code", "year"], columns="sector", values="jobs")
    out = []
    for ind, sector in CENSUS.items():
        for y in (2006, 2011, 2016):
            d = j.xs(y, level="year").reindex(ter.index) if len(j) else pd.DataFrame(
                np.nan, index=ter.index, columns=[sector, "TOTAL"])
            out.append(_rows(ter, level, ind, str(y), calc.calc_share(d[sector], d["TOTAL"]),
                             pd.Series(calc.calc_share_reasons(d[sector], d["TOTAL"]),
                                       index=ter.index).replace(calc.NO_DATA,
                                                                "communes non diffusées "
                                                                "(nd) ou absentes au "
                                                                f"recensement {y}"),
                             PCT, "15 fonctions, recensement, emploi au lieu de travail",
                             f"Insee, RP {y}, analyse fonctionnelle des emplois"))
    return out


def _grants(ctx: StoreContext, level: str, ter) -> list[pd.DataFrame]:
    out = []
    for year in GRANT_YEARS:
        t = f"anchoring_grants_{year}"
        com = _grants_src(year)
        vint = ctx.vintage(com)
        a = sum_to_level(ctx, level, com, vint, ["amount", "eco"]).set_index("code")
        pieces = epci_pieces(ctx, level, year)
        pieces["share"] = pieces["weight"] / pieces.groupby("unit")["weight"].transform("sum")
        e = ctx.once(("grants_epci", year), lambda t=t: ctx.q(
            f"""SELECT territory AS unit, sum(amount) AS amount,
                sum(CASE WHEN economy THEN amount ELSE 0 END) AS eco FROM {t}
                WHERE echelon = 'epci' AND grant <> 'DSID' GROUP BY 1"""))
        m = pieces.merge(e, on="unit")
        b = m.assign(amount=m["amount"] * m["share"], eco=m["eco"] * m["share"]).groupby(
            "target")[["amount", "eco"]].sum()
        pop = population(ctx, level, year).reindex(ter.index)
        tot = a.reindex(ter.index).fillna(0.0).add(b.reindex(ter.index).fillna(0.0))
        share_epci = calc.calc_share(b["amount"].reindex(ter.index).fillna(0.0), tot["amount"])
        note = pd.Series([f"dont {s:.0f} % de projets intercommunaux répartis entre les "
                          f"communes au prorata de la population (estimation)" if s > 0 else ""
                          for s in np.nan_to_num(share_epci)], index=ter.index)
        note = note.where(~pop["fb"].fillna(False).astype(bool),
                          note + " ; " + MAYOTTE_POP)
        res = (f"projets des communes (COG {vint} -> 2025) et des EPCI {year} (répartis par "
               "population) ; syndicats et départements exclus")
        for ind, col in (("invest_grants_per_inhab", "amount"),
                         ("invest_grants_economy_per_inhab", "eco")):
            out.append(_rows(ter, level, ind, str(year),
                             calc.calc_per_inhabitant(tot[col], pop["pop"]),
                             calc.calc_per_inhabitant_reasons(tot[col], pop["pop"]), EUR, res,
                             f"DGCL, DETR et DSIL {year}", note))
    return out


def _diplomas(ctx: StoreContext, level: str, ter) -> list[pd.DataFrame]:
    cols = ["pop_15plus_non_scol", *calc.DIPLOMA_SHARES.values()]
    if "census_diplomas" not in ctx.tables:
        return [_rows(ter, level, ind, DIPLOMA_PERIOD, np.nan, NOT_FETCHED, PCT, "commune",
                      "Insee, RP") for ind in calc.DIPLOMA_SHARES]
    yr = int(ctx.q("SELECT max(year) AS y FROM census_diplomas")["y"].iloc[0])
    src = f"SELECT * FROM census_diplomas WHERE year = {yr}"
    vint = ctx.vintage(src)
    d = sum_to_level(ctx, level, src, vint, cols).set_index("code").reindex(ter.index)
    shares, why = calc.calc_diploma_shares(d), calc.calc_diploma_shares_reasons(d)
    return [_rows(ter, level, ind, str(yr), shares[ind], why[ind], PCT,
                  f"commune (COG {vint} -> 2025), plus haut diplôme",
                  f"Insee, RP {yr}, diplômes - formation") for ind in calc.DIPLOMA_SHARES]


#: per-commune datasets of :func:`commune_totals`: SQL (exposing ``commune``), values, keys
DATASETS = {
    "bpe_2009": ("SELECT * FROM anchoring_bpe WHERE year = 2009", ["n_equip"], ("domain",)),
    "bpe_2013": ("SELECT * FROM anchoring_bpe WHERE year = 2013", ["n_equip"], ("domain",)),
    "ftth": ("SELECT code AS commune, quarter, connectable, dwellings + firms AS premises "
             "FROM anchoring_ftth_communes", ["connectable", "premises"], ("quarter",)),
    **{f"grants_{y}": (f"SELECT territory AS commune, grant, amount FROM anchoring_grants_{y} "
                       "WHERE echelon = 'commune' AND territory IS NOT NULL", ["amount"],
                       ("grant",)) for y in GRANT_YEARS},
}


def commune_totals(con, level: str, dataset: str) -> pd.DataFrame:
    """A per-commune dataset (:data:`DATASETS`) harmonised and summed to ``level``, as the
    indicators read it (for conservation checks and for users who want the counts)."""
    ctx = StoreContext(con)
    src, values, keys = DATASETS[dataset]
    return sum_to_level(ctx, level, src, ctx.vintage(src), values, keys)


#: The blocks of a level's rows (every level but ZE2010's), in order.
BLOCKS = (_bpe, _ftth, _rates, _productive, _census, _grants, _diplomas)


def compute_anchoring(con, level: str | None = None) -> pd.DataFrame:
    """Anchoring indicators of every territory of ``level`` (all of :data:`LEVELS` if None),
    long format (:data:`COLUMNS`); every territory has a value or a French reason in note."""
    return finish_anchoring(con, anchoring_blocks(con, level))


def anchoring_blocks(con, level: str | None = None, jobs: bool = True) -> list:
    """The blocks of :func:`compute_anchoring`'s rows, in order; without ``jobs``, the
    census block (:func:`_census`, the only one reading the ``jobs`` table) left as its
    level and territories, for :func:`finish_anchoring` to make: the others read neither
    the jobs table nor any table written after the territories (the build runs them beside
    the jobs table's write, :class:`pacte.engine.materialise.Catalogue`)."""
    if level is not None:
        check_level(level, LEVELS)
    ctx = StoreContext(con)
    rows: list = []
    try:
        if level != "ze2010":  # the per-commune files' vintages and every weight table
            files = [*map(_bpe_src, BPE_YEARS), *map(_grants_src, GRANT_YEARS)]
            ctx.vintages(files)
            ctx.prepare_weights([*map(ctx.vintage, files), *BPE_YEARS, *GRANT_YEARS,
                                 FTTH_VINTAGE, *(y for _, y, _ in RATES.values()), 2020])
        for lev in LEVELS if level is None else (level,):
            ter = ctx.territories(lev)
            if lev == "ze2010":
                rows += _productive(ctx, lev, ter)
                continue
            for block in BLOCKS:
                if block is _census and not jobs:
                    rows.append((lev, ter))
                else:
                    rows += block(ctx, lev, ter)
    finally:
        ctx.drop_created()
    return rows


def finish_anchoring(con, rows: list) -> pd.DataFrame:
    """The frame of :func:`anchoring_blocks`' ``rows``, the census blocks left to make made
    (on ``con``, which holds the ``jobs`` table)."""
    if any(isinstance(r, tuple) for r in rows):
        ctx = StoreContext(con)
        rows = [x for r in rows for x in (_census(ctx, *r) if isinstance(r, tuple) else [r])]
    return _frame(rows)


def _frame(rows: list[dict]) -> pd.DataFrame:
    """The blocks of :func:`_rows` as one frame. Texts repeated over a block (its level,
    indicator...) or over the blocks of a level (the territories' codes and names) are
    taken from their distinct values by Arrow (:func:`pacte.engine.jobs.repeated_text`):
    not one Python string per row (the 70,820 rows' texts 0.1 -> 0.03 s of CPU); the
    columns are pandas' default text type, as a DataFrame of str would have them."""
    sizes = [len(r["note"]) for r in rows]
    block = np.repeat(np.arange(len(rows)), sizes)
    out = {}
    for c in ("level", "indicator", "period", "unit", "resolution", "source"):
        out[c] = repeated_text(np.array([r[c] for r in rows], dtype=object), block)
    ters: list[pd.DataFrame] = []  # the territories of each level, once
    start: list[int] = []  # each block's first row among them
    for r in rows:
        k = next((i for i, t in enumerate(ters) if t is r["ter"]), None)
        if k is None:
            ters.append(r["ter"])
            k = len(ters) - 1
        start.append(sum(len(t) for t in ters[:k]))
    # each row's territory among them: its block's first, plus its rank in the block
    at = (np.repeat(np.array(start, dtype=np.int64), sizes) + np.arange(len(block))
          - np.repeat(np.cumsum([0, *sizes[:-1]]), sizes))
    out["code"] = repeated_text(np.concatenate([t.index.to_numpy(dtype=object) for t in ters]),
                                 at)
    out["name"] = repeated_text(np.concatenate([t["name"].to_numpy(dtype=object)
                                                 for t in ters]), at)
    out["value"] = np.concatenate([r["value"] for r in rows]).astype(float)
    out["note"] = np.concatenate([r["note"] for r in rows])
    return pd.DataFrame({c: out[c] for c in COLUMNS})
