"""The composite index as data: the YAML file (``data/composite_default.yaml`` by default)
parsed and validated into a ``Config``, with French errors naming the file, the key and the
value at fault (unknown indicator, source or period, weights not positive, unknown method).

An indicator is named by its catalogue id, a source and a period, plus ``fallback``
(source, period) pairs filling a territory's missing value in order: the index accepts any
new catalogue indicator without code.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from pacte.catalogue import INDICATORS, SERIES, Indicator
from pacte.errors import InvalidParameterError
from pacte.settings import package_data
from pacte.targeting.tiers import Programme, parse_programme
from pacte.targeting.uncertainty import KEYS as UNCERTAINTY_KEYS
from pacte.targeting.uncertainty import Uncertainty, parse_uncertainty

DEFAULT_CONFIG = package_data("composite_default.yaml")
NORMALISATIONS = ("zscore", "minmax", "rank")
AGGREGATIONS = ("arithmetic", "geometric")
MISSING_METHODS = ("median", "exclude")
DIRECTIONS = ("higher_is_worse", "higher_is_better")


@dataclass(frozen=True)
class Spec:
    """One indicator of the index: catalogue id, (source, period) candidates in order."""

    id: str
    dimension: int
    direction: str
    weight: float
    candidates: tuple[tuple[str, str], ...]

    @property
    def label(self) -> str:
        source, period = self.candidates[0]
        return f"{INDICATORS[self.id].label} ({period})"


@dataclass(frozen=True)
class Dimension:
    id: str
    label: str
    weight: float
    type_high: str
    type_low: str


@dataclass(frozen=True)
class Config:
    name: str
    dimensions: tuple[Dimension, ...]
    specs: tuple[Spec, ...]
    missing: str = "median"
    max_missing_share: float = 1.0
    winsorisation: tuple[float, float] | None = (0.01, 0.99)
    normalisation: str = "zscore"
    aggregation: str = "arithmetic"
    draws: int = 1000
    concentration: float = 20.0
    normalisations: tuple[str, ...] = NORMALISATIONS
    typology: tuple[int, int, float, int] = (5, 8, 0.5, 5)  # k_min, k_max, threshold, peers
    uncertainty: Uncertainty = Uncertainty()  # what the Monte Carlo varies
    programme: Programme = Programme()  # default programme size and tier thresholds


def _bad(where: str, msg: str) -> InvalidParameterError:
    return InvalidParameterError(f"{where} : {msg}")


#: The keys each part of the file may hold: any other key is refused (a misspelt key must
#: never be ignored silently, e.g. ``normalization`` for ``normalisation``).
KEYS = {
    "top": ("name", "version", "description", "dimensions", "missing", "winsorisation",
            "normalisation", "aggregation", "uncertainty", "typology",
            "eligibility", "programme"),  # eligibility: read by pacte.targeting.eligibility
    "dimension": ("id", "label", "description", "weight", "type_high", "type_low",
                  "indicators"),
    "indicator": ("id", "source", "period", "weight", "direction", "fallback", "note"),
    "fallback": ("source", "period"),
    "missing": ("method", "max_missing_share"),
    "winsorisation": ("lower", "upper"),
    "uncertainty": UNCERTAINTY_KEYS,
    "typology": ("k_min", "k_max", "threshold", "peers"),
}


def check_keys(raw, part: str, where: str) -> None:
    """Refuse any key of ``raw`` (a mapping) not valid for ``part``, naming the closest
    valid key (difflib) when there is one."""
    if not isinstance(raw, dict):
        return
    allowed = KEYS[part]
    for key in raw:
        if isinstance(key, str) and key in allowed:
            continue
        close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
        hint = (f" ; voulez-vous dire « {close[0]} » ?" if close else
                f" (clés possibles : {', '.join(allowed)})")
        raise _bad(where, f"clé inconnue « {key} »{hint}")


def _choice(value, allowed, where: str, key: str) -> str:
    if value not in allowed:
        raise _bad(where, f"{key} inconnu(e) : {value!r} (valeurs possibles : "
                   f"{', '.join(allowed)})")
    return value


def _positive(value, where: str, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise _bad(where, f"{key} doit être un nombre strictement positif (valeur : {value!r})")
    return float(value)


def source_periods(ind: Indicator, source: str) -> list[str]:
    """Every period string the engine produces for this indicator and source."""
    if ind.kind == "model":
        return list(ind.periods) if source == ind.model else []
    if source not in ind.sources:
        return []
    s = SERIES[source]
    out: list[str] = []
    for kind in ind.periods:
        out += [str(y) for y in s.years] if kind == "year" else [s.period_labels()[kind]]
    return out


def _candidate(item, ind: Indicator, where: str) -> tuple[str, str]:
    if not isinstance(item, dict) or "source" not in item or "period" not in item:
        raise _bad(where, f"attendu {{source: ..., period: ...}}, trouvé {item!r}")
    source, period = str(item["source"]), str(item["period"])
    sources = (ind.model,) if ind.kind == "model" else ind.sources
    if source not in sources:
        raise _bad(where, f"source inconnue pour l'indicateur {ind.id!r} : {source!r} "
                   f"(sources : {', '.join(str(s) for s in sources)})")
    if period not in (ok := source_periods(ind, source)):
        raise _bad(where, f"période inconnue pour {ind.id!r} ({source}) : {period!r} "
                   f"(périodes : {', '.join(ok)})")
    return source, period


def _spec(raw, dim: int, where: str) -> Spec:
    if not isinstance(raw, dict) or "id" not in raw:
        raise _bad(where, f"un indicateur doit avoir une clé « id » (trouvé {raw!r})")
    check_keys(raw, "indicator", f"{where} ({raw['id']})")
    if raw["id"] not in INDICATORS:
        raise _bad(where, f"indicateur inconnu : {raw['id']!r} (pacte indicators --list)")
    ind = INDICATORS[raw["id"]]
    where = f"{where} ({ind.id})"
    direction = raw.get("direction", ind.direction)
    if direction == "neutral":
        raise _bad(where, f"l'indicateur {ind.id!r} est neutre au catalogue : donnez son sens "
                   f"(direction: {' ou '.join(DIRECTIONS)})")
    _choice(direction, DIRECTIONS, where, "direction")
    fallback = raw.get("fallback") or []
    if not isinstance(fallback, list):
        raise _bad(where, f"fallback doit être une liste (trouvé {fallback!r})")
    for f in fallback:
        check_keys(f, "fallback", f"{where}, fallback")
    cands = [_candidate(raw, ind, where)] + [_candidate(f, ind, f"{where}, fallback")
                                             for f in fallback]
    return Spec(ind.id, dim, direction, _positive(raw.get("weight", 1), where, "weight"),
                tuple(cands))


def parse_config(raw, where: str = "index composite") -> Config:
    """Validate a parsed YAML document into a Config (InvalidParameterError, French)."""
    if not isinstance(raw, dict):
        raise _bad(where, "le fichier doit décrire un dictionnaire (clés name, dimensions...)")
    check_keys(raw, "top", where)
    for part in ("missing", "winsorisation", "uncertainty", "typology"):
        if raw.get(part) is not None and not isinstance(raw[part], dict):
            raise _bad(where, f"« {part} » doit être un dictionnaire (trouvé {raw[part]!r})")
        check_keys(raw.get(part), part, f"{where}, {part}")
    dims_raw = raw.get("dimensions")
    if not isinstance(dims_raw, list) or not dims_raw:
        raise _bad(where, "clé « dimensions » absente ou vide")
    dims, specs = [], []
    for d, dr in enumerate(dims_raw):
        w = f"{where}, dimension {d + 1}"
        if not isinstance(dr, dict) or "id" not in dr:
            raise _bad(w, "une dimension doit avoir une clé « id »")
        w = f"{where}, dimension {dr['id']!r}"
        check_keys(dr, "dimension", w)
        inds = dr.get("indicators")
        if not isinstance(inds, list) or not inds:
            raise _bad(w, "clé « indicators » absente ou vide")
        dims.append(Dimension(str(dr["id"]), str(dr.get("label", dr["id"])),
                              _positive(dr.get("weight", 1), w, "weight"),
                              str(dr.get("type_high", f"{dr['id']} élevé")),
                              str(dr.get("type_low", f"{dr['id']} faible"))))
        specs += [_spec(s, d, w) for s in inds]
    if len({d.id for d in dims}) < len(dims):
        raise _bad(where, "deux dimensions portent le même id")
    keys = [(s.id, s.candidates[0]) for s in specs]
    if len(set(keys)) < len(keys):
        raise _bad(where, "un même indicateur (id, source, période) apparaît deux fois")
    miss = raw.get("missing") or {}
    win = raw.get("winsorisation", {"lower": 0.01, "upper": 0.99})
    if win is not None:
        lo, hi = win.get("lower"), win.get("upper")
        if not (isinstance(lo, int | float) and isinstance(hi, int | float) and 0 <= lo < hi <= 1):
            raise _bad(where, f"winsorisation : il faut 0 ≤ lower < upper ≤ 1 (trouvé {win!r})")
        win = (float(lo), float(hi))
    unc = raw.get("uncertainty") or {}
    norms = unc.get("normalisations", list(NORMALISATIONS))
    if not isinstance(norms, list) or not norms:
        raise _bad(where, "uncertainty.normalisations doit être une liste non vide")
    typ = raw.get("typology") or {}
    k_min, k_max = int(typ.get("k_min", 5)), int(typ.get("k_max", 8))
    if not 2 <= k_min <= k_max:
        raise _bad(where, f"typology : il faut 2 ≤ k_min ≤ k_max (trouvé {k_min}, {k_max})")
    share = miss.get("max_missing_share", 1.0)
    if not isinstance(share, int | float) or not 0 <= share <= 1:
        raise _bad(where, f"missing.max_missing_share doit être entre 0 et 1 ({share!r})")
    draws = unc.get("draws", 1000)
    if not isinstance(draws, int) or draws < 1:
        raise _bad(where, f"uncertainty.draws doit être un entier ≥ 1 (valeur : {draws!r})")
    uncertainty = parse_uncertainty(unc, where)
    return Config(
        name=str(raw.get("name", "index composite")), dimensions=tuple(dims),
        specs=tuple(specs),
        missing=_choice(miss.get("method", "median"), MISSING_METHODS, where, "missing.method"),
        max_missing_share=float(share), winsorisation=win,
        normalisation=_choice(raw.get("normalisation", "zscore"), NORMALISATIONS, where,
                              "normalisation"),
        aggregation=_choice(raw.get("aggregation", "arithmetic"), AGGREGATIONS, where,
                            "aggregation"),
        draws=draws,
        concentration=_positive(unc.get("concentration", 20), where,
                                "uncertainty.concentration"),
        normalisations=tuple(_choice(n, NORMALISATIONS, where, "uncertainty.normalisations")
                             for n in norms),
        typology=(k_min, k_max, float(typ.get("threshold", 0.5)), int(typ.get("peers", 5))),
        uncertainty=uncertainty, programme=parse_programme(raw.get("programme"), where))


#: PyYAML's problems (English) in French; the file's content is never echoed.
YAML_PROBLEMS = {
    "mapping values are not allowed here": "« : » inattendu (clé mal indentée ou valeur "
                                            "contenant « : » sans guillemets ?)",
    "could not find expected ':'": "« : » attendu après une clé",
    "did not find expected key": "clé attendue (indentation incohérente ?)",
    "did not find expected '-' indicator": "élément de liste « - » attendu",
    "found character '\\t' that cannot start any token": "tabulation interdite (utilisez "
                                                          "des espaces)",
    "found undefined alias": "alias non défini",
    "expected <block end>, but found": "fin de bloc attendue (indentation incohérente ?)",
    "found unexpected end of stream": "fin de fichier inattendue (guillemet non fermé ?)",
    "found duplicate anchor": "ancre en double",
}


def _yaml_error(path: Path, exc: yaml.YAMLError) -> InvalidParameterError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = str(getattr(exc, "problem", "") or "")
    text = next((fr for en, fr in YAML_PROBLEMS.items() if problem.startswith(en)),
                "syntaxe invalide")
    where = f" à la ligne {mark.line + 1}, colonne {mark.column + 1}" if mark else ""
    return InvalidParameterError(f"{path} : YAML invalide{where} : {text}")


def load_config(path: Path | str | None = None) -> Config:
    """Read and validate the index file (default: the one shipped with pacte). French
    errors: missing file, folder, binary file, YAML syntax (file, line, column, never the
    content), unknown or misspelt key (with the closest valid key)."""
    path = Path(path) if path else DEFAULT_CONFIG
    if path.is_dir():
        raise InvalidParameterError(f"{path} est un dossier, pas un fichier YAML")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InvalidParameterError(f"{path} : fichier illisible (introuvable)") from None
    except PermissionError:
        raise InvalidParameterError(f"{path} : lecture refusée (droits insuffisants)") from None
    except OSError as exc:
        raise InvalidParameterError(f"{path} : fichier illisible ({exc.strerror})") from None
    try:
        if b"\0" in data:
            raise UnicodeDecodeError("utf-8", data, 0, 1, "nul")
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidParameterError(f"{path} : ce n'est pas un fichier texte YAML (UTF-8) ; "
                                    "fichier binaire ?") from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise _yaml_error(path, exc) from None
    return parse_config(raw, str(path))


def calc_weights(config: Config) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Membership M (p, D), indicator weights (p,) summing to 1 within each dimension,
    dimension weights (D,) summing to 1."""
    dim = np.array([s.dimension for s in config.specs])
    M = (dim[:, None] == np.arange(len(config.dimensions))[None]).astype(float)
    w = np.array([s.weight for s in config.specs])
    w_ind = w / (M @ (M.T @ w))
    w_dim = np.array([d.weight for d in config.dimensions])
    return M, w_ind, w_dim / w_dim.sum()
