"""One text per source: the French label, the resolution shown beside every figure and the
licence of each job series of the store (table ``series``). The catalogue's series
(:data:`pacte.catalogue.jobs.SERIES`) give the resolution; this adds what a series of the
store has beyond the catalogue (ESTEL non-salaried jobs)."""

from __future__ import annotations

from dataclasses import dataclass

from pacte.catalogue.jobs import SERIES

LO = "Licence Ouverte / Etalab 2.0"


@dataclass(frozen=True)
class SourceText:
    label: str  # long French name of the source
    resolution: str  # French, shown beside every figure
    licence: str


_LABELS = {
    "estel": "Insee, Estimations d'emploi localisées (ESTEL), emploi salarié au 31/12",
    "rp": "Insee, recensement, emploi au lieu de travail par fonction",
    "trim": "Insee, estimations trimestrielles d'emploi salarié",
    "urssaf": "URSSAF, effectifs salariés privés par commune x APE",
}
SOURCE_TEXTS: dict[str, SourceText] = {
    **{sid: SourceText(_LABELS[sid], SERIES[sid].resolution, LO) for sid in _LABELS},
    "estel_ns": SourceText("Insee, ESTEL, emploi non salarié au 31/12",
                           "total, Insee ESTEL, emploi non salarié au 31/12", LO),
}

#: Snapshot tables (PROVENANCE.json) each job source or model reads: the envelope of an
#: answer lists their source, vintage and licence.
SOURCE_TABLES: dict[str, tuple[str, ...]] = {
    "estel": ("estel_salaried", "estel_nonsalaried", "commune_ze2010"),
    "rp": ("census_functions", "communes", "commune_passage"),
    "trim": ("quarterly_jobs",),
    "urssaf": ("urssaf_jobs", "naf"),
    "valuechain": ("io_sut_a17_flows", "io_sut_a17_sectors", "census_functions",
                   "estel_salaried", "quarterly_jobs"),
    "exposure": ("wiod_trade", "io_wiod_fra_output", "wiod_crosswalk_a17", "wiod_crosswalk_a38",
                 "wiod_low_wage", "wiod_sector_labels", "census_functions", "estel_salaried",
                 "quarterly_jobs"),
    "anchoring": ("anchoring_bpe", "anchoring_ftth_communes", "anchoring_ftth_epci",
                  "anchoring_thd_epci", "anchoring_neet_epci", "anchoring_cif_epci",
                  "anchoring_productive_ze2010", "anchoring_grants_2018", "anchoring_grants_2019",
                  "census_functions"),
    "territory": ("communes", "epci", "territory_names", "commune_supracom", "cog_codes"),
    "ofgl_rei": ("ofgl_rei",),
}
