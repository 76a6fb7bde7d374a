"""The national side of pacte's input-output models, on one national-accounts basis.

* flows and output: France's 2010 supply-use table at A17 (ThreeME calibration of Insee's
  TES), industry-by-industry domestic flows, aggregated to 16 sectors (C2 and DE merged, the
  finest scheme that every territorial source reaches);
* jobs: **persons employed** at 31 December 2010, Insee's estimates: salaried jobs by sector
  from the quarterly estimates (T4 2010) plus ESTEL's non-salaried jobs (France, 2010),
  split across sectors by the jobs the table counts beyond the salaried ones
  (:func:`pacte.indicators.inputoutput.calc_persons_employed`). Salaried jobs per output
  (for salaried territorial sources) and total jobs per output (census) are both read from
  that basis, so the salaried coefficient never exceeds the total one. The table's own
  employment (ThreeME, 25.5 million, a different count) is only the split key;
* household closure (type II): compensation per unit of output and household consumption
  of domestic output per euro of compensation, scaled to what households spend: net wages
  times the propensity to consume (dated parameters of ``data/model_parameters.yaml``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd

from pacte.engine import model_parameters as mp
from pacte.indicators.households import calc_household_coefficients
from pacte.indicators.inputoutput import (
    calc_A,
    calc_direct_coefficients,
    calc_employment_multipliers,
    calc_L,
    calc_output_multipliers,
    calc_persons_employed,
)
from pacte.store.frames import frame

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
TRIM_PERIOD, SUT_YEAR, NON_SALARIED_YEAR = "2010-T4", 2010, 2010
IO_SOURCE = "TRE France 2010 A17 (calibration ThreeME, d'après l'Insee)"
JOBS_SOURCE = ("emploi Insee au 31/12/2010 : salariés (estimations trimestrielles, T4) + non-"
               "salariés (ESTEL)")
SUT_SECTOR_COUNT = 17


@dataclass(frozen=True)
class NationalTable:
    """A national industry-by-industry table: flows Z (k, k), output x, jobs (persons)."""

    sectors: list[str]
    Z: np.ndarray
    x: np.ndarray
    jobs: np.ndarray
    labels: list[str] = field(default_factory=list)


def load_sut(con: duckdb.DuckDBPyConnection) -> NationalTable:
    """The 2010 SUT A17 from the store as published (flows: industry x industry, million
    EUR; ``jobs``: the table's own employment, ThreeME's)."""
    sec = con.execute("SELECT sector, label, x, labor_thousands FROM io_sut_a17_sectors "
                      "WHERE year = ?", [SUT_YEAR]).df()
    order = sec["sector"].tolist()
    fl = con.execute("SELECT row_sector, col_sector, z_domestic_ixi FROM io_sut_a17_flows "
                     "WHERE year = ?", [SUT_YEAR]).df()
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


def _trim(con, level: str, scheme: str = "A17") -> pd.DataFrame:
    """Quarterly salaried jobs T4 2010, by the 16 sectors (A17) or the A5 groups (A5)."""
    df = frame(con, """SELECT code, sector, jobs FROM jobs WHERE source = 'trim' AND level = ?
                       AND period = ? AND scheme = ?""", [level, TRIM_PERIOD, scheme])
    cols = SECTORS if scheme == "A17" else sorted(set(BROAD.values()))
    return pivot_sum(df["code"], df["sector"].str.split("-").str[1], df["jobs"], cols)


def pivot_sum(codes: pd.Series, keys: pd.Series, values: pd.Series, cols: list[str]
              ) -> pd.DataFrame:
    """``pivot_table(index=codes, columns=keys, values=values, aggfunc="sum")`` of the rows
    whose key is in ``cols``, reindexed on ``cols`` and 0.0 where missing: the same grouped
    sums (pandas' compensated sums, the rows in the same order: the same floats) on integer
    keys, without pivot_table's machinery (5 ms a call, seven calls a run of the value
    chains). Rows: the codes with a row, sorted."""
    col = pd.Index(cols).get_indexer(keys)
    ok = col >= 0
    code, index = pd.factorize(codes[ok], sort=True)
    cell = code * len(cols) + col[ok]
    sums = pd.Series(values.to_numpy(dtype=float)[ok]).groupby(cell).sum()
    m = np.zeros(len(index) * len(cols))
    m[sums.index.to_numpy()] = sums.to_numpy()
    return pd.DataFrame(m.reshape(len(index), len(cols)),
                        index=pd.Index(index, name=codes.name),
                        columns=pd.Index(cols, name=keys.name))


def national_jobs(con: duckdb.DuckDBPyConnection, sut: NationalTable | None = None
                  ) -> pd.DataFrame:
    """Persons employed by sector at 31/12/2010 (index: :data:`SECTORS`): ``salaried``,
    ``non_salaried``, ``total``, and the table's own employment ``table`` (ThreeME).
    ``sut``: :func:`load_sut`'s table when already read."""
    t16 = calc_aggregate_table(sut or load_sut(con), A17_TO_16, SECTORS)
    salaried = _trim(con, "fr").iloc[0].reindex(SECTORS).to_numpy(dtype=float)
    ns = con.execute("SELECT sum(jobs) FROM jobs WHERE source = 'estel_ns' AND level = 'ze2010' "
                     "AND year = ? AND sector = 'TOTAL'", [NON_SALARIED_YEAR]).fetchall()[0][0]
    basis = calc_persons_employed(salaried, t16.jobs, float(ns or 0.0))
    return pd.DataFrame({**basis, "table": t16.jobs}, index=SECTORS)


def load_national_table(con: duckdb.DuckDBPyConnection, sut: NationalTable | None = None
                        ) -> NationalTable:
    """The 16-sector table with ``jobs`` = persons employed (:func:`national_jobs`).
    ``sut``: :func:`load_sut`'s table when already read."""
    sut = sut or load_sut(con)
    t16 = calc_aggregate_table(sut, A17_TO_16, SECTORS)
    return NationalTable(t16.sectors, t16.Z, t16.x, national_jobs(con, sut)["total"].to_numpy())


def calc_jobs_per_output(t: NationalTable, jobs_nation: np.ndarray | None) -> np.ndarray:
    """Jobs per million EUR of output: ``t.jobs / x`` (persons employed), or
    ``jobs_nation / x`` for another count of the same basis (e.g. salaried jobs)."""
    return calc_direct_coefficients(t.jobs if jobs_nation is None else jobs_nation, t.x)


def household_closure(con: duckdb.DuckDBPyConnection, t: NationalTable
                      ) -> tuple[np.ndarray, np.ndarray]:
    """``(w, c)`` of the 16 sectors: compensation per unit of output and household
    consumption of domestic output per euro of compensation, net wages times the
    propensity to consume (:func:`pacte.indicators.households.calc_household_coefficients`,
    parameters ``household.*`` of ``data/model_parameters.yaml``)."""
    sut = load_sut(con)
    sec = con.execute("SELECT sector, wages, household_consumption_domestic FROM "
                      "io_sut_a17_sectors WHERE year = ?", [SUT_YEAR]).df().set_index("sector")
    S = np.zeros((len(SECTORS), len(sut.sectors)))
    for j, s in enumerate(sut.sectors):
        S[SECTORS.index(A17_TO_16.get(s, s)), j] = 1.0
    wages = S @ sec.loc[sut.sectors, "wages"].to_numpy(dtype=float)
    cons = S @ sec.loc[sut.sectors, "household_consumption_domestic"].to_numpy(dtype=float)
    return calc_household_coefficients(
        wages, t.x, cons, net_wage_share=float(mp.value("household.net_wage_share")),
        propensity=float(mp.value("household.propensity_to_consume")),
        domestic_share=float(mp.value("household.domestic_share")))


def respending_rate() -> float:
    """Euros of domestic output households buy per euro of compensation (Σ c)."""
    return float(mp.value("household.net_wage_share") * mp.value("household.propensity_to_consume")
                 * mp.value("household.domestic_share"))


def national_multipliers(con: duckdb.DuckDBPyConnection, t: NationalTable | None = None,
                         sut: NationalTable | None = None) -> pd.DataFrame:
    """Type-I output and employment multipliers of the 16 sectors (2010 SUT, persons
    employed), plus the industry aggregate (output-weighted mean of C1..C5 and C2DE).
    ``t``, ``sut``: :func:`load_national_table`'s and :func:`load_sut`'s tables when
    already read."""
    sut = sut or load_sut(con)
    t = t or load_national_table(con, sut)
    labels = dict(zip(sut.sectors, sut.labels, strict=True))
    L = calc_L(calc_A(t.Z, t.x))
    e = calc_direct_coefficients(t.jobs, t.x)
    df = pd.DataFrame({"sector": t.sectors,
                       "label": [labels.get(s, "Cokéfaction et raffinage ; industries "
                                            "extractives, énergie, eau, déchets")
                                 for s in t.sectors], "x": t.x,
                       "output_multiplier": calc_output_multipliers(L),
                       "employment_multiplier": calc_employment_multipliers(e, L),
                       "jobs_per_million_eur": e})
    ind = df["sector"].isin(INDUSTRY)
    w = df.loc[ind, "x"] / df.loc[ind, "x"].sum()
    agg = {"sector": "BE", "label": "Industrie (DE, C1 à C5)", "x": df.loc[ind, "x"].sum(),
           "output_multiplier": (df.loc[ind, "output_multiplier"] * w).sum(),
           "employment_multiplier": (df.loc[ind, "employment_multiplier"] * w).sum(),
           "jobs_per_million_eur": df.loc[ind, "jobs_per_million_eur"] @ w}
    return pd.concat([df, pd.DataFrame([agg])], ignore_index=True)
