"""Paths and settings: where the store, the download cache and the bundled data live.

One home for "environment variable, else platformdirs" and for the package-data location;
no other module reads ``os.environ`` for these or locates package files itself.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

VERSION = "0.1.0"  # the package version (pacte.__version__)
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


def package_file(*parts: str) -> Path:
    """A file or folder shipped inside the package (``pacte/<parts>``): templates, the
    dashboard, parameter files."""
    return PACKAGE_DIR.joinpath(*parts)


def package_data(name: str = "") -> Path:
    """A file of the bundled snapshot (``pacte/data/``), or the directory itself."""
    root = Path(str(resources.files("pacte") / "data"))
    return root / name if name else root


def sha256_file(path: Path, block: int = 1 << 20) -> str:
    """Hex sha256 of a file, read in blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(block):
            h.update(chunk)
    return h.hexdigest()
