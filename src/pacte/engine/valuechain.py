"""Value chains: jobs that local industry supports in the territory's other sectors, and the
"industrie élargie" share, for every territory of every level, from the store.

``load_blocks`` reads the store into territory x sector matrices on one sector scheme (A17
with C2 and DE merged: 16 sectors, the finest scheme all territorial sources reach);
``compute_valuechain`` runs the pure regional input-output model
(:func:`pacte.indicators.regional_io.calc_supported_jobs`, Flegg location quotients) on each
block in one vectorised call and returns ONE long DataFrame ``level, code, name, indicator,
period, value, unit, resolution, source, note``.

National table: France's 2010 supply-use table at A17 (ThreeME calibration of INSEE's TES),
industry-by-industry domestic flows (fixed product sales structure), aggregated to 16
sectors; jobs per unit of output from its ``labor`` (total employment), brought to salaried
employment for the salaried sources by each sector's national ratio salaried / total jobs
(INSEE quarterly estimates, T4 2010).

Sector structure of each territory, finest first (``resolution`` says which one was used):

* régions (and France): INSEE quarterly salaried employment, T4 2010, A17 (C2 and DE
  merged in the series);
* départements: the same series in A5 (its A17 detail exists for 4 DOM only), each A5
  sector split into A17 by the A17 mix of the région within that sector (estimate);
* EPCI covered by URSSAF in 2010: private salaried jobs by APE code -> A17 (NAF table);
* ZE2010: ESTEL salaried jobs 2010 in A5; each A5 sector split into A17 by the A17 mix of the
  zone's région within that A5 sector (estimate);
* other EPCI, ZE2020, and Mayotte (région, département): census 2011 jobs by 15
  functions, grouped into the five A5 groups (:data:`FUNCTION_GROUP`), each group
  calibrated so that France's total matches the SUT's employment of the group, then split
  into A17 by the région's mix (France's mix for Mayotte, absent from the quarterly
  regional series) (estimate).

Caveat on the model (``calc_supported_jobs``): it applies ``L - I`` to industry's *gross*
output, intra-industry sales included, so the service purchases of industrial suppliers
are counted again in their customers' chains. For France (T4 2010, salaried): 3.33 million
supported jobs, against 2.19 million with industrial output held exogenous
(``(I - A_SS)⁻¹ A_SI x_I``) and 1.50 million for first-round purchases only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd

from pacte.geography import INDICATOR_LEVELS, check_level
from pacte.indicators.inputoutput import (
    calc_A,
    calc_direct_coefficients,
    calc_employment_multipliers,
    calc_L,
    calc_output_multipliers,
)
from pacte.indicators.regional_io import calc_supported_jobs
from pacte.labels import fr_number

COLUMNS = ["level", "code", "name", "indicator", "period", "value", "unit", "resolution",
           "source", "note"]
LEVELS = INDICATOR_LEVELS
SECTORS = ["AZ", "C1", "C2DE", "C3", "C4", "C5", "FZ", "GZ", "HZ", "IZ", "JZ", "KZ", "LZ",
           "MN", "OQ", "RU"]
#: A17 -> the 16 sectors of the computation (C2 coke and refining, DE energy-water-waste:
#: published together by the quarterly regional series).
A17_TO_16 = {"C2": "C2DE", "DE": "C2DE"}
#: "Industrie" = A5 BE = A17 DE + C1..C5 (the A5 sector of ESTEL and the quarterly series).
INDUSTRY = ("C1", "C2DE", "C3", "C4", "C5")
#: A5 group of each of the 16 sectors.
BROAD = {"AZ": "AZ", **dict.fromkeys(INDUSTRY, "BE"), "FZ": "FZ", "OQ": "OQ",
         **dict.fromkeys(["GZ", "HZ", "IZ", "JZ", "KZ", "LZ", "MN", "RU"], "GU")}
#: Census functions (occupations at the workplace) -> A5 group. A function is not a sector:
#: "fabrication" is the manufacturing core of industry, the other functions are spread over
#: sectors and are put in market services, except the public-service functions.
FUNCTION_GROUP = {"AGRICU": "AZ", "FABRIC": "BE", "BTP": "FZ", "ADMPUB": "OQ", "EDUFOR": "OQ",
                  "SANSOC": "OQ", "COMINT": "GU", "CONREC": "GU", "CULLOI": "GU",
                  "DISTRI": "GU", "ENTREP": "GU", "GESTIO": "GU", "LOGIST": "GU",
                  "PREINT": "GU", "SERPRO": "GU"}
TRIM_PERIOD, CENSUS_YEAR, ESTEL_YEAR, URSSAF_YEAR = "2010-T4", 2011, 2010, 2010
DELTA_NOTE = ("FLQ delta = {delta} (valeur de Flegg & Webber 1997 : 0,3) ; résultats très "
              "sensibles à delta : pour l'EPCI médian, la part de la chaîne d'approvisionnement "
              "comptée hors du territoire passe d'environ 30 % (delta = 0) à 70 % (0,1) et "
              "95 % (0,3)")
#: Sensitivity band of Flegg's delta shown beside every value-chain figure (issue 18).
DELTA_BAND = (0.1, 0.2, 0.3)
BAND_KEYS = {"supported_jobs_local": "local_jobs", "supported_jobs_leaked": "leaked_jobs",
             "industrie_elargie_share": "industrie_elargie_share"}


def _band_notes(notes: list[str], runs: dict, key: str, unit: str) -> list[str]:
    """Each note followed by the figure at every delta of the band (French numbers)."""
    scale, dec = (100.0, 1) if unit == "%" else (1.0, 0)
    deltas = sorted(runs)
    head = " / ".join(f"{d:g}".replace(".", ",") for d in deltas)
    cols = [np.asarray(runs[d][key], dtype=float) * scale for d in deltas]
    return [f"{n} ; selon delta ({head}) : {' / '.join(fr_number(float(c[i]), dec) for c in cols)}"
            for i, n in enumerate(notes)]


IO_SOURCE = "TRE France 2010 A17 (calibration ThreeME, d'après l'Insee)"
SUT_SECTOR_COUNT = 17


@dataclass(frozen=True)
class NationalTable:
    """A national industry-by-industry table: flows Z (k, k), output x, total jobs."""

    sectors: list[str]
    Z: np.ndarray
    x: np.ndarray
    jobs: np.ndarray
    labels: list[str] = field(default_factory=list)


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


def load_sut(con: duckdb.DuckDBPyConnection) -> NationalTable:
    """The 2010 SUT A17 from the store (flows: industry x industry, million EUR)."""
    sec = con.execute("SELECT sector, label, x, labor_thousands FROM io_sut_a17_sectors "
                      "WHERE year = 2010").df()
    order = sec["sector"].tolist()
    fl = con.execute("SELECT row_sector, col_sector, z_domestic_ixi FROM io_sut_a17_flows "
                     "WHERE year = 2010").df()
    Z = fl.pivot(index="row_sector", columns="col_sector", values="z_domestic_ixi")
    return NationalTable(order, Z.loc[order, order].to_numpy(), sec["x"].to_numpy(),
                         sec["labor_thousands"].to_numpy() * 1000.0, sec["label"].tolist())


def calc_aggregate_table(t: NationalTable, mapping: dict[str, str], sectors: list[str]
                         ) -> NationalTable:
    """Sum sectors into ``sectors`` (``mapping`` old -> new): ``Z* = S Z S'``, ``x* = S x``."""
    S = np.zeros((len(sectors), len(t.sectors)))
    for j, s in enumerate(t.sectors):
        S[sectors.index(mapping.get(s, s)), j] = 1.0
    return NationalTable(list(sectors), S @ t.Z @ S.T, S @ t.x, S @ t.jobs)


def national_multipliers(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Type-I output and employment multipliers of the 17 sectors of the 2010 SUT, plus the
    industry aggregate (output-weighted mean of DE, C1..C5)."""
    t = load_sut(con)
    L = calc_L(calc_A(t.Z, t.x))
    e = calc_direct_coefficients(t.jobs, t.x)
    df = pd.DataFrame({"sector": t.sectors, "label": t.labels, "x": t.x,
                       "output_multiplier": calc_output_multipliers(L),
                       "employment_multiplier": calc_employment_multipliers(e, L),
                       "jobs_per_million_eur": e})
    ind = df["sector"].map(lambda s: A17_TO_16.get(s, s)).isin(INDUSTRY)
    w = df.loc[ind, "x"] / df.loc[ind, "x"].sum()
    agg = {"sector": "BE", "label": "Industrie (DE, C1 à C5)", "x": df.loc[ind, "x"].sum(),
           "output_multiplier": (df.loc[ind, "output_multiplier"] * w).sum(),
           "employment_multiplier": (df.loc[ind, "employment_multiplier"] * w).sum(),
           "jobs_per_million_eur": df.loc[ind, "jobs_per_million_eur"] @ w}
    return pd.concat([df, pd.DataFrame([agg])], ignore_index=True)


# --- territory structures --------------------------------------------------------------

def _trim(con, level: str, scheme: str = "A17") -> pd.DataFrame:
    """Quarterly salaried jobs T4 2010, by the 16 sectors (A17) or the A5 groups (A5)."""
    df = con.execute("""SELECT code, sector, jobs FROM jobs WHERE source = 'trim' AND level = ?
                        AND period = ? AND scheme = ?""", [level, TRIM_PERIOD, scheme]).df()
    df["sector"] = df["sector"].str.split("-").str[1]
    cols = SECTORS if scheme == "A17" else sorted(set(BROAD.values()))
    w = df[df["sector"].isin(cols)].pivot_table(index="code", columns="sector", values="jobs",
                                                aggfunc="sum")
    return w.reindex(columns=cols).fillna(0.0)


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
    ter = con.execute("SELECT code, reg FROM territory WHERE level = ?", [level]).df()
    reg = ter.set_index("code")["reg"] if level != "reg" else pd.Series(codes, index=codes)
    return reg.reindex(codes)


def _census(con, level: str, mix_reg, mix_fr, sut16: NationalTable) -> tuple[pd.DataFrame, list]:
    """Census 2011 functions -> A5 groups calibrated on the SUT's employment -> 16 sectors."""
    df = con.execute("""SELECT level, code, sector, jobs FROM jobs WHERE source = 'rp'
                        AND year = ? AND level IN (?, 'fr') AND sector <> 'TOTAL'
                        AND sector <> 'CFM'""", [CENSUS_YEAR, level]).df()
    df["group"] = df["sector"].map(FUNCTION_GROUP)
    g = df.pivot_table(index=["level", "code"], columns="group", values="jobs", aggfunc="sum")
    g = g.fillna(0.0)
    sut_groups = pd.Series(sut16.jobs, index=sut16.sectors).groupby(BROAD).sum()
    k = sut_groups / g.loc["fr"].iloc[0]  # national calibration of each group
    g = g.loc[level]
    cal = g * k
    cal = cal.mul(g.sum(axis=1) / cal.sum(axis=1).where(cal.sum(axis=1) > 0), axis=0)
    reg = _region_of(con, level, list(cal.index)) if level != "fr" else pd.Series(
        [None], index=cal.index)
    E, fb = _split(cal, reg, mix_reg, mix_fr)
    return pd.DataFrame(E, index=cal.index, columns=SECTORS), list(fb)


def _estel(con, mix_reg, mix_fr) -> tuple[pd.DataFrame, list]:
    df = con.execute("""SELECT code, sector, jobs FROM jobs WHERE source = 'estel'
                        AND level = 'ze2010' AND year = ? AND sector <> 'TOTAL'""",
                     [ESTEL_YEAR]).df()
    g = df.pivot_table(index="code", columns="sector", values="jobs", aggfunc="sum").fillna(0)
    E, fb = _split(g, _region_of(con, "ze2010", list(g.index)), mix_reg, mix_fr)
    return pd.DataFrame(E, index=g.index, columns=SECTORS), list(fb)


def _urssaf(con) -> tuple[pd.DataFrame, dict]:
    df = con.execute("""SELECT j.code, n.a17, sum(j.jobs) AS jobs FROM jobs j
                        JOIN naf n ON n.ape = j.sector
                        WHERE j.source = 'urssaf' AND j.level = 'epci' AND j.year = ?
                        GROUP BY ALL""", [URSSAF_YEAR]).df()
    df["sector"] = df["a17"].map(lambda s: A17_TO_16.get(s, s))
    E = df.pivot_table(index="code", columns="sector", values="jobs", aggfunc="sum")
    cov = con.execute("SELECT code, n_communes, n_covered FROM coverage WHERE source = 'urssaf' "
                      "AND level = 'epci'").df().set_index("code")
    notes = {}
    for c in E.index:
        n, m = cov.loc[c, "n_covered"], cov.loc[c, "n_communes"]
        notes[c] = ("emploi salarié privé URSSAF (sans l'essentiel de l'emploi public)"
                    + ("" if n == m else f" ; couverture partielle : {n}/{m} communes de l'EPCI, "
                       "résultat pour la partie couverte seulement"))
    return E.reindex(columns=SECTORS).fillna(0.0), notes


def load_blocks(con: duckdb.DuckDBPyConnection, level: str | None = None) -> list[Block]:
    """Territory x 16-sector job matrices, one block per (level, source)."""
    levels = LEVELS if level is None else (level,)
    sut16 = calc_aggregate_table(load_sut(con), A17_TO_16, SECTORS)
    trim_reg, trim_fr = _trim(con, "reg"), _trim(con, "fr").iloc[0]
    mix_reg, mix_fr = _group_mix(trim_reg), _group_mix(trim_fr.to_frame().T).iloc[0]
    cen_fr, _ = _census(con, "fr", mix_reg, mix_fr, sut16)
    est = "estimation : "
    split = "répartis en A17 selon la structure A17 de la région (emploi salarié T4 2010)"
    mayotte = "Mayotte, absente des séries trimestrielles régionales : structure A17 nationale"
    cen_res = ("15 fonctions du recensement 2011 regroupées en 5 groupes A5 (calés sur l'emploi "
               "du TRE 2010), " + split)
    blocks, done = [], {lv: set() for lv in LEVELS}

    def add(lv, E: pd.DataFrame, E_nat, salaried, period, res, src, notes):
        keep = [c not in done[lv] for c in E.index]
        if not any(keep):
            return
        codes = [c for c, k in zip(E.index, keep, strict=True) if k]
        done[lv].update(codes)
        blocks.append(Block(lv, codes, E.to_numpy()[keep], np.asarray(E_nat, dtype=float),
                            salaried, period, res, f"{src} ; {IO_SOURCE}",
                            [n for n, k in zip(notes, keep, strict=True) if k]))

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
            E, fb = _census(con, lv, mix_reg, mix_fr, sut16)
            add(lv, E, cen_fr.iloc[0], False, str(CENSUS_YEAR), cen_res,
                "Insee, recensement 2011, emplois au lieu de travail par fonction",
                [est + "fonctions converties en secteurs" + (" ; " + mayotte if f else "")
                 for f in fb])
    return blocks


# --- indicators ------------------------------------------------------------------------

def calc_jobs_per_output(sut16: NationalTable, salaried_nation: np.ndarray | None
                         ) -> np.ndarray:
    """Jobs per million EUR of output: the SUT's total jobs / output, or, for salaried
    sources, the SUT's ratio times each sector's national salaried share of its jobs
    (``salaried_nation / jobs``), i.e. ``salaried_nation / x``."""
    jpo = calc_direct_coefficients(sut16.jobs, sut16.x)
    if salaried_nation is None:
        return jpo
    return jpo * calc_direct_coefficients(salaried_nation, sut16.jobs)


def compute_valuechain(con: duckdb.DuckDBPyConnection, level: str | None = None,
                       delta: float = 0.3) -> pd.DataFrame:
    """Jobs supported by local industry and "industrie élargie" share for every territory of
    ``level`` (all levels if None), plus France's type-I multipliers of industry.

    Indicators (one row per territory each; NaN with a ``note`` where no sector structure
    exists): ``supported_jobs_local`` (jobs in the territory's non-industrial sectors
    supported, all rounds, by the local industry's purchases: regional FLQ table),
    ``supported_jobs_leaked`` (the same supply chain's non-industrial jobs elsewhere in
    France: national domestic table minus local), ``industrie_elargie_share`` ((industry
    + supported local jobs) / all jobs, %), ``industry_share`` (industry / all jobs, %, same
    base); on France only, ``output_multiplier_industry`` and
    ``employment_multiplier_industry`` (type I, 2010 SUT, 17 sectors).

    ``delta``: Flegg's parameter (0.3, Flegg & Webber 1997); every figure's note also gives
    it at each delta of :data:`DELTA_BAND`, since results depend strongly on it."""
    if level is not None:
        check_level(level, LEVELS)
    sut16 = calc_aggregate_table(load_sut(con), A17_TO_16, SECTORS)
    A = calc_A(sut16.Z, sut16.x)
    industry = np.isin(SECTORS, INDUSTRY)
    salaried_fr = _trim(con, "fr").iloc[0].to_numpy()
    dnote = DELTA_NOTE.format(delta=f"{delta:g}".replace(".", ","))
    frames = []
    for b in load_blocks(con, level):
        jpo = calc_jobs_per_output(sut16, salaried_fr if b.salaried else None)
        r = calc_supported_jobs(b.E, jpo, A, industry, delta, E_nation=b.E_nation)
        with np.errstate(invalid="ignore", divide="ignore"):
            ind_share = np.where(r["total_jobs"] > 0, r["industry_jobs"] / r["total_jobs"],
                                 np.nan)
        notes = [f"{n} ; {dnote}" if n else dnote for n in b.notes]
        runs = {d: calc_supported_jobs(b.E, jpo, A, industry, d, E_nation=b.E_nation)
                if d != delta else r for d in sorted({*DELTA_BAND, delta})}
        for ind, val, unit in (("supported_jobs_local", r["local_jobs"], "emplois"),
                               ("supported_jobs_leaked", r["leaked_jobs"], "emplois"),
                               ("industrie_elargie_share", 100 * r["industrie_elargie_share"],
                                "%"),
                               ("industry_share", 100 * ind_share, "%")):
            key = BAND_KEYS.get(ind)
            frames.append(pd.DataFrame({
                "level": b.level, "code": b.codes, "indicator": ind, "period": b.period,
                "value": val, "unit": unit, "resolution": b.resolution, "source": b.source,
                "note": notes if key is None else _band_notes(notes, runs, key, unit)}))
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
    out = _add_missing(con, out, level)
    if level in (None, "fr"):
        out = pd.concat([out, _multiplier_rows(con)], ignore_index=True)
    names = con.execute("SELECT level, code, name FROM territory").df()
    out = out.drop(columns="name", errors="ignore").merge(names, on=["level", "code"],
                                                          how="left")
    return out[COLUMNS].sort_values(["level", "code", "indicator"], ignore_index=True)


def _add_missing(con, out: pd.DataFrame, level: str | None) -> pd.DataFrame:
    """A row with value NaN and a note for every territory without a sector structure."""
    ter = con.execute("SELECT level, code FROM territory").df()
    ter = ter[ter["level"].isin(LEVELS if level is None else (level,))]
    have = set(zip(out["level"], out["code"], strict=True))
    miss = ter[[(lv, c) not in have for lv, c in zip(ter["level"], ter["code"], strict=True)]]
    rows = [pd.DataFrame({"level": miss["level"], "code": miss["code"], "indicator": ind,
                          "period": "2010", "value": np.nan, "unit": unit, "resolution": "",
                          "source": "", "note": "aucune structure sectorielle de l'emploi : "
                          "territoire absent d'ESTEL (Mayotte)"})
            for ind, unit in (("supported_jobs_local", "emplois"),
                              ("supported_jobs_leaked", "emplois"),
                              ("industrie_elargie_share", "%"), ("industry_share", "%"))]
    return pd.concat([out, *rows], ignore_index=True)


def _multiplier_rows(con) -> pd.DataFrame:
    m = national_multipliers(con).set_index("sector").loc["BE"]
    note = ("multiplicateur de type I (effets directs et indirects, Miller & Blair 2009 ch. 6) "
            "de l'industrie (DE, C1 à C5), moyenne pondérée par la production ; tableau "
            "domestique branche x branche, importations exclues")
    return pd.DataFrame({
        "level": "fr", "code": "FR",
        "indicator": ["output_multiplier_industry", "employment_multiplier_industry"],
        "period": "2010", "value": [m["output_multiplier"], m["employment_multiplier"]],
        "unit": ["euros de production par euro de demande finale", "emplois par emploi direct"],
        "resolution": f"{SUT_SECTOR_COUNT} secteurs A17, TRE 2010", "source": IO_SOURCE,
        "note": note})
