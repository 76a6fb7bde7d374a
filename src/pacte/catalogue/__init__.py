"""The one catalogue of indicators: what each figure means, how it is computed, from what.

One file per family (``jobs``, ``valuechain``, ``exposure``, ...) declares its indicators;
this module assembles them into :data:`INDICATORS` (in reading order), read by the engine,
the handlers and every output. Adding a family = ``indicators/X.py`` (maths),
``catalogue/X.py`` (declarations), ``engine/X.py`` (store -> long table).
"""

from __future__ import annotations

from pacte.catalogue import anchoring as _anchoring
from pacte.catalogue import exposure as _exposure
from pacte.catalogue import mass as _mass
from pacte.catalogue import valuechain as _valuechain
from pacte.catalogue.base import (
    DIRECTION_LABELS,
    FAMILIES,
    LONG_COLUMNS,
    PERIOD_KINDS,
    Direction,
    Indicator,
    Kind,
    Result,
    Series,
)
from pacte.catalogue.jobs import HEADLINE, JOB_INDICATORS, SERIES
from pacte.catalogue.sources import SOURCE_TEXTS, SourceText

__all__ = ["DIRECTION_LABELS", "FAMILIES", "HEADLINE", "INDICATORS", "LONG_COLUMNS",
           "MODEL_NAMES", "PERIOD_KINDS", "SERIES", "SOURCE_TEXTS", "Direction", "Indicator",
           "Kind", "Result", "Series", "SourceText", "periods_text", "source_name"]

INDICATORS: dict[str, Indicator] = {i.id: i for i in (
    *JOB_INDICATORS, *_valuechain.VALUECHAIN_INDICATORS, *_exposure.EXPOSURE_INDICATORS,
    *_anchoring.ANCHORING_INDICATORS, *_mass.MASS_INDICATORS)}

#: Short French names of the store-level models (one engine module each).
MODEL_NAMES = {"valuechain": _valuechain.NAME, "exposure": _exposure.NAME,
               "anchoring": _anchoring.NAME}


def source_name(source_id: str) -> str:
    """Short French name of a job source or a model."""
    return SERIES[source_id].name if source_id in SERIES else MODEL_NAMES[source_id]


def periods_text(ind: Indicator) -> str:
    """French description of an indicator's periods, per source."""
    if ind.kind == "model":
        return ", ".join(ind.periods)
    parts = []
    for kind in ind.periods:
        if kind == "year":
            parts.append(PERIOD_KINDS[kind])
            continue
        by_label: dict[str, list[str]] = {}
        for s in ind.sources:
            by_label.setdefault(SERIES[s].period_labels()[kind], []).append(SERIES[s].name)
        parts.append(f"{PERIOD_KINDS[kind]} ("
                     + ", ".join(f"{p} {'/'.join(n)}" for p, n in by_label.items()) + ")")
    return " ; ".join(parts)
