"""The engine: store -> the long indicator table of the whole catalogue.

One module per family computes its indicators from the store (``jobs``: job-series panels;
``valuechain``, ``exposure``, ``anchoring``: store-level models, named by their family); :func:`compute_indicators` runs them
and returns ONE long DataFrame ``level, code, name, indicator, period, value, unit,
resolution, source, note`` (:data:`pacte.catalogue.LONG_COLUMNS`). A NaN value always has a
French ``note`` saying why.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from typing import Any

import duckdb
import pandas as pd

from pacte.catalogue import FAMILY_LIST, INDICATORS, SERIES, Indicator
from pacte.catalogue import LONG_COLUMNS as COLUMNS
from pacte.engine.jobs import compute_job_indicators
from pacte.errors import InvalidParameterError
from pacte.geography import INDICATOR_LEVELS as LEVELS
from pacte.geography import check_level


def model_function(path: str) -> Callable[..., pd.DataFrame]:
    """The engine function a family names, ``"module:function"``."""
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


#: Store-level models: ``model(con, level or None) -> long table``, keyed by the family id
#: (the source id its model indicators name), as each family declares it
#: (:class:`pacte.catalogue.Family`).
MODELS: dict[str, Callable[..., pd.DataFrame]] = {
    f.id: model_function(f.model) for f in FAMILY_LIST if f.model}


def valid_periods(level: str | None = None, indicators: Iterable[str] | None = None
                  ) -> list[str]:
    """Every period string the engine produces for these levels and indicators."""
    found: set[str] = set()
    for ind in (INDICATORS[i] for i in (indicators or INDICATORS)):
        if ind.kind == "model":
            if level is None or level in ind.levels:
                found |= set(ind.periods)
            continue
        for s in (SERIES[x] for x in ind.sources):
            if level is not None and level not in (*s.levels, "fr" if s.has_national else ""):
                continue
            labels = s.period_labels()
            for kind in ind.periods:
                found |= {str(y) for y in s.years} if kind == "year" else {labels[kind]}
    return sorted(found, key=lambda x: (len(x), x))


def check_parameters(level: str | None, indicators: Iterable[str] | None,
                     period: str | None) -> None:
    """InvalidParameterError (French, naming the value and the valid ones) on bad input."""
    if level is not None:
        check_level(level, LEVELS)
    for i in indicators or ():
        if i not in INDICATORS:
            raise InvalidParameterError(f"indicateur inconnu : {i!r} (indicateurs : "
                                        f"{', '.join(INDICATORS)})")
        if level is not None and level not in INDICATORS[i].levels:
            raise InvalidParameterError(
                f"indicateur {i!r} non disponible au niveau {level!r} (niveaux : "
                f"{', '.join(INDICATORS[i].levels)})")
    if period is not None and period not in (ok := valid_periods(level, indicators)):
        raise InvalidParameterError(f"période inconnue : {period!r} (périodes disponibles : "
                                    f"{', '.join(ok)})")


def compute_indicators(con: duckdb.DuckDBPyConnection, level: str | None = None,
                       indicators: Iterable[str] | None = None, period: str | None = None,
                       code: str | None = None, runs: dict[str, pd.DataFrame] | None = None
                       ) -> pd.DataFrame:
    """Every catalogue indicator (or ``indicators``) for every territory of ``level``
    (default: all levels but France), one row per territory x indicator x period x source.
    ``runs``: the store-level model runs for every level, shared between calls (the build
    asks for all levels, then France: each model then runs once)."""
    parts = indicator_parts(con, level, indicators, period, code, runs)
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


def indicator_parts(con: duckdb.DuckDBPyConnection, level: str | None = None,
                    indicators: Iterable[str] | None = None, period: str | None = None,
                    code: str | None = None, runs: dict[str, pd.DataFrame] | None = None,
                    consume: bool = False, each: Callable[[pd.DataFrame], Any] | None = None
                    ) -> list:
    """The frames :func:`compute_indicators` concatenates (the job indicators', then each
    model's), for a caller concatenating several calls' at once. ``consume``: each model's
    run is taken out of ``runs`` once its rows are selected (freed as the next is read).
    ``each``: applied to each frame as soon as it is made, the list holding what it returns
    (the build keeps the rows compact: one frame's text at a time). The models' rows are
    made before the job indicators', whose computation then runs without the models' runs
    when they are consumed (the order of the list is the same)."""
    indicators = list(indicators) if indicators else None
    check_parameters(level, indicators, period)
    levels = [level] if level else [lv for lv in LEVELS if lv != "fr"]
    all_inds = [INDICATORS[i] for i in (indicators or INDICATORS)]
    inds = [i for i in all_inds if i.kind != "model"]
    keep = each or (lambda df: df)
    models = _model_rows(con, levels, [i for i in all_inds if i.kind == "model"], period, code,
                         runs, consume, keep)
    return [keep(compute_job_indicators(con, levels, inds, period, code)), *models]


def _model_rows(con, levels: list[str], inds: list[Indicator], period: str | None,
                code: str | None, runs: dict[str, pd.DataFrame] | None = None,
                consume: bool = False, keep: Callable[[pd.DataFrame], Any] = lambda df: df
                ) -> list:
    """Rows of the model indicators (value chains, exposure): each model runs once (for one
    level, or for all); ``source`` is the model id, the data it reads goes in ``resolution``.
    ``runs``: models already run for every level (``model(con, None)``), reused, and where
    the runs for every level made here are kept. ``keep``: applied to each model's rows."""
    out = []
    for model in dict.fromkeys(i.model for i in inds):
        ids = [i.id for i in inds if i.model == model]
        todo = [lv for lv in levels if any(lv in INDICATORS[i].levels for i in ids)]
        if not todo:
            continue
        # one run for all levels when several are asked (models share their inputs)
        if runs is not None and model in runs:
            df = runs[model]
        else:
            df = MODELS[model](con, todo[0] if len(todo) == 1 else None)
            if runs is not None and len(todo) > 1:
                runs[model] = df
        if consume and runs is not None:
            runs.pop(model, None)
        sel = df["level"].isin(todo) & df["indicator"].isin(ids)
        if period is not None:
            sel &= df["period"] == period
        if code is not None:
            sel &= df["code"] == code
        df = df[sel]
        out.append(keep(df.assign(resolution=df["resolution"] + " — " + df["source"],
                                  source=model)[COLUMNS]))
        del df
    return out


def national_values(con: duckdb.DuckDBPyConnection, indicators: Iterable[str] | None = None,
                    period: str | None = None) -> pd.DataFrame:
    """The France row of each source through the same calcs (LQ = 1, resistance = 0...)."""
    return compute_indicators(con, "fr", indicators, period)
