"""Anchoring assets (engine ``pacte.engine.anchoring.compute_anchoring``, model id
``anchoring``; maths in ``pacte.indicators.anchoring``).

Sources and how each reaches EPCI 2025 / ZE2020 / départements / régions / France:

- per commune, re-aggregated exactly (totals conserved): Insee BPE 2009 and 2013 (6 domains,
  see :mod:`pacte.sources.attractiveness`), ARCEP FttH 2017-2018, DETR/DSIL projects of
  communes 2018-2019, census diplomas when fetched; census functions (``jobs`` table);
- per territory of an older perimeter, re-allocated with population weights (an estimate,
  said in ``note``, unless the perimeter is unchanged): ANCT very-high-speed eligibility
  (EPCI 2017), NEET (EPCI 2018), CIF (EPCI 2018), productive functions (ZE2010), DETR/DSIL
  projects of EPCI (shared among their communes by population).
"""

from __future__ import annotations

from pacte.catalogue.base import Family, Indicator
from pacte.geography import INDICATOR_LEVELS
from pacte.labels import BPE_DOMAIN_LABELS

NAME = "ancrage territorial (équipements, numérique, qualifications, investissement)"
MODEL = "anchoring"
_LEVELS = tuple(lv for lv in INDICATOR_LEVELS if lv != "ze2010")  # ze2010: productive only
_SRC = (MODEL,)
_U10K = "équipements pour 10 000 habitants"
_DOMAINS = ("business_services", "personal_services", "transport", "education", "health",
            "retail")


def _ind(id_, label, unit, direction, formula, periods, resolution, levels=_LEVELS):
    return Indicator(id_, label, unit, direction, formula, _SRC, "model", periods, resolution,
                     None, levels=levels, model=MODEL, family=MODEL)


ANCHORING_INDICATORS: tuple[Indicator, ...] = (
    *(_ind(f"equip_{d}_per10k", f"Équipements : {BPE_DOMAIN_LABELS[d]}, pour 10 000 "
           "habitants", _U10K, "higher_is_better",
           "10 000 × équipements du domaine (BPE) / population de l'année",
           ("2009", "2013"), f"communes, Insee BPE, domaine « {BPE_DOMAIN_LABELS[d]} »")
      for d in _DOMAINS),
    *(_ind(f"equip_{d}_change", f"Évolution des équipements : {BPE_DOMAIN_LABELS[d]}",
           "points (équipements pour 10 000 habitants)", "higher_is_better",
           "densité 2013 − densité 2009, sur les types publiés les deux années",
           ("2009-2013",), f"communes, Insee BPE 2009 et 2013, « {BPE_DOMAIN_LABELS[d]} »")
      for d in _DOMAINS),
    _ind("ftth_connectable_share", "Part des locaux raccordables à la fibre (FttH)", "%",
         "higher_is_better", "100 × locaux raccordables / (logements + établissements)",
         ("2017-T3", "2017-T4", "2018-T1"), "communes, ARCEP (locaux des entreprises compris)"),
    _ind("thd_eligible_share", "Part des locaux éligibles au très haut débit filaire "
         "(≥ 30 Mbit/s)", "%", "higher_is_better",
         "valeur de l'EPCI 2017, moyenne pondérée par la population sur le périmètre 2025",
         ("2015", "2017"), "EPCI 2017, ANCT (estimation sur les périmètres 2025)"),
    _ind("neet_share", "Part des 15-24 ans ni en emploi, ni en études, ni en formation (NEET)",
         "%", "higher_is_worse",
         "valeur de l'EPCI 2018, moyenne pondérée par la population sur le périmètre 2025",
         ("2009", "2014"), "EPCI 2018, ANCT / recensement (estimation sur les périmètres 2025)"),
    _ind("productive_functions_share", "Part des fonctions productives dans l'emploi", "%",
         "neutral", "valeur de la zone d'emploi 2010, moyenne pondérée par la population",
         ("2009", "2014"), "zones d'emploi 2010, ANCT / recensement (native en ZE2010, "
         "estimation ailleurs)", levels=("ze2010", *_LEVELS)),
    _ind("conception_research_share", "Part des emplois de la fonction conception-recherche",
         "%", "higher_is_better", "100 × emplois « conception-recherche » / emplois totaux",
         ("2006", "2011", "2016"), "communes, recensement (15 fonctions, lieu de travail)"),
    _ind("cfm_share", "Part des cadres des fonctions métropolitaines", "%",
         "higher_is_better", "100 × cadres des fonctions métropolitaines / emplois totaux",
         ("2006", "2011", "2016"), "communes, recensement (lieu de travail)"),
    _ind("invest_grants_per_inhab", "Subventions d'investissement de l'État (DETR, DSIL) par "
         "habitant", "euros par habitant", "neutral",
         "(projets des communes + projets des EPCI répartis par population) / population",
         ("2018", "2019"), "projets DGCL (communes exactes, EPCI répartis par population)"),
    _ind("invest_grants_economy_per_inhab", "Subventions DETR et DSIL aux projets « économie "
         "et emploi » par habitant", "euros par habitant", "neutral",
         "même calcul sur la catégorie « Économie et emploi » (zones d'activités comprises)",
         ("2018", "2019"), "projets DGCL, catégorie « Économie et emploi »"),
    _ind("cif", "Coefficient d'intégration fiscale (CIF)", "%", "neutral",
         "CIF de l'EPCI 2018 (DGCL), moyenne pondérée par la population si le périmètre a "
         "changé", ("2018",), "EPCI 2018, DGCL via ANCT", levels=("epci",)),
    *(_ind(i, label, "%", direction, f"100 × {what} / population de 15 ans ou plus non "
           "scolarisée", ("2021", "2022"), "communes, recensement (fichier téléchargé par "
           "pacte fetch)")
      for i, label, direction, what in (
          ("no_diploma_share", "Part des 15 ans ou plus non scolarisés sans diplôme (ou au "
           "plus le brevet)", "higher_is_worse", "sans diplôme, CEP ou BEPC"),
          ("cap_bep_share", "Part des 15 ans ou plus non scolarisés titulaires d'un CAP ou "
           "d'un BEP", "neutral", "CAP ou BEP"),
          ("bac_share", "Part des 15 ans ou plus non scolarisés dont le plus haut diplôme est "
           "le baccalauréat", "neutral", "baccalauréat"),
          ("higher_education_share", "Part des 15 ans ou plus non scolarisés diplômés du "
           "supérieur", "higher_is_better", "diplômés du supérieur (bac + 2 ou plus)"))),
)

FAMILY = Family(MODEL, "ancrage territorial", ANCHORING_INDICATORS, tables={
    MODEL: ("anchoring_bpe", "anchoring_ftth_communes", "anchoring_ftth_epci",
            "anchoring_thd_epci", "anchoring_neet_epci", "anchoring_cif_epci",
            "anchoring_productive_ze2010", "anchoring_grants_2018", "anchoring_grants_2019",
            "census_functions")},
    model="pacte.engine.anchoring:compute_anchoring", model_name=NAME)
