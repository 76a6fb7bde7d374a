"""Value-chain indicators (engine ``pacte.engine.valuechain``; maths in
``pacte.indicators.regional_io`` and ``pacte.indicators.inputoutput``)."""

from __future__ import annotations

from pacte.catalogue.base import Family, Indicator
from pacte.geography import INDICATOR_LEVELS
from pacte.labels import MODELLED_JOBS

NAME = "chaînes de valeur (TES 2010, FLQ)"
_VC_PERIODS = ("2010", "2010-T4", "2011")
_VC_LEVELS = INDICATOR_LEVELS
_VC_RES = "structure sectorielle A17 du territoire (selon la source), TES France 2010"

VALUECHAIN_INDICATORS: tuple[Indicator, ...] = (
    *(Indicator(i, label, unit, direction, formula, ("valuechain",), "model", _VC_PERIODS,
                _VC_RES, None, levels=_VC_LEVELS, model="valuechain",
                family="valuechain")
      for i, label, unit, direction, formula in (
        ("supported_jobs_local", "Emplois de services soutenus localement par l'industrie",
         MODELLED_JOBS, "neutral", "(I − A_ss)⁻¹ A_si x_ind sur la table régionalisée (FLQ), "
         "× emplois par unité de production"),
        ("supported_jobs_leaked", "Emplois soutenus par l'industrie hors du territoire",
         MODELLED_JOBS, "neutral", "même calcul sur la table nationale, moins l'effet local"),
        ("industrie_elargie_share", "Part de l'industrie élargie (base : la part industrielle "
         "affichée)", "%", "neutral",
         "part industrielle de la même source (recensement : fonction « fabrication ») + 100 × "
         "emplois soutenus localement / emplois totaux"),
    )),
    *(Indicator(i, label, unit, "neutral", formula, ("valuechain",), "model", ("2010",),
                "TES France 2010, 16 secteurs (C2 et DE regroupés), personnes en emploi",
                None, levels=("fr",),
                model="valuechain", family="valuechain")
      for i, label, unit, formula in (
        ("output_multiplier_industry", "Multiplicateur de production de l'industrie",
         "multiplicateur", "sommes en colonne de L = (I − A)⁻¹, moyenne pondérée par la "
         "production des branches industrielles"),
        ("employment_multiplier_industry", "Multiplicateur d'emploi (type I) de l'industrie",
         "multiplicateur", "effet emploi e L / coefficient direct e (personnes en emploi), "
         "moyenne pondérée"),
    )),
)

FAMILY = Family("valuechain", "chaînes de valeur", VALUECHAIN_INDICATORS, tables={
    "valuechain": ("io_sut_a17_flows", "io_sut_a17_sectors", "census_functions",
                   "estel_salaried", "quarterly_jobs")},
    model="pacte.engine.valuechain:compute_valuechain", model_name=NAME)
