"""Parameters of pacte's economic models as dated data (``data/model_parameters.yaml``).

The layout is the one of the law parameters (openfisca-core ``parameters/``): a key holding
``values`` is a parameter whose values are keyed by date, each with ``value`` and a French
``note``; ``metadata.reference`` lists dated references (``title``, ``href``) and
``metadata.unit`` the unit. Names are dotted paths (``flq.delta``, ``household.net_wage_share``).
A value stays in force until the next one.

The figures that these parameters shape (local multipliers, type II effects, jobs at risk) are
compared with published French references in ``docs/validation.md``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from pacte.errors import InvalidParameterError, ParseError
from pacte.settings import package_data

PARAMETERS_FILE = package_data("model_parameters.yaml")
#: Year of the input-output table the models use (values in force that year).
MODEL_YEAR = 2010


@dataclass(frozen=True)
class ModelParameter:
    """One parameter's value in force at a date, with its unit, note and references."""

    name: str
    description: str
    start: dt.date
    value: Any
    unit: str
    note: str
    references: tuple[tuple[str, str], ...]  # (title, href)

    def reference_text(self) -> str:
        """The references as one French line (titles joined by « ; »)."""
        return " ; ".join(t for t, _ in self.references)


def _date(key: Any, path: Path, name: str) -> dt.date:
    if isinstance(key, dt.date):
        return key
    try:
        return dt.date.fromisoformat(str(key))
    except ValueError:
        raise ParseError(path, f"paramètre « {name} » : date invalide {key!r} "
                               "(attendu AAAA-MM-JJ)") from None


def _walk(path: Path, prefix: str, node: dict, out: dict[str, list[ModelParameter]]) -> None:
    if "values" in node:
        meta = node.get("metadata") or {}
        refs: dict[dt.date, tuple[tuple[str, str], ...]] = {}
        for key, items in (meta.get("reference") or {}).items():
            items = items if isinstance(items, list) else [items]
            if not all(isinstance(i, dict) and "title" in i for i in items):
                raise ParseError(path, f"paramètre « {prefix} » : référence sans « title »")
            refs[_date(key, path, prefix)] = tuple((str(i["title"]), str(i.get("href") or ""))
                                                   for i in items)
        values = []
        for key, raw in (node["values"] or {}).items():
            if not isinstance(raw, dict) or "value" not in raw:
                raise ParseError(path, f"paramètre « {prefix} », date {key} : clé « value » "
                                       "attendue")
            start = _date(key, path, prefix)
            known = [d for d in refs if d <= start]
            if not known:
                raise ParseError(path, f"paramètre « {prefix} », date {key} : aucune "
                                       "référence datée (metadata.reference)")
            values.append(ModelParameter(prefix, " ".join(str(node.get("description", ""))
                                                           .split()), start, raw["value"],
                                         str(meta.get("unit", "")),
                                         " ".join(str(raw.get("note", "")).split()),
                                         refs[max(known)]))
        if not values:
            raise ParseError(path, f"paramètre « {prefix} » sans valeur")
        out[prefix] = sorted(values, key=lambda v: v.start)
        return
    for key, child in node.items():
        if key in ("description", "metadata"):
            continue
        if not isinstance(child, dict):
            raise ParseError(path, f"nœud « {prefix}.{key} » : dictionnaire attendu")
        _walk(path, f"{prefix}.{key}".lstrip("."), child, out)


@lru_cache(maxsize=4)
def _load(path: str) -> dict[str, list[ModelParameter]]:
    p = Path(path)
    try:
        node = yaml.safe_load(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ParseError(p, f"fichier de paramètres illisible : {exc}") from None
    except yaml.YAMLError as exc:
        raise ParseError(p, f"YAML invalide : {exc}") from None
    if not isinstance(node, dict):
        raise ParseError(p, "un dictionnaire YAML est attendu")
    out: dict[str, list[ModelParameter]] = {}
    _walk(p, "", node, out)
    return out


def parameter(name: str, year: int = MODEL_YEAR, path: str | Path | None = None
              ) -> ModelParameter:
    """The value of parameter ``name`` in force on 1 January ``year`` (last one before)."""
    params = _load(str(path or PARAMETERS_FILE))
    if name not in params:
        raise InvalidParameterError(f"paramètre de modèle inconnu : {name!r} (connus : "
                                    f"{', '.join(sorted(params))})")
    day = dt.date(year, 12, 31)
    valid = [v for v in params[name] if v.start <= day]
    if not valid:
        raise InvalidParameterError(f"paramètre « {name} » : aucune valeur en vigueur en {year}")
    return valid[-1]


def value(name: str, year: int = MODEL_YEAR) -> Any:
    """Shorthand for ``parameter(name, year).value``."""
    return parameter(name, year).value


def all_parameters(path: str | Path | None = None) -> list[ModelParameter]:
    """The value in force in :data:`MODEL_YEAR` of every parameter (docs, validation page)."""
    return [parameter(n, MODEL_YEAR, path) for n in _load(str(path or PARAMETERS_FILE))]
