"""Law parameters of the DCRTP cut, as dated data (``finance/parameters/*.yaml``).

The YAML layout follows openfisca-core's ``parameters/``: a file is a node; a key holding
``values`` is a parameter whose values are keyed by date (``AAAA-MM-JJ``), with legal
references in ``metadata.reference`` keyed by date. pacte adds to each value ``verified``
(bool), ``statut``, a French ``note`` shown wherever ``verified`` is false, and ``repli``
(the bill stage to fall back on when the law's value is unknown, e.g. 2026). A parameter
whose ``metadata.periodicite`` is ``annuelle`` has one value per year, never carried over;
any other parameter stays in force until its next value.

Names are dotted paths: ``minoration_bloc_communal.lfi``, ``repartition.exoneration_dsu``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from pacte.errors import InvalidParameterError, ParseError
from pacte.settings import package_file

PARAMETERS_DIR = package_file("finance", "parameters")

#: Stages of a finance law, in procedural order. ``lfi`` is the law; others are bills.
STAGES = ("lfi", "plf", "senat")
STAGE_LABELS = {"lfi": "loi de finances initiale", "plf": "projet de loi de finances",
                "senat": "texte adopté par le Sénat"}


class UnknownYearError(InvalidParameterError):
    """No value of a law parameter for the requested year (French message lists the years)."""


@dataclass(frozen=True)
class Reference:
    title: str
    href: str


@dataclass(frozen=True)
class ParameterValue:
    """The value of one parameter in force at a date, with its provenance."""

    name: str
    start: dt.date
    value: Any
    verified: bool
    statut: str
    note: str
    references: tuple[Reference, ...]
    repli: str | None = None

    def as_dict(self) -> dict:
        return {"parametre": self.name, "depuis": self.start.isoformat(), "valeur": self.value,
                "verified": self.verified, "statut": self.statut, "note": self.note,
                "references": [{"title": r.title, "href": r.href} for r in self.references]}


@dataclass(frozen=True)
class Parameter:
    name: str
    description: str
    annual: bool
    values: tuple[ParameterValue, ...]  # sorted by start

    @property
    def years(self) -> list[int]:
        return [v.start.year for v in self.values]

    def at(self, when: int | str | dt.date) -> ParameterValue:
        """The value in force at ``when`` (a year, an ISO date or a date)."""
        day = _as_date(when)
        if self.annual:
            for v in self.values:
                if v.start.year == day.year:
                    return v
            raise UnknownYearError(
                f"année {day.year} inconnue pour le paramètre « {self.name} » : valeurs "
                f"disponibles pour {_years_text(self.years)}")
        current = None
        for v in self.values:
            if v.start <= day:
                current = v
        if current is None:
            raise UnknownYearError(
                f"année {day.year} inconnue pour le paramètre « {self.name} » : en vigueur à "
                f"partir du {self.values[0].start.isoformat()}")
        return current


@dataclass(frozen=True)
class Law:
    parameters: dict[str, Parameter] = field(default_factory=dict)
    source: str = ""

    def parameter(self, name: str) -> Parameter:
        try:
            return self.parameters[name]
        except KeyError:
            raise InvalidParameterError(
                f"paramètre de loi inconnu : « {name} » ; paramètres disponibles : "
                + ", ".join(sorted(self.parameters))) from None

    def value(self, name: str, when: int | str | dt.date) -> ParameterValue:
        return self.parameter(name).at(when)

    @property
    def years(self) -> list[int]:
        """Years for which the bloc-communal total is known at some stage."""
        years = set()
        for stage in STAGES:
            name = f"montant_bloc_communal.{stage}"
            if name in self.parameters:
                years.update(self.parameters[name].years)
        return sorted(years)

    def check_year(self, year: int) -> None:
        if year not in self.years:
            raise UnknownYearError(
                f"année {year} inconnue : les paramètres de la DCRTP couvrent "
                f"{_years_text(self.years)}")

    def staged(self, quantity: str, year: int, stage: str | None = None) -> ParameterValue:
        """``quantity`` (``minoration_bloc_communal`` or ``montant_bloc_communal``) for
        ``year`` at ``stage`` (``lfi``, ``plf``, ``senat``); with ``stage=None`` the law's
        value, or its ``repli`` bill stage when the law's value is unknown."""
        self.check_year(year)
        if stage is not None and stage not in STAGES:
            raise InvalidParameterError(
                f"stade inconnu : « {stage} » ; stades possibles : " + ", ".join(STAGES))
        pv = self.value(f"{quantity}.{stage or 'lfi'}", year)
        if pv.value is None and stage is None and pv.repli:
            return self.value(f"{quantity}.{pv.repli}", year)
        if pv.value is None:
            raise UnknownYearError(
                f"« {quantity} » inconnu pour {year} au stade « {stage or 'lfi'} » : {pv.note}")
        return pv

    def cut(self, year: int, stage: str | None = None) -> ParameterValue:
        """The bloc-communal cut (positive euros) voted or proposed for ``year``."""
        return self.staged("minoration_bloc_communal", year, stage)

    def total(self, year: int, stage: str | None = None) -> ParameterValue:
        """The bloc-communal DCRTP total after the cut of ``year``."""
        return self.staged("montant_bloc_communal", year, stage)

    def bill_range(self, year: int) -> tuple[float, float] | None:
        """(smallest, largest) cut over the bill stages of ``year``, None without a bill."""
        cuts = []
        for stage in STAGES[1:]:
            p = self.parameters.get(f"minoration_bloc_communal.{stage}")
            if p is not None and year in p.years and p.at(year).value is not None:
                cuts.append(float(p.at(year).value))
        return (min(cuts), max(cuts)) if cuts else None


def _years_text(years: list[int]) -> str:
    if not years:
        return "aucune année"
    if years == list(range(years[0], years[-1] + 1)):
        return f"{years[0]} à {years[-1]}"
    return ", ".join(str(y) for y in years)


def _as_date(when: int | str | dt.date) -> dt.date:
    if isinstance(when, dt.date):
        return when
    if isinstance(when, int) and not isinstance(when, bool):
        return dt.date(when, 1, 1)
    if isinstance(when, str):
        try:
            return dt.date(int(when), 1, 1) if when.isdigit() else dt.date.fromisoformat(when)
        except ValueError:
            pass
    raise InvalidParameterError(f"date ou année invalide : {when!r} (année ou AAAA-MM-JJ)")


def _parse_value(path: Path, name: str, start: Any, raw: Any, refs: dict) -> ParameterValue:
    if not isinstance(raw, dict) or "value" not in raw:
        raise ParseError(path, f"paramètre « {name} », date {start} : clé « value » attendue")
    day = _as_date(start if isinstance(start, dt.date) else str(start))
    return ParameterValue(
        name=name, start=day, value=raw["value"], verified=bool(raw.get("verified", False)),
        statut=str(raw.get("statut", "verified" if raw.get("verified") else "unverified")),
        note=str(raw.get("note", "")), references=refs.get(day, ()), repli=raw.get("repli"))


def _parse_refs(path: Path, name: str, metadata: dict) -> dict[dt.date, tuple[Reference, ...]]:
    out: dict[dt.date, tuple[Reference, ...]] = {}
    for start, items in (metadata.get("reference") or {}).items():
        items = items if isinstance(items, list) else [items]
        refs = []
        for item in items:
            if isinstance(item, str):
                refs.append(Reference(item, item))
            elif isinstance(item, dict) and "title" in item:
                refs.append(Reference(str(item["title"]), str(item.get("href", ""))))
            else:
                raise ParseError(path, f"paramètre « {name} » : référence illisible ({item!r})")
        out[_as_date(start if isinstance(start, dt.date) else str(start))] = tuple(refs)
    return out


def _walk(path: Path, prefix: str, node: dict, out: dict[str, Parameter]) -> None:
    if "values" in node:
        metadata = node.get("metadata") or {}
        refs = _parse_refs(path, prefix, metadata)
        values = sorted((_parse_value(path, prefix, k, v, refs)
                         for k, v in (node["values"] or {}).items()), key=lambda v: v.start)
        if not values:
            raise ParseError(path, f"paramètre « {prefix} » sans valeur")
        out[prefix] = Parameter(prefix, str(node.get("description", "")),
                                metadata.get("periodicite") == "annuelle", tuple(values))
        return
    for key, child in node.items():
        if key in ("description", "metadata"):
            continue
        if not isinstance(child, dict):
            raise ParseError(path, f"nœud « {prefix}.{key} » : dictionnaire attendu")
        _walk(path, f"{prefix}.{key}", child, out)


def load_law(directory: str | Path | None = None) -> Law:
    """Read every ``*.yaml`` of ``directory`` (default: the bundled parameters)."""
    return _load(str(Path(directory) if directory else PARAMETERS_DIR))


@lru_cache(maxsize=4)
def _load(directory: str) -> Law:
    params: dict[str, Parameter] = {}
    files = sorted(Path(directory).glob("*.yaml"))
    if not files:
        raise ParseError(directory, "aucun fichier de paramètres *.yaml")
    for path in files:
        try:
            node = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise ParseError(path, f"YAML invalide : {exc}") from None
        if not isinstance(node, dict):
            raise ParseError(path, "un dictionnaire YAML est attendu")
        _walk(path, path.stem, node, params)
    return Law(params, source=directory)
