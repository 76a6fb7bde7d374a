"""Anchoring assets: densities, shares, changes, re-allocation of rates across perimeters,
diploma shares (pure functions, no I/O).

Conventions (as in :mod:`pacte.indicators.specialisation`): inputs are non-negative floats
with NaN for a missing figure; a zero or missing denominator gives NaN (never inf, never a
silent 0); each ``calc_X`` has a ``calc_X_reasons`` companion with the same arguments giving
a French reason where the value is NaN and ``""`` elsewhere (first cause wins).

Re-allocation (:func:`calc_reallocation`): a rate published per territory of an older
perimeter (EPCI 2017/2018, ZE2010) is put on a new one (EPCI 2025, ZE2020, ...) through
"pieces": the parts of old territories that fall in each new territory, weighted by their
population. The new value is the population-weighted mean of the old values of its pieces,
an **estimate** unless the perimeter is unchanged (one old territory, whole, and nothing
else: then it is the published value, ``exact``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pacte.errors import DataError

NO_DATA = "pas de données"
NO_START = "pas de données pour l'année de début"
NO_END = "pas de données pour l'année de fin"
ZERO_POPULATION = "population nulle ou inconnue"
ZERO_BASE = "base nulle"
LOW_COVERAGE = "source couvrant moins de la moitié de la population du territoire"
NO_PIECE = "aucune commune du territoire dans le périmètre de la source"
NOT_IN_SOURCE = "territoire absent de la source (aucune valeur pour ses communes)"
#: Diploma shares: output column -> column of parse_census_diplomas (the comparable levels
#: of both census layouts).
DIPLOMA_SHARES = {"no_diploma_share": "no_diploma_or_bepc", "cap_bep_share": "cap_bep",
                  "bac_share": "bac", "higher_education_share": "bac_plus_2_or_more"}


def _arr(x: object) -> np.ndarray:
    a = np.array(x, dtype=float)
    if np.isinf(a).any():
        raise DataError("valeurs infinies")
    if (a < 0).any():
        raise DataError("valeurs négatives : des effectifs ou montants positifs sont attendus")
    return a


def _divide(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    num, den = np.broadcast_arrays(num, den)
    out = np.full(num.shape, np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


def _explain(shape, causes: list[tuple[np.ndarray, str]]) -> np.ndarray:
    masks = [np.broadcast_to(m, shape) for m, _ in causes]
    return np.select(masks, [lab for _, lab in causes], default="").astype(object)


def calc_per_10k(count, population) -> np.ndarray:
    """``10,000 × count / population`` (equipment per 10,000 inhabitants)."""
    return 1e4 * _divide(_arr(count), _arr(population))


def calc_per_10k_reasons(count, population) -> np.ndarray:
    c, p = np.broadcast_arrays(_arr(count), _arr(population))
    return _explain(c.shape, [(np.isnan(c), NO_DATA), (~(p > 0), ZERO_POPULATION)])


def calc_per_inhabitant(amount, population) -> np.ndarray:
    """``amount / population`` (euros per inhabitant)."""
    return _divide(_arr(amount), _arr(population))


calc_per_inhabitant_reasons = calc_per_10k_reasons


def calc_share(part, whole) -> np.ndarray:
    """``100 × part / whole``, in % (NaN where ``whole`` is 0 or missing)."""
    return 100 * _divide(_arr(part), _arr(whole))


def calc_share_reasons(part, whole) -> np.ndarray:
    a, w = np.broadcast_arrays(_arr(part), _arr(whole))
    return _explain(a.shape, [(np.isnan(a) | np.isnan(w), NO_DATA), (~(w > 0), ZERO_BASE)])


def calc_change(start, end) -> np.ndarray:
    """``end − start`` (points for a share or a density, same unit as the inputs)."""
    s, e = np.broadcast_arrays(np.array(start, dtype=float), np.array(end, dtype=float))
    return e - s


def calc_change_reasons(start, end) -> np.ndarray:
    s, e = np.broadcast_arrays(np.array(start, dtype=float), np.array(end, dtype=float))
    return _explain(s.shape, [(np.isnan(s), NO_START), (np.isnan(e), NO_END)])


def _pieces(pieces: pd.DataFrame, values: pd.Series
            ) -> tuple[pd.Series, pd.Series, np.ndarray, np.ndarray]:
    """The pieces' target and unit columns, their weights (checked) and the value of each
    piece's unit (NaN without one), as arrays: no copy of the frame (the build re-allocates
    31 times; a frame made per call was a third of the time)."""
    need = {"target", "unit", "weight"}
    if not need <= set(pieces.columns):
        raise DataError(f"colonnes attendues : {sorted(need)}")
    w = _arr(pieces["weight"].to_numpy())
    if np.isnan(w).any():
        raise DataError("poids manquants")
    unit = pieces["unit"]
    if not isinstance(values, pd.Series):
        return pieces["target"], unit, w, unit.map(values).to_numpy(dtype=float)
    # unit.map(values) by positions (a third of its time): -1, no value, takes the NaN
    # appended
    at = values.index.get_indexer(unit)
    return pieces["target"], unit, w, np.append(values.to_numpy(dtype=float), np.nan)[at]


def calc_reallocation(pieces: pd.DataFrame, values: pd.Series,
                      min_coverage: float = 0.5) -> pd.DataFrame:
    """Population-weighted re-allocation of ``values`` (a rate per old territory, indexed by
    its code) onto new territories.

    ``pieces``: columns ``target`` (new territory), ``unit`` (old territory), ``weight``
    (population of the part of ``unit`` lying in ``target``). Returns one row per target
    (index ``target``): ``value`` (Σ w·v / Σ w over the pieces whose unit has a value),
    ``coverage`` (share of the target's weight with a value), ``n_units`` (old territories
    with a value), ``exact`` (perimeter unchanged: one old territory, all of it, nothing
    else). A coverage below ``min_coverage`` gives NaN.
    """
    target, unit, w, v = _pieces(pieces, values)
    t, targets = pd.factorize(target, sort=True)  # the targets in groupby's order
    u = pd.factorize(unit)[0]  # -1: no unit (its weight counts, never its value)
    ok = t >= 0  # a piece without a target counts nowhere
    t, u = t[ok], u[ok]
    w, v = w[ok], v[ok]
    known = ~np.isnan(v)
    n, m = len(targets), max(int(u.max()) + 1, 1) if len(u) else 1

    def total(x: np.ndarray) -> np.ndarray:
        return np.bincount(t, weights=x, minlength=n)

    tot, got = total(w), total(np.where(known, w, 0.0))
    value = _divide(total(np.where(known, w * np.nan_to_num(v), 0.0)), got)
    coverage = _divide(got, tot)
    pairs = np.unique(t[known] * m + u[known])  # (target, unit) with a value
    n_units = np.bincount(pairs // m, minlength=n)
    value[~(coverage >= min_coverage)] = np.nan
    # exact: the positive pieces of the target are one unit, whose positive pieces all lie
    # in that target
    pos = (w > 0) & (u >= 0)
    tp, up = t[pos], u[pos]
    tu = np.unique(tp * m + up)
    units_per_target = np.bincount(tu // m, minlength=n)
    targets_per_unit = np.bincount(tu % m, minlength=m)
    first = np.full(n, -1)
    first[tp[::-1]] = up[::-1]  # the first positive piece's unit of each target
    has = first >= 0
    whole = np.zeros(n, dtype=bool)
    whole[has] = targets_per_unit[first[has]] == 1
    exact = (units_per_target == 1) & whole & ~np.isnan(value)
    index = pd.Index(targets, name="target")
    return pd.DataFrame({"value": value, "coverage": coverage,
                         "n_units": n_units.astype(np.int64), "exact": exact}, index=index)


def calc_reallocation_reasons(pieces: pd.DataFrame, values: pd.Series,
                              min_coverage: float = 0.5, result: pd.DataFrame | None = None
                              ) -> pd.Series:
    """French reason per target where :func:`calc_reallocation` gives NaN (``result``: its
    answer for the same arguments, when computed already)."""
    r = calc_reallocation(pieces, values, min_coverage) if result is None else result
    target, _unit, w, _v = _pieces(pieces, values)
    t = r.index.get_indexer(target)
    tot = np.bincount(t[t >= 0], weights=w[t >= 0], minlength=len(r))
    reason = np.select([~(tot > 0), (r["n_units"] == 0).to_numpy(),
                        r["value"].isna().to_numpy()],
                       [ZERO_POPULATION, NOT_IN_SOURCE, LOW_COVERAGE], default="")
    return pd.Series(reason, index=r.index, dtype=object)


def calc_diploma_shares(df: pd.DataFrame) -> pd.DataFrame:
    """Shares (%) of the population aged 15+ out of school by highest diploma, from rows of
    :func:`pacte.sources.diplomas.parse_census_diplomas` (or summed rows of it): the four
    levels comparable across census layouts (:data:`DIPLOMA_SHARES`), which add up to 100
    up to the rounding of INSEE's weighted estimates (each share is on the published total)."""
    base = _arr(df["pop_15plus_non_scol"].to_numpy())
    return pd.DataFrame({out: calc_share(df[col].to_numpy(), base)
                         for out, col in DIPLOMA_SHARES.items()}, index=df.index)


def calc_diploma_shares_reasons(df: pd.DataFrame) -> pd.DataFrame:
    base = _arr(df["pop_15plus_non_scol"].to_numpy())
    return pd.DataFrame({out: calc_share_reasons(df[col].to_numpy(), base)
                         for out, col in DIPLOMA_SHARES.items()}, index=df.index)
