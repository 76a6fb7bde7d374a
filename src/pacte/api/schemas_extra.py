"""Declared shapes of the API's secondary answers: candidate basins, spatial statistics, the
dashboard's helpers (comparison groups, indicator sheets, level switches) and local
finances (see :mod:`pacte.api.schemas`)."""

from __future__ import annotations

from pacte.api.schemas_base import Num, _Shape


class BasinRow(_Shape):
    code: str
    name: str
    rank: int | None = None
    score: Num = None
    members: list[dict] = []


class FeatureCollection(_Shape):
    type: str
    features: list[dict]


class Spatial(_Shape):
    moran: list[dict]
    clusters: list[dict]
    islands: list[str]


class LisaRow(_Shape):
    code: str
    name: str | None
    score: Num
    local_i: Num
    p_sim: Num
    cluster: str | None
    cluster_label: str | None = None


class ComparisonGroup(_Shape):
    level: str
    code: str
    name: str | None
    group: str
    label: str
    codes: list[str]
    n: int


class IndicatorSheets(_Shape):
    indicators: list[dict]
    source_names: dict[str, str]


class Located(_Shape):
    level: str
    code: str
    name: str | None
    from_level: str
    from_code: str
    population_share: Num


class Finances(_Shape):
    available: bool
    title: str
    message: str | None = None
    donnees: dict | None = None


class Basin(_Shape):
    """A candidate basin's row of the basin ranking (``members``: its EPCI codes, joined)."""

    code: str
    name: str
    rank: int | None = None
    score: Num = None
    members: str | None = None


class BasinDetail(_Shape):
    """One candidate basin and its member EPCI (one row each)."""

    basin: Basin
    members: list[dict]


class CrisisRow(_Shape):
    """One activity's jobs in 2008 and 2012 in an EPCI, and the shift-share (Dunn) of the
    change against France (null without a national reference)."""

    industry: str
    label: str | None
    jobs_start: Num
    jobs_end: Num
    change: Num
    change_rel: Num
    national_growth: Num
    national_share: Num
    industrial_mix: Num
    regional_shift: Num


class DiversifyTerritory(_Shape):
    """A territory's economic complexity (Hidalgo & Hausmann 2009) and diversity."""

    code: str
    name: str
    level: str
    eci: Num
    eci_rank: int | None
    n_territories: int
    coi: Num
    diversity: int
    jobs: Num


class Diversify(_Shape):
    """Specialisations, the activities to develop (by density) and the method's limits."""

    territory: DiversifyTerritory
    specialisations: list[dict]
    opportunities: list[dict]
    limits: list[str]


class DcrtpTerritory(_Shape):
    level: str
    code: str
    name: str | None
    epci: str | None


class DcrtpKeyRow(_Shape):
    """One key of the cut: the territory's share of it, beside its share of the population."""

    key: str
    label: str
    national_cut: Num
    dcrtp_before: Num
    cut: Num
    cut_share_dcrtp: Num
    cut_share: Num
    population_share: Num
    double_peine: Num
    industrial_quintile: str | None
    quintile_double_peine: Num


class TerritoryDcrtp(_Shape):
    """A territory's DCRTP history (REI, OFGL) and its cut under each key."""

    territory: DcrtpTerritory
    history: list[dict]
    keys: list[DcrtpKeyRow]
    rows: list[dict]
    skipped: dict[str, str]
