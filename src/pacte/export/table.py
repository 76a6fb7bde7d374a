"""A table as every writer takes it: the rows (a DataFrame) and, beside them, what each column
is (French header, unit, meaningful decimals, and for an indicator column its indicator,
source, period and resolution). Nothing travels in the frame's attributes: a writer reads the
header, the number format and the provenance of a column here.

Two kinds of header: machine formats (csv, json, parquet, GeoJSON, GeoPackage) keep stable
identifiers (``industry_share_2016_rp (%)``, ``eligible``); the formats a person opens
(csv-fr, xlsx) get the French header (« Part de l'emploi : fonction « fabrication », 2016,
recensement (%) », « Éligible ») and « oui »/« non » for booleans.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from pacte.catalogue import INDICATORS
from pacte.labels import COLUMN_LABELS, RANKING_LABELS, ranking_headers

#: Decimals of the ranking's columns (scores, probabilities); ranks and counts are integers.
RANKING_DECIMALS = {"score": 2, "score_low": 2, "score_high": 2, "p_top": 2,
                    "urban_share": 2}
#: Prefixes of the ranking's per-dimension columns (scores and contributions): 2 decimals.
DIMENSION_PREFIXES = ("dim_", "contrib_")
#: French headers of the other columns the exports carry (candidate basins).
EXPORT_LABELS = {"tier_size": "Taille du programme", "n_members": "Nombre d'EPCI membres",
                 "members": "Codes des EPCI membres", "member_names": "EPCI membres",
                 "census_year": "Année du recensement",
                 "n_high_high": "EPCI membres en grappe haut-haut (LISA)"}
#: Columns holding years: whole numbers written without a thousands separator.
YEAR_COLUMNS = ("year", "census_year")
#: Decimals of a figure whose column declares none, in CSV for French Excel (XLSX keeps
#: Excel's General format for it).
DEFAULT_DECIMALS = 4


@dataclass(frozen=True)
class Column:
    """One column of a :class:`Table`: its identifier (the frame's column name), French
    header, unit and meaningful decimals (None: not a figure, or a whole number as stored);
    for an indicator column, where the figure comes from."""

    id: str
    label: str
    unit: str = ""
    decimals: int | None = None
    thousands: bool = True  # whole numbers with a thousands separator (not years)
    indicator: str | None = None
    source: str | None = None
    source_name: str = ""
    period: str = ""
    resolution: str = ""

    @property
    def machine_header(self) -> str:
        """Stable header of the machine formats: the identifier, with the unit of an
        indicator column (``industry_share_2016_rp (%)``)."""
        return f"{self.id} ({self.unit})" if self.indicator else self.id

    @property
    def french_header(self) -> str:
        """Header of the formats a person opens: the French label, with period, source and
        unit for an indicator column."""
        if self.indicator:
            return f"{self.label}, {self.period}, {self.source_name} ({self.unit})"
        return f"{self.label} ({self.unit})" if self.unit else self.label

    def provenance(self) -> dict[str, str]:
        """What an indicator column is (Parquet field metadata, provenance documents);
        empty for the other columns."""
        if not self.indicator:
            return {}
        return {"indicator": self.indicator, "label": self.label, "unit": self.unit,
                "source": self.source or "", "source_name": self.source_name,
                "period": self.period, "resolution": self.resolution,
                "decimals": str(self.decimals)}


@dataclass(frozen=True)
class Table:
    """Rows and the description of each of their columns, in the frame's order."""

    frame: pd.DataFrame
    columns: tuple[Column, ...]

    def __post_init__(self) -> None:
        ids = [c.id for c in self.columns]
        if ids != list(self.frame.columns):
            raise ValueError(f"table: columns {ids} do not describe the frame's "
                             f"{list(self.frame.columns)}")

    def __len__(self) -> int:
        return len(self.frame)

    @property
    def indicator_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.indicator)

    def headers(self, french: bool = False) -> list[str]:
        """The header row: French (csv-fr, xlsx) or stable identifiers (machine formats)."""
        return [c.french_header if french else c.machine_header for c in self.columns]

    def rows(self, frame: pd.DataFrame) -> Table:
        """The same columns over other rows of the frame (a selection, an order)."""
        return replace(self, frame=frame.reset_index(drop=True))

    def only(self, ids: Sequence[str]) -> Table:
        """The columns ``ids``, in that order."""
        by_id = {c.id: c for c in self.columns}
        return Table(self.frame[list(ids)], tuple(by_id[i] for i in ids))


def _undescribed(col: str, s: pd.Series, label: str) -> Column:
    """A column known only by its name: a catalogue indicator id (basins' figures) takes
    the indicator's unit and precision; ranking columns their decimals; other floats
    holding whole numbers only are integers, the rest declare no decimals."""
    ind = INDICATORS.get(col)
    if ind is not None:
        return Column(col, ind.label, ind.unit, ind.precision)
    if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        return Column(col, label)
    if col in RANKING_DECIMALS or col.startswith(DIMENSION_PREFIXES):
        return Column(col, label, decimals=RANKING_DECIMALS.get(col, 2))
    if col in YEAR_COLUMNS:
        return Column(col, label, decimals=0, thousands=False)
    if pd.api.types.is_integer_dtype(s):
        return Column(col, label, decimals=0)
    values = s.dropna().astype(float)
    values = values[np.isfinite(values)]
    whole = bool(len(values)) and bool((values == values.round()).all())
    return Column(col, label, decimals=0 if whole else None)


def describe(df: pd.DataFrame, dimensions: Mapping[str, str] | None = None,
             labels: Mapping[str, str] | None = None) -> Table:
    """A :class:`Table` of a frame that carries no description (a ranking, the basins):
    French headers from ``labels``, then the ranking's (with the rule's ``dimensions``:
    id -> French label), then the general column labels."""
    heads = ranking_headers(df.columns, dict(dimensions or {}))
    cols = []
    for c in df.columns:
        name = str(c)
        label = ({**EXPORT_LABELS, **(labels or {})}.get(name)
                 or (heads[c] if heads[c] != c else COLUMN_LABELS.get(name, name)))
        cols.append(_undescribed(name, df[c], label))
    return Table(df, tuple(cols))


def as_table(data: Table | pd.DataFrame, dimensions: Mapping[str, str] | None = None
             ) -> Table:
    """``data`` itself when it is a :class:`Table`, else its :func:`describe`."""
    return data if isinstance(data, Table) else describe(data, dimensions)


def identifier_rows() -> list[tuple[str, str]]:
    """(stable identifier, French header) of the export columns, as the README documents
    them: the indicator columns' pattern, the ranking's columns, its per-dimension columns,
    the candidate basins' columns."""
    pattern = [("code", COLUMN_LABELS["code"]), ("name", COLUMN_LABELS["name"]),
               ("<indicateur>_<période>_<source> (<unité>)",
                "*libellé de l'indicateur pour la source*, *période*, *nom de la source* "
                "(*unité*)")]
    ranking = [(k, v) for k, v in RANKING_LABELS.items() if k not in ("code", "name")]
    dims = [(f"{p}<dimension>", f"{h} : *libellé de la dimension*")
            for p, h in (("dim_", "Score"), ("contrib_", "Contribution"))]
    return pattern + ranking + dims + list(EXPORT_LABELS.items())


def identifier_markdown() -> str:
    """The README's table of identifiers and French headers (:func:`identifier_rows`)."""
    lines = ["| Identifiant (csv, json, parquet) | En-tête (csv-fr, xlsx) |", "|---|---|"]
    lines += [f"| `{i}` | {h} |" for i, h in identifier_rows()]
    return "\n".join(lines) + "\n"
