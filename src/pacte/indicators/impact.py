"""Impact of a plant closure or opening: jobs, output and value added affected in the
territory and in the rest of France, direct, indirect (supply chain) and induced (household
spending), with a band over Flegg's delta.

Pure functions of numpy arrays, no I/O. The model (Miller & Blair 2009, *Input-Output
Analysis*, 2nd ed., ch. 2, 6 and 7):

* direct: ``N`` jobs in sector ``S`` of the territory, i.e. an output ``d_S = N / e_S``
  (``e``: jobs per unit of output, national productivity) and value added ``v_S d_S``;
* indirect: the plant's purchases and all further rounds, on the regional FLQ table of the
  territory, ``(L^r - I) d`` with ``L^r = (I - A^r)^-1`` (local), and on the national
  domestic table ``(L - I) d``; the rest of France is national minus local (>= 0 because
  ``A^r <= A`` element-wise);
* induced: the table closed with respect to households (type II): the wages paid by the
  plant and its suppliers (``w``, per unit of output) are spent with the consumption
  coefficients ``c`` (national) and ``c^r`` (bought locally,
  :func:`pacte.indicators.households.calc_local_consumption`); induced = type II - type I.

The territory's structure ``E_region`` is kept as it is (the shock does not change its
location quotients), so every figure is linear in ``N``: ``N < 0`` (closure) gives the
opposite of the opening of ``|N|`` jobs. Jobs are not capped at the territory's jobs.
Results are orders of magnitude: national productivity and purchase structure, no price
or substitution effects, no capacity constraints, no timing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pacte.errors import DataError
from pacte.indicators.households import calc_local_consumption
from pacte.indicators.inputoutput import calc_L, calc_type2_L
from pacte.indicators.regional_io import calc_flq, calc_regional_A

DELTA_BAND = (0.1, 0.2, 0.3)
"""Default band of Flegg's delta of this pure function (the engine passes the dated band of
``data/model_parameters.yaml``, ``flq.band``, instead). 0.3 is Flegg & Webber's (1997, Regional Studies 31(8)) value for UK regions;
later estimates range from about 0.1 to 0.4 (Bonfiglio & Chelli 2008, Economic Systems
Research 20(3); Flegg & Tohmo 2013, Regional Studies 47(5), who find that delta must vary
across regions), all on regions far larger than a ZE or an EPCI: pacte centres the band on
the bottom of that range and shows it, not one figure."""

EFFECTS = ("direct", "indirect", "induced")
AREAS = ("local", "rest_of_france")


def _vector(x: object, k: int, name: str) -> np.ndarray:
    arr = np.asarray(x, dtype=float)
    if arr.shape != (k,):
        raise DataError(f"{name} : {k} secteurs attendus, forme reçue {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise DataError(f"{name} contient des valeurs manquantes ou infinies")
    return arr


def calc_plant_impact(
    E_region: object,
    E_nation: object,
    A_nat: object,
    jobs_per_output: object,
    value_added_per_output: object,
    sector: int,
    jobs: float,
    income_coeffs: object = None,
    consumption_coeffs: object = None,
    deltas: tuple[float, ...] = DELTA_BAND,
    retained_share: float | None = None,
    household_delta: float | None = None,
) -> dict:
    """Jobs, output and value added affected by ``jobs`` more (``< 0``: fewer) jobs in
    ``sector`` of one territory.

    E_region, E_nation: (k,) jobs by sector of the territory and of France (same source and
    scope as ``jobs_per_output``). A_nat: (k, k) national domestic technical coefficients.
    jobs_per_output, value_added_per_output: (k,) national ratios to output (e.g. jobs and
    million EUR of value added per million EUR of output). sector: position of the shocked
    sector; it must have jobs per output > 0. income_coeffs, consumption_coeffs: (k,) the
    household closure (:func:`pacte.indicators.households.calc_household_coefficients`);
    without them the induced effect is 0. retained_share: see
    :func:`pacte.indicators.households.calc_local_consumption` (None: FLQ rule, with
    ``household_delta`` as the households' delta, each ``deltas`` value when None).

    Returns a dict: ``table`` (DataFrame, one row per delta x effect x area, columns
    ``delta, effect, area, jobs, output, value_added``: direct effects are all local),
    ``jobs_by_sector`` (array (n_delta, 3 effects, 2 areas, k)), ``deltas``.
    """
    A = np.asarray(A_nat, dtype=float)
    k = A.shape[0]
    if A.shape != (k, k):
        raise DataError(f"A_nat doit être carrée, forme reçue {A.shape}")
    e_r = _vector(E_region, k, "E_region")
    e_n = _vector(E_nation, k, "E_nation")
    jpo = _vector(jobs_per_output, k, "jobs_per_output")
    vpo = _vector(value_added_per_output, k, "value_added_per_output")
    if not 0 <= sector < k:
        raise DataError(f"secteur inconnu : position {sector} (0 à {k - 1})")
    if jpo[sector] <= 0:
        raise DataError(f"secteur en position {sector} sans emploi par unité de production")
    if not np.isfinite(jobs):
        raise DataError("nombre d'emplois non fini")
    closed = income_coeffs is not None and consumption_coeffs is not None
    d = np.zeros(k)
    d[sector] = jobs / jpo[sector]
    eye = np.eye(k)
    L_nat = calc_L(A)
    nat1 = (L_nat - eye) @ d
    if closed:
        w = _vector(income_coeffs, k, "income_coeffs")
        c = _vector(consumption_coeffs, k, "consumption_coeffs")
        nat2 = (calc_type2_L(A, w, c)[:k, :k] - eye) @ d
    else:
        nat2 = nat1
    deltas = tuple(float(x) for x in deltas)
    out = np.zeros((len(deltas), 3, 2, k))  # output by delta, effect, area, sector
    for i, delta in enumerate(deltas):  # a handful of deltas: (k, k) solves, no territory loop
        A_r = calc_regional_A(A, calc_flq(e_r[None, :], e_n, delta))[0]
        loc1 = (calc_L(A_r) - eye) @ d
        if closed:
            hd = delta if household_delta is None else household_delta
            c_r = calc_local_consumption(e_r[None, :], e_n, c, hd, retained_share)[0]
            loc2 = (calc_type2_L(A_r, w, c_r)[:k, :k] - eye) @ d
        else:
            loc2 = loc1
        out[i, 0, 0] = d
        out[i, 1, 0], out[i, 1, 1] = loc1, nat1 - loc1
        out[i, 2, 0], out[i, 2, 1] = loc2 - loc1, (nat2 - nat1) - (loc2 - loc1)
    jobs_by_sector = out * jpo
    rows = [(delta, EFFECTS[j], AREAS[a], jobs_by_sector[i, j, a].sum(), out[i, j, a].sum(),
             (out[i, j, a] * vpo).sum())
            for i, delta in enumerate(deltas) for j in range(3) for a in range(2)]
    table = pd.DataFrame(rows, columns=["delta", "effect", "area", "jobs", "output",
                                        "value_added"])
    return {"table": table, "jobs_by_sector": jobs_by_sector, "deltas": deltas}


def calc_plant_impact_reasons(jobs_per_output: object, sector: int) -> str:
    """Why :func:`calc_plant_impact` cannot answer for ``sector`` (French, ``""`` if it can):
    a sector without jobs per unit of output in the national table."""
    jpo = np.asarray(jobs_per_output, dtype=float)
    if not 0 <= sector < jpo.size:
        return "secteur absent du tableau entrées-sorties"
    if not jpo[sector] > 0:
        return "secteur sans emploi dans le tableau entrées-sorties national"
    return ""
