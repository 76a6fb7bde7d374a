"""The one catalogue of indicators: what each figure means, how it is computed, from what.

One file per family (``jobs``, ``valuechain``, ``exposure``, ...) declares it whole, as a
:class:`Family` named ``FAMILY``: its indicators, the snapshot tables of its sources and,
for a store-level model, the engine function computing it. :data:`FAMILY_LIST` lists them
in reading order; every registry the other layers read is derived from it:
:data:`INDICATORS`, :data:`FAMILIES` (French names), :data:`MODEL_NAMES`,
:data:`SOURCE_TABLES` and the engine's models (:data:`pacte.engine.compute.MODELS`).
Adding a family = ``indicators/X.py`` (maths), ``catalogue/X.py`` (its ``FAMILY``, listed
below), ``engine/X.py`` (store -> long table).
"""

from __future__ import annotations

from pacte.catalogue import anchoring as _anchoring
from pacte.catalogue import exposure as _exposure
from pacte.catalogue import finance as _finance
from pacte.catalogue import jobs as _jobs
from pacte.catalogue import mass as _mass
from pacte.catalogue import valuechain as _valuechain
from pacte.catalogue.base import (
    DIRECTION_LABELS,
    LONG_COLUMNS,
    PERIOD_KINDS,
    Direction,
    Family,
    Indicator,
    Kind,
    Result,
    Series,
)
from pacte.catalogue.jobs import HEADLINE, SERIES
from pacte.catalogue.sources import SOURCE_TEXTS, TERRITORY_TABLES, SourceText

__all__ = ["DIRECTION_LABELS", "FAMILIES", "FAMILY_LIST", "HEADLINE", "INDICATORS",
           "LONG_COLUMNS", "MODEL_NAMES", "PERIOD_KINDS", "SERIES", "SOURCE_TABLES",
           "SOURCE_TEXTS", "Direction", "Family", "Indicator", "Kind", "Result", "Series",
           "SourceText", "periods_text", "source_name"]

#: Every family, in reading order (the profile's sections, the catalogue's listing).
FAMILY_LIST: tuple[Family, ...] = (_jobs.FAMILY, _mass.FAMILY, _valuechain.FAMILY,
                                   _exposure.FAMILY, _anchoring.FAMILY, _finance.FAMILY)

#: Family id -> French name.
FAMILIES: dict[str, str] = {f.id: f.label for f in FAMILY_LIST}

INDICATORS: dict[str, Indicator] = {i.id: i for f in FAMILY_LIST for i in f.indicators}

#: Short French names of the store-level models (one engine module each).
MODEL_NAMES: dict[str, str] = {f.id: f.model_name for f in FAMILY_LIST if f.model}

#: Snapshot tables (PROVENANCE.json, or fetched) each job source, model or fetched file
#: reads, and ``territory`` (the geography every answer uses): the envelope of an answer
#: lists their source, vintage and licence. The build records it in the store
#: (:func:`pacte.store.provenance.write_source_tables`), where the readers find it.
SOURCE_TABLES: dict[str, tuple[str, ...]] = {
    **{source: tables for f in FAMILY_LIST for source, tables in f.tables.items()},
    "territory": TERRITORY_TABLES}


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
