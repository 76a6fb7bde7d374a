"""The core commands: ``pacte build | run | territories | show``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from pacte.cli.common import DbOpt, FmtOpt, Format, LazyConsole, err, friendly, working
from pacte.cli.french import install_french
from pacte.cli.lazy import lazy_group
from pacte.errors import InvalidParameterError
from pacte.geography import TERRITORY_LEVELS
from pacte.labels import A5_LABELS as SECTOR_LABELS
from pacte.labels import (
    LEVEL_LABELS,
    LEVEL_PLURALS,
    count_title,
    fr_duration,
    upper_first,
)
from pacte.settings import default_db_path

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="pacte : intelligence industrielle des territoires (données officielles).")
out = LazyConsole()


def _build(db: Path | None, with_fetched: bool = False, **kw) -> dict:
    from pacte.handlers.build import build_store

    t0 = time.perf_counter()
    with err.status("Construction du store…") as status:
        meta = build_store(db, progress=lambda msg: status.update(f"{msg}…"),
                           with_fetched=with_fetched, **kw)
    err.print(f"Store construit : {db or default_db_path()} "
              f"(empreinte {meta['build_hash']}, {fr_duration(time.perf_counter() - t0)})",
              soft_wrap=True)  # a path: the terminal wraps it, never inside « 38 s »
    return meta


@app.command()
@friendly
def build(
    db: DbOpt = None,
    with_fetched: Annotated[bool, typer.Option(
        "--with-fetched", help="Utiliser les fichiers officiels téléchargés par « pacte fetch »"
        " (ex. fichier URSSAF national) à la place des tables embarquées qu'ils couvrent.")
    ] = False,
    cache: Annotated[Path | None, typer.Option(
        "--cache", help="Dossier du cache des téléchargements lu par --with-fetched (défaut : "
        "$PACTE_CACHE, sinon le dossier de cache de l'utilisateur).")] = None,
    force: Annotated[bool, typer.Option(
        "--force", help="Remplacer le fichier --db même s'il n'est pas un store pacte.")
    ] = False,
    allow_partial: Annotated[bool, typer.Option(
        "--allow-partial", help="Accepter un fichier téléchargé qui couvre moins de 90 % des "
        "communes (extrait au lieu du fichier national).")] = False,
) -> None:
    """Construit le store DuckDB à partir du snapshot de données officielles embarqué."""
    if (cache is not None or allow_partial) and not with_fetched:
        raise InvalidParameterError("--cache et --allow-partial vont avec --with-fetched")
    _build(db, with_fetched, cache_dir=cache, force=force, allow_partial=allow_partial)


@app.command()
@friendly
def run(
    db: DbOpt = None,
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Dossier du rapport national.")
                       ] = Path("out"),
    seed: Annotated[int, typer.Option("--seed", help="Graine du Monte Carlo.")] = 0,
    rebuild: Annotated[bool, typer.Option(
        "--rebuild", help="Reconstruire le store même s'il est à jour.")] = False,
) -> None:
    """Tâche principale : store, indicateurs et rapport national de ciblage dans ./out/.

    Construit le store s'il n'est pas à jour (ou avec --rebuild), puis écrit le classement
    (CSV et XLSX), la carte et index.html ; affiche le top 20 et le chemin du rapport."""
    from pacte import store
    from pacte.cli.rank import print_top
    from pacte.handlers.build import current_store
    from pacte.handlers.ranking import check_ranking
    from pacte.report.national import ReportBeside, check_out_dir

    check_ranking("epci", None, 0, 0, False, seed, None)  # before any work
    check_out_dir(out_dir)

    report = ReportBeside(out_dir, seed)
    meta = None if rebuild else current_store(db)
    if meta is None:
        from pacte.report.maps import import_in_background

        imports = import_in_background()  # while the build keeps the GIL mostly free
        try:  # the report rendered beside the build's last cards, published after it
            _build(db, beside_cards=report)
        except BaseException:
            report.discard()  # the previous report stays, as the previous store
            raise
        finally:
            imports.join()
    else:
        err.print(f"Store à jour, construit le {meta.get('built_at', '?')} "
                  f"(empreinte {meta['build_hash']}) : {db or default_db_path()}")
    with store.connect(db) as con:
        _print_summary(con)
        with err.status("Classement des EPCI (indice composite, 1 000 tirages)…"):
            rep = report.publish(con)
    print_top(rep["top"])
    out.print(f"\nRapport national : [bold]{Path(rep['html']).resolve()}[/bold]")


def _print_summary(con) -> None:
    import pandas as pd

    from pacte.cli.tables import fr_number, render
    from pacte.store import queries

    s = queries.national_summary(con)
    counts = s["counts"]
    out.print(f"\n[bold]France : {fr_number(s['population'])} habitants (populations légales "
              "2023)[/bold]")
    render(pd.DataFrame([{"level": LEVEL_LABELS[lv], "n": counts.get(lv, 0)}
                         for lv in ("commune", *[v for v in TERRITORY_LEVELS if v != "commune"])])
           .rename(columns={"level": "Niveau", "n": "Territoires"}), Format.table,
           title="Territoires (COG 2025)")
    jobs = s["jobs"].rename(index=SECTOR_LABELS)
    jobs["Évolution"] = jobs[2012] - jobs[2008]
    jobs["Évolution (%)"] = 100 * jobs["Évolution"] / jobs[2008]
    render(jobs.reset_index().rename(columns={"sector": "Secteur", 2008: "2008", 2012: "2012"}),
           title="Emploi salarié national au 31/12 (Insee ESTEL, 5 secteurs)")


@app.command()
@friendly
def territories(
    level: Annotated[str, typer.Option("--level", "-l", help="epci, ze2020, ze2010, dep, reg "
                                       "ou commune.")] = "epci",
    search: Annotated[str | None, typer.Option("--search", "-s", help="Filtre sur le code "
                                               "ou le nom (sans accents ni casse).")] = None,
    fmt: FmtOpt = Format.table, db: DbOpt = None,
) -> None:
    """Liste les territoires d'un niveau avec leur population (populations légales 2023)."""
    from pacte import store
    from pacte.cli.tables import render
    from pacte.handlers import territory as territory_handlers

    with store.connect(db) as con:
        df = territory_handlers.territories(con, level, search).data
    if fmt is Format.table:  # the terminal gets the essential columns; csv/json get all
        keep = {"epci": ["code", "name", "nature", "fiscal_regime", "population",
                         "population_dgcl", "n_communes", "area_type"],
                "commune": ["code", "name", "population", "density_class"]}.get(
            level, ["code", "name", "population", "n_communes", "urban_share", "area_type"])
        df = df[keep]
    render(df, fmt, title=f"{upper_first(LEVEL_PLURALS[level])} : {count_title(len(df))}")


@app.command()
@friendly
def show(
    code: Annotated[str, typer.Argument(help="Code (SIREN d'EPCI, code commune, ZE…) ou nom "
                                        "exact.")],
    level: Annotated[str | None, typer.Option("--level", "-l")] = None,
    compare: Annotated[str | None, typer.Option(
        "--compare", "-c", help="Groupe de comparaison : semblables (défaut : taille, nature "
        "et profil), profil, departement, region, nature, population, codes.")] = None,
    codes: Annotated[str | None, typer.Option(
        "--codes", help="Codes du groupe « codes », séparés par des virgules.")] = None,
    fmt: FmtOpt = Format.table, db: DbOpt = None,
) -> None:
    """Fiche d'un territoire : identité, rang, mixité rurale/urbaine, indicateurs face à la
    France et au groupe de comparaison, emplois par source."""
    from pacte import store
    from pacte.cli.show import from_answer, print_territory
    from pacte.handlers.envelope import envelope
    from pacte.handlers.territory_rows import territory_rows

    with store.connect(db) as con, working("Calcul de la fiche…"):
        own_group = compare not in (None, "semblables") or codes
        t = None if own_group else territory_rows(con, code, level)  # the stored card
        if t is None:  # a name, a commune, another group: computed
            from pacte.handlers import territory as territory_handlers

            ans = territory_handlers.territory(con, code, level, compare=compare, codes=codes)
            t, meta = from_answer(ans), ans.meta
        else:
            meta = envelope(con, t.sources) if fmt is Format.json else {}
    print_territory(t, fmt, meta)


#: The other commands, each in its own module (whose ``register(app)`` adds it), imported
#: when used (:mod:`pacte.cli.lazy`); in the order of ``pacte --help``, after the core
#: commands (the ``simulate`` group last, where Typer lists groups).
COMMAND_MODULES = {
    "indicators": "pacte.cli.indicators", "exposure": "pacte.cli.exposure",
    "rank": "pacte.cli.rank", "validate": "pacte.cli.validate", "profile": "pacte.cli.profile",
    "export": "pacte.cli.export", "impact": "pacte.cli.impact",
    "diversify": "pacte.cli.diversify", "crisis": "pacte.cli.crisis",
    "serve": "pacte.cli.serve", "sources": "pacte.cli.fetch", "fetch": "pacte.cli.fetch",
    "basins": "pacte.cli.basins", "simulate": "pacte.cli.simulate",
}
install_french(app)  # every command speaks French (those of COMMAND_MODULES when built)
app.info.cls = lazy_group(app, COMMAND_MODULES)
