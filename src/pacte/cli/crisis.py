"""``pacte crisis CODE``: the 2008-2012 crisis of an EPCI industry by industry, from the
URSSAF APE detail (:func:`pacte.handlers.crisis.crisis_industries`)."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.console import Console

from pacte.cli.common import DbOpt, FmtOpt, Format, friendly

HEADERS = {"industry": "Code", "label": "Activité", "jobs_start": "Emplois 2008",
           "jobs_end": "Emplois 2012", "change": "Variation", "change_rel": "Variation (%)",
           "national_growth": "France (%)", "national_share": "Effet national",
           "industrial_mix": "Effet de structure", "regional_shift": "Effet local"}


def register(app: typer.Typer) -> None:
    @app.command("crisis")
    @friendly
    def crisis(
        code: Annotated[str, typer.Argument(help="SIREN de l'EPCI (ou nom exact).")],
        industries: Annotated[str, typer.Option(
            "--industries", help="a88 (divisions) ou ape (732 codes).")] = "a88",
        top: Annotated[int, typer.Option("--top", min=1, max=1000,
                                         help="Nombre d'activités affichées.")] = 10,
        fmt: FmtOpt = Format.table,
        db: DbOpt = None,
    ) -> None:
        """Crise 2008-2012 d'un EPCI, activité par activité (détail APE de l'URSSAF)."""
        from pacte import store
        from pacte.cli.tables import render
        from pacte.export.tables import records
        from pacte.handlers.crisis import crisis_industries

        with store.connect(db) as con:
            ans = crisis_industries(con, code, industries, top)
        m = ans.meta
        if fmt is Format.json:
            doc = {"meta": m, "industries": records(ans.data)}
            sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=1, default=str) + "\n")
            return
        if fmt is Format.csv:
            ans.data.to_csv(sys.stdout, index=False, lineterminator="\n")
            return
        out = Console(width=max(Console().width, 140))
        t = m["territory"]
        out.print(f"[bold]Crise {m['period']} : {t['name']} ({t['code']})[/bold]")
        if not m["detail"]:
            out.print(f"[yellow]{m['resolution_note']}[/yellow]", soft_wrap=True)
            return
        out.print(f"Résolution : {m['resolution']}", soft_wrap=True)
        out.print(f"Référence : {m['reference']}", soft_wrap=True)
        render(ans.data.rename(columns=HEADERS), fmt,
               title=f"Les {len(ans.data)} plus fortes pertes d'emplois", console=out)
