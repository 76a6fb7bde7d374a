"""``pacte sources`` and ``pacte fetch``: the registry of official sources, the download
cache, and what the store was built from.

Registered on the main Typer app by ``pacte.cli.main`` (``register(app)``, when the command is used).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from pacte.cli.common import DbOpt, FmtOpt, Format, err, friendly
from pacte.errors import InvalidParameterError, PacteError
from pacte.settings import CACHE_ENV, default_cache_dir

CacheOpt = Annotated[Path | None, typer.Option(
    "--cache", help=f"Dossier du cache des téléchargements (défaut : ${CACHE_ENV}, sinon le "
    "dossier de cache de l'utilisateur, ~/.cache/pacte sous Linux).")]


def register(app: typer.Typer) -> None:
    """Add ``pacte sources`` and ``pacte fetch`` to ``app``."""


    @app.command("sources")
    @friendly
    def sources(fmt: FmtOpt = Format.table, db: DbOpt = None, cache: CacheOpt = None) -> None:
        """Sources officielles enregistrées : adresse, licence, état du cache et du store."""
        from pacte.cli.tables import render
        from pacte.handlers.sources import sources as sources_answer

        df = sources_answer(db, cache).data
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
        db: DbOpt = None,
    ) -> None:
        """Télécharge un fichier officiel dans le cache (reprise, vérification sha256).

        Avec --db, affiche ensuite si le store indiqué a été construit avec ce fichier
        (sinon : « pacte build --with-fetched --db … » pour l'utiliser)."""
        from pacte.sources.download import check_url, fetch
        from pacte.sources.registry import all_sources

        if all_ == (source is not None):
            raise InvalidParameterError("indiquez une source ou --all (pas les deux)")
        if url is not None:
            check_url(url)  # before the registry, the cache and the network
        if all_:
            if url or vintage:
                raise InvalidParameterError("--url et --vintage ne vont pas avec --all")
            targets = [(s.id, s.vintage) for s in all_sources() if s.urls]
        else:
            targets = [(source, vintage)]
        console, failures, fetched = Console(), [], []
        for sid, vint in targets:
            try:
                got = fetch(sid, vint, cache, url=url, force=force)
            except PacteError as exc:
                if not all_:
                    raise
                failures.append(sid)
                err.print(f"[red]Erreur :[/red] {escape(str(exc))}")
                continue
            m = got.meta
            fetched.append(m["sha256"])
            console.print(f"{sid} {m['vintage']} : {escape(str(got.path))} ({m['size']} octets, sha256 "
                          f"{m['sha256'][:12]}…, {m['licence']})", soft_wrap=True)
        if db is not None:
            _report_store(db, fetched)
        if failures:
            err.print(f"{len(failures)} source(s) en échec : {', '.join(failures)}")
            raise typer.Exit(1)


def _report_store(db: Path, digests: list[str]) -> None:
    """Tell whether the store ``db`` was built with the fetched files (their sha256 are in
    its provenance) or needs ``pacte build --with-fetched``."""
    from pacte import store

    with store.connect(db) as con:
        known = {r[0] for r in con.execute("SELECT sha256 FROM provenance").fetchall()}
    if digests and all(d in known for d in digests):
        err.print(f"Le store {escape(str(db))} est déjà construit avec ce(s) fichier(s).")
    elif digests:
        err.print(f"Le store {escape(str(db))} n'utilise pas encore ce(s) fichier(s) : lancez « pacte build "
                  f"--with-fetched --db {db} » pour l'en reconstruire.")
