"""Value chains: jobs that local industry supports in the territory's other sectors, and the
"industrie élargie" share, for every territory of every level, from the store.

``load_blocks`` reads the store into territory x sector matrices on one sector scheme (A17
with C2 and DE merged: 16 sectors, the finest scheme all territorial sources reach);
``compute_valuechain`` runs the pure regional input-output model
(:func:`pacte.indicators.regional_io.calc_supported_jobs`, Flegg location quotients) on each
block in one vectorised call and returns ONE long DataFrame ``level, code, name, indicator,
period, value, unit, resolution, source, note``.

National side (:mod:`pacte.engine.national_io`): France's 2010 supply-use table at A17
(ThreeME calibration of Insee's TES), industry-by-industry domestic flows, aggregated to 16
sectors; jobs per unit of output on one basis, persons employed at 31/12/2010 (Insee
salaried estimates T4 2010 + ESTEL non-salaried jobs): salaried jobs per output for the
salaried sources, total for the census, the salaried one never above the total one.

Sector structure of each territory, finest first (``resolution`` says which one was used):

* régions (and France): Insee quarterly salaried employment, T4 2010, A17 (C2 and DE
  merged in the series);
* départements: the same series in A5 (its A17 detail exists for 4 DOM only), each A5
  sector split into A17 by the A17 mix of the région within that sector (estimate);
* EPCI covered by URSSAF in 2010: private salaried jobs by APE code -> A17 (NAF table);
* ZE2010: ESTEL salaried jobs 2010 in A5; each A5 sector split into A17 by the A17 mix of the
  zone's région within that A5 sector (estimate);
* other EPCI, ZE2020, and Mayotte (région, département): census 2011 jobs by 15
  functions, grouped into the five A5 groups (:data:`FUNCTION_GROUP`), each group
  calibrated so that France's total matches the persons employed of the group, then split
  into A17 by the région's mix (France's mix for Mayotte, absent from the quarterly
  regional series) (estimate). « Industrie élargie » there starts from the census
  « fabrication » function, the share shown beside it, not from the converted sectors.

The model (:func:`pacte.indicators.regional_io.calc_supported_jobs`): a mixed model (Miller
& Blair 2009 §13.1) on the regional FLQ table: the territory's industrial output, observed,
is held fixed; only the non-industrial sectors respond, ``(I - A_ss)⁻¹ A_si x_i``. Flegg's
delta and its band are dated parameters (``flq.*`` of data/model_parameters.yaml).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from pacte.engine import model_parameters as mp
from pacte.engine.national_io import (  # noqa: F401  (re-exported: engine.impact, tests)
    A17_TO_16,
    BROAD,
    INDUSTRY,
    IO_SOURCE,
    JOBS_SOURCE,
    SECTORS,
    SUT_SECTOR_COUNT,
    TRIM_PERIOD,
    NationalTable,
    _trim,
    calc_aggregate_table,
    calc_jobs_per_output,
    load_national_table,
    load_sut,
    national_jobs,
    national_multipliers,
    pivot_sum,
)
from pacte.geography import INDICATOR_LEVELS, check_level
from pacte.indicators.inputoutput import calc_A
from pacte.indicators.regional_io import calc_supported_jobs
from pacte.labels import MODELLED_JOBS, fr_modelled, fr_number
from pacte.store.frames import frame

COLUMNS = ["level", "code", "name", "indicator", "period", "value", "unit", "resolution",
           "source", "note"]
LEVELS = INDICATOR_LEVELS
#: Census functions (occupations at the workplace) -> A5 group. A function is not a sector:
#: "fabrication" is the manufacturing core of industry, the other functions are spread over
#: sectors and are put in market services, except the public-service functions.
FUNCTION_GROUP = {"AGRICU": "AZ", "FABRIC": "BE", "BTP": "FZ", "ADMPUB": "OQ", "EDUFOR": "OQ",
                  "SANSOC": "OQ", "COMINT": "GU", "CONREC": "GU", "CULLOI": "GU",
                  "DISTRI": "GU", "ENTREP": "GU", "GESTIO": "GU", "LOGIST": "GU",
                  "PREINT": "GU", "SERPRO": "GU"}
CENSUS_YEAR, ESTEL_YEAR, URSSAF_YEAR = 2011, 2010, 2010
#: Flegg's delta (central value) and the band shown beside every value-chain figure: dated
#: parameters with their references (data/model_parameters.yaml, ``flq.*``).
DELTA = float(mp.value("flq.delta"))
DELTA_BAND = tuple(float(d) for d in mp.value("flq.band"))
DELTA_NOTE = ("FLQ delta = {delta}, bas de la fourchette publiée (0,1 à 0,4, Flegg & Webber "
              "1997 : 0,3 pour des régions bien plus grandes), paramètre daté et validation : "
              "data/model_parameters.yaml, docs/validation.md")
BAND_KEYS = {"supported_jobs_local": "local_jobs", "supported_jobs_leaked": "leaked_jobs",
             "industrie_elargie_share": "industrie_elargie_share"}


def _band_notes(notes: list[str], runs: dict, key: str, unit: str) -> list[str]:
    """Each note followed by the figure at every delta of the band (French numbers; jobs
    to two significant figures, modelled figures)."""
    deltas = sorted(runs)
    head = " / ".join(f"{d:g}".replace(".", ",") for d in deltas)
    cols = [np.asarray(runs[d][key], dtype=float) * (100.0 if unit == "%" else 1.0)
            for d in deltas]

    def fmt(v: float) -> str:
        return fr_number(v, 1) if unit == "%" else fr_modelled(v)
    return [f"{n} ; selon delta ({head}) : {' / '.join(fmt(float(c[i])) for c in cols)}"
            for i, n in enumerate(notes)]


@dataclass
class Block:
    """Territories of one level sharing one source: jobs by sector (n, 16)."""

    level: str
    codes: list[str]
    E: np.ndarray
    E_nation: np.ndarray
    salaried: bool
    period: str
    resolution: str
    source: str
    notes: list[str]
    #: industry jobs on the base of the industry share shown beside the figures (census:
    #: the « fabrication » function, before its conversion into sectors), (n,)
    shown_industry: np.ndarray | None = None


# --- territory structures --------------------------------------------------------------

def _group_mix(E: pd.DataFrame) -> pd.DataFrame:
    """Share of each sector within its A5 group (rows: territories)."""
    tot = E.T.groupby(pd.Series(BROAD)).transform("sum").T
    return E / tot.where(tot > 0)


def _split(groups: pd.DataFrame, reg: pd.Series, mix_reg: pd.DataFrame, mix_fr: pd.Series
           ) -> tuple[np.ndarray, np.ndarray]:
    """Jobs by A5 group (n, 5) -> 16 sectors by the région's mix (France's if missing).
    Returns the (n, 16) matrix and a flag of territories split with France's mix."""
    mix = mix_reg.reindex(reg.to_numpy())
    fallback = mix.isna().all(axis=1).to_numpy()
    mix = mix.fillna(mix_fr).fillna(0.0)
    per_sector = groups.reindex(columns=[BROAD[s] for s in SECTORS]).to_numpy()
    return np.nan_to_num(per_sector) * mix.to_numpy(), fallback


def _region_of(con, level: str, codes) -> pd.Series:
    ter = frame(con, "SELECT code, reg FROM territory WHERE level = ?", [level])
    reg = ter.set_index("code")["reg"] if level != "reg" else pd.Series(codes, index=codes)
    return reg.reindex(codes)


def _census_rows(con, levels) -> pd.DataFrame:
    """The census 2011 functions of ``levels`` and France with their A5 group, read once."""
    df = frame(con, """SELECT level, code, sector, jobs FROM jobs WHERE source = 'rp'
                       AND year = ? AND level IN (SELECT unnest(?)) AND sector <> 'TOTAL'
                       AND sector <> 'CFM'""", [CENSUS_YEAR, sorted({*levels, "fr"})])
    return df.assign(group=df["sector"].map(FUNCTION_GROUP)).dropna(subset=["group"])


def _group_sums(df: pd.DataFrame, level: str) -> tuple[pd.DataFrame, pd.Series]:
    """The A5 groups' jobs of ``level``'s territories (codes sorted) and France's, as
    ``pivot_table(index=["level", "code"], columns="group", values="jobs",
    aggfunc="sum").fillna(0.0)`` of ``df`` (:func:`_census_rows`) restricted to ``level``
    and France gives them (:func:`pivot_sum`: the pivots of the five levels' blocks took
    0.1 s of the model's 0.4 s of CPU)."""
    df = df[df["level"].isin([level, "fr"])]
    cols = sorted(df["group"].unique())

    def pivot(lv: str) -> pd.DataFrame:
        d = df[(df["level"] == lv).to_numpy()]
        return pivot_sum(d["code"], d["group"], d["jobs"], cols)
    g = pivot(level)
    return g, (g if level == "fr" else pivot("fr")).iloc[0]


def _census(con, level: str, mix_reg, mix_fr, t16: NationalTable,
            rows: pd.DataFrame | None = None) -> tuple[pd.DataFrame, list, pd.Series]:
    """Census 2011 functions -> A5 groups calibrated on the persons employed of the national
    basis (each group's national census total brought to its sector total, then each
    territory's total restored) -> 16 sectors; the « fabrication » jobs (``rows``:
    :func:`_census_rows` of ``level`` among others, else read here)."""
    df = _census_rows(con, [level]) if rows is None else rows
    g, fr = _group_sums(df, level)
    sut_groups = pd.Series(t16.jobs, index=t16.sectors).groupby(BROAD).sum()
    k = sut_groups / fr  # national calibration of each group
    cal = g * k
    cal = cal.mul(g.sum(axis=1) / cal.sum(axis=1).where(cal.sum(axis=1) > 0), axis=0)
    reg = _region_of(con, level, list(cal.index)) if level != "fr" else pd.Series(
        [None], index=cal.index)
    E, fb = _split(cal, reg, mix_reg, mix_fr)
    fab = df[(df["level"] == level) & (df["sector"] == "FABRIC")].groupby("code")["jobs"].sum()
    return (pd.DataFrame(E, index=cal.index, columns=SECTORS), list(fb),
            fab.reindex(cal.index).fillna(0.0))


def _estel(con, mix_reg, mix_fr) -> tuple[pd.DataFrame, list]:
    df = con.execute("""SELECT code, sector, jobs FROM jobs WHERE source = 'estel'
                        AND level = 'ze2010' AND year = ? AND sector <> 'TOTAL'""",
                     [ESTEL_YEAR]).df()
    g = pivot_sum(df["code"], df["sector"], df["jobs"], sorted(df["sector"].dropna().unique()))
    E, fb = _split(g, _region_of(con, "ze2010", list(g.index)), mix_reg, mix_fr)
    return pd.DataFrame(E, index=g.index, columns=SECTORS), list(fb)


def _urssaf(con) -> tuple[pd.DataFrame, dict]:
    df = con.execute("""SELECT j.code, n.a17, sum(j.jobs) AS jobs FROM jobs j
                        JOIN naf n ON n.ape = j.sector
                        WHERE j.source = 'urssaf' AND j.level = 'epci' AND j.year = ?
                        GROUP BY ALL""", [URSSAF_YEAR]).df()
    df["sector"] = df["a17"].map(lambda s: A17_TO_16.get(s, s))
    E = pivot_sum(df["code"], df["sector"], df["jobs"], sorted(df["sector"].dropna().unique()))
    cov = con.execute("SELECT code, n_communes, n_covered FROM coverage WHERE source = 'urssaf' "
                      "AND level = 'epci'").df().set_index("code")
    # a structure from part of an EPCI's communes is not the EPCI's: those EPCI take the next
    # block (the census), as the key figures do
    whole = [c for c in E.index if c in cov.index
             and cov.loc[c, "n_covered"] == cov.loc[c, "n_communes"]]
    notes = {c: "emploi salarié privé URSSAF (sans l'essentiel de l'emploi public)"
             for c in whole}
    return E.reindex(index=whole, columns=SECTORS).fillna(0.0), notes


def load_blocks(con: duckdb.DuckDBPyConnection, level: str | None = None,
                t16: NationalTable | None = None) -> list[Block]:
    """Territory x 16-sector job matrices, one block per (level, source) (``t16``:
    :func:`load_national_table`'s table when already read)."""
    levels = LEVELS if level is None else (level,)
    t16 = t16 or load_national_table(con)
    trim_reg, trim_fr = _trim(con, "reg"), _trim(con, "fr").iloc[0]
    mix_reg, mix_fr = _group_mix(trim_reg), _group_mix(trim_fr.to_frame().T).iloc[0]
    census = _census_rows(con, [lv for lv in levels if lv in ("reg", "dep", "ze2020", "epci")])
    cen_fr, _, _ = _census(con, "fr", mix_reg, mix_fr, t16, census)
    est = "estimation : "
    split = "répartis en A17 selon la structure A17 de la région (emploi salarié T4 2010)"
    mayotte = "Mayotte, absente des séries trimestrielles régionales : structure A17 nationale"
    cen_res = ("15 fonctions du recensement 2011 regroupées en 5 groupes A5 (calés sur l'emploi "
               "national par secteur, Insee 2010), " + split)
    blocks, done = [], {lv: set() for lv in LEVELS}

    def add(lv, E: pd.DataFrame, E_nat, salaried, period, res, src, notes, shown=None):
        keep = [c not in done[lv] for c in E.index]
        if not any(keep):
            return
        codes = [c for c, k in zip(E.index, keep, strict=True) if k]
        done[lv].update(codes)
        blocks.append(Block(lv, codes, E.to_numpy()[keep], np.asarray(E_nat, dtype=float),
                            salaried, period, res, f"{src} ; {IO_SOURCE} ; {JOBS_SOURCE}",
                            [n for n, k in zip(notes, keep, strict=True) if k],
                            None if shown is None else shown.reindex(codes).to_numpy(float)))

    trim_src = "Insee, estimations trimestrielles d'emploi salarié"
    for lv in levels:
        if lv in ("reg", "fr"):
            E = trim_reg if lv == "reg" else _trim(con, lv)
            add(lv, E, trim_fr, True, TRIM_PERIOD,
                "16 secteurs (A17, C2 et DE regroupés), emploi salarié trimestriel Insee",
                trim_src, [""] * len(E))
        if lv == "dep":  # the départements' A17 series is published for 4 DOM only
            g = _trim(con, "dep", "A5")
            E, fb = _split(g, _region_of(con, "dep", list(g.index)), mix_reg, mix_fr)
            add(lv, pd.DataFrame(E, index=g.index, columns=SECTORS), trim_fr, True,
                TRIM_PERIOD, "5 secteurs A5, emploi salarié trimestriel Insee, " + split,
                trim_src, [est + "A5 ventilé en A17"] * len(g))
        if lv == "epci":
            E, notes = _urssaf(con)
            add(lv, E, trim_fr, True, str(URSSAF_YEAR),
                "732 codes APE URSSAF regroupés en 16 secteurs (A17, C2 et DE regroupés)",
                "URSSAF, effectifs salariés privés par APE", [notes[c] for c in E.index])
        if lv == "ze2010":
            E, fb = _estel(con, mix_reg, mix_fr)
            add(lv, E, E.sum(axis=0), True, str(ESTEL_YEAR),
                "5 secteurs A5 ESTEL " + split, "Insee, ESTEL, emploi salarié au 31/12",
                [est + "A5 ventilé en A17" + (" ; " + mayotte if f else "") for f in fb])
        if lv in ("reg", "dep", "ze2020", "epci"):
            E, fb, fab = _census(con, lv, mix_reg, mix_fr, t16, census)
            add(lv, E, cen_fr.iloc[0], False, str(CENSUS_YEAR), cen_res,
                "Insee, recensement 2011, emplois au lieu de travail par fonction",
                [est + "fonctions converties en secteurs pour le modèle ; industrie élargie "
                 "sur la base de la fonction « fabrication » du recensement 2011 (part "
                 "affichée à côté)" + (" ; " + mayotte if f else "") for f in fb], fab)
    return blocks


# --- indicators ------------------------------------------------------------------------

def _elargie(b: Block, r: dict) -> np.ndarray:
    """Industrie élargie (share, 0-1) on the base of the industry share shown beside it: the
    block's industry jobs, or for the census the « fabrication » function (not its conversion
    into sectors, which only drives the model), plus the jobs supported locally."""
    base = r["industry_jobs"] if b.shown_industry is None else b.shown_industry
    out = np.full(r["total_jobs"].shape, np.nan)
    np.divide(base + r["local_jobs"], r["total_jobs"], out=out, where=r["total_jobs"] > 0)
    return out


def _base_notes(b: Block, r: dict) -> list[str]:
    """The base of « industrie élargie » in words, with the share it starts from."""
    base = r["industry_jobs"] if b.shown_industry is None else b.shown_industry
    what = ("fonction « fabrication » du recensement" if b.shown_industry is not None
            else "emploi des secteurs industriels (B à E) de la source")
    with np.errstate(invalid="ignore", divide="ignore"):
        share = 100 * base / r["total_jobs"]
    return [f"base de l'industrie élargie : {what}, {fr_number(float(v), 1)} % de l'emploi"
            for v in share]


def compute_valuechain(con: duckdb.DuckDBPyConnection, level: str | None = None,
                       delta: float = DELTA) -> pd.DataFrame:
    """Jobs supported by local industry and "industrie élargie" share for every territory of
    ``level`` (all levels if None), plus France's type-I multipliers of industry.

    Indicators (one row per territory each; NaN with a ``note`` where no sector structure
    exists): ``supported_jobs_local`` (jobs in the territory's non-industrial sectors
    supported, all rounds, by the local industry's purchases: regional FLQ table),
    ``supported_jobs_leaked`` (the same supply chain's non-industrial jobs elsewhere in
    France: national domestic table minus local), ``industrie_elargie_share`` ((industry
    jobs on the base of the industry share shown beside it + supported local jobs) / all
    jobs, %: for the census, the « fabrication » function), ``industry_share`` (that base /
    all jobs, %); on France only,
    ``output_multiplier_industry`` and ``employment_multiplier_industry`` (type I, 2010 SUT,
    16 sectors, persons employed).

    ``delta``: Flegg's parameter (default: ``flq.delta`` of data/model_parameters.yaml);
    every figure's note also gives it at each delta of :data:`DELTA_BAND`, since results
    depend strongly on it. Jobs per output: persons employed (salaried for salaried
    sources) of :func:`pacte.engine.national_io.national_jobs`."""
    if level is not None:
        check_level(level, LEVELS)
    sut = load_sut(con)  # the national tables read once for the run
    t16 = load_national_table(con, sut)
    A = calc_A(t16.Z, t16.x)
    industry = np.isin(SECTORS, INDUSTRY)
    salaried_fr = national_jobs(con, sut)["salaried"].to_numpy()
    dnote = DELTA_NOTE.format(delta=f"{delta:g}".replace(".", ","))
    frames = []
    for b in load_blocks(con, level, t16):
        jpo = calc_jobs_per_output(t16, salaried_fr if b.salaried else None)
        r = calc_supported_jobs(b.E, jpo, A, industry, delta, E_nation=b.E_nation)
        base_jobs = r["industry_jobs"] if b.shown_industry is None else b.shown_industry
        with np.errstate(invalid="ignore", divide="ignore"):
            ind_share = np.where(r["total_jobs"] > 0, base_jobs / r["total_jobs"], np.nan)
        notes = [f"{n} ; {dnote}" if n else dnote for n in b.notes]
        runs = {d: calc_supported_jobs(b.E, jpo, A, industry, d, E_nation=b.E_nation)
                if d != delta else r for d in sorted({*DELTA_BAND, delta})}
        for run in runs.values():
            run["industrie_elargie_share"] = _elargie(b, run)
        base = _base_notes(b, r)
        for ind, val, unit in (("supported_jobs_local", r["local_jobs"], MODELLED_JOBS),
                               ("supported_jobs_leaked", r["leaked_jobs"], MODELLED_JOBS),
                               ("industrie_elargie_share", 100 * r["industrie_elargie_share"],
                                "%"),
                               ("industry_share", 100 * ind_share, "%")):
            key = BAND_KEYS.get(ind)
            note = notes if key is None else _band_notes(notes, runs, key, unit)
            if ind == "industrie_elargie_share":
                note = [f"{n} ; {x}" for n, x in zip(note, base, strict=True)]
            frames.append(pd.DataFrame({
                "level": b.level, "code": b.codes, "indicator": ind, "period": b.period,
                "value": val, "unit": unit, "resolution": b.resolution, "source": b.source,
                "note": note}))
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
    out = _add_missing(con, out, level)
    if level in (None, "fr"):
        out = pd.concat([out, _multiplier_rows(con, t16, sut)], ignore_index=True)
    names = frame(con, "SELECT level, code, name FROM territory")
    out = out.drop(columns="name", errors="ignore").merge(names, on=["level", "code"],
                                                          how="left")
    return out[COLUMNS].sort_values(["level", "code", "indicator"], ignore_index=True)


def _add_missing(con, out: pd.DataFrame, level: str | None) -> pd.DataFrame:
    """A row with value NaN and a note for every territory without a sector structure."""
    ter = frame(con, "SELECT level, code FROM territory")
    ter = ter[ter["level"].isin(LEVELS if level is None else (level,))]
    have = set(zip(out["level"], out["code"], strict=True))
    miss = ter[[(lv, c) not in have for lv, c in zip(ter["level"], ter["code"], strict=True)]]
    rows = [pd.DataFrame({"level": miss["level"], "code": miss["code"], "indicator": ind,
                          "period": "2010", "value": np.nan, "unit": unit, "resolution": "",
                          "source": "", "note": "aucune structure sectorielle de l'emploi : "
                          "territoire absent d'ESTEL (Mayotte)"})
            for ind, unit in (("supported_jobs_local", MODELLED_JOBS),
                              ("supported_jobs_leaked", MODELLED_JOBS),
                              ("industrie_elargie_share", "%"), ("industry_share", "%"))]
    return pd.concat([out, *rows], ignore_index=True)


def _multiplier_rows(con, t16: NationalTable, sut: NationalTable) -> pd.DataFrame:
    m = national_multipliers(con, t16, sut).set_index("sector").loc["BE"]
    note = ("multiplicateur de type I (effets directs et indirects, Miller & Blair 2009 ch. 6) "
            "de l'industrie (DE, C1 à C5), moyenne pondérée par la production ; tableau "
            "domestique branche x branche, importations exclues ; emplois : personnes en "
            "emploi au 31/12/2010 (Insee)")
    return pd.DataFrame({
        "level": "fr", "code": "FR",
        "indicator": ["output_multiplier_industry", "employment_multiplier_industry"],
        "period": "2010", "value": [m["output_multiplier"], m["employment_multiplier"]],
        "unit": ["euros de production par euro de demande finale", "emplois par emploi direct"],
        "resolution": "16 secteurs (A17, C2 et DE regroupés), TRE 2010, personnes en emploi",
        "source": f"{IO_SOURCE} ; {JOBS_SOURCE}",
        "note": note})
