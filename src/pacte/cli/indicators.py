"""``pacte indicators``: the catalogue's indicators for the territories of a level.

Registered on the main Typer app by ``pacte.cli.main`` (``register(app)``, when the command is used).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

if TYPE_CHECKING:
    import pandas as pd
    from rich.console import Console

    from pacte.store.rows import Rows

import typer

from pacte.cli.common import DbOpt, FmtOpt, Format, err, friendly, working
from pacte.geography import INDICATOR_LEVELS as LEVELS
from pacte.labels import LEVEL_LABELS, count_title, upper_first

#: Rows shown in a terminal table; csv and json get everything.
MAX_TABLE_ROWS = 400

def print_catalogue(console: Console | None = None) -> None:
    """The catalogue in the terminal: one block per indicator (too wide for one table)."""
    from rich.console import Console
    from rich.markup import escape

    from pacte.catalogue import INDICATORS
    from pacte.handlers.indicators import catalogue as catalogue_table

    console = console or Console()
    console.print(f"[bold]Catalogue : {len(INDICATORS)} indicateurs[/bold]")
    for row in catalogue_table().itertuples():
        console.print(f"\n[bold]{row.id}[/bold] — {escape(row.label)} ({escape(row.unit)})")
        for key, value in (("sens", row.direction), ("formule", row.formula),
                           ("sources", row.sources), ("niveaux", row.levels),
                           ("périodes", row.periods)):
            console.print(f"  {key} : {escape(value)}", soft_wrap=True)


def footnotes(df: pd.DataFrame | Rows) -> tuple[pd.DataFrame | Rows, list[str]]:
    """Notes replaced by numbers, '(1)', with the legend below the table: a long note column
    would squeeze the figures out of a terminal table."""
    from pacte.store.rows import Rows

    notes = [n for n in dict.fromkeys(df.column("note") if isinstance(df, Rows)
                                      else df["note"]) if n]
    num = {n: f"({i})" for i, n in enumerate(notes, 1)}
    legend = [f"{num[n]} {n}" for n in notes]
    if isinstance(df, Rows):
        i = df.columns.index("note")
        return Rows(df.columns, [(*r[:i], num.get(r[i], ""), *r[i + 1:]) for r in df.rows],
                    df.numeric), legend
    return df.assign(note=[num.get(n, "") for n in df["note"]]), legend


def register(app: typer.Typer) -> None:
    """Add ``pacte indicators`` to ``app``."""


    @app.command("indicators")
    @friendly
    def indicators(
        level: Annotated[str | None, typer.Option(
            "--level", "-l", help=f"Niveau : {', '.join(LEVELS)}.")] = None,
        indicator: Annotated[list[str] | None, typer.Option(
            "--indicator", "-i", help="Identifiant d'indicateur (répétable ; --list pour "
            "le catalogue).")] = None,
        period: Annotated[str | None, typer.Option(
            "--period", "-p", help="Année ('2008') ou période ('2008-2012').")] = None,
        code: Annotated[str | None, typer.Option(
            "--code", "-c", help="Un seul territoire (code ou nom exact).")] = None,
        list_: Annotated[bool, typer.Option(
            "--list", help="Affiche le catalogue des indicateurs.")] = False,
        fmt: FmtOpt = Format.table, db: DbOpt = None,
    ) -> None:
        """Indicateurs (poids de l'industrie, spécialisation, choc 2008-2012) par territoire."""
        from pacte import store
        from pacte.cli.tables import render
        from pacte.store.rows import Rows, indicator_count, indicator_rows

        if list_:
            from pacte.handlers.indicators import catalogue as catalogue_table

            if fmt is Format.table:
                print_catalogue()
            else:
                render(catalogue_table(), fmt)
            return
        with store.connect(db) as con, working("Calcul des indicateurs…"):
            limit = MAX_TABLE_ROWS if fmt is Format.table else None  # the rows shown
            df = (indicator_rows(con, level, indicator, period, limit)
                  if level in LEVELS and code is None else None)
            if df is None:  # checked path: a code to resolve, or an error to explain
                from pacte.handlers.indicators import indicators as indicators_answer

                df = indicators_answer(con, level, indicator, period, code).data
                total = len(df)
            else:
                total = (indicator_count(con, level, indicator, period)
                         if len(df) == limit else len(df))
        if fmt is not Format.table:
            render(df, fmt)
            return
        cols = ["code", "name", "indicator", "period", "value", "unit", "source", "note"]
        if isinstance(df, Rows):
            shown = df.select(cols)
            shown.rows = shown.rows[:MAX_TABLE_ROWS]
        else:
            shown = df[cols].head(MAX_TABLE_ROWS)
        shown, legend = footnotes(shown)
        render(shown.renamed({"note": "Note"}) if isinstance(shown, Rows)
               else shown.rename(columns={"note": "Note"}),
               title=f"{upper_first(LEVEL_LABELS.get(level, level))} : "
                     f"{count_title(total, 'valeur')}")
        from pacte.cli.plain import plain_print

        for line in legend:
            if not plain_print(line, markup=False, soft_wrap=True):
                from rich.console import Console
                from rich.markup import escape

                Console().print(escape(line), soft_wrap=True)
        if total > MAX_TABLE_ROWS:
            message = (f"{total - MAX_TABLE_ROWS} lignes non affichées (--format csv pour "
                       "le détail, ou --indicator / --period / --code pour filtrer)")
            if not plain_print(message, stderr=True):
                err.print(message)
