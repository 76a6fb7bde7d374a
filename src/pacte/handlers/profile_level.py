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


def num(x: Any) -> float | None:
    """JSON-safe number (NaN -> None)."""
    if x is None:
        return None
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


#: Level-wide answers the profiles of one store share (ranking, names, the peers' key
#: figures, France's series), keyed by (store path, build hash, level): a rebuilt store
#: has another hash. Bounded: the last few keys only.
_LEVEL_CACHE: dict[tuple, dict] = {}
_CACHE_SIZE = 8


def store_key(con) -> tuple:
    """(database path, build hash) of the store behind ``con``."""
    row = con.execute("SELECT (SELECT path FROM duckdb_databases() WHERE database_name = "
                      "current_database()), (SELECT value FROM meta WHERE key = "
                      "'build_hash')").fetchall()[0]
    return tuple(row)


def cached(con, level: str, what: str, make: Callable[[], Any]) -> Any:
    """``make()`` once per (store, build hash, level, what)."""
    key = (*store_key(con), level)
    slot = _LEVEL_CACHE.get(key)
    if slot is None:
        while len(_LEVEL_CACHE) >= _CACHE_SIZE:
            _LEVEL_CACHE.pop(next(iter(_LEVEL_CACHE)))
        slot = _LEVEL_CACHE.setdefault(key, {})
    if what not in slot:
        slot[what] = make()
    return slot[what]


def clear_cache() -> None:
    """Forget the level-wide answers (tests; a long-lived process after a rebuild is
    covered by the build hash in the key)."""
    _LEVEL_CACHE.clear()


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
    dims = df.attrs.get("dimensions", {})
    cols = ["code", "rank", "rank_low", "rank_high", "score", "type", "top_dimension",
            "area_type", "peers", "eligible", "eligibility_note", "eligible_rank"] + [
                f"{p}_{d}" for d in dims for p in ("dim", "contrib")]
    rows = {r["code"]: r for r in df[[c for c in cols if c in df]].to_dict("records")}
    names = dict(con.execute("SELECT code, name FROM territory WHERE level = ?",
                             [level]).fetchall())
    n_eligible = int(df["eligible"].sum()) if "eligible" in df else None
    return {"rows": rows, "n": len(df), "n_eligible": n_eligible, "dims": dims,
            "draws": df.attrs.get("draws"),
            "seed": df.attrs.get("seed"), "meta": ans.meta, "names": names}


def national_share(con) -> dict[tuple[str, str], float | None]:
    nat = read_indicators(con, "fr", ["industry_share"])
    return {(src, str(p)): num(v) for src, p, v in zip(nat["source"], nat["period"],
                                                         nat["value"], strict=True)}
