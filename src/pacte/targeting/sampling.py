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
    """a / b where b > 0, else NaN: the quotients divided only there, into an array of NaN
    (the same values as ``np.where(b > 0, a / np.where(b > 0, b, 1), np.nan)`` with two
    temporaries fewer: the EPCI sampler's chunk of 100 draws 22.4 -> 21.3 ms of CPU)."""
    out = np.full(np.broadcast_shapes(np.shape(a), np.shape(b)), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.divide(a, b, out=out, where=b > 0)


def _at(B: np.ndarray, years: np.ndarray, group: int, year: int) -> np.ndarray:
    """The counts (...) of ``group`` (0 industry, 1 other sectors) in ``year`` from B
    (..., T, 2): a view, no copy (a mask over the years copied (k, n, T) arrays of 4 MB,
    each mapped and faulted in afresh under the build's heap policy)."""
    return B[..., int(np.flatnonzero(years == year)[0]), group]


def _total(B: np.ndarray, years: np.ndarray, year: int) -> np.ndarray:
    """Jobs of every sector in ``year``: the same sums as (industry + other)[year]."""
    return _at(B, years, 0, year) + _at(B, years, 1, year)


def _drop(B: np.ndarray, years: np.ndarray, period: str, series) -> np.ndarray:
    start, at = _years(period)
    window = np.flatnonzero((years >= start) & (years <= series.crisis[0]))
    peak = B[..., window[0], 0]  # the maximum over the window, year by year (same values)
    for t in window[1:]:
        peak = np.maximum(peak, B[..., t, 0])
    return 100 * _ratio(peak - _at(B, years, 0, at), peak)


def _change(B: np.ndarray, years: np.ndarray, period: str, total: bool) -> np.ndarray:
    a, b = _years(period)
    jobs = (lambda y: _total(B, years, y)) if total else (lambda y: _at(B, years, 0, y))
    start = jobs(a)
    return 100 * _ratio(jobs(b) - start, start)


#: id -> f(B, years, period, series): counts B (..., T, 2) of industry and other sectors.
FAST: dict[str, Callable[..., np.ndarray]] = {
    "industry_jobs": lambda B, y, per, s: _at(B, y, 0, int(per)),
    "industry_share": lambda B, y, per, s: 100 * _ratio(
        _at(B, y, 0, int(per)), _total(B, y, int(per))),
    "industry_jobs_log": lambda B, y, per, s: np.log1p(_at(B, y, 0, int(per))),
    "industry_job_change_rel": lambda B, y, per, s: _change(B, y, per, total=False),
    "job_change_rel": lambda B, y, per, s: _change(B, y, per, total=True),
    "drop_from_peak": lambda B, y, per, s: _drop(B, y, per, s),
}


def load_sampled_panels(con, level: str) -> list:
    """The census panels of ``level`` that :func:`load_sampler` redraws."""
    from pacte.engine.jobs import load_panels

    return [p for p in load_panels(con, [level], list(SAMPLED_SOURCES)) if p.level == level]


def load_sampler(con, level: str, config: Config, codes: pd.Index, X: np.ndarray,
                 rate: float, panels: list | None = None) -> Sampler | None:
    """The sampler of the rule's census indicators for the territories ``codes`` (rows of
    ``X``, the raw matrix the index ranks), or None when none of them comes from a sample.
    ``panels``: :func:`load_sampled_panels` of ``level``, when read already (read-only:
    each sampler redraws its own copy)."""
    from pacte.engine.jobs import panel_values

    cols = [j for j, s in enumerate(config.specs)
            if s.candidates[0][0] in SAMPLED_SOURCES
            and INDICATORS[s.id].kind in ("level", "change", "peak")]
    panels = load_sampled_panels(con, level) if panels is None else panels
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
            return {j: FAST[i](B, p.years, per, series) for j, i, per in specs}
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

    # the normal draws and the values kept from one call to the next: a new chunk's arrays
    # (8 + 5 MB, EPCI) were mapped and faulted in at each call under the build's heap
    # policy (pacte.store.heap.bound_heap); the returned values hold until the next call
    work: dict[str, np.ndarray] = {}

    def sampler(rng: np.random.Generator, k: int) -> np.ndarray:
        if work.get("B", np.empty(0)).shape[:1] < (k,):
            work["B"] = np.empty((k, *base.shape))
            work["out"] = np.full((k, n_cols, n), np.nan)  # the columns not redrawn: NaN
        B, out = work["B"][:k], work["out"][:k]
        rng.standard_normal(out=B)  # the numbers of rng.standard_normal((k, *base.shape))
        B *= sd
        B += base
        drawn = values(np.maximum(B, 0, out=B))
        for j, v in drawn.items():
            out[:, j, :] = np.nan
            np.copyto(out[:, j, :], v, where=redraw[j][None])
        return out

    return sampler


def kept_sampler(sampler: Sampler, keep: np.ndarray) -> Sampler:
    """``sampler``'s values of the territories ``keep`` (bool (n,)) only, in an array kept
    from one call to the next (as ``sampler``'s)."""
    if keep.all():
        return sampler
    rows = np.flatnonzero(keep)
    work: dict[str, np.ndarray] = {}

    def kept(rng: np.random.Generator, k: int) -> np.ndarray:
        full = sampler(rng, k)
        if work.get("out", np.empty(0)).shape[:1] < (k,):
            work["out"] = np.empty((k, full.shape[1], rows.size))
        # mode "clip": unbuffered (rows are valid indices); "raise" copies through a buffer
        return np.take(full, rows, axis=-1, out=work["out"][:k], mode="clip")

    return kept
