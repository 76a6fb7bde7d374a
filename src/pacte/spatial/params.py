"""Parameters of the spatial statistics and of the candidate basins: data, not code
(``spatial/basins.yaml``, with the programme's reference), validated here with French errors
naming the file, the key and the value."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

from pacte.errors import InvalidParameterError
from pacte.settings import package_file

DEFAULT_PARAMS = package_file("spatial", "basins.yaml")


@dataclass(frozen=True)
class BasinParams:
    min_members: int = 1
    max_members: int = 4
    min_population: float = 50_000
    max_population: float | None = None
    min_industry_jobs: float = 2_500
    exclude_natures: tuple[str, ...] = ("ME",)
    seed_top_share: float = 0.05
    seed: int = 0


@dataclass(frozen=True)
class StatParams:
    permutations: int = 999
    seed: int = 0
    alpha: float = 0.05


@dataclass(frozen=True)
class SpatialParams:
    basins: BasinParams
    statistics: StatParams
    reference: str = ""
    source: str = ""

    def as_dict(self) -> dict:
        return {"basins": asdict(self.basins), "statistics": asdict(self.statistics),
                "reference": self.reference, "source": self.source}


def _int(where: str, key: str, value, low: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise InvalidParameterError(f"{where} : « {key} » doit être un entier ≥ {low} "
                                    f"(valeur : {value!r})")
    return value


def _num(where: str, key: str, value, allow_none: bool = False) -> float | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise InvalidParameterError(f"{where} : « {key} » doit être un nombre ≥ 0 "
                                    f"(valeur : {value!r})")
    return float(value)


def _share(where: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise InvalidParameterError(f"{where} : « seed_top_share » doit être entre 0 et 1 "
                                    f"(valeur : {value!r})")
    return float(value)


def load_params(path: Path | str | None = None) -> SpatialParams:
    """The parameters in ``path`` (default: the bundled ``basins.yaml``)."""
    path = Path(path or DEFAULT_PARAMS)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidParameterError(f"{path} : fichier de paramètres introuvable") from None
    except yaml.YAMLError as exc:
        raise InvalidParameterError(f"{path} : YAML illisible ({exc})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("basins"), dict) \
            or not isinstance(raw.get("statistics"), dict):
        raise InvalidParameterError(f"{path} : sections « basins » et « statistics » "
                                    "attendues")
    where = str(path)
    b, s = raw["basins"], raw["statistics"]
    unknown = (set(b) - set(BasinParams.__dataclass_fields__)) | (
        set(s) - set(StatParams.__dataclass_fields__))
    if unknown:
        raise InvalidParameterError(f"{where} : clé(s) inconnue(s) : {', '.join(sorted(unknown))}")
    d, ds = BasinParams(), StatParams()
    lo = _int(where, "min_members", b.get("min_members", d.min_members), 1)
    hi = _int(where, "max_members", b.get("max_members", d.max_members), 1)
    if hi < lo:
        raise InvalidParameterError(f"{where} : max_members ({hi}) < min_members ({lo})")
    natures = b.get("exclude_natures", list(d.exclude_natures)) or []
    if not isinstance(natures, list) or not all(isinstance(x, str) for x in natures):
        raise InvalidParameterError(f"{where} : « exclude_natures » doit être une liste de "
                                    f"natures (CC, CA, CU, ME) (valeur : {natures!r})")
    basins = BasinParams(
        min_members=lo, max_members=hi,
        min_population=_num(where, "min_population",
                            b.get("min_population", d.min_population)),
        max_population=_num(where, "max_population", b.get("max_population"), True),
        min_industry_jobs=_num(where, "min_industry_jobs",
                               b.get("min_industry_jobs", d.min_industry_jobs)),
        exclude_natures=tuple(natures), seed=_int(where, "seed", b.get("seed", d.seed)),
        seed_top_share=_share(where, b.get("seed_top_share", d.seed_top_share)))
    alpha = s.get("alpha", ds.alpha)
    if isinstance(alpha, bool) or not isinstance(alpha, int | float) or not 0 < alpha < 1:
        raise InvalidParameterError(f"{where} : « alpha » doit être entre 0 et 1 "
                                    f"(valeur : {alpha!r})")
    stats = StatParams(permutations=_int(where, "permutations",
                                         s.get("permutations", ds.permutations), 1),
                       seed=_int(where, "seed", s.get("seed", ds.seed)), alpha=float(alpha))
    return SpatialParams(basins, stats, str(raw.get("reference", "")).strip(),
                         path.name if path == DEFAULT_PARAMS else str(path))
