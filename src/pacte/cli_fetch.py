"""``pacte sources`` and ``pacte fetch``: the registry of official sources, the download
cache, and what the store was built from.

Registered on the main Typer app by ``pacte.cli`` (``register(app)``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import duckdb
import pandas as pd
import typer
from rich.console import Console

from pacte import store
from pacte.cli_common import DbOpt, FmtOpt, err, friendly
from pacte.errors import InvalidParameterError, PacteError
from pacte.fetch import CACHE_ENV, cache_inventory, default_cache_dir, fetch
from pacte.output import Format, render
from pacte.sources.registry import all_sources

CacheOpt = Annotated[Path | None, typer.Option(
    "--cache", help=f"Dossier du cache des téléchargements (défaut : ${CACHE_ENV}, sinon le "
    "dossier de cache de l'utilisateur, ~/.cache/pacte sous Linux).")]


def _store_provenance(db: Path | None) -> dict[str, dict]:
    """``table_name -> provenance row`` of the built store, {} if there is none."""
    path = Path(db) if db is not None else store.default_db_path()
    if not path.exists():
        return {}
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            df = con.execute("SELECT * FROM provenance").df()
    except duckdb.Error:
        return {}
    return {r["table_name"]: r for r in df.to_dict("records")}


def sources_table(db: Path | None = None, cache_dir: Path | None = None) -> pd.DataFrame:
    """One row per registered source x vintage: URL, licence, cache state, store state."""
    cached = {(m["source"], m["vintage"]): m for m in cache_inventory(cache_dir)}
    prov = _store_provenance(db)
    rows = []
    for s in all_sources():
        hit = cached.get((s.id, s.vintage))
        if hit is None:
            cache = "absent"
        elif hit["state"] == "complet":
            cache = f"{hit['size'] / 1e6:.1f} Mo, {hit['fetched_at'][:10]}, sha256 {hit['sha256'][:12]}…"
        else:
            cache = f"partiel : {hit['size'] / 1e6:.1f} Mo (reprise possible)"
        in_store = "—"
        if s.table and s.table in prov:
            p = prov[s.table]
            in_store = f"{s.table} : {p['vintage']} (sha256 {str(p['sha256'])[:12]}…)"
        elif s.table:
            in_store = f"{s.table} : store absent"
        rows.append({"id": s.id, "vintage": s.vintage, "format": s.format, "licence": s.licence,
                     "url": s.urls[0] if s.urls else f"(--url ; voir {s.landing_page})",
                     "cache": cache, "store": in_store})
    return pd.DataFrame(rows)


def register(app: typer.Typer) -> None:
    """Add ``pacte sources`` and ``pacte fetch`` to ``app``."""

    @app.command("sources")
    @friendly
    def sources(fmt: FmtOpt = Format.table, db: DbOpt = None, cache: CacheOpt = None) -> None:
        """Sources officielles enregistrées : adresse, licence, état du cache et du store."""
        df = sources_table(db, cache)
        if fmt is Format.table:
            render(df, fmt, title=f"{len(df)} sources x millésimes ; cache : "
                   f"{cache or default_cache_dir()}")
        else:
            render(df, fmt)

    @app.command("fetch")
    @friendly
    def fetch_cmd(
        source: Annotated[str | None, typer.Argument(
            help="Identifiant de la source (voir « pacte sources »).")] = None,
        vintage: Annotated[str | None, typer.Option(
            "--vintage", "-v", help="Millésime (défaut : le dernier enregistré).")] = None,
        all_: Annotated[bool, typer.Option(
            "--all", help="Toutes les sources qui ont une adresse directe enregistrée.")] = False,
        url: Annotated[str | None, typer.Option(
            "--url", help="Adresse du fichier, pour une source sans lien direct stable.")] = None,
        force: Annotated[bool, typer.Option(
            "--force", help="Retélécharge même si le fichier est déjà en cache.")] = False,
        cache: CacheOpt = None,
    ) -> None:
        """Télécharge un fichier officiel dans le cache (reprise, vérification sha256)."""
        if all_ == (source is not None):
            raise InvalidParameterError("indiquez une source ou --all (pas les deux)")
        if all_:
            if url or vintage:
                raise InvalidParameterError("--url et --vintage ne vont pas avec --all")
            targets = [(s.id, s.vintage) for s in all_sources() if s.urls]
        else:
            targets = [(source, vintage)]
        console, failures = Console(), []
        for sid, vint in targets:
            try:
                got = fetch(sid, vint, cache, url=url, force=force)
            except PacteError as exc:
                if not all_:
                    raise
                failures.append(sid)
                err.print(f"[red]Erreur :[/red] {exc}")
                continue
            m = got.meta
            console.print(f"{sid} {m['vintage']} : {got.path} ({m['size']} octets, sha256 "
                          f"{m['sha256'][:12]}…, {m['licence']})", soft_wrap=True)
        if failures:
            err.print(f"{len(failures)} source(s) en échec : {', '.join(failures)}")
            raise typer.Exit(1)
