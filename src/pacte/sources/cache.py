"""The download cache: ``<cache>/<source id>/<vintage>/<file name>`` and, beside each file,
``<file name>.meta.json`` (url, sha256, size, fetched_at, licence, vintage); a file counts as
fetched only when both are there. An interrupted download stays ``<file name>.part`` with a
``.part.json`` (URL and validator) so that the next ``pacte fetch`` resumes it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pacte.settings import default_cache_dir
from pacte.sources.registry import Source

META_SUFFIX = ".meta.json"
PART_SUFFIX = ".part"


@dataclass(frozen=True)
class Fetched:
    """A verified file in the cache and its sidecar metadata."""

    path: Path
    meta: dict


def cache_path(source: Source, cache_dir: str | Path | None = None) -> Path:
    root = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    return root / source.id / source.vintage / source.filename


def _meta_path(path: Path) -> Path:
    return path.with_name(path.name + META_SUFFIX)


def _part_path(path: Path) -> Path:
    return path.with_name(path.name + PART_SUFFIX)


def _part_info_path(path: Path) -> Path:
    return path.with_name(path.name + PART_SUFFIX + ".json")


def read_cached(source: Source, cache_dir: str | Path | None = None) -> Fetched | None:
    """The cached file of ``source`` if complete (file + sidecar, sizes agree, sha256 equal
    to the registry's when it has one), else None. Does not rehash the file."""
    path = cache_path(source, cache_dir)
    meta_path = _meta_path(path)
    if not (path.is_file() and meta_path.is_file()):
        return None
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if meta.get("size") != path.stat().st_size:
        return None
    if source.sha256 and meta.get("sha256") != source.sha256:
        return None
    return Fetched(path, meta)


def cache_inventory(cache_dir: str | Path | None = None) -> list[dict]:
    """Every fetched file's sidecar (with ``path``), and every resumable ``.part``."""
    root = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    out = []
    for meta_path in sorted(root.glob(f"*/*/*{META_SUFFIX}")):
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        out.append({**meta, "path": str(meta_path.with_name(meta_path.name[:-len(META_SUFFIX)])),
                    "state": "complet"})
    for part in sorted(root.glob(f"*/*/*{PART_SUFFIX}")):
        source_id, vintage = part.parent.parent.name, part.parent.name
        out.append({"source": source_id, "vintage": vintage, "path": str(part),
                    "size": part.stat().st_size, "state": "partiel (reprise possible)"})
    return out


