"""``pacte diversify CODE``: a territory's specialisations, its economic complexity and the
industries it could develop (« montée en gamme »), from the national URSSAF file
(:func:`pacte.handlers.diversify.diversify`)."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from pacte.cli.common import DbOpt, FmtOpt, Format, friendly
from pacte.labels import fr_number


def _n(x, d: int = 2, pct: bool = False) -> str:
    import pandas as pd

    if x is None or pd.isna(x):
        return "—"
    return fr_number(100 * float(x), d) + " %" if pct else fr_number(float(x), d)


def _table(title: str, df, console: Console) -> None:
    t = Table(title=title, header_style="bold", title_justify="left")
    for h in ("Code", "Activité", "Emplois ici", "Spécificité (RCA)", "Densité",
              "Complexité (PCI)", "Gain (COG)", "Emplois France", "Croissance France"):
        t.add_column(h, justify="left" if h in ("Code", "Activité") else "right",
                     max_width=44 if h == "Activité" else None)
    for r in df.itertuples():
        t.add_row(str(r.industry), str(r.label), _n(r.jobs, 0), _n(r.rca), _n(r.density, 3),
                  _n(r.pci), _n(r.cog), _n(r.national_jobs, 0), _n(r.national_growth, 1, True))
    console.print(t)


def print_diversify(data: dict, meta: dict, console: Console, top: int) -> None:
    t = data["territory"]
    console.print(f"[bold]Montée en gamme : {t['name']} ({t['code']})[/bold] — "
                  f"{meta['donnees']}", soft_wrap=True)
    console.print(f"Résolution : {meta['resolution']}", soft_wrap=True)
    rank = "—" if t["eci_rank"] is None else f"{t['eci_rank']} / {t['n_territories']}"
    console.print(f"Complexité économique (ECI) : {_n(t['eci'])} (rang {rank}) ; "
                  f"diversité : {t['diversity']} spécialisations ; perspectives (COI) : "
                  f"{_n(t['coi'])}", soft_wrap=True)
    _table(f"Spécialisations (RCA ≥ 1, les {min(top, len(data['specialisations']))} "
           "premières par emplois)", data["specialisations"].head(top), console)
    _table("Activités à développer (non spécialisées, proches, en croissance en France)",
           data["opportunities"], console)
    console.print("[bold]Limites de la méthode[/bold]")
    for line in data["limits"]:
        console.print(f"- {line}", soft_wrap=True)
    console.print(meta["methode"], style="dim", soft_wrap=True, markup=False)
    console.print(meta["attribution"], style="dim", soft_wrap=True, markup=False)


def register(app: typer.Typer) -> None:
    @app.command("diversify")
    @friendly
    def diversify(
        code: Annotated[str, typer.Argument(help="SIREN de l'EPCI ou code de zone d'emploi.")],
        level: Annotated[str, typer.Option("--level", help="epci ou ze2020.")] = "epci",
        industries: Annotated[str, typer.Option(
            "--industries", help="a88 (divisions), a38 ou ape (732 codes).")] = "a88",
        year: Annotated[int | None, typer.Option("--year", help="Année URSSAF (défaut : la "
                                                 "dernière).")] = None,
        top: Annotated[int, typer.Option("--top", min=1, max=200,
                                         help="Nombre de pistes affichées.")] = 15,
        fmt: FmtOpt = Format.table,
        db: DbOpt = None,
    ) -> None:
        """Montée en gamme : spécialisations, complexité et activités à développer."""
        from pacte import store
        from pacte.export.tables import records
        from pacte.handlers.diversify import diversify as handler

        with store.connect(db) as con:
            ans = handler(con, code, level, industries, year, top)
        if fmt is Format.table:
            print_diversify(ans.data, ans.meta, Console(width=max(Console().width, 140)), top)
        elif fmt is Format.json:
            doc = {"meta": ans.meta, "territory": ans.data["territory"],
                   "specialisations": records(ans.data["specialisations"]),
                   "opportunities": records(ans.data["opportunities"]),
                   "limits": ans.data["limits"]}
            sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=1, default=str) + "\n")
        else:
            ans.data["industries"].to_csv(sys.stdout, index=False, lineterminator="\n")
