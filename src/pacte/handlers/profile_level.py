"""Level-wide answers the territory profiles of one store share (the default ranking with
the territories' names, every territory's key figures for the peers, France's industrial
share), computed once per process and store: ``pacte profile --all`` and the API then pay
them once, not once per territory."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from pacte.engine import read_indicators
from pacte.handlers.ranking import ranking
from pacte.store.state import state_of


def num(x: Any) -> float | None:
    """JSON-safe number (NaN -> None)."""
    if x is None:
        return None
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def cached(con, level: str, what: str, make: Callable[[], Any],
           build_hash: str | None = None) -> Any:
    """``make()`` once per store (its state, :mod:`pacte.store.state`), level and what.
    ``build_hash``: the store's, when the caller read it already (the profile's envelope):
    reading it again costs a query, about 1 ms, at each of the profile's six lookups."""
    return state_of(con, build_hash).get(("profile", level, what), make)


def peer_values(con, level: str, ids: list[str]) -> dict[tuple, float | None]:
    """Every territory's key-figure values of ``level``: (code, indicator, source, period)
    -> value."""
    df = read_indicators(con, level, ids)
    return {(c, i, s, str(p)): num(v) for c, i, s, p, v in zip(
        df["code"], df["indicator"], df["source"], df["period"], df["value"], strict=True)}


def level_ranking(con, level: str) -> dict:
    """The default ranking of ``level`` as plain lookups (computed once per store)."""
    ans = ranking(con, level)
    df = ans.data
    dims = ans.meta["dimensions"]
    cols = ["code", "rank", "rank_low", "rank_high", "p_top", "tier", "imputed_note", "score",
            "type", "top_dimension", "area_type", "peers", "eligible", "eligibility_note",
            "eligible_rank"] + [f"{p}_{d}" for d in dims for p in ("dim", "contrib")]
    rows = {r["code"]: r for r in df[[c for c in cols if c in df]].to_dict("records")}
    names = dict(con.execute("SELECT code, name FROM territory WHERE level = ?",
                             [level]).fetchall())
    n_eligible = int(df["eligible"].sum()) if "eligible" in df else None
    return {"rows": rows, "n": len(df), "n_eligible": n_eligible, "dims": dims,
            "draws": ans.meta["draws"],
            "seed": ans.meta["seed"], "meta": ans.meta, "names": names,
            "tier_size": ans.meta["programme"]["size"],
            "unranked": {u["code"]: u["reason"] for u in ans.meta["unranked"]}}


def national_share(con) -> dict[tuple[str, str], float | None]:
    nat = read_indicators(con, "fr", ["industry_share"])
    return {(src, str(p)): num(v) for src, p, v in zip(nat["source"], nat["period"],
                                                         nat["value"], strict=True)}
