"""Job indicators and job series: what each figure means, how it is computed, from what.

Two declarations, read by the engine (``pacte.engine.jobs``), the handlers and every output:

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

from dataclasses import replace

from pacte.catalogue.base import Family, Indicator, Series
from pacte.indicators import resilience as res
from pacte.indicators.jobs import (
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

ALL = ("estel", "rp", "trim", "urssaf")
WITH_REFERENCE = ("estel", "rp", "trim")  # URSSAF extract: no France row to compare with
CHANGES = ("crisis", "recovery")
_IND = "emplois industriels (secteurs B à E ; au recensement : fonction « fabrication »)"
#: What each source's "industry" is: a sector everywhere but in the census, where it is the
#: « fabrication » function (an occupation at the workplace, not the industry sector).
_WHAT = {"estel": "secteur industriel", "trim": "secteur industriel",
         "urssaf": "secteur industriel", "rp": "fonction « fabrication »"}
#: What the diversity indices run on, per source.
_ON = {"estel": "5 secteurs", "trim": "14 secteurs", "urssaf": "732 codes APE",
       "rp": "15 fonctions"}


def _by_source(fmt: str, table: dict[str, str]) -> dict[str, str]:
    return {s: fmt.format(t) for s, t in table.items()}
_ALL_SECT = "tous les secteurs (ou fonctions) de la source"


def _levels(sources: tuple[str, ...]) -> tuple[str, ...]:
    """Every level of the sources, plus France when one of them has a France row."""
    lv = [lv for s in sources for lv in SERIES[s].levels]
    if any(SERIES[s].has_national for s in sources):
        lv.append("fr")
    return tuple(dict.fromkeys(lv))


def _job(*args, **kw) -> Indicator:
    ind = Indicator(*args, **kw)
    return ind if ind.levels else replace(ind, levels=_levels(ind.sources))


JOB_INDICATORS: tuple[Indicator, ...] = (
    _job("industry_jobs", "Emplois de l'industrie (secteur, ou fonction « fabrication » au "
              "recensement)", "emplois", "neutral",
              "somme des emplois des secteurs industriels (recensement : de la fonction "
              "« fabrication »)", ALL, "level", ("year",), _IND, calc_industry_jobs,
              source_labels=_by_source("Emplois : {}", _WHAT)),
    _job("industry_share", "Part de l'industrie dans l'emploi (secteur, ou fonction "
              "« fabrication » au recensement)", "%", "neutral",
              "100 × emplois industriels / emplois totaux (recensement : fonction "
              "« fabrication »)", ALL, "level", ("year",), _IND, calc_industry_share,
              source_labels=_by_source("Part de l'emploi : {}", _WHAT)),
    _job("lq_industry", "Indice de spécificité industrielle (secteur, ou fonction "
              "« fabrication » au recensement)", "indice", "neutral",
              "part industrielle du territoire / part industrielle de la France",
              WITH_REFERENCE, "level", ("year",), _IND, calc_lq_industry,
              source_labels=_by_source("Indice de spécificité : {}", _WHAT)),
    _job("krugman", "Indice de spécialisation de Krugman", "indice (0 à 2)",
              "neutral", "Σ_j |e_ij/e_i − R_j/R| (écart à la structure nationale, "
              "symétrique : ni bon ni mauvais)",
              WITH_REFERENCE, "level", ("year",), _ALL_SECT, calc_krugman,
              source_labels=_by_source("Indice de spécialisation de Krugman (sur {})", _ON)),
    _job("herfindahl", "Concentration de l'emploi (Herfindahl, sur les secteurs ou fonctions "
              "de la source)", "indice (0 à 1)",
              "higher_is_worse", "Σ_j (e_ij/e_i)²", ALL, "level", ("year",), _ALL_SECT,
              calc_herfindahl,
              source_labels=_by_source("Concentration de l'emploi (Herfindahl, sur {})", _ON)),
    _job("shannon", "Diversité de l'emploi (entropie de Shannon normalisée, sur les secteurs "
              "ou fonctions de la source)",
              "indice (0 à 1)", "higher_is_better", "−Σ_j s_ij ln s_ij / ln k", ALL, "level",
              ("year",), _ALL_SECT, calc_shannon,
              source_labels=_by_source("Diversité de l'emploi (Shannon normalisé, sur {})",
                                       _ON)),
    _job("job_change_abs", "Variation de l'emploi total", "emplois", "higher_is_better",
              "e_fin − e_début (emplois totaux)", ALL, "change", CHANGES, _ALL_SECT,
              calc_job_change_abs),
    _job("job_change_rel", "Taux de variation de l'emploi total", "%", "higher_is_better",
              "100 × (e_fin − e_début) / e_début", ALL, "change", CHANGES, _ALL_SECT,
              calc_job_change_rel),
    _job("industry_job_change_abs", "Variation de l'emploi de l'industrie (secteur, ou "
              "fonction « fabrication » au recensement)", "emplois",
              "higher_is_better", "i_fin − i_début (emplois industriels)", ALL, "change",
              CHANGES, _IND, calc_industry_job_change_abs,
              source_labels=_by_source("Variation de l'emploi : {}", _WHAT)),
    _job("industry_job_change_rel", "Taux de variation de l'emploi de l'industrie (secteur, "
              "ou fonction « fabrication » au recensement)", "%",
              "higher_is_better", "100 × (i_fin − i_début) / i_début", ALL, "change", CHANGES,
              _IND, calc_industry_job_change_rel,
              source_labels=_by_source("Taux de variation de l'emploi : {}", _WHAT)),
    _job("national_share", "Shift-share : effet national", "emplois", "neutral",
              "Σ_j e0_ij × G (croissance au taux national)", WITH_REFERENCE, "change",
              CHANGES, _ALL_SECT, shift_share_calc("national_share")),
    _job("industrial_mix", "Shift-share : effet de structure", "emplois",
              "higher_is_better", "Σ_j e0_ij × (G_j − G)", WITH_REFERENCE, "change", CHANGES,
              _ALL_SECT, shift_share_calc("industrial_mix")),
    _job("regional_shift", "Shift-share : effet local (compétitivité)", "emplois",
              "higher_is_better", "Σ_j (e1_ij − e0_ij − e0_ij × G_j)", WITH_REFERENCE,
              "change", CHANGES, _ALL_SECT, shift_share_calc("regional_shift")),
    _job("allocation_effect", "Shift-share : effet d'allocation (Esteban-Marquillas)",
              "emplois", "higher_is_better", "Σ_j (e0_ij − e*_ij)(g_ij − G_j), e*_ij = e0_i R0_j/R0",
              WITH_REFERENCE, "change", CHANGES, _ALL_SECT, calc_allocation_effect),
    _job("resistance", "Résistance à la crise (emploi total ; écart de croissance si la "
              "France n'a pas reculé)", "indice (ou points d'écart de croissance)",
              "higher_is_better",
              "(g_territoire − g_France) / |g_France| sur la crise (Martin 2012) si la France "
              "recule, sinon 100 × (g_territoire − g_France)", WITH_REFERENCE, "change",
              ("crisis",), _ALL_SECT, resilience_calc(res.calc_resistance,
                                                  res.calc_resistance_reasons, False),
              caveat=small_change_caveat(False, resistance=True),
              source_labels={"rp": "Écart de croissance de l'emploi total sur 2006-2011 "
                                   "(la France n'a pas reculé)"}),
    _job("recovery", "Reprise après la crise (emploi total)", "indice", "higher_is_better",
              "(g_territoire − g_France) / |g_France| sur la reprise", WITH_REFERENCE,
              "change", ("recovery",), _ALL_SECT,
              resilience_calc(res.calc_recovery, res.calc_recovery_reasons, False),
              caveat=small_change_caveat(False)),
    _job("industry_resistance", "Résistance de l'emploi industriel à la crise (secteur, ou "
              "fonction « fabrication » au recensement)", "indice (ou points d'écart de "
              "croissance)", "higher_is_better",
              "même formule que resistance, sur les emplois industriels",
              WITH_REFERENCE, "change", ("crisis",), _IND,
              resilience_calc(res.calc_resistance, res.calc_resistance_reasons, True),
              caveat=small_change_caveat(True, resistance=True),
              source_labels={"rp": "Résistance de la fonction « fabrication » à la crise "
                                   "2006-2011"}),
    _job("industry_recovery", "Reprise de l'emploi de l'industrie après la crise (secteur, ou "
              "fonction « fabrication » au recensement)", "indice",
              "higher_is_better", "même formule que recovery, sur les emplois industriels",
              WITH_REFERENCE, "change", ("recovery",), _IND,
              resilience_calc(res.calc_recovery, res.calc_recovery_reasons, True),
              caveat=small_change_caveat(True),
              source_labels={"rp": "Reprise de la fonction « fabrication » après la crise"}),
    _job("drop_from_peak", "Recul de l'emploi de l'industrie depuis le pic d'avant-crise "
              "(secteur, ou fonction « fabrication » au recensement)", "%",
              "higher_is_worse", "100 × (pic avant la crise − valeur à la date) / pic", ALL,
              "peak", ("peak_crisis", "peak_last"), _IND, calc_drop_from_peak,
              source_labels=_by_source("Recul depuis le pic d'avant-crise de l'emploi : {}",
                                       _WHAT)),
)

#: Headline indicators: every territory has a value or a note saying why (tested).
#: The family: its indicators and the snapshot tables each job series reads.
FAMILY = Family("jobs", "emploi et spécialisation", JOB_INDICATORS, tables={
    "estel": ("estel_salaried", "estel_nonsalaried", "commune_ze2010"),
    "rp": ("census_functions", "communes", "commune_passage"),
    "trim": ("quarterly_jobs",),
    "urssaf": ("urssaf_jobs", "naf"),
})

HEADLINE = ("industry_share", "lq_industry", "industry_job_change_rel", "resistance")
