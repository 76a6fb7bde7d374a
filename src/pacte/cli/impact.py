"""``pacte impact``: what a plant closure (or opening) does to jobs, output and value added
in the territory and in the rest of France, direct, indirect and induced, over Flegg's
delta band (:func:`pacte.handlers.impact.impact`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from pacte.cli.common import DbOpt, FmtOpt, Format, err, friendly
from pacte.labels import ATTRIBUTION, LEVEL_LABELS, fr_modelled, fr_number

#: (effect, area) rows of the terminal tables, in reading order.
ROWS = [("direct", "local"), ("indirect", "local"), ("indirect", "rest_of_france"),
        ("induced", "local"), ("induced", "rest_of_france"), ("total", "local"),
        ("total", "rest_of_france"), ("total", "france")]
MEASURES = {"jobs": ("Emplois", 0), "output": ("Production (millions d'euros)", 1),
            "value_added": ("Valeur ajoutée (millions d'euros)", 1)}


def _delta(d: float) -> str:
    return "δ = " + fr_number(d, 2).rstrip("0").rstrip(",")


def impact_tables(df: pd.DataFrame, meta: dict, console: Console) -> None:
    """The three French tables (jobs, output, value added): one row per effect and area,
    one column per delta of the band."""
    deltas = meta["deltas"]
    t = meta["territory"]
    verb = "fermeture" if meta["jobs"] < 0 else "ouverture"
    console.print(f"[bold]Impact d'une {verb} de {fr_number(abs(meta['jobs']))} emplois[/bold]"
                  f" — secteur {meta['sector']} ({meta['sector_label']}) — {t['name']} "
                  f"({LEVEL_LABELS.get(t['level'], t['level'])} {t['code']})", soft_wrap=True)
    idx = df.set_index(["effect", "area", "delta"])
    for col, (title, decimals) in MEASURES.items():
        table = Table(title=title, header_style="bold", title_justify="left")
        table.add_column("Effet")
        table.add_column("Zone")
        for d in deltas:
            table.add_column(_delta(d), justify="right")
        for effect, area in ROWS:
            first = idx.loc[(effect, area, deltas[0])]
            cells = [fr_modelled(float(idx.loc[(effect, area, d), col]))
                     if effect != "direct" or col != "jobs"
                     else fr_number(float(idx.loc[(effect, area, d), col]), decimals)
                     for d in deltas]
            style = "bold" if effect == "total" else None
            table.add_row(first["effect_label"], first["area_label"], *cells, style=style)
        console.print(table)
    note = meta["delta_note"]
    console.print(note[0].upper() + note[1:] + ".", soft_wrap=True, markup=False)
    console.print(f"Structure du territoire : {meta['resolution']} ({meta['period']}) ; "
                  f"sources : {meta['source']}.", soft_wrap=True, markup=False)
    console.print(f"Emplois par million d'euros de production du secteur {meta['sector']} : "
                  f"{fr_number(meta['jobs_per_output'], 2)} (personnes en emploi, Insee 2010).",
                  soft_wrap=True, markup=False)
    for note in meta["notes"]:
        console.print(f"Note : {note}.", soft_wrap=True, markup=False)
    console.print(f"Modèle : {meta['model']}.", soft_wrap=True, markup=False)
    console.print(ATTRIBUTION, style="dim", soft_wrap=True, markup=False)


def register(app: typer.Typer) -> None:
    """Add ``pacte impact`` to ``app``."""


    @app.command("impact")
    @friendly
    def impact_cmd(
        code: Annotated[str, typer.Argument(help="Code (ou nom exact) du territoire.")],
        sector: Annotated[str, typer.Option(
            "--sector", "-s", help="Secteur A17 du tableau entrées-sorties (C2 et DE "
            "regroupés en C2DE), par exemple C4 (matériels de transport).")],
        jobs: Annotated[int, typer.Option(
            "--jobs", "-n", help="Emplois créés (négatif pour une fermeture : -500).")],
        level: Annotated[str | None, typer.Option(
            "--level", "-l", help="Niveau du territoire si le code est ambigu.")] = None,
        fmt: FmtOpt = Format.table, db: DbOpt = None,
    ) -> None:
        """Impact d'une fermeture ou d'une ouverture d'usine (emplois, production, VA)."""
        from pacte import store
        from pacte.cli.tables import render
        from pacte.handlers.impact import check_jobs, impact

        check_jobs(jobs)
        with store.connect(db) as con, err.status("Calcul de l'impact…"):
            answer = impact(con, code, sector, jobs, level)
        if fmt is not Format.table:
            render(answer.data, fmt)
            return
        impact_tables(answer.data, answer.meta, Console(width=max(Console().width, 100)))
