"""The registry of official sources, as data (``pacte/data/sources.json``).

One entry per source, one sub-entry per vintage, as pymrio keeps each release's URL in one
dict keyed by version (``tools/iodownloader.py``): official URL(s), landing page, format,
licence, the columns the file must have, and its sha256 and size once known (``null``
before: ``pacte fetch`` then records what it downloaded in the cache's ``.meta.json``).

``table`` names the store table a fetched file replaces (``urssaf_jobs``), ``null`` while no
parser is wired for it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pacte.errors import InvalidParameterError, PacteError
from pacte.settings import package_data

REGISTRY_FILE = "sources.json"


@dataclass(frozen=True)
class Source:
    """One vintage of one official source."""

    id: str
    vintage: str
    title: str
    producer: str
    licence: str
    landing_page: str
    label: str
    filename: str
    format: str
    urls: tuple[str, ...] = ()
    table: str | None = None
    separator: str | None = None
    encoding: str | None = None
    columns: tuple[str, ...] = ()
    sha256: str | None = None
    size: int | None = None
    url_note: str = ""


def registry_path() -> Path:
    return package_data(REGISTRY_FILE)


def load_registry(path: str | Path | None = None) -> dict[str, dict[str, Source]]:
    """``{source id: {vintage: Source}}``, vintages in file order."""
    path = Path(path) if path is not None else registry_path()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PacteError(f"{path} : registre des sources illisible ({exc})") from exc
    return parse_registry(raw, path)


def parse_registry(raw: dict, path: object = "<registre>") -> dict[str, dict[str, Source]]:
    out: dict[str, dict[str, Source]] = {}
    for sid, entry in raw.items():
        if sid.startswith("_"):
            continue
        try:
            common = {k: entry[k] for k in ("title", "producer", "licence", "landing_page")}
            out[sid] = {
                str(vintage): Source(
                    id=sid, vintage=str(vintage), **common, table=entry.get("table"),
                    label=v["label"], filename=v["filename"], format=v["format"],
                    urls=tuple(v.get("urls") or ()), separator=v.get("separator"),
                    encoding=v.get("encoding"), columns=tuple(v.get("columns") or ()),
                    sha256=v.get("sha256"), size=v.get("size"), url_note=v.get("url_note", ""))
                for vintage, v in entry["vintages"].items()}
        except (KeyError, TypeError) as exc:
            raise PacteError(f"{path} : entrée « {sid} » du registre incomplète "
                             f"(champ manquant : {exc})") from exc
        if not out[sid]:
            raise PacteError(f"{path} : la source « {sid} » n'a aucun millésime")
    return out


def get_source(source_id: str, vintage: str | None = None,
               registry: dict[str, dict[str, Source]] | None = None) -> Source:
    """The entry for ``source_id`` and ``vintage`` (the last listed vintage if None).

    Raises :class:`InvalidParameterError` naming the valid ids or vintages."""
    registry = load_registry() if registry is None else registry
    if source_id not in registry:
        raise InvalidParameterError(f"source inconnue : {source_id!r} (sources : "
                                    f"{', '.join(sorted(registry))})")
    vintages = registry[source_id]
    if vintage is None:
        return list(vintages.values())[-1]
    if vintage not in vintages:
        raise InvalidParameterError(f"millésime inconnu pour {source_id} : {vintage!r} "
                                    f"(millésimes : {', '.join(vintages)})")
    return vintages[vintage]


def all_sources(registry: dict[str, dict[str, Source]] | None = None) -> list[Source]:
    registry = load_registry() if registry is None else registry
    return [s for vintages in registry.values() for s in vintages.values()]
