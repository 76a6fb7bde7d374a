"""The census counts behind a rule's indicators, redrawn from their sampling error (see
:mod:`pacte.targeting.uncertainty` for the model and its references).

:func:`load_sampler` reads the census panel of the level once (jobs by function, every
census year) and returns a function ``sampler(rng, k)`` giving (k, p, n) indicator values
recomputed on ``k`` redrawn panels, NaN where a value is not redrawn: indicators of another
source, values taken from a fallback source or period, territories without census data.

The indicators of the default rule (and a few others depending on the sector mix only
through [industry, other sectors]) are recomputed by the vectorised formulas of
:data:`FAST` on the panel collapsed to those two groups (the sum of independent counts has
the variance of one count of the same size: ten times fewer random numbers); a test checks
that they give the catalogue's values on the stored panel. Any other census indicator is
recomputed by the catalogue's own ``calc`` (:func:`pacte.engine.jobs.panel_values`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pandas as pd

from pacte.catalogue import INDICATORS, SERIES
from pacte.targeting.rule import Config
from pacte.targeting.uncertainty import Sampler

#: Sources that are samples (the rule's ``sampling_rate`` applies to them).
SAMPLED_SOURCES = ("rp",)


def _years(period: str) -> tuple[int, ...]:
    return tuple(int(y) for y in period.split("-"))


def _ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1), np.nan)


def _drop(i: np.ndarray, years: np.ndarray, period: str, series) -> np.ndarray:
    start, at = _years(period)
    window = (years >= start) & (years <= series.crisis[0])
    peak = i[..., window].max(axis=-1)
    return 100 * _ratio(peak - i[..., int(np.flatnonzero(years == at)[0])], peak)


#: id -> f(i, o, years, period, series): industry i and other sectors o, (..., T).
FAST: dict[str, Callable[..., np.ndarray]] = {
    "industry_jobs": lambda i, o, y, per, s: i[..., y == int(per)][..., 0],
    "industry_share": lambda i, o, y, per, s: 100 * _ratio(
        i[..., y == int(per)][..., 0], (i + o)[..., y == int(per)][..., 0]),
    "industry_jobs_log": lambda i, o, y, per, s: np.log1p(i[..., y == int(per)][..., 0]),
    "industry_job_change_rel": lambda i, o, y, per, s: 100 * _ratio(
        i[..., y == _years(per)[1]][..., 0] - i[..., y == _years(per)[0]][..., 0],
        i[..., y == _years(per)[0]][..., 0]),
    "job_change_rel": lambda i, o, y, per, s: 100 * _ratio(
        (i + o)[..., y == _years(per)[1]][..., 0] - (i + o)[..., y == _years(per)[0]][..., 0],
        (i + o)[..., y == _years(per)[0]][..., 0]),
    "drop_from_peak": lambda i, o, y, per, s: _drop(i, y, per, s),
}


def load_sampler(con, level: str, config: Config, codes: pd.Index, X: np.ndarray,
                 rate: float) -> Sampler | None:
    """The sampler of the rule's census indicators for the territories ``codes`` (rows of
    ``X``, the raw matrix the index ranks), or None when none of them comes from a sample."""
    from pacte.engine.jobs import load_panels, panel_values

    cols = [j for j, s in enumerate(config.specs)
            if s.candidates[0][0] in SAMPLED_SOURCES
            and INDICATORS[s.id].kind in ("level", "change", "peak")]
    panels = [p for p in load_panels(con, [level], list(SAMPLED_SOURCES)) if p.level == level]
    if not cols or not panels:
        return None
    p = panels[0]
    rows = pd.Index(p.codes).get_indexer(codes)
    have = rows >= 0
    n, n_cols = len(codes), X.shape[1]
    base = np.full((n, *p.X.shape[1:]), np.nan)  # (n, T, k)
    base[have] = p.X[rows[have]]
    specs = [(j, config.specs[j].id, config.specs[j].candidates[0][1]) for j in cols]
    fast = all(i in FAST for _, i, _ in specs)
    series = SERIES[p.series.id]
    if fast:  # (n, T, 2): industry, other sectors
        base = np.stack([base[..., p.ind].sum(axis=-1), base[..., ~p.ind].sum(axis=-1)],
                        axis=-1)

    def values(B: np.ndarray) -> dict[int, np.ndarray]:
        """Indicator values (..., n) of every sampled column on counts B (..., n, T, k)."""
        if fast:
            return {j: FAST[i](B[..., 0], B[..., 1], p.years, per, series)
                    for j, i, per in specs}
        flat = replace(p, X=B.reshape(-1, *B.shape[-2:]))
        with np.errstate(divide="ignore", invalid="ignore"):
            return {j: panel_values(flat, INDICATORS[i], per).reshape(B.shape[:-2])
                    for j, i, per in specs}

    # a value is redrawn only where the rule took it from its first candidate
    central = values(base)
    redraw = {j: np.isfinite(v) & np.isclose(v, X[:, j], rtol=1e-9, atol=1e-12)
              for j, v in central.items()}

    # calc_sampled_counts's arithmetic, its standard deviations computed once and the
    # counts redrawn in place of the normal draws: 6.7 -> 2 ms a chunk of 100 draws (EPCI)
    sd = np.sqrt(np.clip(base, 0, None) * (1 - rate) / rate)

    def sampler(rng: np.random.Generator, k: int) -> np.ndarray:
        B = rng.standard_normal((k, *base.shape))
        B *= sd
        B += base
        drawn = values(np.maximum(B, 0, out=B))
        out = np.full((k, n_cols, n), np.nan)
        for j, v in drawn.items():
            out[:, j, :] = np.where(redraw[j][None], v, np.nan)
        return out

    return sampler
