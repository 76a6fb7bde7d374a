"""The composite index as data: a rule (YAML file, ``data/composite_default.yaml`` by
default, or a JSON body) validated as the :class:`Rule` model, then compiled into the
``Config`` the index computes with. French errors name the file, the key and the value at
fault (unknown key with the closest valid one, indicator, source or period, a number that is
not finite or beyond its bound, a wrong type).

An indicator is named by its catalogue id, a source and a period, plus ``fallback``
(source, period) pairs filling a territory's missing value in order: the index accepts any
new catalogue indicator without code. Each section of the rule is its own sub-model
(:class:`Missing`, :class:`Uncertainty`, :class:`Typology`, :class:`EligibilityRule`...): a
new key is a field of one of them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationError, model_validator

from pacte.catalogue import INDICATORS, SERIES, Indicator
from pacte.errors import InvalidParameterError
from pacte.settings import DEFAULT_RULE_FILE, LIMITS, package_data
from pacte.targeting.rule_errors import rule_error
from pacte.targeting.rule_yaml import parse_yaml, read_text
from pacte.targeting.tiers import Programme as ProgrammeSettings
from pacte.targeting.uncertainty import AGGREGATIONS as AGGREGATION_CHOICES
from pacte.targeting.uncertainty import IMPUTATIONS, SOURCES
from pacte.targeting.uncertainty import Uncertainty as UncertaintySettings

DEFAULT_CONFIG = package_data(DEFAULT_RULE_FILE)
NORMALISATIONS = ("zscore", "minmax", "rank")
AGGREGATIONS = ("arithmetic", "geometric")
MISSING_METHODS = ("median", "exclude")
DIRECTIONS = ("higher_is_worse", "higher_is_better")


@dataclass(frozen=True)
class Spec:
    """One indicator of the index: catalogue id, (source, period) candidates in order."""

    id: str
    dimension: int
    direction: str
    weight: float
    candidates: tuple[tuple[str, str], ...]

    @property
    def label(self) -> str:
        """« indicator — source period » of the first candidate
        (:func:`pacte.targeting.audit.indicator_name`)."""
        from pacte.targeting.audit import indicator_name

        return indicator_name(self.id, *self.candidates[0])


@dataclass(frozen=True)
class Dimension:
    id: str
    label: str
    weight: float
    type_high: str
    type_low: str


@dataclass(frozen=True)
class Config:
    name: str
    dimensions: tuple[Dimension, ...]
    specs: tuple[Spec, ...]
    missing: str = "median"
    max_missing_share: float = 1.0
    winsorisation: tuple[float, float] | None = (0.01, 0.99)
    normalisation: str = "zscore"
    aggregation: str = "arithmetic"
    draws: int = 1000
    concentration: float = 20.0
    normalisations: tuple[str, ...] = NORMALISATIONS
    typology: tuple[int, int, float, int] = (5, 8, 0.5, 5)  # k_min, k_max, threshold, peers
    uncertainty: UncertaintySettings = UncertaintySettings()  # what the Monte Carlo varies
    programme: ProgrammeSettings = ProgrammeSettings()  # programme size, tier thresholds


NormalisationName = Literal["zscore", "minmax", "rank"]
#: Strict numbers: ``3.7`` or ``"5"`` for an integer are refused, never truncated or parsed.
Int = Annotated[int, Strict()]
Number = Annotated[float, Strict()]
Weight = Annotated[float, Strict(), Field(gt=0, le=LIMITS.max_weight)]
Share = Annotated[float, Strict(), Field(ge=0, le=1)]
Text = Annotated[str, Field(max_length=LIMITS.max_text)]
Key = Annotated[str, Field(min_length=1, max_length=200)]


class _Part(BaseModel):
    """A section of a rule: unknown keys refused, every number finite."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True,
                              coerce_numbers_to_str=True)


class Fallback(_Part):
    source: Key
    period: Key


class IndicatorRule(_Part):
    id: Key
    source: Key
    period: Key
    weight: Weight = 1.0
    direction: Literal["higher_is_worse", "higher_is_better", "neutral"] | None = None
    fallback: Annotated[list[Fallback], Field(max_length=LIMITS.max_fallbacks)] = []
    note: Text | None = None

    @model_validator(mode="after")
    def _in_catalogue(self) -> IndicatorRule:
        if self.id not in INDICATORS:
            raise ValueError(f"indicateur inconnu : {self.id!r} (pacte indicators --list)")
        ind = INDICATORS[self.id]
        if (self.direction or ind.direction) == "neutral":
            raise ValueError(f"l'indicateur {ind.id!r} est neutre au catalogue : donnez son "
                             f"sens (direction: {' ou '.join(DIRECTIONS)})")
        for item in (self, *self.fallback):
            _check_candidate(ind, item.source, item.period)
        return self

    @property
    def candidates(self) -> tuple[tuple[str, str], ...]:
        return ((self.source, self.period),
                *((f.source, f.period) for f in self.fallback))


class DimensionRule(_Part):
    id: Key
    label: Text | None = None
    description: Text | None = None
    weight: Weight = 1.0
    type_high: Text | None = None
    type_low: Text | None = None
    indicators: Annotated[list[IndicatorRule],
                          Field(min_length=1, max_length=LIMITS.max_indicators)]


class Missing(_Part):
    method: Literal["median", "exclude"] = "median"
    max_missing_share: Share = 1.0


class Winsorisation(_Part):
    lower: Share
    upper: Share

    @model_validator(mode="after")
    def _ordered(self) -> Winsorisation:
        if not self.lower < self.upper:
            raise ValueError(f"il faut 0 ≤ lower < upper ≤ 1 (trouvé {self.lower:g}, "
                             f"{self.upper:g})")
        return self


SourceName = Literal["weights", "normalisation", "imputation", "winsorisation", "aggregation",
                     "leave_one_out", "sampling"]
WinsorisationLevel = Annotated[Number, Field(gt=0, lt=0.5)]


class Uncertainty(_Part):
    """What the Monte Carlo varies (:mod:`pacte.targeting.uncertainty`): the ``sources``
    switched on, and the choices each one draws from."""

    draws: Annotated[Int, Field(ge=1, le=LIMITS.max_draws)] = 1000
    concentration: Weight = 20.0
    normalisations: Annotated[list[NormalisationName], Field(min_length=1, max_length=3)] = \
        list(NORMALISATIONS)
    sources: Annotated[list[SourceName], Field(max_length=len(SOURCES))] = list(SOURCES)
    imputations: Annotated[list[Literal["median", "mean", "hotdeck"]],
                           Field(min_length=1, max_length=3)] = list(IMPUTATIONS)
    winsorisations: Annotated[list[WinsorisationLevel | None],
                              Field(min_length=1, max_length=10)] = [None, 0.01, 0.025, 0.05]
    aggregations: Annotated[list[Literal["arithmetic", "geometric"]],
                            Field(min_length=1, max_length=2)] = list(AGGREGATION_CHOICES)
    sampling_rate: Annotated[Number, Field(gt=0, le=1)] = 0.25
    chunk: Annotated[Int, Field(ge=1, le=10_000)] = 100

    @property
    def settings(self) -> UncertaintySettings:
        return UncertaintySettings(
            draws=self.draws, sources=tuple(dict.fromkeys(self.sources)),
            concentration=self.concentration, normalisations=tuple(self.normalisations),
            imputations=tuple(self.imputations), winsorisations=tuple(self.winsorisations),
            aggregations=tuple(self.aggregations), sampling_rate=self.sampling_rate,
            chunk=self.chunk)


class Programme(_Part):
    """Default programme size and the thresholds of the tiers (:mod:`pacte.targeting.tiers`)."""

    size: Annotated[Int, Field(ge=1, le=100_000)] = 100
    retained: Share = 0.9
    excluded: Share = 0.1

    @model_validator(mode="after")
    def _ordered(self) -> Programme:
        if not self.excluded < self.retained:
            raise ValueError(f"il faut 0 ≤ excluded < retained ≤ 1 (trouvé "
                             f"{self.excluded:g}, {self.retained:g})")
        return self


class Typology(_Part):
    k_min: Annotated[Int, Field(ge=2, le=LIMITS.max_clusters)] = 5
    k_max: Annotated[Int, Field(ge=2, le=LIMITS.max_clusters)] = 8
    threshold: Annotated[Number, Field(ge=0, le=10)] = 0.5
    peers: Annotated[Int, Field(ge=0, le=LIMITS.max_peers)] = 5

    @model_validator(mode="after")
    def _ordered(self) -> Typology:
        if self.k_min > self.k_max:
            raise ValueError(f"il faut 2 ≤ k_min ≤ k_max (trouvé {self.k_min}, {self.k_max})")
        return self


class PopulationBounds(_Part):
    min: Annotated[Number, Field(ge=0, le=1e9)] | None = None
    max: Annotated[Number, Field(ge=0, le=1e9)] | None = None

    @model_validator(mode="after")
    def _ordered(self) -> PopulationBounds:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min:g} > max {self.max:g}")
        return self


Bound = Annotated[Number, Field(ge=-1e12, le=1e12)]


class GateRule(_Part):
    """Relevance as a gate: a territory is eligible only if this stored indicator lies in
    [min, max] (either bound may be left out)."""

    id: Key
    source: Key
    period: Key
    min: Bound | None = None
    max: Bound | None = None

    @model_validator(mode="after")
    def _valid(self) -> GateRule:
        if self.id not in INDICATORS:
            raise ValueError(f"indicateur inconnu : {self.id!r} (pacte indicators --list)")
        _check_candidate(INDICATORS[self.id], self.source, self.period)
        if self.min is None and self.max is None:
            raise ValueError(f"seuil sans borne pour {self.id!r} : donnez min ou max")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min:g} > max {self.max:g}")
        return self


class EligibilityRule(_Part):
    """Who a programme may select, applied after scoring (:mod:`pacte.targeting.eligibility`)."""

    exclude_natures: Annotated[list[Literal["CC", "CA", "CU", "ME"]],
                               Field(max_length=4)] = []
    population: PopulationBounds | None = None
    per_region_min: Annotated[Int, Field(ge=0, le=1000)] = 0
    gate: Annotated[list[GateRule], Field(max_length=10)] = []


class Rule(_Part):
    """A targeting rule: what ``pacte rank --weights`` reads and ``POST /api/ranking``
    takes (same keys as ``data/composite_default.yaml``)."""

    name: Text = "index composite"
    version: Annotated[Int, Field(ge=0, le=10**6)] | Key | None = None
    description: Text | None = None
    dimensions: Annotated[list[DimensionRule],
                          Field(min_length=1, max_length=LIMITS.max_dimensions)]
    missing: Missing = Missing()
    winsorisation: Winsorisation | None = Winsorisation(lower=0.01, upper=0.99)
    normalisation: NormalisationName = "zscore"
    aggregation: Literal["arithmetic", "geometric"] = "arithmetic"
    uncertainty: Uncertainty = Uncertainty()
    typology: Typology = Typology()
    eligibility: EligibilityRule | None = None
    programme: Programme = Programme()

    @model_validator(mode="after")
    def _unique(self) -> Rule:
        if len({d.id for d in self.dimensions}) < len(self.dimensions):
            raise ValueError("deux dimensions portent le même id")
        keys = [(s.id, s.source, s.period) for d in self.dimensions for s in d.indicators]
        if len(set(keys)) < len(keys):
            raise ValueError("un même indicateur (id, source, période) apparaît deux fois")
        return self

    @property
    def config(self) -> Config:
        """The compiled form the index computes with (defaults resolved, one spec per
        indicator)."""
        dims = tuple(Dimension(d.id, d.label or d.id, d.weight,
                               d.type_high or f"{d.id} élevé", d.type_low or f"{d.id} faible")
                     for d in self.dimensions)
        specs = tuple(Spec(s.id, k, s.direction or INDICATORS[s.id].direction, s.weight,
                           s.candidates)
                      for k, d in enumerate(self.dimensions) for s in d.indicators)
        win = self.winsorisation
        t, u = self.typology, self.uncertainty
        return Config(name=self.name, dimensions=dims, specs=specs,
                      missing=self.missing.method,
                      max_missing_share=self.missing.max_missing_share,
                      winsorisation=None if win is None else (win.lower, win.upper),
                      normalisation=self.normalisation, aggregation=self.aggregation,
                      draws=u.draws, concentration=u.concentration,
                      normalisations=tuple(u.normalisations),
                      typology=(t.k_min, t.k_max, t.threshold, t.peers),
                      uncertainty=u.settings,
                      programme=ProgrammeSettings(self.programme.size, self.programme.retained,
                                                  self.programme.excluded))


#: The keys each part of a rule may hold, from the models (documentation and tests).
PARTS: dict[str, type[_Part]] = {
    "top": Rule, "dimension": DimensionRule, "indicator": IndicatorRule, "fallback": Fallback,
    "missing": Missing, "winsorisation": Winsorisation, "uncertainty": Uncertainty,
    "typology": Typology, "eligibility": EligibilityRule, "programme": Programme}
KEYS = {part: tuple(model.model_fields) for part, model in PARTS.items()}


def source_periods(ind: Indicator, source: str) -> list[str]:
    """Every period string the engine produces for this indicator and source."""
    if ind.kind == "model":
        return list(ind.periods) if source == ind.model else []
    if source not in ind.sources:
        return []
    s = SERIES[source]
    out: list[str] = []
    for kind in ind.periods:
        out += [str(y) for y in s.years] if kind == "year" else [s.period_labels()[kind]]
    return out


def _check_candidate(ind: Indicator, source: str, period: str) -> None:
    sources = (ind.model,) if ind.kind == "model" else ind.sources
    if source not in sources:
        raise ValueError(f"source inconnue pour l'indicateur {ind.id!r} : {source!r} "
                         f"(sources : {', '.join(str(s) for s in sources)})")
    if period not in (ok := source_periods(ind, source)):
        raise ValueError(f"période inconnue pour {ind.id!r} ({source}) : {period!r} "
                         f"(périodes : {', '.join(ok)})")


def parse_rule(raw: Any, where: str = "index composite") -> Rule:
    """Validate a parsed document (YAML or JSON) into a :class:`Rule`
    (InvalidParameterError, French)."""
    if not isinstance(raw, dict):
        raise InvalidParameterError(f"{where} : la règle doit être un dictionnaire (clés "
                                    "name, dimensions...)")
    try:
        return Rule.model_validate(raw)
    except ValidationError as exc:
        raise rule_error(where, exc, Rule) from None
    except RecursionError:
        raise InvalidParameterError(f"{where} : règle trop imbriquée") from None


def parse_config(raw: Any, where: str = "index composite") -> Config:
    """The compiled ``Config`` of a parsed document (see :func:`parse_rule`)."""
    return parse_rule(raw, where).config


def load_rule(path: Path | str | None = None) -> Rule:
    """Read and validate a rule file (default: the one shipped with pacte). French errors:
    missing file, folder, binary or oversized file, YAML syntax, duplicate keys, nesting or
    aliases beyond the limits (file, line, column, never the content), then the model's."""
    path = Path(path) if path else DEFAULT_CONFIG
    return _parse_text(read_text(path), path)


@functools.lru_cache(maxsize=4)
def _parse_text(text: str, path: Path) -> Rule:
    """A file's validated rule (frozen), parsed once per text: the build reads it 4 times."""
    return parse_rule(parse_yaml(text, path), str(path))


def load_config(path: Path | str | None = None) -> Config:
    """The compiled ``Config`` of a rule file (see :func:`load_rule`)."""
    return load_rule(path).config


def calc_weights(config: Config) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Membership M (p, D), indicator weights (p,) summing to 1 within each dimension,
    dimension weights (D,) summing to 1."""
    dim = np.array([s.dimension for s in config.specs])
    M = (dim[:, None] == np.arange(len(config.dimensions))[None]).astype(float)
    w = np.array([s.weight for s in config.specs])
    w_ind = w / (M @ (M.T @ w))
    w_dim = np.array([d.weight for d in config.dimensions])
    return M, w_ind, w_dim / w_dim.sum()
