"""Exposure indicators of every territory, long format, from the shift-share inputs of
:mod:`pacte.engine.exposure`: the three exposures and the instrument, their industries where
the territory's own sector detail exists, and the jobs at risk calibrated on French evidence.

Jobs at risk: the national total over the employment zones (ZE2010, a partition of France),
for 2000-2007, is pinned on Malgouyres (2017; Rue de la Banque 57, 2018): about 13 % of the
decline of manufacturing employment from 2001 to 2007 is due to Chinese import competition.
pacte takes 13 % of the decline of ESTEL's salaried industrial jobs (A5 BE) over the same
years and solves for the elasticity that makes the ZE2010 figures add up to it
(:func:`pacte.indicators.exposure.calc_calibrated_elasticity`); the exposure shares it out
between territories. The same elasticity is applied at every level and to 2007-2011. The
parameters (share, window) are dated data with their references (``jobs_at_risk.*`` of
data/model_parameters.yaml). ADH's (2013) US elasticity is no longer applied: on French
zones it gave 135,000 jobs for 2000-2007, 29 % of the decline.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from pacte.catalogue import LONG_COLUMNS
from pacte.engine import model_parameters as mp
from pacte.engine.exposure import (
    LEVELS,
    PERIODS,
    SHOCKS,
    TRADE_CAVEAT,
    UNIT,
    Inputs,
    RunReads,
    _q,
    calc_contributions,
    french_shocks,
    load_inputs,
    read_wiod_labels,
)
from pacte.engine.exposure_top import calc_top_rows
from pacte.engine.jobs import repeated_text
from pacte.indicators.exposure import calc_calibrated_elasticity, calc_jobs_at_risk
from pacte.labels import MODELLED_JOBS, fr_number

REGION_MIX = ("industries de la région (ou de la France), faute de détail sectoriel propre "
              "au territoire : pas de classement des industries")

def industry_decline(con: duckdb.DuckDBPyConnection) -> tuple[int, int, float]:
    """(start, end, jobs lost): the fall of ESTEL's salaried industrial jobs (A5 BE) summed
    over the employment zones between the years of ``jobs_at_risk.decline_window``."""
    start, end = (int(y) for y in mp.value("jobs_at_risk.decline_window"))
    df = _q(con, "SELECT year, sum(jobs) AS jobs FROM jobs WHERE source = 'estel' AND level = "
                 "'ze2010' AND sector = 'BE' AND year IN (?, ?) GROUP BY year", [start, end])
    by = df.set_index("year")["jobs"]
    return start, end, float(by[start] - by[end])


def calibrated_elasticity(con: duckdb.DuckDBPyConnection, shocks: pd.DataFrame | None = None
                          ) -> dict:
    """The French elasticity of jobs at risk: ``elasticity``, the ``target`` jobs (share ×
    decline), ``share``, ``decline`` and its ``window``."""
    shocks = french_shocks(con) if shocks is None else shocks
    inp = load_inputs(con, "ze2010", "2000-2007")
    sh = shocks[shocks["period"] == "2000-2007"]
    x = calc_contributions(inp, sh, "import_exposure_china").sum(axis=1, min_count=1)
    share = float(mp.value("jobs_at_risk.china_share_of_decline"))
    start, end, decline = industry_decline(con)
    target = share * decline
    beta = calc_calibrated_elasticity(x.to_numpy(), inp.total.to_numpy(dtype=float), target)
    return {"elasticity": beta, "target": target, "share": share, "decline": decline,
            "window": (start, end)}


def risk_note(cal: dict) -> str:
    """French note of the jobs at risk (method, reference, caveats)."""
    s, e = cal["window"]
    return ("ordre de grandeur, pas une prévision, calé sur Malgouyres (2017, Journal of "
            f"Regional Science 57(3)) : {fr_number(100 * cal['share'])} % du recul de l'emploi "
            f"manufacturier de {s} à {e} dû à la concurrence chinoise, appliqués au recul de "
            f"l'emploi industriel salarié d'ESTEL ({fr_number(cal['decline'])} emplois) et "
            "répartis selon l'exposition × l'emploi total du territoire en début de période "
            f"(élasticité calée {fr_number(cal['elasticity'], 3)}) ; " + TRADE_CAVEAT)


def top_text(contrib: pd.DataFrame, labels: pd.Series, own: pd.Series, k: int = 3
             ) -> pd.Series:
    """French text of each territory's ``k`` largest contributions with their share of the
    exposure, only where ``own`` (the territory's own sector detail); elsewhere
    :data:`REGION_MIX` ('' where the exposure is unknown or zero)."""
    c = contrib.to_numpy(dtype=float)
    total = c.sum(axis=1)
    order = np.argsort(-np.nan_to_num(c, nan=-np.inf), axis=1)[:, :k]
    cols = [str(x) for x in contrib.columns]
    names = [labels.get(x, x) for x in cols]  # one lookup per sector, not per territory
    mine = own.to_numpy(dtype=bool)
    out = []
    for i, row in enumerate(order.tolist()):
        if not np.isfinite(total[i]) or total[i] == 0:
            out.append("")
            continue
        if not mine[i]:
            out.append(REGION_MIX)
            continue
        parts = [f"{names[j]} ({100 * c[i, j] / total[i]:.0f} %)"
                 for j in row if c[i, j] > 0]
        out.append("principales industries : " + ", ".join(parts) if parts else "")
    return pd.Series(out, index=contrib.index)


def _join(notes, extra) -> list[str]:
    return [" ; ".join(x for x in (a, b) if x) for a, b in zip(notes, extra, strict=True)]


def _own(inp: Inputs) -> pd.Series:
    return (inp.own_detail if inp.own_detail is not None
            else pd.Series(False, index=inp.emp.index)).reindex(inp.emp.index).fillna(False)


def compute_exposure(con: duckdb.DuckDBPyConnection, level: str | None = None,
                     tops: list[pd.DataFrame] | None = None) -> pd.DataFrame:
    """Exposure indicators of every territory of ``level`` (all of :data:`LEVELS` if None),
    long format: level, code, name, indicator, period, value, unit, resolution, source, note.
    ``tops``: a list that receives, from the same contributions, the rows of the table
    ``exposure_top`` (:func:`pacte.engine.exposure_top.calc_top_rows`), level by level,
    period by period, indicator by indicator."""
    levels = LEVELS if level is None else (level,)
    con = RunReads(con)  # inputs read once for the run (the calibration's included)
    shocks = french_shocks(con)
    names = _q(con, "SELECT level, code, name FROM territory")
    names = names.set_index(["level", "code"])["name"]
    labels = read_wiod_labels(con)
    cal = calibrated_elasticity(con, shocks)
    rnote = risk_note(cal)
    # the columns of each block (a level, period and indicator) as codes of their distinct
    # texts, one frame made at the end by Arrow (:class:`_Texts`): 20,020 rows, 175
    # distinct notes; a Python string per row held 35 MB at the frame's making (beside the
    # anchoring model's run in the build: the catalogue's peak)
    texts = {c: _Texts() for c in LONG_COLUMNS if c != "value"}
    values_out: list[np.ndarray] = []
    for lev in levels:
        for period in PERIODS:
            inp = load_inputs(con, lev, period)
            sh = shocks[shocks["period"] == period]
            codes = inp.emp.index.to_numpy(dtype=object)
            n = len(codes)
            block = {"level": texts["level"].repeat(lev, n), "code": texts["code"].codes(codes),
                     "name": texts["name"].codes(names.reindex(pd.MultiIndex.from_arrays(
                         [np.full(n, lev, dtype=object), codes])).to_numpy(dtype=object)),
                     "period": texts["period"].repeat(period, n),
                     "resolution": texts["resolution"].codes(inp.resolution.to_numpy(
                         dtype=object)),
                     "source": texts["source"].codes(inp.source.to_numpy(dtype=object))}
            notes = inp.note.tolist()
            contribs = {ind: calc_contributions(inp, sh, ind) for ind in SHOCKS}
            if tops is not None:
                tops.extend(calc_top_rows(c, inp, labels, lev, period, ind)
                            for ind, c in contribs.items())
            values = {ind: c.sum(axis=1, min_count=1) for ind, c in contribs.items()}

            def add(ind: str, value: np.ndarray, unit: str, note: np.ndarray,
                    block=block, n=n) -> None:
                for c, v in block.items():
                    texts[c].add(v)
                texts["indicator"].add(texts["indicator"].repeat(ind, n))
                values_out.append(np.asarray(value, dtype=float))
                texts["unit"].add(texts["unit"].repeat(unit, n))
                texts["note"].add(note)

            for ind, v in values.items():
                extra = ([""] * n if ind == "import_exposure_iv"
                         else top_text(contribs[ind], labels, _own(inp)).tolist())
                add(ind, v.to_numpy(), UNIT,
                    texts["note"].codes(_join(notes, extra), " ; " + TRADE_CAVEAT))
            risk = calc_jobs_at_risk(values["import_exposure_china"].to_numpy(),
                                     inp.total.fillna(0.0).to_numpy(), cal["elasticity"])
            add("jobs_at_risk", risk, MODELLED_JOBS, texts["note"].codes(notes, " ; " + rnote))
    return pd.DataFrame({c: np.concatenate(values_out) if c == "value" else texts[c].column()
                         for c in LONG_COLUMNS})


class _Texts:
    """A text column kept as codes of its distinct values (one Python string per distinct
    text, not per row), made a column by Arrow at the end (:func:`pacte.engine.jobs.
    repeated_text`). A missing value (None, NaN) stays missing."""

    def __init__(self) -> None:
        self.index: dict = {}
        self.parts: list[np.ndarray] = []

    def codes(self, values, suffix: str = "") -> np.ndarray:
        """The codes of ``values`` (each + ``suffix``: made once per distinct value)."""
        index, known = self.index, {}
        out = np.empty(len(values), dtype=np.int64)
        for i, v in enumerate(values):
            k = known.get(v)
            if k is None:
                k = known[v] = index.setdefault(v + suffix if suffix else v, len(index))
            out[i] = k
        return out

    def repeat(self, value: str, n: int) -> np.ndarray:
        return np.full(n, self.index.setdefault(value, len(self.index)), dtype=np.int64)

    def add(self, codes: np.ndarray) -> None:
        self.parts.append(codes)

    def column(self):
        distinct = np.array([v if isinstance(v, str) else None for v in self.index],
                            dtype=object)
        return repeated_text(distinct, np.concatenate(self.parts))
