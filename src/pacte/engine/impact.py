"""Store -> the arrays of the plant closure / opening model
(:func:`pacte.indicators.impact.calc_plant_impact`). No maths of its own: it reads the
store the way :mod:`pacte.engine.valuechain` does and hands the arrays over.

* national table: France's 2010 supply-use table A17 aggregated to the 16 sectors of the
  value-chain engine (C2 and DE merged), ``A_nat = calc_A(Z, x)``;
* territory structure: the finest block of :func:`~pacte.engine.valuechain.load_blocks`
  holding the territory (``resolution`` and ``source`` say which one): for an EPCI, its
  URSSAF APE codes when the store holds them (every EPCI once the national file is fetched),
  else the census, which :func:`resolution_note` names as a coarse stand-in;
* jobs per output: persons employed at 31/12/2010 on one national basis
  (:func:`pacte.engine.national_io.national_jobs`). The plant's N jobs are persons employed
  and every effect is in persons employed, whatever source describes the territory (the
  territory's structure only sets its location quotients): the same closure gives the same
  French total everywhere;
* value added per output from ``io_sut_a17_sectors`` (2010), summed into the 16 sectors;
  household closure on net wages times the propensity to consume
  (:func:`pacte.engine.national_io.household_closure`, dated parameters);
* Flegg's delta band and the households' delta: ``flq.*`` of data/model_parameters.yaml.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd

from pacte.engine import model_parameters as mp
from pacte.engine.national_io import (
    A17_TO_16,
    IO_SOURCE,
    JOBS_SOURCE,
    SECTORS,
    calc_aggregate_table,
    calc_jobs_per_output,
    household_closure,
    load_national_table,
    load_sut,
    national_jobs,
)
from pacte.engine.valuechain import load_blocks
from pacte.geography import INDICATOR_LEVELS
from pacte.indicators.inputoutput import calc_A

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
    income_coeffs: np.ndarray  # w: compensation per unit of output
    consumption_coeffs: np.ndarray  # c: domestic consumption per euro of compensation
    jobs_total: np.ndarray  # persons employed per output (the model's jobs)
    jobs_salaried: np.ndarray  # salaried jobs per output, same basis (<= jobs_total)
    deltas: tuple[float, ...] = (0.05, 0.1, 0.2)  # Flegg's delta band
    delta: float = 0.1  # its central value
    household_delta: float = 0.0  # delta of the households' purchases


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
    t16 = load_national_table(con)
    sec = con.execute("SELECT sector, label, x, value_added FROM io_sut_a17_sectors "
                      "WHERE year = ?", [SUT_YEAR]).df()
    agg = calc_aggregate_table(sut, A17_TO_16, SECTORS)
    S = np.zeros((len(SECTORS), len(sut.sectors)))
    for j, s in enumerate(sut.sectors):
        S[SECTORS.index(A17_TO_16.get(s, s)), j] = 1.0
    value_added = S @ sec.set_index("sector").loc[sut.sectors, "value_added"].to_numpy(float)
    w, c = household_closure(con, t16)
    labels = sector_labels(sec)
    return NationalInputs(
        sectors=list(SECTORS), labels=[labels[s] for s in SECTORS],
        A_nat=calc_A(t16.Z, t16.x), output=agg.x, value_added_per_output=value_added / agg.x,
        income_coeffs=w, consumption_coeffs=c,
        jobs_total=calc_jobs_per_output(t16, None),
        jobs_salaried=calc_jobs_per_output(t16, national_jobs(con)["salaried"].to_numpy()),
        deltas=tuple(float(d) for d in mp.value("flq.band")),
        delta=float(mp.value("flq.delta")),
        household_delta=float(mp.value("flq.household_delta")))


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


#: Levels where the URSSAF file describes a territory by its APE codes (value-chain blocks).
DETAIL_LEVELS = ("epci",)
COARSE_NOTE = ("structure locale grossière ({resolution}), faute du détail URSSAF par code APE "
               "pour ce territoire ; le fichier national URSSAF (« pacte fetch "
               "urssaf_commune_ape » puis « pacte build --with-fetched ») décrit chaque EPCI par "
               "ses 732 codes APE (emploi salarié privé)")


def is_detail(terr: TerritoryInputs) -> bool:
    """Whether the territory's structure comes from the URSSAF APE detail."""
    return "URSSAF" in terr.source


def resolution_note(terr: TerritoryInputs) -> str:
    """French note where a coarse structure stands in for the APE detail ('' otherwise)."""
    if is_detail(terr) or terr.level not in DETAIL_LEVELS:
        return ""
    return COARSE_NOTE.format(resolution=terr.resolution.split(",")[0])


def sources_text() -> str:
    """The national table's source line."""
    return f"{IO_SOURCE} ; {JOBS_SOURCE}"
