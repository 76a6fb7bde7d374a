"""Job-series engine: store -> (territory x year x sector) panels -> catalogue -> long table.

``load_panels`` reads the store once per source (one connection, a handful of SQL queries)
into dense numpy panels; ``compute_job_indicators`` runs every catalogue ``calc`` over them
and returns ONE long DataFrame ``level, code, name, indicator, period, value, unit, resolution,
source, note``. A NaN value always has a French ``note`` saying why; ``note`` also flags
estimates and partial coverage on defined values.

The national reference of a source is its France row (``level = 'fr'``), never the sum of
the territories loaded. For census changes the France row is taken on a constant perimeter:
communes not published at one date (Mayotte in 1999, 2006, 2016) are removed from the other
date's France row, so that the national growth rate does not mix perimeters.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from pacte.catalogue import LONG_COLUMNS as COLUMNS
from pacte.catalogue import SERIES, Indicator, Series
from pacte.indicators.specialisation import NO_DATA
from pacte.store.frames import frame

ESTIMATE_NOTE = "estimation (ZE2020 ventilées à partir des ZE2010)"
UNDEFINED = "valeur non calculable"
NO_NATIONAL = "pas de valeur France pour cette source (extrait local)"


@dataclass
class Panel:
    """One source at one level: jobs ``X`` (n, T, k), France row ``N`` (T, k)."""

    series: Series
    level: str
    codes: np.ndarray  # (n,) str
    names: np.ndarray  # (n,) str
    years: np.ndarray  # (T,) int
    ind: np.ndarray  # (k,) bool: industrial sectors
    X: np.ndarray  # (n, T, k) float, NaN = missing
    N: np.ndarray | None  # (T, k) France row, None when the source has none
    present: np.ndarray  # (n,) bool: the territory has data in the source
    mayotte: np.ndarray  # (n,) bool
    flags: np.ndarray  # (n,) object: notes attached to every value ('' if none)
    outside: np.ndarray | None = None  # (m, T, k) communes missing at some date (census)
    outside_label: str = ""  # French: who they are ('Mayotte')


# --- reading the store ---------------------------------------------------------------------


def _in(values: Iterable[str]) -> str:
    return ",".join("'" + str(v).replace("'", "''") + "'" for v in values)


def _territories(con, levels: list[str], code: str | None) -> pd.DataFrame:
    sql = f"SELECT level, code, name, dep, reg FROM territory WHERE level IN ({_in(levels)})"
    params: list = []
    if code is not None:
        sql += " AND (code = ? OR level = 'fr')"
        params.append(code)
    return frame(con, sql + " ORDER BY level, code", params)


def _is_mayotte(ter: pd.DataFrame) -> np.ndarray:
    return ((ter["reg"] == "06") | ((ter["level"] == "reg") & (ter["code"] == "06"))
            | ((ter["level"] == "dep") & (ter["code"] == "976"))
            | (ter["level"].str.startswith("ze") & (ter["code"] == "0601"))).to_numpy()


def _sectors(con, s: Series) -> tuple[list[str], np.ndarray]:
    if s.sectors is not None:
        return list(s.sectors), np.isin(s.sectors, s.industry)
    naf = con.execute("SELECT ape, section_a21 FROM naf ORDER BY ape").fetchall()
    return [a for a, _ in naf], np.array([sec in s.industry for _, sec in naf])


def _read(con, s: Series, levels: list[str], sectors: list[str], code: str | None
          ) -> pd.DataFrame:
    cols = sectors + list(s.fill_from.values())
    where, params = ["source = ?", f"level IN ({_in(levels)})"], [s.id]
    if s.sectors is not None:
        where.append(f"sector IN ({_in(cols)})")
    if s.quarter:
        where.append("period LIKE ?")
        params.append(f"%-{s.quarter}")
    if code is not None:
        where.append("(code = ? OR level = 'fr')")
        params.append(code)
    return frame(con, f"""SELECT level, code, year, sector, jobs, estimate
                           FROM jobs WHERE {' AND '.join(where)}""", params)


def _dense(df: pd.DataFrame, codes, years, sectors: list[str], s: Series) -> np.ndarray:
    """(n, T, k) array of jobs; NaN where missing (0 for absent APE codes of URSSAF)."""
    cols = sectors + list(s.fill_from.values())
    X = np.full((len(codes), len(years), len(cols)), np.nan)
    ci = pd.Index(codes).get_indexer(df["code"])
    ti = pd.Index(years).get_indexer(df["year"])
    si = pd.Index(cols).get_indexer(df["sector"])
    if s.sectors is None:  # URSSAF keeps only non-zero cells: zero-fill observed dates
        seen = (ci >= 0) & (ti >= 0) & df["jobs"].notna().to_numpy()
        X[ci[seen], ti[seen], :] = 0.0
    ok = (ci >= 0) & (ti >= 0) & (si >= 0)
    X[ci[ok], ti[ok], si[ok]] = df["jobs"].to_numpy(float)[ok]
    for target, src in s.fill_from.items():  # same sector in another nomenclature
        j, f = cols.index(target), cols.index(src)
        X[..., j] = np.where(np.isnan(X[..., j]), X[..., f], X[..., j])
    return X[..., : len(sectors)]


def _coverage_flags(con, s: Series) -> dict[str, str]:
    """Territories a source covers only in part (table ``coverage``), with a French note."""
    rows = con.execute("""SELECT code, n_covered, n_communes FROM coverage
                          WHERE source = ? AND NOT complete""", [s.id]).fetchall()
    return {c: f"couverture partielle ({s.name} : {k}/{n} communes)" for c, k, n in rows}


def _outside(con, s: Series, years, sectors: list[str]) -> tuple[np.ndarray | None, str]:
    """Census: jobs of the communes missing at some date (m, T, k), and who they are."""
    if not s.perimeter_adjust:
        return None, ""
    df = con.execute("""SELECT code, year, sector, jobs FROM jobs
        WHERE source = ? AND level = 'commune' AND code IN (
            SELECT DISTINCT code FROM jobs WHERE source = ? AND level = 'commune'
            AND jobs IS NULL)""", [s.id, s.id]).df()
    codes = sorted(df["code"].unique())
    label = "Mayotte" if all(c.startswith("976") for c in codes) else "communes non diffusées"
    return _dense(df, codes, years, sectors, s), label


def load_panels(con: duckdb.DuckDBPyConnection, levels: Iterable[str],
                series: Iterable[str] | None = None, code: str | None = None) -> list[Panel]:
    """Panels of every source in ``series`` (default: all) at each of ``levels``."""
    levels = list(levels)
    ter = _territories(con, levels, code)
    out = []
    for s in (SERIES[i] for i in (series or SERIES)):
        lv = [x for x in levels if x in s.levels or (x == "fr" and s.has_national)]
        if not lv:
            continue
        sectors, ind = _sectors(con, s)
        years = np.array(s.years)
        df = _read(con, s, sorted(set(lv) | ({"fr"} if s.has_national else set())), sectors,
                   code)
        nat = _dense(df[df["level"] == "fr"], ["FR"], years, sectors, s)[0] \
            if s.has_national else None
        cov = _coverage_flags(con, s)
        outside, outside_label = _outside(con, s, years, sectors)
        for level in lv:
            sub = df[df["level"] == level]
            t = ter[ter["level"] == level]
            have = set(sub.loc[sub["jobs"].notna(), "code"].unique())
            if not s.all_territories:
                t = t[[c in have for c in t["code"]]]
            codes = t["code"].to_numpy(object)
            X = _dense(sub, codes, years, sectors, s)
            est = set(sub.loc[sub["estimate"], "code"].unique())
            flags = np.array([ESTIMATE_NOTE if c in est else cov.get(c, "") for c in codes],
                             dtype=object)
            out.append(Panel(s, level, codes, t["name"].to_numpy(object), years, ind, X, nat,
                             np.array([c in have for c in codes], dtype=bool), _is_mayotte(t),
                             flags, outside, outside_label))
    return out


# --- notes ---------------------------------------------------------------------------------


def _no_data_notes(p: Panel, rows: np.ndarray, years: tuple[int, ...]) -> list[str]:
    avail = ~np.isnan(p.X).any(axis=2)
    tix = [int(np.flatnonzero(p.years == y)[0]) for y in years]
    out = []
    s = p.series
    for i in rows:
        missing = ", ".join(str(y) for y, t in zip(years, tix, strict=True) if not avail[i, t])
        first = p.years[avail[i]].min() if avail[i].any() else "?"
        if not p.present[i]:
            note = s.absent_note
        elif not missing:
            note = NO_DATA
        elif p.mayotte[i] and s.mayotte_note:
            out.append(s.mayotte_note.format(years=missing))
            continue
        else:
            note = s.missing_note.format(years=missing, first=first)
        out.append(f"Mayotte : {note}" if p.mayotte[i] else note)
    return out


def _france_note(p: Panel, years: tuple[int, ...]) -> str:
    """Census France row: which dates leave communes out (Mayotte)."""
    if p.outside is None or p.outside.shape[0] == 0:
        return ""
    tix = [int(np.flatnonzero(p.years == y)[0]) for y in years]
    miss = [str(y) for y, t in zip(years, tix, strict=True) if np.isnan(p.outside[:, t]).any()]
    if not miss:
        return ""
    return (f"France hors {p.outside_label} (absent du recensement {', '.join(miss)})"
            + ("" if len(years) == 1 else " : périmètre constant"))


def _notes(p: Panel, values: np.ndarray, reasons: np.ndarray, years: tuple[int, ...],
           caveat: str = "") -> np.ndarray:
    notes = reasons.astype(object)
    nan = np.isnan(values)
    notes[nan & (notes == "")] = UNDEFINED  # never a silent NaN
    nd = np.flatnonzero(reasons == NO_DATA)
    if nd.size:
        notes[nd] = _no_data_notes(p, nd, years)
    flags = p.flags
    if p.level == "fr":
        flags = np.array([_france_note(p, years)], dtype=object)
    if caveat:
        flags = np.where(flags == "", caveat, flags + "; " + caveat)
    both = (notes != "") & (flags != "")
    return np.where(both, notes + "; " + flags, np.where(notes == "", flags, notes))


# --- computing -----------------------------------------------------------------------------


def _reference(p: Panel, t0: int, t1: int) -> tuple[np.ndarray, np.ndarray]:
    """France rows at two dates, on a constant perimeter when the census leaves some out."""
    R0, R1 = p.N[t0].copy(), p.N[t1].copy()
    if p.outside is not None and p.outside.shape[0]:
        o0, o1 = p.outside[:, t0], p.outside[:, t1]
        gone0, gone1 = np.isnan(o0).any(axis=1), np.isnan(o1).any(axis=1)
        R1 -= np.nan_to_num(o1[gone0 & ~gone1]).sum(axis=0)
        R0 -= np.nan_to_num(o0[gone1 & ~gone0]).sum(axis=0)
    return R0, R1


def _france_series(p: Panel, years: tuple[int, ...]) -> np.ndarray:
    """France row (1, T, k) without the communes missing at one of ``years`` (census)."""
    S = p.N[None].copy()
    if p.outside is not None and p.outside.shape[0]:
        o = p.outside[:, np.isin(p.years, years)]
        S -= np.nan_to_num(p.outside[np.isnan(o).any(axis=(1, 2))]).sum(axis=0)[None]
    return S


def _tasks(p: Panel, ind: Indicator, period: str | None
           ) -> Iterator[tuple[str, np.ndarray, np.ndarray, tuple[int, ...], str]]:
    """(period label, values, reasons, years involved, caveat) for one indicator on one
    panel."""
    s, labels, fr = p.series, p.series.period_labels(), p.level == "fr"
    tidx = {int(y): t for t, y in enumerate(p.years)}
    for kind in ind.periods:
        if kind == "year":
            for y, t in tidx.items():
                if period in (None, str(y)):
                    E = p.N[t][None] if fr else p.X[:, t]
                    yield (str(y), *ind.calc(E, None if p.N is None else p.N[t], p.ind), (y,),
                           "")
            continue
        if period not in (None, labels[kind]):
            continue
        if ind.kind == "change":
            y0, y1 = s.crisis if kind == "crisis" else s.recovery
            t0, t1 = tidx[y0], tidx[y1]
            R0, R1 = (None, None) if p.N is None else _reference(p, t0, t1)
            E0, E1 = (R0[None], R1[None]) if fr else (p.X[:, t0], p.X[:, t1])
            caveat = ind.caveat(R0, R1, p.ind) if ind.caveat and R0 is not None else ""
            yield labels[kind], *ind.calc(E0, E1, R0, R1, p.ind), (y0, y1), caveat
        else:  # peak
            at = s.crisis[1] if kind == "peak_crisis" else int(p.years[-1])
            years = tuple(int(y) for y in p.years if s.peak_start <= y <= s.crisis[0]) + (at,)
            S = _france_series(p, years) if fr else p.X
            yield (labels[kind], *ind.calc(S, p.years, p.ind, s.peak_start, s.crisis[0], at),
                   years, "")


def panel_values(p: Panel, ind: Indicator, period: str) -> np.ndarray:
    """Values (rows of ``p.X``) of ``ind`` over ``period`` on the panel ``p``: the
    catalogue's own computation, reused on redrawn counts (targeting uncertainty)."""
    for _label, values, *_rest in _tasks(p, ind, period):
        return np.asarray(values, float)
    return np.full(p.X.shape[0], np.nan)


def _frame(p: Panel, ind: Indicator, period: str | None) -> list[dict]:
    out = []
    for label, values, reasons, years, caveat in _tasks(p, ind, period):
        out.append({"values": np.asarray(values, float),
                    "notes": _notes(p, values, reasons, years, caveat), "period": label})
    return out


_TEXT = pd.Series(["x"]).dtype  # pandas' default text type (Arrow's since pandas 3)


def repeated_text(values: np.ndarray, rows: np.ndarray) -> np.ndarray | pd.Series:
    """``values[rows]`` as a text column, taken by Arrow where pandas' text is Arrow's (no
    Python string made per row)."""
    if not (isinstance(_TEXT, pd.StringDtype) and _TEXT.storage == "pyarrow"):
        return values[rows]
    taken = pa.array(values.tolist(), type=pa.string()).take(pa.array(rows))
    return taken.to_pandas(types_mapper=lambda _t: _TEXT)


def compute_job_indicators(con: duckdb.DuckDBPyConnection, levels: list[str],
                           inds: list[Indicator], period: str | None = None,
                           code: str | None = None) -> pd.DataFrame:
    """The job-series indicators ``inds`` for every territory of ``levels`` (long table)."""
    wanted = {s for ind in inds for s in ind.sources}
    arrays: dict[str, list] = {c: [] for c in ("code", "name", "value", "note")}
    scalars: list[tuple[str, ...]] = []  # per block: level, indicator, period, unit, ...
    sizes: list[int] = []
    for p in load_panels(con, levels, [s for s in SERIES if s in wanted], code):
        for ind in inds:
            if p.series.id not in ind.sources or p.level not in ind.levels:
                continue
            for f in _frame(p, ind, period):
                arrays["code"].append(p.codes)
                arrays["name"].append(p.names)
                arrays["value"].append(f["values"])
                arrays["note"].append(f["notes"])
                scalars.append((p.level, ind.id, f["period"], ind.unit, p.series.resolution,
                                p.series.id))
                sizes.append(len(p.codes))
    if not sizes:
        return pd.DataFrame({c: pd.Series(dtype=float if c == "value" else object)
                             for c in COLUMNS})
    cols = {c: np.concatenate(v) for c, v in arrays.items()}
    block = np.array(scalars, dtype=object)
    rows = np.repeat(np.arange(len(sizes)), sizes)  # the block of each row
    for j, c in enumerate(("level", "indicator", "period", "unit", "resolution", "source")):
        cols[c] = repeated_text(block[:, j], rows)
    return pd.DataFrame({c: cols[c] for c in COLUMNS})
