"""``pacte exposure``: the territories most exposed to globalisation, with the industries
that make them exposed (shift-share exposure, pacte.engine.exposure)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from pacte.cli.common import DbOpt, FmtOpt, Format, err, friendly
from pacte.geography import EXPOSURE_IDS, EXPOSURE_LEVELS, EXPOSURE_PERIODS
from pacte.labels import LEVEL_LABELS


def register(app: typer.Typer) -> None:
    """Add ``pacte exposure`` to ``app``."""


    @app.command("exposure")
    @friendly
    def exposure(
        level: Annotated[str, typer.Option("--level", "-l",
                                           help=f"Niveau : {', '.join(EXPOSURE_LEVELS)}.")] = "ze2010",
        period: Annotated[str, typer.Option("--period", "-p",
                                            help=f"Période : {', '.join(EXPOSURE_PERIODS)}.")
                          ] = "2000-2007",
        indicator: Annotated[str, typer.Option("--indicator", "-i",
                                               help=f"{', '.join(EXPOSURE_IDS)}.")
                             ] = "import_exposure_china",
        top: Annotated[int, typer.Option("--top", "-n", help="Nombre de territoires.")] = 10,
        fmt: FmtOpt = Format.table, db: DbOpt = None,
    ) -> None:
        """Territoires les plus exposés à la mondialisation et leurs industries en cause."""
        from pacte import store
        from pacte.catalogue import INDICATORS
        from pacte.cli.tables import render
        from pacte.handlers.exposure import check_exposure, exposure_ranking

        check_exposure(level, period, indicator, top)
        with store.connect(db) as con, err.status("Calcul de l'exposition…"):
            df = exposure_ranking(con, level, period, indicator, top).data
        if fmt is not Format.table:
            render(df, fmt)
            return
        ind = INDICATORS[indicator]
        short = df.drop(columns="resolution").rename(columns={
            "rank": "Rang", "exposure": "Exposition", "industry_1": "1re industrie",
            "industry_2": "2e industrie", "industry_3": "3e industrie"})
        render(short, title=f"{ind.label} ({ind.unit}), {period} : {LEVEL_LABELS[level]}, "
                            f"les {len(df)} plus exposés")
        console = Console()
        console.print(f"Résolution : {df['resolution'].iloc[0] if len(df) else '—'}",
                      soft_wrap=True, markup=False)
        console.print("Lorsque seul le total industriel du territoire est connu, ses "
                      "industries sont celles de sa région : les industries en cause sont "
                      "alors celles de la région.", soft_wrap=True)
