"""Vocabulary of the catalogue: what an indicator, a family of indicators and a job series
are, and the long indicator table every engine returns and every output reads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import numpy as np

Direction = Literal["higher_is_worse", "higher_is_better", "neutral"]
Kind = Literal["level", "change", "peak", "model"]
Result = tuple["np.ndarray", "np.ndarray"]
DIRECTION_LABELS = {"higher_is_worse": "plus haut = plus fragile",
                    "higher_is_better": "plus haut = plus favorable", "neutral": "neutre"}
#: Columns of the long indicator table (engine output, store table ``indicator``, exports).
LONG_COLUMNS = ["level", "code", "name", "indicator", "period", "value", "unit", "resolution",
                "source", "note"]
#: Decimals that carry meaning, by unit (XLSX number formats, CSV for French Excel); an
#: indicator may declare its own (``Indicator.decimals``). Unknown units: 2.
UNIT_DECIMALS = {"emplois": 0, "emplois (modèle)": 0, "%": 1, "indice": 2,
                 "indice (0 à 1)": 3, "indice (0 à 2)": 3, "multiplicateur": 2,
                 "équipements pour 10 000 habitants": 1, "euros par habitant": 0,
                 "ln(emplois)": 2}


def unit_decimals(unit: str) -> int:
    """Meaningful decimals of a figure in ``unit`` (:data:`UNIT_DECIMALS`; « points (…) »
    as the unit in brackets, « indice (…) » as an index; otherwise 2)."""
    if unit in UNIT_DECIMALS:
        return UNIT_DECIMALS[unit]
    inner = unit.partition("(")[2].rstrip(")")
    if unit.startswith("points (") and inner in UNIT_DECIMALS:
        return UNIT_DECIMALS[inner]
    return 2


@dataclass(frozen=True)
class Series:
    """One job source read as (territory x year x sector) matrices."""

    id: str  # ``jobs.source``
    name: str  # short French name
    levels: tuple[str, ...]  # territorial levels (besides the France row)
    sectors: tuple[str, ...] | None  # matrix columns; None = every APE code of table ``naf``
    industry: tuple[str, ...]  # industrial sectors (or NAF sections when sectors is None)
    years: tuple[int, ...]
    crisis: tuple[int, int]
    recovery: tuple[int, int]
    peak_start: int  # pre-crisis peak searched over peak_start..crisis[0]
    resolution: str  # French, shown beside every figure
    quarter: str | None = None  # keep this quarter's value as the year's ('T4')
    fill_from: dict[str, str] = field(default_factory=dict)  # fill a NaN column from another
    has_national: bool = True  # a France row exists (reference of LQ, shift-share, resilience)
    perimeter_adjust: bool = False  # France row on a constant perimeter for changes (census)
    all_territories: bool = True  # one row per territory of the level, even without data
    absent_note: str = "pas de données"  # no data at all ("Mayotte : " prefixed there)
    missing_note: str = "pas de données en {years}"  # some dates missing: {years}, {first}
    mayotte_note: str | None = None  # Mayotte's dates missing: {years} (default: prefix)

    def period_labels(self) -> dict[str, str]:
        """Period strings of this source by kind."""
        return {"crisis": f"{self.crisis[0]}-{self.crisis[1]}",
                "recovery": f"{self.recovery[0]}-{self.recovery[1]}",
                "peak_crisis": f"{self.peak_start}-{self.crisis[1]}",
                "peak_last": f"{self.peak_start}-{self.years[-1]}"}


#: Period kinds and their French description (``pacte indicators --list``).
PERIOD_KINDS = {"year": "chaque année", "crisis": "crise", "recovery": "reprise",
                "peak_crisis": "pic d'avant-crise → fin de crise",
                "peak_last": "pic d'avant-crise → dernière année"}



@dataclass(frozen=True)
class Indicator:
    id: str
    label: str  # French
    unit: str  # French: "%", "indice", "emplois"
    direction: Direction
    formula: str  # one line
    sources: tuple[str, ...]
    kind: Kind
    periods: tuple[str, ...]  # period kinds (PERIOD_KINDS)
    resolution: str  # French: which sectors enter the figure
    calc: Callable[..., Result]
    levels: tuple[str, ...] = ()  # default: every level of its sources, plus France
    caveat: Callable[..., str] | None = None  # change kind: caveat(R0, R1, ind) -> French note
    model: str | None = None  # kind "model": the engine model computing it (periods literal)
    family: str = "jobs"  # jobs, valuechain, exposure, anchoring, finance...
    #: the label naming the concept each source measures (census: functions, not sectors);
    #: ``label`` when a source is absent
    source_labels: dict[str, str] = field(default_factory=dict)
    #: decimals that carry meaning (None: those of the unit, :func:`unit_decimals`)
    decimals: int | None = None

    @property
    def precision(self) -> int:
        """Decimals to show: ``decimals``, else those of the unit."""
        return unit_decimals(self.unit) if self.decimals is None else self.decimals

    def label_for(self, source: str | None) -> str:
        """The French label naming the concept that ``source`` measures."""
        return self.source_labels.get(source or "", self.label)

    def __post_init__(self) -> None:
        if self.kind == "model" and (not self.model or not self.levels):
            raise ValueError(f"{self.id}: a model indicator needs a model and levels")


@dataclass(frozen=True)
class Family:
    """One family of indicators declared whole, in its catalogue module (``FAMILY``): its
    French name, its indicators, the snapshot tables each of its sources reads, and for a
    family computed by a store-level model, that model.

    ``tables``: source id (a job series, a model, a fetched file) -> snapshot tables
    (PROVENANCE.json, or fetched) whose source, vintage and licence the envelope of an
    answer built on it names. ``model``: the engine function computing the family's model
    indicators, ``"module:function"`` with ``function(con, level or None) -> long table``;
    the catalogue sits below the engine, so it names the function and the engine imports it
    (:data:`pacte.engine.compute.MODELS`). A model's source id is the family's id and its
    short French name is ``model_name``."""

    id: str
    label: str  # French, e.g. "chaînes de valeur"
    indicators: tuple[Indicator, ...] = ()
    tables: dict[str, tuple[str, ...]] = field(default_factory=dict)
    model: str | None = None
    model_name: str | None = None

    def __post_init__(self) -> None:
        other = [i.id for i in self.indicators if i.family != self.id]
        if other:
            raise ValueError(f"family {self.id}: indicators of another family: {other}")
        modelled = [i.id for i in self.indicators if i.kind == "model"]
        if modelled and not self.model:
            raise ValueError(f"family {self.id}: model indicators {modelled} without a model")
        if any(i.model != self.id for i in self.indicators if i.kind == "model"):
            raise ValueError(f"family {self.id}: a model indicator names another model")
        if self.model is not None:
            module, _, function = self.model.partition(":")
            if not (module and function and self.model_name):
                raise ValueError(f"family {self.id}: model {self.model!r} is not "
                                 "'module:function' with a model_name")
            if not self.tables.get(self.id):
                raise ValueError(f"family {self.id}: its model reads no declared table")
        empty = [s for s, t in self.tables.items() if not t]
        if empty:
            raise ValueError(f"family {self.id}: sources without tables: {empty}")
