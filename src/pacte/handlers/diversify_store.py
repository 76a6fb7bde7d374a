"""The territory x industry matrices of « montée en gamme » and their complexity measures,
computed once by the build and read by :func:`pacte.handlers.diversify.diversify`.

The build step :func:`write_diversify_matrix` aggregates the URSSAF communes into territory x
industry jobs (last URSSAF year and :data:`GROWTH_YEARS` before, every level and
nomenclature: table ``diversify_matrix``), then runs
:func:`pacte.indicators.complexity.calc_complexity` on each matrix and stores every measure
(tables ``diversify_territories``, ``diversify_industries`` and ``diversify_cells``, one row
per territory x industry). A reader then answers one territory with three filtered reads
instead of an eigenproblem and three products of 1,255 x 732 x 732 matrices. Another year, or
a store built before these tables existed, is computed on request from the communes with the
same function (:func:`calc_measures`), so both paths give the same answer.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from pacte.errors import DataError
from pacte.indicators.complexity import calc_complexity

#: Territory levels the matrix can be built at (column of the ``communes`` table).
LEVELS = {"epci": "epci", "ze2020": "ze2020"}
#: Industry nomenclatures: id -> (column of ``naf``, label column, French name).
INDUSTRIES = {"a88": ("division_a88", "libelle_division", "88 divisions NAF (A88)"),
              "a38": ("a38", "libelle_a38", "38 branches NAF (A38)"),
              "ape": ("ape", "libelle_sous_classe", "732 sous-classes NAF (codes APE)")}
GROWTH_YEARS = 5
#: Build-time tables: the matrices, then the measures of each (level, scheme, year).
TABLE = "diversify_matrix"
TERRITORIES, INDUSTRY_TABLE, CELLS = ("diversify_territories", "diversify_industries",
                                      "diversify_cells")
TERRITORY_COLUMNS = ["territory", "eci", "eci_rank", "coi", "diversity", "jobs"]
INDUSTRY_COLUMNS = ["industry", "label", "pci", "national_jobs", "national_growth"]
CELL_COLUMNS = ["territory", "industry", "jobs", "rca", "specialised", "density", "cog"]


@dataclass(frozen=True)
class Matrix:
    """Jobs of every territory x industry of one level and nomenclature in ``year``."""

    jobs: pd.DataFrame  # index territory, columns industry
    year: int
    growth: pd.Series  # industry -> national growth over GROWTH_YEARS (0.1 = +10 %)
    labels: pd.Series  # industry -> French label


@dataclass(frozen=True)
class Measures:
    """Complexity measures of a matrix (or of one territory of it, :func:`territory_measures`):
    ``territories`` (:data:`TERRITORY_COLUMNS`), ``industries`` (:data:`INDUSTRY_COLUMNS`),
    ``cells`` (:data:`CELL_COLUMNS`, territory x industry, long), with the counts over the
    whole matrix."""

    year: int
    n_territories: int  # territories with a finite ECI
    n_rows: int  # territories of the matrix
    n_industries: int
    territories: pd.DataFrame
    industries: pd.DataFrame
    cells: pd.DataFrame


def _aggregate_sql(level: str, industries: str, y0: int, y1: int) -> str:
    col = INDUSTRIES[industries][0]
    return f"""
        SELECT '{level}' AS level, '{industries}' AS scheme, j.year,
               c.{LEVELS[level]} AS territory, n.{col} AS industry, sum(j.jobs) AS jobs
        FROM jobs j JOIN communes c ON c.code = j.code JOIN naf n ON n.ape = j.sector
        WHERE j.source = 'urssaf' AND j.level = 'commune' AND j.year IN ({int(y0)}, {int(y1)})
          AND c.{LEVELS[level]} IS NOT NULL AND c.{LEVELS[level]} <> ''
        GROUP BY ALL"""


def last_year(con) -> int | None:
    """Last year of the URSSAF communes in the store (None without any)."""
    return con.execute("SELECT max(year) FROM jobs WHERE source = 'urssaf' AND level = "
                       "'commune'").fetchall()[0][0]


def _has_table(con, name: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE "
                            "table_name = ?", [name]).fetchall()[0][0])


def _labels(con, industries: str) -> pd.Series:
    col, label, _ = INDUSTRIES[industries]
    lab = con.execute(f"SELECT DISTINCT {col} AS industry, {label} AS label FROM naf").df()
    return lab.drop_duplicates("industry").set_index("industry")["label"]


def read_matrix(con, level: str, industries: str, year: int | None) -> Matrix:
    """The matrix of ``year`` (default: the last URSSAF year), from ``diversify_matrix``
    when the build stored it, else aggregated from the communes."""
    if year is None:
        year = last_year(con)
    if year is None:
        raise DataError("aucun emploi URSSAF dans le store")
    years = [int(year), int(year) - GROWTH_YEARS]
    if _has_table(con, TABLE) and con.execute(
            f"SELECT count(*) FROM {TABLE} WHERE level = ? AND scheme = ? AND year = ?",
            [level, industries, years[0]]).fetchall()[0][0]:
        source, where, params = TABLE, "level = ? AND scheme = ? AND ", [level, industries]
    else:  # another year, or a store built before the table existed
        source, where, params = f"({_aggregate_sql(level, industries, *years)})", "", []
    now = con.execute(f"SELECT territory, industry, jobs FROM {source} WHERE {where}year = ?",
                      [*params, years[0]]).fetchnumpy()
    before = con.execute(f"SELECT industry, sum(jobs) AS jobs FROM {source} WHERE {where}"
                         "year = ? GROUP BY industry", [*params, years[1]]).df()
    if len(now["jobs"]) == 0:
        raise DataError(f"aucun emploi URSSAF en {year}")
    terr, t_idx = np.unique(np.asarray(now["territory"], dtype=str), return_inverse=True)
    inds, i_idx = np.unique(np.asarray(now["industry"], dtype=str), return_inverse=True)
    mat = np.zeros((len(terr), len(inds)))
    np.add.at(mat, (t_idx, i_idx), np.asarray(now["jobs"], dtype=float))
    x = pd.DataFrame(mat, index=pd.Index(terr, name="territory"),
                     columns=pd.Index(inds, name="industry"))
    before_s = before.set_index("industry")["jobs"]
    growth = x.sum(axis=0) / before_s.reindex(x.columns) - 1.0
    return Matrix(x, int(year), growth, _labels(con, industries))


def calc_measures(m: Matrix) -> Measures:
    """Every measure of :func:`~pacte.indicators.complexity.calc_complexity` on ``m``, as
    frames (pure: no I/O)."""
    x = m.jobs
    cx = calc_complexity(x.to_numpy())
    eci = cx.eci
    finite = np.isfinite(eci)
    # rank 1 = most complex; territories without an ECI get none
    order = np.sort(eci[finite])[::-1]
    rank = np.where(finite, np.searchsorted(-order, -np.nan_to_num(eci), side="left") + 1, -1)
    terr = pd.DataFrame({"territory": x.index.astype(str), "eci": eci,
                         "eci_rank": rank.astype("int64"), "coi": cx.coi,
                         "diversity": cx.diversity.astype("int64"),
                         "jobs": x.sum(axis=1).to_numpy(float)})
    ind = pd.DataFrame({"industry": x.columns.astype(str),
                        "label": m.labels.reindex(x.columns).to_numpy(object),
                        "pci": cx.pci, "national_jobs": x.sum(axis=0).to_numpy(float),
                        "national_growth": m.growth.reindex(x.columns).to_numpy(float)})
    n, k = x.shape
    cells = pd.DataFrame({"territory": np.repeat(x.index.to_numpy(str), k),
                          "industry": np.tile(x.columns.to_numpy(str), n),
                          "jobs": x.to_numpy(float).ravel(), "rca": cx.rca.ravel(),
                          "specialised": (cx.mcp > 0).ravel(), "density": cx.density.ravel(),
                          "cog": cx.cog.ravel()})
    return Measures(m.year, int(finite.sum()), n, k, terr, ind, cells)


def _typed(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The same columns and dtypes whichever path (stored or computed) gave the frame."""
    df = df[columns].reset_index(drop=True)
    types = {"territory": object, "industry": object, "label": object, "eci_rank": "int64",
             "diversity": "int64", "specialised": bool}
    return df.astype({c: types.get(c, "float64") for c in columns})


def territory_measures(con, level: str, industries: str, code: str, year: int | None
                       ) -> Measures | None:
    """The measures of one territory (its row, every industry, its cells), read from the
    build's tables when they hold ``year`` (default: the last), else computed. None when the
    territory has no URSSAF job that year."""
    want = last_year(con) if year is None else int(year)
    key = [level, industries, want]
    stored = _has_table(con, TERRITORIES) and con.execute(
        f"SELECT count(*) FROM {TERRITORIES} WHERE level = ? AND scheme = ? AND year = ?",
        key).fetchall()[0][0]
    if not stored:
        mes = calc_measures(read_matrix(con, level, industries, year))
        t = mes.territories[mes.territories["territory"] == code]
        c = mes.cells[mes.cells["territory"] == code]
        n, rows, k, ind = mes.n_territories, mes.n_rows, mes.n_industries, mes.industries
    else:
        where = "level = ? AND scheme = ? AND year = ?"
        t = con.execute(f"SELECT * FROM {TERRITORIES} WHERE {where} AND territory = ?",
                        [*key, code]).df()
        c = con.execute(f"SELECT * FROM {CELLS} WHERE {where} AND territory = ? "
                        "ORDER BY industry", [*key, code]).df()
        ind = con.execute(f"SELECT * FROM {INDUSTRY_TABLE} WHERE {where} ORDER BY industry",
                          key).df()
        n, rows = con.execute(f"SELECT count(eci) FILTER (WHERE isfinite(eci)), count(*) "
                              f"FROM {TERRITORIES} WHERE {where}", key).fetchall()[0]
        k = len(ind)
    if t.empty:
        return None
    return Measures(int(want), int(n), int(rows), int(k), _typed(t, TERRITORY_COLUMNS),
                    _typed(ind, INDUSTRY_COLUMNS), _typed(c, CELL_COLUMNS))


def _create(con, name: str, frames: list[pd.DataFrame], columns: list[str]) -> int:
    df = (pd.concat(frames, ignore_index=True) if frames else
          pd.DataFrame({c: pd.Series(dtype=object if c in ("level", "scheme") else "float64")
                        for c in ["level", "scheme", "year", *columns]}))
    con.register("_frame", df)
    con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _frame ORDER BY level, scheme, year"
                + "".join(f", {c}" for c in ("territory", "industry") if c in columns))
    con.unregister("_frame")
    return len(df)


def write_diversify_matrix(con: duckdb.DuckDBPyConnection, say=lambda _m: None
                           ) -> dict[str, int]:
    """Build step: the territory x industry jobs of the last URSSAF year and of
    :data:`GROWTH_YEARS` before, for every level and nomenclature (``diversify_matrix``),
    and the complexity measures of the last year's matrices (``diversify_territories``,
    ``diversify_industries``, ``diversify_cells``), so that ``pacte diversify`` reads one
    territory's rows instead of computing the whole country at each call."""
    say("Montée en gamme : matrices territoires x activités et complexité")
    year = last_year(con)
    y0, y1 = (0, 0) if year is None else (int(year), int(year) - GROWTH_YEARS)
    sql = " UNION ALL ".join(_aggregate_sql(lv, ind, y0, y1) for lv in LEVELS
                             for ind in INDUSTRIES)
    # sorted: the same rows in the same order at every build of the same inputs
    con.execute(f"CREATE OR REPLACE TABLE {TABLE} AS SELECT * FROM ({sql}) "
                "ORDER BY level, scheme, year, territory, industry")
    out = {TABLE: con.execute(f"SELECT count(*) FROM {TABLE}").fetchall()[0][0]}
    frames: dict[str, list[pd.DataFrame]] = {TERRITORIES: [], INDUSTRY_TABLE: [], CELLS: []}
    for lv in LEVELS:
        for ind in INDUSTRIES:
            try:
                mes = calc_measures(read_matrix(con, lv, ind, year))
            except DataError:  # no URSSAF job, or a matrix under 2 x 2
                continue
            for name, df in ((TERRITORIES, mes.territories), (INDUSTRY_TABLE, mes.industries),
                             (CELLS, mes.cells)):
                frames[name].append(df.assign(level=lv, scheme=ind, year=mes.year))
    for name, cols in ((TERRITORIES, TERRITORY_COLUMNS), (INDUSTRY_TABLE, INDUSTRY_COLUMNS),
                       (CELLS, CELL_COLUMNS)):
        out[name] = _create(con, name, frames[name], cols)
    return out
