"""Paths and settings: where the store, the download cache and the bundled data live, and
every setting of the CLI and the API (:class:`Settings`, from ``PACTE_<FIELD>`` environment
variables).

One home for "environment variable, else platformdirs" and for the package-data location;
no other module reads ``os.environ`` for these or locates package files itself. Plain
dataclasses, so that ``pacte --help`` loads no validation library.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

from pacte.errors import InvalidParameterError

VERSION = "0.1.0"  # the package version: pyproject reads it here, pacte.__version__ too
PACKAGE_DIR = Path(__file__).parent
DB_ENV = "PACTE_DB"
CACHE_ENV = "PACTE_CACHE"
DB_NAME = "pacte.duckdb"


@dataclass(frozen=True)
class Limits:
    """Bounds on every cost a client controls (CLI options, rule files, API requests): a
    value beyond one is refused with a French error naming the bound."""

    max_draws: int = 100_000  # Monte Carlo draws: beyond, minutes and gigabytes for nothing
    max_clusters: int = 30  # typology.k_max (k-means runs k_min..k_max times)
    max_peers: int = 50  # typology.peers
    max_dimensions: int = 20
    max_indicators: int = 100  # per dimension
    max_fallbacks: int = 10  # per indicator
    max_weight: float = 1e6  # a weight or a Dirichlet concentration
    max_text: int = 2_000  # characters of a name, label, note or description
    max_rule_bytes: int = 1_000_000  # a rule file or body
    max_yaml_depth: int = 30  # nesting of a rule file
    max_yaml_nodes: int = 100_000  # nodes of a rule file, aliases expanded
    max_request_indicators: int = 30  # indicator identifiers in one API request
    max_group_codes: int = 2_000  # codes of a comparison group given by its codes


LIMITS = Limits()


def _user_dir(kind: str) -> Path:
    import platformdirs  # only when no environment variable is set

    fn = platformdirs.user_data_dir if kind == "data" else platformdirs.user_cache_dir
    return Path(fn("pacte", appauthor=False))


def default_db_path() -> Path:
    """``$PACTE_DB`` if set, else ``pacte.duckdb`` in the user data directory (platformdirs:
    ``~/.local/share/pacte`` on Linux)."""
    env = os.environ.get(DB_ENV)
    return Path(env).expanduser() if env else _user_dir("data") / DB_NAME


def default_cache_dir() -> Path:
    """``$PACTE_CACHE`` if set, else the user cache directory (``~/.cache/pacte``)."""
    env = os.environ.get(CACHE_ENV)
    return Path(env).expanduser() if env else _user_dir("cache")


def _doc(text: str, low: float | None = None) -> dict:
    return {"doc": text, "min": low}


@dataclass(frozen=True)
class Settings:
    """Every setting of pacte, the CLI's and the API's: each field is read from
    ``PACTE_<FIELD>`` by :meth:`from_env` (``PACTE_DB``, ``PACTE_MAX_HEAVY``...); fields given
    to the constructor win. A value of the wrong type or out of bounds is an
    :class:`InvalidParameterError` naming the variable and the value."""

    db: Path = field(default_factory=lambda: default_db_path(), metadata=_doc(
        "Fichier DuckDB du store (ouvert en lecture seule par l'API)."))
    cache: Path = field(default_factory=lambda: default_cache_dir(), metadata=_doc(
        "Cache des téléchargements (pacte fetch, route des sources)."))
    host: str = field(default="127.0.0.1", metadata=_doc(
        "Adresse d'écoute de l'API (boucle locale par défaut)."))
    port: int = field(default=8000, metadata=_doc("Port d'écoute de l'API.", 1))
    cors_origins: list[str] = field(default_factory=list, metadata=_doc(
        "Origines autorisées (CORS), liste JSON ; vide = aucune."))
    web: bool = field(default=True, metadata=_doc("Servir le tableau de bord sous « / »."))
    max_heavy: int = field(default=2, metadata=_doc(
        "Requêtes lourdes (classement calculé, profil PDF/HTML, export, audit) traitées en "
        "même temps par processus ; au-delà : 503 avec Retry-After.", 1))
    retry_after: int = field(default=5, metadata=_doc(
        "Secondes conseillées (Retry-After) avant de reposer une requête refusée (503).", 1))
    request_timeout: float = field(default=120.0, metadata=_doc(
        "Délai maximal d'une requête (secondes) ; au-delà : 503.", 1e-3))
    max_draws: int = field(default=5_000, metadata=_doc(
        "Tirages Monte Carlo acceptés par requête (paramètre draws ou uncertainty.draws de "
        "la règle envoyée).", 1))
    max_export_cells: int = field(default=1_000_000, metadata=_doc(
        "Cellules (territoires x colonnes) d'un export XLSX, GeoJSON ou GeoPackage ; quatre "
        "fois plus en CSV et Parquet.", 1))
    max_repeat: int = field(default=100, metadata=_doc(
        "Répétitions d'un même paramètre de requête.", 1))
    max_query_bytes: int = field(default=4096, metadata=_doc(
        "Longueur maximale de la chaîne de requête (octets, encodée comme envoyée).", 1))
    max_body_bytes: int = field(default=64 * 1024, metadata=_doc(
        "Taille maximale du corps d'une requête (octets ; une règle en JSON fait environ "
        "3 ko).", 1))
    cache_bytes: int = field(default=64 * 1024 * 1024, metadata=_doc(
        "Taille du cache des réponses de l'API par processus (octets ; 0 = sans cache).", 0))
    cache_entry_bytes: int = field(default=4 * 1024 * 1024, metadata=_doc(
        "Taille maximale d'une réponse gardée dans ce cache (octets).", 1))
    max_top: int = field(default=10_000, metadata=_doc(
        "Taille maximale d'une sélection demandée à l'API (top, rural_quota, urban_quota du "
        "classement et des bassins).", 1))
    max_list_bytes: int = field(default=8 * 1024 * 1024, metadata=_doc(
        "Taille maximale d'une liste de territoires lue par pacte validate --list (octets ; "
        "le fichier n'est pas lu au-delà).", 1))
    max_list_codes: int = field(default=40_000, metadata=_doc(
        "Codes d'une telle liste (un niveau compte au plus ~35 000 communes).", 1))

    def __post_init__(self) -> None:
        for f in fields(self):
            value, low = getattr(self, f.name), f.metadata.get("min")
            if f.type in ("Path",) and not isinstance(value, Path):
                object.__setattr__(self, f.name, Path(value).expanduser())
            if low is not None and not (isinstance(value, int | float)
                                        and not isinstance(value, bool) and value >= low):
                raise InvalidParameterError(f"réglage {f.name} : valeur trop petite ou non "
                                            f"numérique (minimum : {low:g}, valeur : "
                                            f"{value!r})")
        if not 0 < self.port < 65536:
            raise InvalidParameterError(f"réglage port : entre 1 et 65535 (valeur : "
                                        f"{self.port!r})")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **given) -> Settings:
        """The settings of ``environ`` (default: the process environment), read once: each
        field from ``PACTE_<FIELD>``, else its default; ``given`` fields win."""
        environ = os.environ if environ is None else environ
        values = {}
        for f in fields(cls):
            var = f"PACTE_{f.name.upper()}"
            if f.name in given or var not in environ:
                continue
            values[f.name] = _from_text(var, environ[var], f.type)
        return cls(**{**values, **given})


def _from_text(var: str, text: str, kind: str):
    """The value of an environment variable, converted to the field's type."""
    text = text.strip()
    try:
        if kind == "int":
            return int(text)
        if kind == "float":
            return float(text)
    except ValueError:
        raise InvalidParameterError(f"{var} : nombre attendu (valeur : {text!r})") from None
    if kind == "bool":
        if text.lower() in ("1", "true", "oui", "yes", "on"):
            return True
        if text.lower() in ("0", "false", "non", "no", "off", ""):
            return False
        raise InvalidParameterError(f"{var} : true ou false attendu (valeur : {text!r})")
    if kind == "list[str]":
        if not text:
            return []
        if text.startswith("["):
            import json

            try:
                items = json.loads(text)
            except json.JSONDecodeError:
                items = None
            if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
                raise InvalidParameterError(f"{var} : liste JSON de textes attendue, ex. "
                                            f"'[\"https://exemple.fr\"]' (valeur : {text!r})")
            return items
        return [t.strip() for t in text.split(",") if t.strip()]
    return Path(text).expanduser() if kind == "Path" else text


def package_file(*parts: str) -> Path:
    """A file or folder shipped inside the package (``pacte/<parts>``): templates, the
    dashboard, parameter files."""
    return PACKAGE_DIR.joinpath(*parts)


def package_data(name: str = "") -> Path:
    """A file of the bundled snapshot (``pacte/data/``), or the directory itself (beside
    this module, as :func:`package_file`: an installed package is a folder of files; no
    ``importlib.resources`` on a reader's start)."""
    root = PACKAGE_DIR / "data"
    return root / name if name else root


def sha256_file(path: Path, block: int = 1 << 20) -> str:
    """Hex sha256 of a file, read in blocks."""
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(block):
            h.update(chunk)
    return h.hexdigest()


#: The default targeting rule, bundled with the snapshot.
DEFAULT_RULE_FILE = "composite_default.yaml"


def default_rule_hash() -> str:
    """sha256 (16 hex digits) of the default rule file: recorded with the stored ranking
    and compared when it is read (the stored ranking is the default rule's)."""
    return sha256_file(package_data(DEFAULT_RULE_FILE))[:16]
