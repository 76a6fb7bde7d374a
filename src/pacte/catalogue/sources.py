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

#: Snapshot tables of the geography every answer uses (the envelope always names them;
#: the tables of each family's sources are declared with the family, :class:`Family`).
TERRITORY_TABLES = ("communes", "epci", "territory_names", "commune_supracom", "cog_codes")
