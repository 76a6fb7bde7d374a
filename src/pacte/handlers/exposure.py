"""Exposure answers: the territories most exposed to globalisation and their industries."""

from __future__ import annotations

import duckdb
import pandas as pd

from pacte.catalogue.exposure import EXPOSURE_IDS
from pacte.engine import exposure as ex
from pacte.engine.exposure_top import most_exposed, why_no_top
from pacte.errors import InvalidParameterError
from pacte.geography import check_level
from pacte.handlers.envelope import Answer, envelope


def check_exposure(level: str, period: str, indicator: str, n: int) -> None:
    """French errors on bad options, before any computation."""
    check_level(level, ex.LEVELS, "pour l'exposition")
    if period not in ex.PERIODS:
        raise InvalidParameterError(f"période inconnue : {period!r} (périodes : "
                                    f"{', '.join(ex.PERIODS)})")
    if indicator not in EXPOSURE_IDS:
        raise InvalidParameterError(f"indicateur d'exposition inconnu : {indicator!r} "
                                    f"(indicateurs : {', '.join(EXPOSURE_IDS)})")
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise InvalidParameterError(f"--top doit être un entier ≥ 1 (valeur : {n})")


def exposure_ranking(con: duckdb.DuckDBPyConnection, level: str, period: str, indicator: str,
                     n: int, k: int = 3) -> Answer:
    """The ``n`` most exposed territories of ``level``, one row each, with their ``k`` top
    industries and the share of the exposure each brings."""
    check_exposure(level, period, indicator, n)
    long = most_exposed(con, level, period, n, indicator, k)
    rows = []
    for rank, (code, g) in enumerate(long.groupby("code", sort=False), start=1):
        row = {"rank": rank, "code": code, "name": g["name"].iloc[0],
               "exposure": g["exposure"].iloc[0]}
        for r in g.itertuples():
            if not getattr(r, "own_detail", True):  # the région's mix: no ranking shown
                row["industry_1"] = why_no_top(level)
                break
            # share first: a terminal that shortens the label keeps the figure
            row[f"industry_{r.rank}"] = f"{100 * r.share_of_exposure:.0f} % {r.label}"
        row["resolution"] = g["resolution"].iloc[0]
        rows.append(row)
    return Answer(pd.DataFrame(rows), envelope(con, ["exposure"], level=level, period=period,
                                               indicator=indicator))
