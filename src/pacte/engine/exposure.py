"""Exposure of French territories to globalisation, computed from the store.

Shift-share exposure of Autor, Dorn & Hanson (2013) (see :mod:`pacte.indicators.exposure`):
``exposure_i = sum_j (L_ij / L_i) * (ΔM_j / L_j)`` over the 13 WIOD manufacturing sectors
c3-c7 and c9-c16, in thousand current US dollars per job, for 2000-2007 and 2007-2011.
Coke and refining (c8) is left out: its trade follows energy prices and the quarterly
series lump it with energy and water (A17 C2DE).

* ``L_j`` (French jobs of WIOD sector j at the start): salaried jobs by A17 of the
  metropolitan regions at T4 (2001-T4 for 2000-2007: the quarterly series starts there),
  summed; an A17 code shared by several WIOD sectors (C3: c13-c14; C5: c4-c7, c9-c12, c16) is
  split **by France's WIOD gross output of the start year** (``io_wiod_fra_output``). For a
  territory known at A17 the split cancels out: its exposure equals the A17 computation.
* ``L_ij``: finest resolution available per level (stated in ``resolution``): regions, A17
  quarterly; ZE2010, ESTEL industry total (A5 BE); departments, quarterly A5 BE; EPCI and
  ZE2020, census "fabrication" function; each industry total is apportioned across A17
  manufacturing with its region's mix (France's when the region has no A17 series), which
  is an estimate (``note``). The 9 EPCI of the URSSAF extract use APE -> A38 -> WIOD.
* ``L_i``: the territory's total jobs at the start (ADH convention), same source as
  ``L_ij`` (census for regions, departments, EPCI and ZE2020; ESTEL salaried + non-salaried
  for ZE2010).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd

from pacte.errors import DataError, InvalidParameterError
from pacte.geography import EXPOSURE_LEVELS, check_level
from pacte.indicators.exposure import (
    calc_employment_shares,
    calc_exposure_contributions,
)
from pacte.indicators.trade import compute_french_shocks
from pacte.sources.wiod_trade import low_wage_set
from pacte.store.frames import frame

EXPOSED = tuple(f"c{i}" for i in (3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16))
MANUF_A17 = ("C1", "C3", "C4", "C5")
INDUSTRY_A17 = ("C1", "C2DE", "C3", "C4", "C5")  # = A5 BE in the quarterly series
URSSAF_CENSUS = 2006  # census nearest the URSSAF start years (2006, 2007)
LEVELS = EXPOSURE_LEVELS
UNIT = "milliers de dollars US courants (non déflatés) par emploi"  # = catalogue.exposure._KUSD
ESTIMATE = "estimation : total industriel réparti selon la structure A17 de la région"
WIOD = "WIOD 2013 (Timmer et al. 2015)"
#: Every trade figure is in current US dollars: currency and price-base caveat (BCE rates).
TRADE_CAVEAT = ("montants en dollars US courants, non déflatés : l'appréciation de l'euro (1 euro "
                "= 0,92 dollar en moyenne en 2000, 1,37 en 2007, 1,39 en 2011, BCE) gonfle les "
                "hausses de 2000-2007 mesurées en dollars, et les prix n'y sont pas corrigés")
EXPORT_CAVEAT = TRADE_CAVEAT
#: indicator -> column of compute_french_shocks
SHOCKS = {"import_exposure_china": "shock_china", "import_exposure_lowwage": "shock_lowwage",
          "import_exposure_iv": "shock_iv_other_hi", "export_exposure": "shock_exports"}


@dataclass(frozen=True)
class Period:
    start: int
    end: int
    quarter: str  # quarterly series, T4 nearest the start
    census: int  # nearest census year
    urssaf: int  # first URSSAF year at or after the start

    @property
    def label(self) -> str:
        return f"{self.start}-{self.end}"


PERIODS = {p.label: p for p in (Period(2000, 2007, "2001-T4", 1999, 2006),
                                Period(2007, 2011, "2007-T4", 2006, 2007))}


def _period(period: str) -> Period:
    if period not in PERIODS:
        raise InvalidParameterError(f"période inconnue : {period!r} (attendu : "
                                    f"{', '.join(PERIODS)})")
    return PERIODS[period]


class RunReads:
    """The store reads of one run of the model, each made once (the store does not change
    during a run): passed instead of the connection, it keeps every query's frame, every
    jobs panel and every level's :class:`Inputs` (:func:`compute_exposure` makes one)."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con
        self.kept: dict[tuple, object] = {}

    def once(self, key: tuple, make):
        return self.kept[key] if key in self.kept else self.kept.setdefault(key, make())


def _q(con, sql: str, params: list | None = None) -> pd.DataFrame:
    if isinstance(con, RunReads):  # a shallow copy: the caller's changes stay its own
        return con.once((sql, tuple(params or ())), lambda: frame(con.con, sql, params)
                        ).copy(deep=False)
    return frame(con, sql, params)


def _jobs(con, source: str, level: str, sectors, *, year=None, quarter=None) -> pd.DataFrame:
    """code x sector jobs of one source, level and year (or quarter)."""
    if isinstance(con, RunReads):
        return con.once(("_jobs", source, level, tuple(sectors), year, quarter),
                        lambda: _jobs(con.con, source, level, sectors, year=year,
                                      quarter=quarter)).copy(deep=False)
    col, val = ("period", quarter) if quarter else ("year", year)
    df = _q(con, f"SELECT code, sector, jobs FROM jobs WHERE source = ? AND level = ? "
                 f"AND {col} = ? AND sector IN ({', '.join('?' * len(sectors))})",
            [source, level, str(val) if quarter else int(val), *sectors])
    return _pivot(df.dropna(subset=["jobs"])).reindex(columns=list(sectors))


def _pivot(df: pd.DataFrame, by: str = "sector") -> pd.DataFrame:
    """``df.pivot_table(index="code", columns=by, values="jobs", aggfunc="sum")``."""
    code, codes = pd.factorize(df["code"], sort=True)
    sector, sectors = pd.factorize(df[by], sort=True)
    cell = code * len(sectors) + sector
    size = len(codes) * len(sectors)
    seen = np.bincount(cell, minlength=size) > 0
    total = np.bincount(cell, weights=df["jobs"].to_numpy(dtype=float), minlength=size)
    return pd.DataFrame(np.where(seen, total, np.nan).reshape(len(codes), len(sectors)),
                        index=pd.Index(codes, name="code"),
                        columns=pd.Index(sectors, name=by))


def read_wiod_labels(con) -> pd.Series:
    """French label of each WIOD sector c1-c35 (store table ``wiod_sector_labels``)."""
    return _q(con, "SELECT sector, label_fr FROM wiod_sector_labels").set_index(
        "sector")["label_fr"]


def read_crosswalk(con, level: str) -> pd.DataFrame:
    """The WIOD -> NAF crosswalk of ``level`` (a17, a38; store table ``wiod_crosswalk_*``)."""
    if level not in ("a17", "a38"):
        raise InvalidParameterError(f"niveau de nomenclature inconnu : {level!r} (a17, a38)")
    return _q(con, f"SELECT * FROM wiod_crosswalk_{level}")


def read_low_wage(con) -> frozenset[str]:
    """The low-wage countries (store table ``wiod_low_wage``)."""
    return low_wage_set(_q(con, "SELECT * FROM wiod_low_wage"))


def calc_split_keys(output: pd.Series, crosswalk: pd.DataFrame, level: str) -> pd.DataFrame:
    """Rows (code, sector, weight): the share of WIOD sector ``sector`` in the jobs of NAF code
    ``code`` (A17 or A38), by France's WIOD gross output (``output``, by sector) among the
    exposed WIOD sectors whose main link is that code (``crosswalk``: WIOD -> ``level``).
    Weights sum to 1 per code."""
    cw = crosswalk
    col = level
    cw = cw[cw["main"] & cw["wiod_sector"].isin(EXPOSED)]
    if level == "a17":
        cw = cw[cw[col].isin(MANUF_A17)]
    else:
        cw = cw[cw[col].str.match(r"^C[A-M]$") & (cw[col] != "CD")]
    key = pd.DataFrame({"code": cw[col].to_numpy(), "sector": cw["wiod_sector"].to_numpy()})
    key["y"] = key["sector"].map(output).astype(float)
    key["weight"] = key["y"] / key.groupby("code")["y"].transform("sum")
    missing = set(EXPOSED) - set(key["sector"])
    if missing or (level == "a17" and key["sector"].duplicated().any()):
        raise DataError(f"table de passage WIOD -> {level} incomplète ou ambiguë : {missing}")
    return key[["code", "sector", "weight"]]


def _to_wiod(jobs: pd.DataFrame, key: pd.DataFrame) -> pd.DataFrame:
    """code x NAF jobs -> code x WIOD jobs with the split key (rows of NaN stay NaN)."""
    m = np.zeros((len(jobs), len(EXPOSED)))
    col = {c: i for i, c in enumerate(EXPOSED)}
    for code, sector, w in key.itertuples(index=False):
        if code in jobs.columns:
            m[:, col[sector]] = m[:, col[sector]] + jobs[code].to_numpy() * w
    m[jobs.isna().all(axis=1).to_numpy()] = np.nan
    return pd.DataFrame(m, index=jobs.index, columns=list(EXPOSED))


def _split_key(con, year: int, level: str) -> pd.DataFrame:
    """:func:`calc_split_keys` by France's output of ``year`` (once per run)."""
    def make() -> pd.DataFrame:
        return calc_split_keys(_output(con, year), read_crosswalk(con, level), level)

    return con.once(("split_key", year, level), make) if isinstance(con, RunReads) else make()


def _output(con, year: int) -> pd.Series:
    o = _q(con, "SELECT sector, gross_output_musd FROM io_wiod_fra_output WHERE year = ?",
           [year])
    return o.set_index("sector")["gross_output_musd"]


def _regions_a17(con, p: Period) -> pd.DataFrame:
    """Region x A17 industrial salaried jobs at the start quarter (regions with data only)."""
    r = _jobs(con, "trim", "reg", [f"A17-{a}" for a in INDUSTRY_A17], quarter=p.quarter)
    r.columns = [c.removeprefix("A17-") for c in r.columns]
    return r.dropna(how="any")[list(INDUSTRY_A17)]


def national_workers(con) -> pd.DataFrame:
    """French salaried jobs by exposed WIOD sector, columns = start years (2000, 2007)."""
    out = {}
    for p in PERIODS.values():
        fr = _regions_a17(con, p).sum()
        key = _split_key(con, p.start, "a17")
        out[p.start] = _to_wiod(fr.to_frame().T, key).iloc[0]
    return pd.DataFrame(out)


def french_shocks(con) -> pd.DataFrame:
    """National shocks per WIOD sector and period, thousand current USD per job
    (:func:`pacte.indicators.trade.compute_french_shocks` on the bundled WIOD extract)."""
    trade = _q(con, "SELECT * FROM wiod_trade")
    p = [(x.start, x.end) for x in PERIODS.values()]
    return compute_french_shocks(trade, national_workers(con), periods=p,
                                 low_wage=read_low_wage(con)).frame


def _apportion(industry: pd.Series, reg: pd.Series, mix: pd.DataFrame,
               france: pd.Series) -> tuple[pd.DataFrame, pd.Series]:
    """Industry totals -> A17 manufacturing jobs with the region's ratios (``mix``: region x
    A17 = region's A17 jobs / region's industry total of the same source), France's when the
    region has none. Returns the jobs and a flag "France's mix used"."""
    r = reg.reindex(industry.index)
    fallback = ~r.isin(mix.index)
    ratios = mix.reindex(r.to_numpy()).set_axis(industry.index)
    ratios.loc[fallback.to_numpy(), list(france.index)] = france.to_numpy()
    return ratios.mul(industry, axis=0)[list(MANUF_A17)], fallback


@dataclass
class Inputs:
    """Start-of-period jobs of one level: by WIOD sector, total, and how they were obtained."""

    emp: pd.DataFrame  # code x WIOD sector
    total: pd.Series  # code -> total jobs
    resolution: pd.Series
    note: pd.Series
    source: pd.Series
    #: the territory's own industry detail (regions A17, URSSAF EPCI) rather than an
    #: industry total split by its région's mix
    own_detail: pd.Series | None = None
    #: the employment shares, made once (:func:`_shares`)
    shares: pd.DataFrame | None = field(default=None, repr=False, compare=False)


def load_inputs(con, level: str, period: str) -> Inputs:
    """Start-of-period jobs of every territory of ``level`` (see the module docstring)."""
    if isinstance(con, RunReads):
        return con.once(("inputs", level, period), lambda: _load_inputs(con, level, period))
    return _load_inputs(con, level, period)


def _load_inputs(con, level: str, period: str) -> Inputs:
    check_level(level, LEVELS, "pour l'exposition")
    p = _period(period)
    ter = _q(con, "SELECT code, reg FROM territory WHERE level = ? ORDER BY code", [level])
    ter = ter.set_index("code")["reg"]
    if level == "reg":
        ter = pd.Series(ter.index, index=ter.index)
    reg_a17 = _regions_a17(con, p)
    key = _split_key(con, p.start, "a17")
    cen = _jobs(con, "rp", level, ["FABRIC", "TOTAL"], year=p.census).reindex(ter.index)
    idx = ter.index
    res = pd.Series(f"fonction « fabrication », recensement {p.census}, "
                    "répartie en A17 selon la région", index=idx)
    src = pd.Series(f"{WIOD} ; Insee, recensement {p.census}", index=idx)
    note = pd.Series(ESTIMATE + " ; fonction « fabrication » convertie en emplois des secteurs "
                     "manufacturiers au ratio régional", index=idx)
    total = cen["TOTAL"]
    # census route, everywhere first; finer sources overwrite it below
    reg_cen = _jobs(con, "rp", "reg", ["FABRIC"], year=p.census)["FABRIC"]
    mix = reg_a17.div(reg_cen.reindex(reg_a17.index), axis=0)
    fr_mix = reg_a17.sum() / reg_cen.reindex(reg_a17.index).sum()
    a17, fb = _apportion(cen["FABRIC"], ter, mix, fr_mix)
    ind_mix = reg_a17.div(reg_a17.sum(axis=1), axis=0)
    fr_ind = reg_a17.sum() / reg_a17.sum().sum()
    no_reg = "pas de série A17 régionale avant 2010-T4 : structure A17 de la France métropolitaine"
    if level == "reg":
        have = idx.intersection(reg_a17.index)
        a17.loc[have] = reg_a17.loc[have, list(MANUF_A17)]
        fb.loc[have] = False
        res.loc[have] = f"A17 (4 secteurs manufacturiers), Insee estimations trimestrielles {p.quarter}"
        src.loc[have] = f"{WIOD} ; Insee, estimations trimestrielles ; recensement {p.census}"
        note.loc[have] = (f"emploi salarié au {p.quarter}"
                          + (" (la série trimestrielle commence au 2001-T4)" if p.start < 2001 else "")
                          + f" ; emploi total : recensement {p.census}")
    elif level in ("dep", "ze2010"):
        if level == "dep":
            be = _jobs(con, "trim", "dep", ["A5-BE"], quarter=p.quarter)["A5-BE"]
            what = f"Insee estimations trimestrielles {p.quarter}"
        else:
            est = _jobs(con, "estel", "ze2010", ["BE", "TOTAL"], year=p.start)
            ns = _jobs(con, "estel_ns", "ze2010", ["TOTAL"], year=p.start)["TOTAL"]
            be = est["BE"]
            total = (est["TOTAL"] + ns.reindex(est.index)).reindex(idx)
            src[:] = f"{WIOD} ; Insee, ESTEL {p.start}"
            what = f"Insee ESTEL {p.start}"
        have = idx.intersection(be.dropna().index)
        a17_be, fb_be = _apportion(be.loc[have], ter, ind_mix, fr_ind)
        a17.loc[have], fb.loc[have] = a17_be, fb_be
        res.loc[have] = f"total industrie (A5 BE), {what}, réparti en A17 selon la région"
        note.loc[have] = ESTIMATE + (f" ; emploi total : recensement {p.census}" if level == "dep"
                                     else f" ; emploi total : ESTEL {p.start}, salarié et non "
                                          "salarié")
        if level == "dep":
            src.loc[have] = (f"{WIOD} ; Insee, estimations trimestrielles ; "
                             f"recensement {p.census}")
        else:
            a17.loc[idx.difference(have)] = np.nan
    # masks set by .loc: ``series[mask] = x`` formats the mask into an error it catches (2 ms)
    note.loc[fb.to_numpy()] = note[fb.to_numpy()] + " ; " + no_reg
    emp = _to_wiod(a17, key)
    if level == "epci":
        from pacte.engine.exposure_urssaf import urssaf_detail  # it reads this module

        urssaf_detail(con, p, emp, total, res, note, src)
    missing = emp.isna().any(axis=1) | total.isna() | ~(total > 0)
    note.loc[missing.to_numpy()] = "aucune donnée d'emploi pour l'année de début"
    mayotte = (missing & (ter == "06")).to_numpy()
    note.loc[mayotte] = note[mayotte] + (" (Mayotte : absente des recensements 1999 et 2006, "
                                         "d'ESTEL et des séries trimestrielles)")
    emp[missing.to_numpy()] = np.nan
    own = pd.Series(False, index=idx)
    if level == "reg":
        own.loc[idx.intersection(reg_a17.index)] = True
    if level == "epci":
        own.loc[res.index[res.str.contains("URSSAF", regex=False)]] = True
    own.loc[missing.to_numpy()] = False
    return Inputs(emp, total, res, note, src, own)


def calc_contributions(inputs: Inputs, shocks: pd.DataFrame, indicator: str) -> pd.DataFrame:
    """code x WIOD sector contributions to ``indicator`` (thousand USD per job)."""
    shares = _shares(inputs)
    # the shock of each column of the shares (calc_exposure_contributions aligns a Series
    # so), then the same products on arrays, without a frame's checks per indicator
    at = pd.Index(shocks["sector"].to_numpy()).get_indexer(shares.columns)
    if (at < 0).any():
        raise DataError(f"choc manquant pour les secteurs : {list(shares.columns[at < 0])}")
    shock = shocks[SHOCKS[indicator]].to_numpy(dtype=float)[at]
    return pd.DataFrame(calc_exposure_contributions(shares.to_numpy(), shock),
                        index=shares.index, columns=shares.columns)


def _shares(inputs: Inputs) -> pd.DataFrame:
    """The employment shares of ``inputs``, computed once: the four indicators of a level
    and period share them."""
    if inputs.shares is None:
        shares = calc_employment_shares(inputs.emp.fillna(0.0), inputs.total.fillna(0.0))
        shares[inputs.emp.isna().any(axis=1).to_numpy()] = np.nan
        inputs.shares = shares
    return inputs.shares


def _level(con, level: str, period: str, indicator: str) -> tuple[pd.DataFrame, Inputs]:
    if indicator not in SHOCKS:
        raise InvalidParameterError(f"indicateur inconnu : {indicator!r} (attendu : "
                                    f"{', '.join(SHOCKS)})")
    sh = french_shocks(con)
    inp = load_inputs(con, level, period)
    return calc_contributions(inp, sh[sh["period"] == period], indicator), inp


def contributions(con, level: str, period: str,
                  indicator: str = "import_exposure_china") -> pd.DataFrame:
    """Contributions of each WIOD sector to each territory's exposure (code x sector)."""
    return _level(con, level, period, indicator)[0]


def compute_exposure(con: duckdb.DuckDBPyConnection, level: str | None = None,
                     tops: list[pd.DataFrame] | None = None) -> pd.DataFrame:
    """Exposure indicators of every territory of ``level`` (all levels if None), long
    format (:func:`pacte.engine.exposure_indicators.compute_exposure`; ``tops`` there)."""
    from pacte.engine.exposure_indicators import compute_exposure as _compute

    return _compute(con, level, tops)
