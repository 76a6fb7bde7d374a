"""Store -> the arrays of the plant closure / opening model
(:func:`pacte.indicators.impact.calc_plant_impact`). No maths of its own: it reads the
store the way :mod:`pacte.engine.valuechain` does and hands the arrays over.

* national table: France's 2010 supply-use table A17 aggregated to the 16 sectors of the
  value-chain engine (C2 and DE merged), ``A_nat = calc_A(Z, x)``;
* territory structure: the finest block of :func:`~pacte.engine.valuechain.load_blocks`
  holding the territory (``resolution`` and ``source`` say which one);
* jobs per output: the SUT's, brought to salaried jobs for salaried sources
  (:func:`~pacte.engine.valuechain.calc_jobs_per_output`);
* value added per output and the household closure (wages, domestic household
  consumption: :func:`pacte.indicators.regional_io.calc_household_coefficients`) from
  ``io_sut_a17_sectors`` (2010), summed into the 16 sectors.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd

from pacte.engine.valuechain import (
    A17_TO_16,
    IO_SOURCE,
    SECTORS,
    _trim,
    calc_aggregate_table,
    calc_jobs_per_output,
    load_blocks,
    load_sut,
)
from pacte.geography import INDICATOR_LEVELS
from pacte.indicators.inputoutput import calc_A
from pacte.indicators.regional_io import calc_household_coefficients

SUT_YEAR = 2010
#: Levels with a sector structure in the store (those of the value-chain engine).
LEVELS = INDICATOR_LEVELS
#: French label of the merged sector (the SUT labels C2 and DE separately).
MERGED_LABEL = "Cokéfaction et raffinage ; industries extractives, énergie, eau, déchets"


@dataclass(frozen=True)
class NationalInputs:
    """The national side of the model, on the 16 sectors (:data:`SECTORS`)."""

    sectors: list[str]
    labels: list[str]
    A_nat: np.ndarray  # (16, 16) domestic technical coefficients
    output: np.ndarray  # x, million EUR
    value_added_per_output: np.ndarray  # million EUR of value added per million EUR
    income_coeffs: np.ndarray  # w: wages per unit of output
    consumption_coeffs: np.ndarray  # c: domestic household consumption per unit of wages
    jobs_total: np.ndarray  # jobs per output, total employment (census-based sources)
    jobs_salaried: np.ndarray  # jobs per output, salaried employment (salaried sources)


@dataclass(frozen=True)
class TerritoryInputs:
    """The territory side: its jobs by sector and France's on the same source."""

    level: str
    code: str
    E_region: np.ndarray
    E_nation: np.ndarray
    salaried: bool
    period: str
    resolution: str
    source: str
    notes: list[str] = field(default_factory=list)


def sector_labels(sec: pd.DataFrame) -> dict[str, str]:
    """The 16 sectors' French labels from ``io_sut_a17_sectors`` (``sector``, ``label``):
    the SUT's own, and :data:`MERGED_LABEL` for C2DE."""
    by = dict(zip(sec["sector"], sec["label"], strict=True))
    return {s: MERGED_LABEL if s == "C2DE" else by.get(s, s) for s in SECTORS}


def load_national(con: duckdb.DuckDBPyConnection) -> NationalInputs:
    """National arrays of the impact model, from the stored 2010 SUT."""
    sut = load_sut(con)
    t16 = calc_aggregate_table(sut, A17_TO_16, SECTORS)
    sec = con.execute("SELECT sector, label, x, value_added, wages, "
                      "household_consumption_domestic FROM io_sut_a17_sectors "
                      "WHERE year = ?", [SUT_YEAR]).df()
    S = np.zeros((len(SECTORS), len(sut.sectors)))
    for j, s in enumerate(sut.sectors):
        S[SECTORS.index(A17_TO_16.get(s, s)), j] = 1.0
    by = sec.set_index("sector").loc[sut.sectors]
    value_added = S @ by["value_added"].to_numpy(dtype=float)
    wages = S @ by["wages"].to_numpy(dtype=float)
    consumption = S @ by["household_consumption_domestic"].to_numpy(dtype=float)
    w, c = calc_household_coefficients(wages, t16.x, consumption)
    salaried_fr = _trim(con, "fr").iloc[0].to_numpy()
    labels = sector_labels(sec)
    return NationalInputs(
        sectors=list(SECTORS), labels=[labels[s] for s in SECTORS],
        A_nat=calc_A(t16.Z, t16.x), output=t16.x, value_added_per_output=value_added / t16.x,
        income_coeffs=w, consumption_coeffs=c,
        jobs_total=calc_jobs_per_output(t16, None),
        jobs_salaried=calc_jobs_per_output(t16, salaried_fr))


def load_territory(con: duckdb.DuckDBPyConnection, level: str, code: str
                   ) -> TerritoryInputs | None:
    """The territory's sector structure from the finest block holding it (None if no block
    holds it, e.g. Mayotte at ZE level)."""
    for b in load_blocks(con, level):
        if code in b.codes:
            i = b.codes.index(code)
            return TerritoryInputs(level, code, np.asarray(b.E[i], dtype=float),
                                   np.asarray(b.E_nation, dtype=float), b.salaried, b.period,
                                   b.resolution, b.source, [b.notes[i]] if b.notes[i] else [])
    return None


def sources_text() -> str:
    """The national table's source line."""
    return IO_SOURCE
