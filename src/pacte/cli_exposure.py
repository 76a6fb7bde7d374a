"""``pacte exposure``: the territories most exposed to globalisation, with the industries
that make them exposed (shift-share exposure, pacte.exposure_engine)."""

from __future__ import annotations

from typing import Annotated

import pandas as pd
import typer
from rich.console import Console

from pacte import exposure_engine as ex
from pacte import store
from pacte.catalogue import INDICATORS
from pacte.cli_common import DbOpt, FmtOpt, err, friendly
from pacte.errors import InvalidParameterError
from pacte.geography import LEVEL_LABELS
from pacte.output import Format, render

EXPOSURE_IDS = tuple(ex.SHOCKS)


def exposure_ranking(con, level: str, period: str, indicator: str, n: int,
                     k: int = 3) -> pd.DataFrame:
    """The ``n`` most exposed territories of ``level``, one row each, with their ``k`` top
    industries and the share of the exposure each brings."""
    if level not in ex.LEVELS:
        raise InvalidParameterError(f"niveau inconnu pour l'exposition : {level!r} (niveaux : "
                                    f"{', '.join(ex.LEVELS)})")
    if period not in ex.PERIODS:
        raise InvalidParameterError(f"période inconnue : {period!r} (périodes : "
                                    f"{', '.join(ex.PERIODS)})")
    if indicator not in EXPOSURE_IDS:
        raise InvalidParameterError(f"indicateur d'exposition inconnu : {indicator!r} "
                                    f"(indicateurs : {', '.join(EXPOSURE_IDS)})")
    if n < 1:
        raise InvalidParameterError(f"--top doit être positif (reçu : {n})")
    long = ex.most_exposed(con, level, period, n, indicator, k)
    rows = []
    for rank, (code, g) in enumerate(long.groupby("code", sort=False), start=1):
        row = {"rank": rank, "code": code, "name": g["name"].iloc[0],
               "exposure": g["exposure"].iloc[0]}
        for r in g.itertuples():
            # share first: a terminal that shortens the label keeps the figure
            row[f"industry_{r.rank}"] = f"{100 * r.share_of_exposure:.0f} % {r.label}"
        row["resolution"] = g["resolution"].iloc[0]
        rows.append(row)
    return pd.DataFrame(rows)


def register(app: typer.Typer) -> None:
    """Add ``pacte exposure`` to ``app``."""

    @app.command("exposure")
    @friendly
    def exposure(
        level: Annotated[str, typer.Option("--level", "-l",
                                           help=f"Niveau : {', '.join(ex.LEVELS)}.")] = "ze2010",
        period: Annotated[str, typer.Option("--period", "-p",
                                            help=f"Période : {', '.join(ex.PERIODS)}.")
                          ] = "2000-2007",
        indicator: Annotated[str, typer.Option("--indicator", "-i",
                                               help=f"{', '.join(EXPOSURE_IDS)}.")
                             ] = "import_exposure_china",
        top: Annotated[int, typer.Option("--top", "-n", help="Nombre de territoires.")] = 10,
        fmt: FmtOpt = Format.table, db: DbOpt = None,
    ) -> None:
        """Territoires les plus exposés à la mondialisation et leurs industries en cause."""
        with store.connect(db) as con, err.status("Calcul de l'exposition…"):
            df = exposure_ranking(con, level, period, indicator, top)
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
