"""The industries behind a territory's exposure to globalisation: its top WIOD industries
and the most exposed territories of a level (read by ``pacte exposure`` and the profiles)."""

from __future__ import annotations

import pandas as pd

from pacte.engine.exposure import UNIT, Inputs, _level, _q, read_wiod_labels
from pacte.errors import UnknownTerritoryError
from pacte.indicators.exposure import top_contributors


def _top(contrib: pd.DataFrame, inp: Inputs, k: int, labels: pd.Series) -> pd.DataFrame:
    top = top_contributors(contrib, k=k).rename(columns={"location": "code"})
    top["label"] = top["industry"].map(labels)
    top["resolution"] = top["code"].map(inp.resolution)
    top["note"] = top["code"].map(inp.note)
    return top.rename(columns={"industry": "sector"}).assign(unit=UNIT)


def top_industries(con, level: str, code: str, period: str, k: int = 3,
                   indicator: str = "import_exposure_china") -> pd.DataFrame:
    """The ``k`` WIOD industries contributing most to a territory's exposure: rank, sector,
    label (French), contribution, share_of_exposure, resolution, note, unit. Empty if the
    exposure is unknown. Where the territory is known only by an industry total, its mix of
    industries is its region's (see ``note``)."""
    c, inp = _level(con, level, period, indicator)
    if code not in c.index:
        raise UnknownTerritoryError(code, level, [])
    return _top(c.loc[[code]], inp, k, read_wiod_labels(con)).drop(
        columns="code").reset_index(drop=True)


def most_exposed(con, level: str = "ze2010", period: str = "2000-2007", n: int = 10,
                 indicator: str = "import_exposure_china", k: int = 3) -> pd.DataFrame:
    """The ``n`` most exposed territories, each with its ``k`` top industries (long: one row
    per territory x rank): code, name, exposure, rank, sector, label, contribution,
    share_of_exposure, resolution, note, unit."""
    c, inp = _level(con, level, period, indicator)
    exp = c.sum(axis=1, min_count=1).dropna().sort_values(ascending=False, kind="stable")
    best = exp.head(n)
    names = _q(con, "SELECT code, name FROM territory WHERE level = ?", [level])
    names = names.set_index("code")["name"]
    top = _top(c.loc[best.index], inp, k, read_wiod_labels(con))
    top.insert(1, "name", top["code"].map(names))
    top.insert(2, "exposure", top["code"].map(best))
    return top.sort_values(["exposure", "rank"], ascending=[False, True]).reset_index(drop=True)
