"""The declared shapes of the API's answers: every success body is ``{"data", "meta"}``
with the fields below, so ``/openapi.json`` documents each route and the schemathesis run
checks every answer against it. Numbers may be ``null`` (a missing value, never NaN);
fields that depend on the level, the source or the rule are optional."""

from __future__ import annotations

from typing import Generic

from pydantic import Field

from pacte.api.schemas_base import Num, T, _Shape
from pacte.api.schemas_extra import (  # noqa: E402, F401  (re-exported: routes use S.X)
    BasinDetail,
    BasinRow,
    ComparisonGroup,
    CrisisRow,
    Diversify,
    FeatureCollection,
    Finances,
    IndicatorSheets,
    LisaRow,
    Located,
    Spatial,
    TerritoryDcrtp,
)
from pacte.targeting.rule import Rule


class SourceRow(_Shape):
    table: str
    source: str
    vintage: str | None
    licence: str | None


class Meta(_Shape):
    """The envelope of every answer: store, provenance of the figures, attribution."""

    build_hash: str | None
    built_at: str | None
    sources: list[SourceRow]
    attribution: str


class Envelope(_Shape, Generic[T]):
    data: T
    meta: Meta


# --- health, catalogue, provenance, sources -------------------------------------------------


class Health(_Shape):
    status: str
    territories: int


class CatalogueEntry(_Shape):
    id: str
    label: str
    unit: str
    family: str
    direction: str
    formula: str
    sources: str
    levels: str
    periods: str
    resolution: str | None = None
    available: dict[str, dict[str, list[str]]] | None = None


class JobSource(_Shape):
    name: str
    resolution: str
    industry: list[str]
    years: list[int]


class Catalogue(_Shape):
    indicators: list[CatalogueEntry]
    sources: dict[str, JobSource]
    levels: dict[str, str]


class Provenance(_Shape):
    tables: list[SourceRow]


class RegistryRow(_Shape):
    id: str
    vintage: str | None
    format: str | None
    licence: str | None
    url: str | None
    cache: str
    store: str | None


class SourcesMeta(Meta):
    store_tables: list[str]


# --- territories, indicators ---------------------------------------------------------------


class TerritoryRow(_Shape):
    code: str
    name: str
    level: str
    population: Num = None
    n_communes: int | None = None


class Parent(_Shape):
    level: str
    code: str | None
    name: str | None


class Coverage(_Shape):
    source: str
    level: str
    code: str
    n_communes: int | None
    n_covered: int | None
    complete: bool | None


class CardIndicator(_Shape):
    indicator: str
    label: str
    period: str | None
    value: Num
    unit: str | None
    national: Num = None
    note: str | None = None


class JobRow(_Shape):
    source: str
    year: int | None
    sector: str
    jobs: Num
    source_label: str | None = None
    sector_label: str | None = None
    period: str | None = None


class KeyFigure(_Shape):
    """A key figure (catalogue/headline.py): the same in show, the profile and the panel."""

    indicator: str
    label: str
    unit: str | None = None
    source: str
    source_name: str
    period: str
    value: Num
    national: Num = None
    resolution_short: str | None = None  # « détail : 732 codes APE… » or « mesure grossière… »
    detail: bool | None = None  # the APE detail (URSSAF) rather than a coarse measure
    resolution_note: str | None = None  # why the coarse measure stands in, and how to get more


class CardRanking(_Shape):
    """The territory's place in the default ranking, with eligibility and tier."""

    rank: int | None
    n: int
    rank_low: int | None = None
    rank_high: int | None = None
    eligible: bool | None = None
    eligibility_note: str | None = None
    eligible_rank: int | None = None
    p_top: Num = None
    tier: str | None = None
    unranked: str | None = None


class CardComparison(_Shape):
    """The comparison group the anchoring medians are taken on."""

    group: str
    label: str
    codes: list[str]
    names: list[str] = []


class Card(_Shape):
    territory: TerritoryRow
    parents: list[Parent]
    indicators: list[CardIndicator] = []
    anchoring: list[CardIndicator] = []
    jobs: list[JobRow] = []
    coverage: list[Coverage] = []
    headline: list[KeyFigure] = []
    ranking: CardRanking | None = None
    comparison: CardComparison | None = None


class LevelMeta(Meta):
    level: str | None = None


class JobsMeta(LevelMeta):
    code: str
    name: str


class IndicatorRow(_Shape):
    level: str
    code: str
    name: str | None
    indicator: str
    period: str
    value: Num
    unit: str | None
    resolution: str | None
    source: str
    note: str | None


class IndicatorsMeta(LevelMeta):
    indicator: list[str] | None = None
    period: str | None = None
    code: str | None = None
    source: str | None = None


# --- ranking, audit, impact, simulation, profile -------------------------------------------


class RankingRow(_Shape):
    """One ranked territory; ``dim_<id>`` and ``contrib_<id>`` columns follow the rule's
    dimensions, ``eligible*`` its eligibility, ``region_rank`` a per-région selection."""

    rank: int | None
    code: str
    name: str
    score: Num
    rank_low: Num
    rank_high: Num
    area_type: str | None
    type: str | None
    top_dimension: str | None
    population: Num = None
    reg: str | None = None
    n_imputed: int | None = None
    eligible: bool | None = None
    eligibility_note: str | None = None
    eligible_rank: Num = None
    p_top: Num = Field(None, description="Probabilité, sur les tirages Monte Carlo, d'être "
                       "parmi les N premiers éligibles (N : paramètre top, sinon la taille de "
                       "programme de la règle).")
    tier: str | None = Field(None, description="Palier : retenu, incertain ou écarté.")
    imputed_note: str | None = None


class Unranked(_Shape):
    code: str
    name: str
    reason: str


class Programme(_Shape):
    size: int
    retained: Num
    excluded: Num
    counts: dict[str, int] = Field(description="Territoires par palier.")
    uncertainty: list[str] = Field(description="Sources d'incertitude tirées.")


class RankingMeta(LevelMeta):
    seed: int
    draws: int | None
    rule: str
    rule_file: str
    eligibility: str
    dimensions: dict[str, str] = Field(description="Libellé de chaque dimension de la règle.")
    programme: Programme | None = None
    unranked: list[Unranked] = Field(default_factory=list, description="Territoires non "
                                     "classés et le motif (données manquantes).")


class AuditImportance(_Shape):
    indicator: str
    dimension: str
    effective: Num
    nominal: Num
    ratio: Num


class AuditDimension(_Shape):
    dimension: str
    label: str
    weight: Num
    n_indicators: int


class Audit(_Shape):
    text: str
    rule: str
    n: int
    importance: list[AuditImportance]
    dimensions: list[AuditDimension]
    pca: list[dict[str, Num]]
    corr_indicators: list[dict[str, Num | str]]


class RuleMeta(LevelMeta):
    rule: str


class ImpactRow(_Shape):
    delta: Num
    effect: str
    effect_label: str
    area: str
    area_label: str
    jobs: Num
    output: Num
    value_added: Num


class ImpactMeta(Meta):
    territory: Parent
    sector: str
    sector_label: str
    jobs: Num
    deltas: list[float]
    notes: list[str]


class SimulationRow(_Shape):
    level: str
    code: str
    name: str | None
    dcrtp_before: Num
    cut: Num
    dcrtp_after: Num
    exempt: bool


class Simulation(_Shape):
    rows: list[SimulationRow]
    summary: list[dict[str, Num | str | int]]
    totals: dict[str, Num | bool | int | dict] | list[dict[str, Num | bool | int | str]]
    n_rows: int


class SimulationMeta(Meta):
    """One key (``cle``), or with ``compare`` every key compared (``cles``)."""

    annee: int
    cle: str | None = None
    cles: list[str] | None = None
    donnees_fictives: bool


class ProfileRanking(_Shape):
    rank: int | None
    n: int
    score: Num
    rank_low: Num = None
    rank_high: Num = None


class SeriesPoint(_Shape):
    source: str
    year: int
    industry_jobs: Num
    industry_share: Num
    national_share: Num = None


class Profile(_Shape):
    territory: TerritoryRow
    parents: list[Parent]
    key_figures: list[dict]
    peers: list[dict]
    ranking: ProfileRanking | None
    families: list[dict]
    series: list[SeriesPoint]
    notes: list[str]


class ProfileMeta(LevelMeta):
    code: str
    generated_at: str


class RuleFile(Meta):
    rule_file: str


#: The rule as the API sends it back (``GET /api/rule``): the model ``POST /api/ranking``
#: takes.
RuleShape = Rule
