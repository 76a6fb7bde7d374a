"""The one catalogue of indicators: what each figure means, how it is computed, from what.

Two declarations, read by the engine (``pacte.indicators.engine``), the CLI, and later the
API, dashboard and reports:

- ``SERIES``: each job source as territory x sector matrices (levels, sectors, which sectors
  are industry, years, crisis / recovery / peak windows, French resolution text);
- ``INDICATORS``: each indicator once (id, French label and unit, direction for targeting,
  one-line formula, sources, levels, period kinds, ``calc``).

``calc`` is a pure function of numpy arrays with one signature per ``kind``:

- ``"level"``  ``calc(E, R, ind)``: ``E`` (n, k) jobs at one date, ``R`` (k,) France row of
  the same source at that date, ``ind`` (k,) bool mask of industrial sectors;
- ``"change"`` ``calc(E0, E1, R0, R1, ind)``: the same at the start and the end of a window;
- ``"peak"``   ``calc(S, years, ind, peak_start, peak_end, at)``: ``S`` (n, T, k) the whole
  series, peak searched over ``peak_start..peak_end``, value read at ``at``.

Each returns ``(values (n,), reasons (n,))``: French reasons (``calc_*_reasons`` of the pure
modules) where a value is NaN, ``""`` elsewhere. Adding an indicator = one ``Indicator``
below + its ``calc`` (a few lines around a pure ``calc_*`` function).

Direction (for targeting vulnerable territories): ``higher_is_better`` / ``higher_is_worse``
say which end of the scale signals a territory in difficulty (a larger crisis job loss, a
more concentrated economy, a deeper fall from the peak are worse). Industrial weight
(``industry_share``, ``lq_industry``, ``industry_jobs``) is ``neutral``: it measures
exposure, which the programme targets as *relevance* (industrial territories), not as
a good or a bad; the targeting module decides its sign explicitly. Shift-share's national
share is ``neutral`` too: it is the change the territory would have had at the national rate.

Choices per source (finest resolution available at each level):

- ESTEL (ZE2010 native, ZE2020 estimates flagged): 5 A5 sectors, industry = BE; crisis
  2008-2012, recovery 2012-2017, pre-crisis peak searched over 2000-2008.
- Census (EPCI, ZE2020, département, région): 15 functions (CFM, a cross-cutting category,
  and TOTAL are left out; the total is the sum of the functions), industry = FABRIC; census
  years 1999/2006/2011/2016: crisis 2006-2011, recovery 2011-2016, peak over 1999-2006.
- Quarterly estimates (régions): 4th-quarter values; the 14 A17 market non-farm sectors
  (agriculture and non-market services are published only from 2010, so they are left out
  to keep 2008 comparable); industry = C1..C5, whose C2DE also holds extraction, energy,
  water and waste (= A5 BE). Construction A17-FZ, not published for the DOM, is taken from
  A5-FZ (the same NAF section F). Regions of the DOM start in 2010: no 2008-2012 change.
- URSSAF (Rouen extract, EPCI): every APE code, industry = NAF sections B to E; no France
  row in the store, so only the indicators that need no national reference.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from pacte.indicators import resilience as res
from pacte.indicators.calcs import (
    Result,
    calc_allocation_effect,
    calc_drop_from_peak,
    calc_herfindahl,
    calc_industry_job_change_abs,
    calc_industry_job_change_rel,
    calc_industry_jobs,
    calc_industry_share,
    calc_job_change_abs,
    calc_job_change_rel,
    calc_krugman,
    calc_lq_industry,
    calc_shannon,
    resilience_calc,
    shift_share_calc,
    small_change_caveat,
)

Direction = Literal["higher_is_worse", "higher_is_better", "neutral"]
Kind = Literal["level", "change", "peak", "model"]
DIRECTION_LABELS = {"higher_is_worse": "plus haut = plus fragile",
                    "higher_is_better": "plus haut = plus favorable", "neutral": "neutre"}


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


SERIES: dict[str, Series] = {s.id: s for s in (
    Series("estel", "ESTEL", ("ze2010", "ze2020"), ("AZ", "BE", "FZ", "GU", "OQ"), ("BE",),
           tuple(range(1998, 2018)), (2008, 2012), (2012, 2017), 2000,
           "5 secteurs A5 (industrie = BE), Insee ESTEL, emploi salarié au 31/12",
           absent_note="pas de données ESTEL", missing_note="pas de données ESTEL en {years}"),
    Series("rp", "recensement", ("epci", "ze2020", "dep", "reg"),
           ("ADMPUB", "AGRICU", "BTP", "COMINT", "CONREC", "CULLOI", "DISTRI", "EDUFOR",
            "ENTREP", "FABRIC", "GESTIO", "LOGIST", "PREINT", "SANSOC", "SERPRO"), ("FABRIC",),
           (1999, 2006, 2011, 2016), (2006, 2011), (2011, 2016), 1999,
           "15 fonctions (industrie = fabrication), recensement Insee, emploi au lieu de travail",
           perimeter_adjust=True, absent_note="pas de données du recensement",
           missing_note="communes non diffusées (nd) au recensement {years}",
           mayotte_note="Mayotte absent du recensement {years}"),
    Series("trim", "estimations trimestrielles", ("reg",),
           ("A17-C1", "A17-C2DE", "A17-C3", "A17-C4", "A17-C5", "A17-FZ", "A17-GZ", "A17-HZ",
            "A17-IZ", "A17-JZ", "A17-KZ", "A17-LZ", "A17-MN", "A17-RU"),
           ("A17-C1", "A17-C2DE", "A17-C3", "A17-C4", "A17-C5"),
           tuple(range(2001, 2023)), (2008, 2012), (2012, 2017), 2001,
           "14 secteurs A17 marchands non agricoles (industrie = C1 à C5 y c. extraction, "
           "énergie, eau, déchets), Insee, emploi salarié trimestriel au 4e trimestre",
           quarter="T4", fill_from={"A17-FZ": "A5-FZ"},
           absent_note="pas d'estimation trimestrielle régionale",
           missing_note="pas d'estimation trimestrielle régionale en {years} "
                        "(série disponible à partir de {first})"),
    Series("urssaf", "URSSAF", ("epci",), None, ("B", "C", "D", "E"),
           tuple(range(2006, 2023)), (2008, 2012), (2012, 2017), 2006,
           "732 codes APE (industrie = sections NAF B à E), URSSAF, emploi salarié privé",
           has_national=False, all_territories=False,
           missing_note="pas de données URSSAF en {years}"),
)}
#: Period kinds and their French description (``pacte indicators --list``).
PERIOD_KINDS = {"year": "chaque année", "crisis": "crise", "recovery": "reprise",
                "peak_crisis": "pic d'avant-crise → fin de crise",
                "peak_last": "pic d'avant-crise → dernière année"}


# --- the catalogue -------------------------------------------------------------------------

ALL = ("estel", "rp", "trim", "urssaf")
WITH_REFERENCE = ("estel", "rp", "trim")  # URSSAF extract: no France row to compare with
CHANGES = ("crisis", "recovery")


@dataclass(frozen=True)
class Model:
    """A store-level model computing several indicators at once for one level (value chains,
    exposure to globalisation): ``run(con, level)`` returns the long indicator table."""

    id: str
    name: str  # short French name
    run: str  # "module:function"

    def compute(self, con, level: str):
        module, func = self.run.split(":")
        return getattr(importlib.import_module(module), func)(con, level)


MODELS: dict[str, Model] = {m.id: m for m in (
    Model("valuechain", "chaînes de valeur (TES 2010, FLQ)",
          "pacte.valuechain_engine:compute_valuechain"),
    Model("exposure", "mondialisation (WIOD 2013)", "pacte.exposure_engine:compute_exposure"),
)}


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
    model: str | None = None  # kind "model": the MODELS entry computing it (periods literal)

    def __post_init__(self) -> None:
        if self.kind == "model":
            if self.model not in MODELS or not self.levels:
                raise ValueError(f"{self.id}: a model indicator needs a known model and levels")
            return
        if not self.levels:
            lv = [lv for s in self.sources for lv in SERIES[s].levels]
            if any(SERIES[s].has_national for s in self.sources):
                lv.append("fr")
            object.__setattr__(self, "levels", tuple(dict.fromkeys(lv)))


_IND = "emplois industriels"
_VC_PERIODS = ("2010", "2010-T4", "2011")
_VC_LEVELS = ("ze2010", "ze2020", "epci", "dep", "reg", "fr")
_VC_RES = "structure sectorielle A17 du territoire (selon la source), TES France 2010"
_EXP_PERIODS = ("2000-2007", "2007-2011")
_EXP_LEVELS = ("ze2010", "ze2020", "epci", "dep", "reg")
_EXP_RES = "industries WIOD (c3 à c16) selon la structure du territoire"
_KUSD = "milliers de dollars US courants par emploi"
_ALL_SECT = "tous les secteurs (ou fonctions) de la source"
INDICATORS: dict[str, Indicator] = {i.id: i for i in (
    Indicator("industry_jobs", "Emplois industriels", "emplois", "neutral",
              "somme des emplois des secteurs industriels", ALL, "level", ("year",), _IND,
              calc_industry_jobs),
    Indicator("industry_share", "Part de l'emploi industriel", "%", "neutral",
              "100 × emplois industriels / emplois totaux", ALL, "level", ("year",), _IND,
              calc_industry_share),
    Indicator("lq_industry", "Indice de spécificité industrielle", "indice", "neutral",
              "part industrielle du territoire / part industrielle de la France",
              WITH_REFERENCE, "level", ("year",), _IND, calc_lq_industry),
    Indicator("krugman", "Indice de spécialisation de Krugman", "indice (0 à 2)",
              "higher_is_worse", "Σ_j |e_ij/e_i − R_j/R| (écart à la structure nationale)",
              WITH_REFERENCE, "level", ("year",), _ALL_SECT, calc_krugman),
    Indicator("herfindahl", "Concentration sectorielle (Herfindahl)", "indice (0 à 1)",
              "higher_is_worse", "Σ_j (e_ij/e_i)²", ALL, "level", ("year",), _ALL_SECT,
              calc_herfindahl),
    Indicator("shannon", "Diversité sectorielle (entropie de Shannon normalisée)",
              "indice (0 à 1)", "higher_is_better", "−Σ_j s_ij ln s_ij / ln k", ALL, "level",
              ("year",), _ALL_SECT, calc_shannon),
    Indicator("job_change_abs", "Variation de l'emploi total", "emplois", "higher_is_better",
              "e_fin − e_début (emplois totaux)", ALL, "change", CHANGES, _ALL_SECT,
              calc_job_change_abs),
    Indicator("job_change_rel", "Taux de variation de l'emploi total", "%", "higher_is_better",
              "100 × (e_fin − e_début) / e_début", ALL, "change", CHANGES, _ALL_SECT,
              calc_job_change_rel),
    Indicator("industry_job_change_abs", "Variation de l'emploi industriel", "emplois",
              "higher_is_better", "i_fin − i_début (emplois industriels)", ALL, "change",
              CHANGES, _IND, calc_industry_job_change_abs),
    Indicator("industry_job_change_rel", "Taux de variation de l'emploi industriel", "%",
              "higher_is_better", "100 × (i_fin − i_début) / i_début", ALL, "change", CHANGES,
              _IND, calc_industry_job_change_rel),
    Indicator("national_share", "Shift-share : effet national", "emplois", "neutral",
              "Σ_j e0_ij × G (croissance au taux national)", WITH_REFERENCE, "change",
              CHANGES, _ALL_SECT, shift_share_calc("national_share")),
    Indicator("industrial_mix", "Shift-share : effet de structure", "emplois",
              "higher_is_better", "Σ_j e0_ij × (G_j − G)", WITH_REFERENCE, "change", CHANGES,
              _ALL_SECT, shift_share_calc("industrial_mix")),
    Indicator("regional_shift", "Shift-share : effet local (compétitivité)", "emplois",
              "higher_is_better", "Σ_j (e1_ij − e0_ij − e0_ij × G_j)", WITH_REFERENCE,
              "change", CHANGES, _ALL_SECT, shift_share_calc("regional_shift")),
    Indicator("allocation_effect", "Shift-share : effet d'allocation (Esteban-Marquillas)",
              "emplois", "higher_is_better", "Σ_j (e0_ij − e*_ij)(g_ij − G_j), e*_ij = e0_i R0_j/R0",
              WITH_REFERENCE, "change", CHANGES, _ALL_SECT, calc_allocation_effect),
    Indicator("resistance", "Résistance à la crise (emploi total)", "indice", "higher_is_better",
              "(g_territoire − g_France) / |g_France| sur la crise", WITH_REFERENCE, "change",
              ("crisis",), _ALL_SECT, resilience_calc(res.calc_resistance,
                                                  res.calc_resistance_reasons, False),
              caveat=small_change_caveat(False)),
    Indicator("recovery", "Reprise après la crise (emploi total)", "indice", "higher_is_better",
              "(g_territoire − g_France) / |g_France| sur la reprise", WITH_REFERENCE,
              "change", ("recovery",), _ALL_SECT,
              resilience_calc(res.calc_recovery, res.calc_recovery_reasons, False),
              caveat=small_change_caveat(False)),
    Indicator("industry_resistance", "Résistance de l'emploi industriel à la crise", "indice",
              "higher_is_better", "même formule que resistance, sur les emplois industriels",
              WITH_REFERENCE, "change", ("crisis",), _IND,
              resilience_calc(res.calc_resistance, res.calc_resistance_reasons, True),
              caveat=small_change_caveat(True)),
    Indicator("industry_recovery", "Reprise de l'emploi industriel après la crise", "indice",
              "higher_is_better", "même formule que recovery, sur les emplois industriels",
              WITH_REFERENCE, "change", ("recovery",), _IND,
              resilience_calc(res.calc_recovery, res.calc_recovery_reasons, True),
              caveat=small_change_caveat(True)),
    Indicator("drop_from_peak", "Recul de l'emploi industriel depuis le pic d'avant-crise", "%",
              "higher_is_worse", "100 × (pic avant la crise − valeur à la date) / pic", ALL,
              "peak", ("peak_crisis", "peak_last"), _IND, calc_drop_from_peak),
    # --- value chains (pacte.valuechain_engine, pure maths in indicators/regional_io.py)
    *(Indicator(i, label, unit, direction, formula, ("valuechain",), "model", _VC_PERIODS,
                _VC_RES, None, levels=_VC_LEVELS, model="valuechain")
      for i, label, unit, direction, formula in (
        ("supported_jobs_local", "Emplois de services soutenus localement par l'industrie",
         "emplois", "neutral", "(I − A_ss)⁻¹ A_si x_ind sur la table régionalisée (FLQ), "
         "× emplois par unité de production"),
        ("supported_jobs_leaked", "Emplois soutenus par l'industrie hors du territoire",
         "emplois", "neutral", "même calcul sur la table nationale, moins l'effet local"),
        ("industrie_elargie_share", "Part de l'industrie élargie", "%", "neutral",
         "100 × (emplois industriels + emplois soutenus localement) / emplois totaux"),
    )),
    *(Indicator(i, label, unit, "neutral", formula, ("valuechain",), "model", ("2010",),
                "TES France 2010 A17 (calibration ThreeME)", None, levels=("fr",),
                model="valuechain")
      for i, label, unit, formula in (
        ("output_multiplier_industry", "Multiplicateur de production de l'industrie",
         "multiplicateur", "sommes en colonne de L = (I − A)⁻¹, moyenne pondérée par la "
         "production des branches industrielles"),
        ("employment_multiplier_industry", "Multiplicateur d'emploi (type I) de l'industrie",
         "multiplicateur", "effet emploi e L / coefficient direct e, moyenne pondérée"),
    )),
    # --- exposure to globalisation (pacte.exposure_engine, maths in indicators/exposure.py)
    *(Indicator(i, label, unit, direction, formula, ("exposure",), "model", _EXP_PERIODS,
                _EXP_RES, None, levels=_EXP_LEVELS, model="exposure")
      for i, label, unit, direction, formula in (
        ("import_exposure_china", "Exposition aux importations chinoises", _KUSD,
         "higher_is_worse", "Σ_j (e_ij / e_i) × ΔM_j(Chine → France) / L_j"),
        ("import_exposure_lowwage", "Exposition aux importations des pays à bas salaires",
         _KUSD, "higher_is_worse", "Σ_j (e_ij / e_i) × ΔM_j(pays à bas salaires) / L_j"),
        ("import_exposure_iv", "Exposition (instrument : exportations chinoises vers d'autres "
         "pays riches)", _KUSD, "higher_is_worse",
         "Σ_j (e_ij / e_i) × ΔX_j(Chine → autres pays riches) / L_j"),
        ("export_exposure", "Exposition à l'export (débouchés)", _KUSD, "higher_is_better",
         "Σ_j (e_ij / e_i) × ΔX_j(France → monde) / L_j"),
        ("jobs_at_risk", "Emplois industriels menacés (estimation)", "emplois",
         "higher_is_worse", "élasticité ADH 2013 (−0,596) × exposition × emplois"),
    )),
)}

#: Headline indicators: every territory has a value or a note saying why (tested).
HEADLINE = ("industry_share", "lq_industry", "industry_job_change_rel", "resistance")


def source_name(source_id: str) -> str:
    """Short French name of a job source or a model."""
    return SERIES[source_id].name if source_id in SERIES else MODELS[source_id].name


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
