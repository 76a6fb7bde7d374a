"""Exposure to globalisation (engine ``pacte.engine.exposure``; maths in
``pacte.indicators.exposure`` and ``pacte.indicators.trade``)."""

from __future__ import annotations

from pacte.catalogue.base import Family, Indicator
from pacte.geography import EXPOSURE_IDS as EXPOSURE_IDS  # declared with the levels
from pacte.geography import EXPOSURE_LEVELS, EXPOSURE_PERIODS
from pacte.labels import MODELLED_JOBS

NAME = "mondialisation (WIOD 2013)"
_EXP_PERIODS = EXPOSURE_PERIODS
_EXP_LEVELS = EXPOSURE_LEVELS
_EXP_RES = "industries WIOD (c3 à c16) selon la structure du territoire"
_KUSD = "milliers de dollars US courants (non déflatés) par emploi"

EXPOSURE_INDICATORS: tuple[Indicator, ...] = (
    *(Indicator(i, label, unit, direction, formula, ("exposure",), "model", _EXP_PERIODS,
                _EXP_RES, None, levels=_EXP_LEVELS, model="exposure",
                family="exposure")
      for i, label, unit, direction, formula in (
        ("import_exposure_china", "Exposition aux importations chinoises", _KUSD,
         "higher_is_worse", "Σ_j (e_ij / e_i) × ΔM_j(Chine → France) / L_j"),
        ("import_exposure_lowwage", "Exposition aux importations des pays à bas salaires",
         _KUSD, "higher_is_worse", "Σ_j (e_ij / e_i) × ΔM_j(pays à bas salaires) / L_j"),
        ("import_exposure_iv", "Instrument (exportations chinoises vers d'autres pays "
         "riches), pas une exposition", _KUSD, "neutral",
         "Σ_j (e_ij / e_i) × ΔX_j(Chine → autres pays riches) / L_j"),
        ("export_exposure", "Exposition à l'export (débouchés)", _KUSD, "higher_is_better",
         "Σ_j (e_ij / e_i) × ΔX_j(France → monde) / L_j"),
        ("jobs_at_risk", "Emplois industriels menacés par la Chine (ordre de grandeur)",
         MODELLED_JOBS,
         "higher_is_worse", "total national = 13 % du recul de l'emploi industriel 2001-2007 "
         "(Malgouyres 2017), réparti selon exposition × emploi total"),
    )),
)

FAMILY = Family("exposure", "mondialisation", EXPOSURE_INDICATORS, tables={
    "exposure": ("wiod_trade", "io_wiod_fra_output", "wiod_crosswalk_a17", "wiod_crosswalk_a38",
                 "wiod_low_wage", "wiod_sector_labels", "census_functions", "estel_salaried",
                 "quarterly_jobs")},
    model="pacte.engine.exposure:compute_exposure", model_name=NAME)
